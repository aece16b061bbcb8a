"""REST `GET /packages` and `GET /search`: issue 14's parameters (sort, facet filters, facet
counts) and the anonymous page cache (registry/rest/cached.py), which never outlives a write,
never shows an anonymous caller what it may not see, and never answers a caller with a token."""

from __future__ import annotations

from typing import Any

import pytest

from domain.models import Package
from registry.read_cache import ResponseCache
from tests.fixtures.stack import Stack, bearer
from tests.helpers import create_package, make_publisher, mod_zip, upload_version

FACET_NAMES = {"type", "category", "toolbox", "platform", "architecture", "verified"}


async def _get(stack: Stack, path: str, user: str | None = None, **params: Any) -> Any:
    response = await stack.client.get(
        f"/api/v1/{path}", params=params, headers=bearer(user) if user else {}
    )
    assert response.status_code == 200, response.text
    assert response.headers["content-type"] == "application/json"
    return response.json()


async def _names(stack: Stack, path: str, user: str | None = None, **params: Any) -> list[str]:
    return [p["name"] for p in (await _get(stack, path, user, **params))["packages"]]


async def _catalogue(stack: Stack) -> None:
    await make_publisher("u1", "team")
    for name, description in (
        ("alpha-tools", "tools for alpha"),
        ("alphabet", "letters"),
        ("beta", "alpha testing"),
    ):
        created = await create_package(stack.client, "u1", name, description=description)
        assert created.status_code == 201, created.text


@pytest.mark.parametrize(
    ("params", "named"),
    [
        ({"sort": "popular"}, "sort"),
        ({"sort": "x" * 300}, "sort"),
        ({"verified": "maybe"}, "verified"),
        ({"facets": "please"}, "facets"),
        ({"updated_since": "yesterday"}, "updated_since"),
        ({"updated_since": "2026-02-31"}, "updated_since"),
        ({"toolbox_version": "not a version"}, "toolbox_version"),
        ({"toolbox_version": " " * 51}, "toolbox_version"),
        ({"page": "0"}, "page"),
        ({"package_type": "spaceship"}, "package type"),
    ],
)
async def test_bad_parameters_are_a_400_naming_them(
    stack: Stack, params: dict[str, str], named: str
) -> None:
    for path in ("search", "packages"):
        response = await stack.client.get(f"/api/v1/{path}", params=params)
        assert response.status_code == 400, (path, params, response.text)
        assert named in response.json()["detail"], response.json()


async def test_sorts_filters_and_facets_are_accepted_on_both_routes(stack: Stack) -> None:
    await _catalogue(stack)
    await Package.filter(name_key="beta").update(total_downloads=50)
    await Package.filter(name_key="alphabet").update(total_downloads=5)
    assert await _names(stack, "search", q="alpha") == ["alphabet", "alpha-tools", "beta"]
    assert await _names(stack, "packages") == ["alpha-tools", "alphabet", "beta"]  # by name
    for path in ("search", "packages"):
        assert await _names(stack, path, sort="downloads") == ["beta", "alphabet", "alpha-tools"]
        assert await _names(stack, path, sort="name") == ["alpha-tools", "alphabet", "beta"]
        assert await _names(stack, path, sort="newest") == await _names(stack, path, sort="created")
        assert len(await _names(stack, path, sort="updated")) == 3
        assert await _names(stack, path, sort="", updated_since="", verified="") == await _names(
            stack, path
        )
        assert await _names(stack, path, updated_since="2000-01-01") != []
        assert await _names(stack, path, updated_since="2999-01-01T00:00:00Z") == []
        assert await _names(stack, path, verified="true") != []  # team is verified
        assert await _names(stack, path, category="no-such-category") == []

        plain = await _get(stack, path)
        assert "facets" not in plain  # only when asked
        assert {"packages", "total", "page", "per_page"} <= plain.keys()
        faceted = await _get(stack, path, facets="true")
        assert faceted["packages"] == plain["packages"]
        assert set(faceted["facets"]) == FACET_NAMES, faceted["facets"]
        for values in faceted["facets"].values():
            assert all(set(v) == {"value", "count"} for v in values)
    searched = await _get(stack, "search", q="alpha", facets="true", sort="name")
    assert {"packages", "results", "total", "query", "page", "per_page", "facets"} <= set(searched)
    assert searched["query"] == "alpha" and searched["packages"] == searched["results"]


async def test_anonymous_pages_are_cached_until_a_write_commits(stack: Stack) -> None:
    await _catalogue(stack)
    for path, params in (
        ("search", {"q": "alpha", "per_page": "50"}),
        ("packages", {"sort": "name", "per_page": "50"}),
    ):
        first = await _get(stack, path, **params)
        # A change behind the domain's back (it announces nothing) is not seen anonymously:
        # the repeat, in any parameter order, came from memory.
        await Package.filter(name_key="alphabet").update(description="changed quietly")
        again = await stack.client.get(f"/api/v1/{path}?{_reversed(params)}")
        assert again.json() == first
        # A caller with a token always reads the database, even a stale or bad token.
        for headers in (bearer("u1"), bearer("stranger"), {"Authorization": "Bearer nonsense"}):
            fresh = await stack.client.get(f"/api/v1/{path}", params=params, headers=headers)
            descriptions = {p["name"]: p["description"] for p in fresh.json()["packages"]}
            assert descriptions["alphabet"] == "changed quietly", headers
        await Package.filter(name_key="alphabet").update(description="letters")
        await _patch(stack, "alphabet", {"description": "letters"})  # announces: cache empty


def _reversed(params: dict[str, str]) -> str:
    return "&".join(f"{k}={v}" for k, v in reversed(params.items()))


async def _patch(stack: Stack, name: str, body: dict[str, Any], user: str = "u1") -> None:
    response = await stack.client.patch(f"/api/v1/packages/{name}", headers=bearer(user), json=body)
    assert response.status_code == 200, response.text


async def test_every_kind_of_write_reaches_the_next_anonymous_search(stack: Stack) -> None:
    await _catalogue(stack)
    assert set(await _names(stack, "search", q="alpha")) == {"alphabet", "alpha-tools", "beta"}

    # create and publish
    created = await create_package(stack.client, "u1", "alpha")
    assert created.status_code == 201, created.text
    assert (await _names(stack, "search", q="alpha"))[0] == "alpha"
    uploaded = await upload_version(stack.client, "u1", "alpha", "1.0.0", mod_zip("alpha", "1.0.0"))
    assert uploaded.status_code == 201, uploaded.text
    # The embedded default scans in-process: the scan may already have published it here.
    pending = (await _get(stack, "search", q="alpha"))["packages"][0]["latest_version"]
    assert pending in ("", "1.0.0")
    await stack.drain_jobs()  # the scan publishes it, in a job
    assert (await _get(stack, "search", q="alpha"))["packages"][0]["latest_version"] == "1.0.0"

    # update
    await _patch(stack, "beta", {"description": "nothing to see"})
    assert "beta" not in await _names(stack, "search", q="alpha")

    # visibility: hidden from anonymous callers at once, still listed for the owner
    await _patch(stack, "alphabet", {"visibility": "private"})
    assert "alphabet" not in await _names(stack, "search", q="alpha")
    assert "alphabet" not in await _names(stack, "packages")
    facets = (await _get(stack, "search", q="alpha", facets="true"))["facets"]
    assert sum(count for _, count in _pairs(facets["type"])) == 2  # alpha, alpha-tools
    assert "alphabet" in await _names(stack, "search", "u1", q="alpha")
    assert "alphabet" not in await _names(stack, "search", q="alpha")  # owner's page not reused
    await _patch(stack, "alphabet", {"visibility": "public"})
    assert "alphabet" in await _names(stack, "search", q="alpha")

    # delete
    deleted = await stack.client.delete("/api/v1/packages/alpha-tools", headers=bearer("u1"))
    assert deleted.status_code == 204
    assert "alpha-tools" not in await _names(stack, "search", q="alpha")
    assert "alpha-tools" not in await _names(stack, "packages")


def _pairs(values: list[dict[str, Any]]) -> list[tuple[str, int]]:
    return [(v["value"], v["count"]) for v in values]


async def test_private_packages_never_reach_anonymous_callers_through_the_cache(
    stack: Stack,
) -> None:
    await _catalogue(stack)
    created = await create_package(stack.client, "u1", "alpha-secret", visibility="private")
    assert created.status_code == 201, created.text
    # The owner asks first, with every parameter an anonymous caller will send.
    for path in ("search", "packages"):
        params = {"q": "alpha"} if path == "search" else {}
        owned = await _get(stack, path, "u1", facets="true", **params)
        assert "alpha-secret" in [p["name"] for p in owned["packages"]]
        anonymous = await _get(stack, path, facets="true", **params)
        assert "alpha-secret" not in [p["name"] for p in anonymous["packages"]]
        assert anonymous["total"] == owned["total"] - 1
        assert sum(c for _, c in _pairs(anonymous["facets"]["type"])) == anonymous["total"]
        # ...and the owner, asking again after the anonymous fill, still gets their own view.
        again = await _get(stack, path, "u1", facets="true", **params)
        assert again == owned


async def test_the_cache_is_bounded(stack: Stack) -> None:
    await _catalogue(stack)
    cache = stack.runtime.page_cache
    before = len(cache._entries)
    long_query = "c" * 600  # over MAX_KEY_QUERY: answered, not kept
    assert (await _get(stack, "search", q="alpha", category=long_query))["total"] == 0
    assert len(cache._entries) == before
    await _get(stack, "search", q="alpha")
    assert len(cache._entries) == before + 1
    assert cache.max_bytes is not None and cache.max_entries <= 10_000

    now = [0.0]
    small = ResponseCache(5, clock=lambda: now[0], max_bytes=100)
    small.put("a", b"x" * 40, small.generation)
    small.put("b", b"y" * 40, small.generation)
    small.put("c", b"z" * 40, small.generation)  # over 100 bytes in all: the oldest goes
    assert small.get("a") is None and small.get("b") and small.get("c")
    small.put("huge", b"h" * 200, small.generation)  # larger than the whole budget: not kept
    assert small.get("huge") is None and small.get("c")
    small.put("c", b"w" * 10, small.generation)  # replacing an entry frees its old bytes
    assert small._bytes == len("b") + 40 + len("c") + 10


async def _category_counts(stack: Stack, user: str | None = None) -> dict[str, int]:
    listed = await _get(stack, "categories", user)
    return {entry["slug"]: entry["package_count"] for entry in listed["categories"]}


async def test_anonymous_categories_are_cached_until_a_write_commits(stack: Stack) -> None:
    await make_publisher("u1", "team")
    assert (await _category_counts(stack))["themes"] == 0
    created = await create_package(stack.client, "u1", "dusk", categories=["themes"])
    assert created.status_code == 201, created.text
    assert (await _category_counts(stack))["themes"] == 1  # the create announced itself

    # Behind the domain's back: the anonymous repeat comes from memory, a token reads afresh.
    await Package.filter(name_key="dusk").update(categories=["themes", "games"])
    assert (await _category_counts(stack))["games"] == 0
    assert (await _category_counts(stack, "u1"))["games"] == 1

    # A private package counts for its owner only, whoever asked first.
    hidden = await create_package(
        stack.client, "u1", "night", categories=["themes"], visibility="private"
    )
    assert hidden.status_code == 201, hidden.text
    assert (await _category_counts(stack, "u1"))["themes"] == 2
    assert (await _category_counts(stack))["themes"] == 1
    assert (await _category_counts(stack, "u1"))["themes"] == 2
