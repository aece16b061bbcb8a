"""GraphQL `packages`: issue 14's filter fields and the connection's `facets`, which is counted
only when a document selects it."""

from __future__ import annotations

from typing import Any

import pytest

from domain.services import listing
from tests.fixtures.stack import Stack
from tests.graphql.support import actor, add_package, add_version, data, execute
from tests.helpers import make_publisher

PACKAGES = """query($filter: PackageFilter, $sort: PackageSort!) {
  packages(filter: $filter, sort: $sort, first: 50) {
    totalCount edges { node { name } } } }"""
WITH_FACETS = """query($filter: PackageFilter) {
  packages(filter: $filter, first: 50) {
    totalCount edges { node { name } } facets { facet values { value count } } } }"""
PUBLISHER_FACETS = """{ publisher(name: "team") { packages(first: 50) {
  totalCount facets { facet values { value count } } } } }"""


async def _catalogue() -> None:
    team = await make_publisher("u1", "team")
    other = await make_publisher("u2", "other")
    for publisher, name, kind in (
        (team, "alpha", "mod"),
        (team, "beta", "theme"),
        (other, "gamma", "mod"),
    ):
        await add_version(await add_package(publisher, name, package_type=kind), "1.0.0")
    await add_version(await add_package(team, "hidden", visibility="private"), "1.0.0")


async def _names(stack: Stack, filter: dict[str, Any], sort: str = "NAME") -> list[str]:
    found = await data(stack, PACKAGES, {"filter": filter, "sort": sort})
    return [edge["node"]["name"] for edge in found["packages"]["edges"]]


async def test_facets_are_counted_only_when_selected(
    stack: Stack, monkeypatch: pytest.MonkeyPatch
) -> None:
    await _catalogue()
    plans: list[listing.ListingQuery] = []
    counted: list[listing.ListingQuery] = []
    planned, together = listing._plan, listing.keyset_page_and_facets

    async def planning(who: Any, query: listing.ListingQuery) -> Any:
        plans.append(query)
        return await planned(who, query)

    async def counting(who: Any, query: listing.ListingQuery, **page: Any) -> Any:
        counted.append(query)
        return await together(who, query, **page)

    monkeypatch.setattr(listing, "_plan", planning)
    monkeypatch.setattr(listing, "keyset_page_and_facets", counting)
    assert await _names(stack, {}) == ["alpha", "beta", "gamma"]
    assert counted == [] and len(plans) == 1
    plans.clear()
    page = (await data(stack, WITH_FACETS, {"filter": {"type": "MOD"}}))["packages"]
    # The page and its facet counts from one plan, as REST's `facets=true`.
    assert len(counted) == 1 and counted[0].package_type == "mod"
    assert len(plans) == 1
    facets = {entry["facet"]: entry["values"] for entry in page["facets"]}
    assert set(facets) == {"type", "category", "toolbox", "platform", "architecture", "verified"}
    assert page["totalCount"] == 2
    # `@include(if: false)` leaves the facets out: nothing counted.
    counted.clear()
    skipped = """query($facets: Boolean!) { packages(first: 50) {
      totalCount facets @include(if: $facets) { facet } } }"""
    assert "facets" not in (await data(stack, skipped, {"facets": False}))["packages"]
    assert counted == []


async def test_facets_count_what_the_caller_may_see(stack: Stack) -> None:
    await _catalogue()
    anonymous = (await data(stack, WITH_FACETS))["packages"]
    owner = (await data(stack, WITH_FACETS, as_actor=await actor("u1")))["packages"]
    assert anonymous["totalCount"] == 3 and owner["totalCount"] == 4

    def types(page: dict[str, Any]) -> dict[str, int]:
        entry = next(e for e in page["facets"] if e["facet"] == "type")
        return {v["value"]: v["count"] for v in entry["values"]}

    assert types(anonymous) == {"mod": 2, "theme": 1}
    assert types(owner) == {"mod": 3, "theme": 1}
    # A publisher's connection counts its own packages only.
    mine = (await data(stack, PUBLISHER_FACETS, as_actor=await actor("u1")))["publisher"]
    assert mine["packages"]["totalCount"] == 3
    assert types(mine["packages"]) == {"mod": 2, "theme": 1}


async def test_filter_fields_narrow_and_refuse_bad_values(stack: Stack) -> None:
    await _catalogue()
    assert await _names(stack, {"updatedSince": "2000-01-01T00:00:00Z"}) == [
        "alpha",
        "beta",
        "gamma",
    ]
    assert await _names(stack, {"updatedSince": "2999-01-01T00:00:00Z"}) == []
    assert await _names(stack, {"category": "no-such-category"}) == []
    assert await _names(stack, {"platform": "no-such-platform"}) == []
    assert await _names(stack, {"architecture": "no-such-architecture"}) == []
    assert await _names(stack, {"toolboxVersion": "0.1.24"}) == ["alpha", "beta", "gamma"]
    refused = await execute(
        stack, PACKAGES, {"filter": {"toolboxVersion": "not a version"}, "sort": "NAME"}
    )
    assert refused.errors
    assert refused.errors[0].extensions == {"code": "invalid", "field": "toolboxVersion"}
    wrong_time = await execute(
        stack, PACKAGES, {"filter": {"updatedSince": "yesterday"}, "sort": "NAME"}
    )
    assert wrong_time.errors  # not a DateTime: refused before the resolver
