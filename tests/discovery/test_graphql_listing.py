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
    calls: list[listing.ListingQuery] = []
    counted = listing.facet_counts

    async def counting(who: Any, query: listing.ListingQuery) -> Any:
        calls.append(query)
        return await counted(who, query)

    monkeypatch.setattr(listing, "facet_counts", counting)
    assert await _names(stack, {}) == ["alpha", "beta", "gamma"]
    assert calls == []
    page = (await data(stack, WITH_FACETS, {"filter": {"type": "MOD"}}))["packages"]
    assert len(calls) == 1 and calls[0].package_type == "mod"
    facets = {entry["facet"]: entry["values"] for entry in page["facets"]}
    assert set(facets) == {"type", "category", "toolbox", "platform", "architecture", "verified"}
    assert page["totalCount"] == 2


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
