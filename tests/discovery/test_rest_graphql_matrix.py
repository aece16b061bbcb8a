"""REST `GET /search` (and `GET /packages`) and the GraphQL `packages` connection answer the same
listing: for a catalogue of varied packages (types, categories, platforms, architectures,
ToolBoxV2 requirements, verified and unverified publishers, private, unlisted, deprecated,
archived and yanked-only ones), a matrix of searches × filters × sorts gives the same names,
in the same order, with the same totals and the same facet counts, anonymously and as the
owner of the hidden packages, on SQLite and PostgreSQL (issue 14 acceptance).

Every cell is compared; the test fails once, listing each cell that differed.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import AsyncIterator
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest

from domain import changes, search_index
from domain.models import Package, PackageVersion, Publisher
from domain.names import name_key
from domain.services.packages import refresh_latest_version
from domain.versions import version_key
from registry.app import create_app
from tests.fixtures.stack import Stack, bearer
from tests.helpers import make_publisher

OWNER = "u-other"  # owns the private and unlisted packages
LONG_AGO = datetime(2026, 1, 1, tzinfo=UTC)
RECENTLY = datetime(2026, 6, 1, tzinfo=UTC)
SINCE = "2026-03-01T00:00:00Z"


@dataclass
class Seed:
    name: str
    publisher: str
    package_type: str = "mod"
    description: str = ""
    keywords: list[str] = field(default_factory=list)
    categories: list[str] = field(default_factory=list)
    visibility: str = "public"
    status: str = "active"
    downloads: int = 0
    toolbox: str = ""  # the latest version's ToolBoxV2 requirement
    platforms: list[str] = field(default_factory=list)
    architectures: list[str] = field(default_factory=list)
    versions: tuple[str, ...] = ("1.0.0",)
    yanked: bool = False  # every version yanked
    updated: datetime = LONG_AGO


CATALOGUE = [
    Seed(
        "alpha-tools",
        "acme",
        description="Tools for alpha testing",
        keywords=["alpha", "testing"],
        categories=["productivity", "developer-tools"],
        downloads=500,
        toolbox=">=0.1.20,<0.2.0",
        platforms=["server", "desktop"],
        architectures=["x64"],
        updated=RECENTLY,
    ),
    Seed(
        "alphabet",
        "acme",
        "library",
        "Letters and words",
        categories=["utilities"],
        downloads=40,
        toolbox=">=0.1.0",
    ),
    Seed(
        "alpha",
        "indie",
        description="The first one",
        categories=["productivity", "ui-widgets"],
        downloads=10,
        platforms=["desktop"],
        updated=RECENTLY,
    ),
    Seed(
        "beta-theme",
        "acme",
        "theme",
        "A dark theme for alpha users",
        categories=["themes"],
        downloads=300,
        architectures=["x64", "arm64"],
    ),
    Seed(
        "auto-save",
        "indie",
        "plugin",
        "Saves your work automatically",
        keywords=["save", "backup"],
        categories=["productivity"],
        downloads=1200,
        toolbox=">=0.1.24",
        platforms=["server"],
        updated=RECENTLY,
    ),
    Seed("autosaver", "other", description="An auto save clone", downloads=5),
    Seed(
        "pkg-0001",
        "other",
        "widget",
        "A hyphenated name",
        categories=["ui-widgets"],
        platforms=["desktop"],
    ),
    Seed(
        "dark-mode",
        "acme",
        "theme",
        'Dark mode for every "quoted" widget',
        categories=["themes", "ui-widgets"],
        downloads=800,
        toolbox="~=0.1.5",
        updated=RECENTLY,
    ),
    Seed(
        "legacy-sync",
        "acme",
        description="Sync files to the cloud (old)",
        categories=["integrations"],
        status="deprecated",
        downloads=900,
    ),
    Seed(
        "cloud-sync",
        "acme",
        description="Sync files to the cloud",
        categories=["integrations"],
        downloads=100,
        toolbox=">=0.2.0",
        platforms=["server", "desktop"],
        architectures=["arm64"],
        updated=RECENTLY,
    ),
    Seed(
        "secret-alpha",
        "other",
        description="Private alpha build",
        categories=["productivity"],
        visibility="private",
        downloads=1000,
        platforms=["server"],
    ),
    Seed(
        "hidden-alpha",
        "other",
        description="Unlisted alpha build",
        categories=["productivity"],
        visibility="unlisted",
        downloads=999,
        architectures=["x64"],
    ),
    Seed(
        "feature-x",
        "indie",
        "feature",
        "A feature pack",
        toolbox=">=0.2.0",
        downloads=50,
        updated=RECENTLY,
    ),
    Seed("old-archive", "indie", description="Archived alpha", status="archived", downloads=20),
    Seed(
        "data-tools",
        "other",
        "library",
        "Data tools for dashboards",
        categories=["data"],
        downloads=70,
        platforms=["server"],
        architectures=["arm64", "x64"],
    ),
    Seed(
        "chart-widget",
        "other",
        "widget",
        "Charts for dashboards",
        categories=["ui-widgets", "data"],
        downloads=60,
        toolbox=">=0.1.0,<0.1.30",
    ),
    Seed("yanked-only", "acme", description="Nothing left to install", yanked=True, downloads=3),
    Seed("no-version", "acme", description="Not released yet", versions=()),
]

SEARCHES = ["", "alpha", "auto save", "pkg-0001", '"dark mode"', "alpah", "dashboards"]
FILTERS: list[dict[str, str]] = [
    {},
    {"package_type": "mod"},
    {"category": "productivity"},
    {"category": "ui-widgets"},
    {"toolbox_version": "0.1.24"},
    {"platform": "server"},
    {"architecture": "x64"},
    {"verified": "true"},
    {"updated_since": SINCE},
    {"publisher": "other"},
    {"visibility": "private"},
    {"package_type": "mod", "category": "productivity", "verified": "true"},
]
SORTS = ["relevance", "downloads", "name", "updated", "created"]
CALLERS = [None, OWNER]

GRAPHQL = """query($search: String, $filter: PackageFilter, $sort: PackageSort!, $first: Int,
  $after: String, $facets: Boolean!) {
  packages(search: $search, filter: $filter, sort: $sort, first: $first, after: $after) {
    totalCount
    edges { node { name } }
    pageInfo { hasNextPage endCursor }
    facets @include(if: $facets) { facet values { value count } }
  } }"""


async def _seed() -> None:
    publishers: dict[str, Publisher] = {
        "acme": await make_publisher("u-acme", "acme"),
        "indie": await make_publisher("u-indie", "indie", verified=False),
        "other": await make_publisher(OWNER, "other"),
    }
    created = datetime(2025, 12, 1, tzinfo=UTC)
    for index, seed in enumerate(CATALOGUE):
        package = await Package.create(
            name=seed.name,
            name_key=name_key(seed.name),
            display_name=seed.name.replace("-", " ").title(),
            publisher_id=publishers[seed.publisher].id,
            package_type=seed.package_type,
            visibility=seed.visibility,
            description=seed.description,
            keywords=seed.keywords,
            categories=seed.categories,
            status=seed.status,
            total_downloads=seed.downloads,
        )
        for number, version in enumerate(seed.versions):
            digest = f"{index:04d}{number:02d}".ljust(64, "0")
            await PackageVersion.create(
                package_id=package.id,
                version=version,
                version_key=version_key(version),
                status="published",
                yanked=seed.yanked,
                blob_key=f"sha256/{digest}",
                sha256=digest,
                upload_sha256=digest,
                size_bytes=100,
                toolbox_version=seed.toolbox,
                platforms=seed.platforms,
                architectures=seed.architectures,
                published_at=created,
            )
        await refresh_latest_version(package.id)
        # Distinct creation times (the `created` order) and the chosen last change.
        await Package.filter(id=package.id).update(
            created_at=created + timedelta(hours=index),
            updated_at=seed.updated + timedelta(minutes=index),
        )
    # Rows written behind the domain's back: index them, and drop what was cached.
    await search_index.rebuild_search_index()
    changes.announce()


@dataclass
class Answer:
    names: list[str]
    total: int
    facets: dict[str, list[tuple[str, int]]] | None


class Failed(AssertionError):
    """A request of the matrix did not answer 200 (or GraphQL answered errors); the message
    starts with "REST <path>" or "GraphQL"."""


def _graphql_filter(params: dict[str, str]) -> dict[str, Any]:
    rename = {
        "package_type": "type",
        "toolbox_version": "toolboxVersion",
        "updated_since": "updatedSince",
        "verified": "verifiedOnly",
    }
    found: dict[str, Any] = {"includeYanked": True}  # REST always lists yanked-only packages
    for key, value in params.items():
        name = rename.get(key, key)
        if name in ("type", "visibility"):
            found[name] = value.upper()
        elif name == "verifiedOnly":
            found[name] = value == "true"
        else:
            found[name] = value
    return found


async def _rest(
    client: httpx.AsyncClient,
    caller: str | None,
    path: str,
    params: dict[str, str],
    *,
    facets: bool,
) -> Answer:
    query = {**params, "per_page": "100"}
    if facets:
        query["facets"] = "true"
    response = await client.get(
        f"/api/v1/{path}", params=query, headers=bearer(caller) if caller else {}
    )
    if response.status_code != 200:
        raise Failed(f"REST /{path} {response.status_code}: {query} {response.text[:300]}")
    body = response.json()
    found = None
    if facets:
        found = {
            name: [(v["value"], v["count"]) for v in values]
            for name, values in body["facets"].items()
        }
    return Answer([p["name"] for p in body["packages"]], body["total"], found)


async def _graphql(
    client: httpx.AsyncClient,
    caller: str | None,
    search: str,
    params: dict[str, str],
    sort: str,
    *,
    facets: bool,
    first: int = 100,
    after: str | None = None,
) -> tuple[Answer, str | None]:
    variables = {
        "search": search,
        "filter": _graphql_filter(params),
        "sort": sort.upper(),
        "first": first,
        "after": after,
        "facets": facets,
    }
    response = await client.post(
        "/graphql",
        json={"query": GRAPHQL, "variables": variables},
        headers=bearer(caller) if caller else {},
    )
    if response.status_code != 200 or "errors" in response.json():
        raise Failed(f"GraphQL {response.status_code}: {variables} {response.text[:300]}")
    body = response.json()
    page = body["data"]["packages"]
    found = None
    if facets:
        found = {
            entry["facet"]: [(v["value"], v["count"]) for v in entry["values"]]
            for entry in page["facets"]
        }
    names = [edge["node"]["name"] for edge in page["edges"]]
    cursor = page["pageInfo"]["endCursor"] if page["pageInfo"]["hasNextPage"] else None
    return Answer(names, page["totalCount"], found), cursor


@pytest.fixture
async def unlimited(stack: Stack) -> AsyncIterator[httpx.AsyncClient]:
    """The stack's app without rate limits: the matrix sends a few thousand searches."""
    app = create_app(replace(stack.settings, rate_limit_enabled=False), runtime=stack.runtime)
    async with httpx.AsyncClient(
        # A server error is an answer the matrix reports in its cell, not an exception.
        transport=httpx.ASGITransport(app=app, raise_app_exceptions=False),
        base_url="http://testserver",
    ) as client:
        yield client


def _kind(first: Answer, second: Answer) -> str:
    if first.names != second.names:
        return "names or order differ" if set(first.names) == set(second.names) else "names differ"
    return "totals differ" if first.total != second.total else "facet counts differ"


async def _cell(
    client: httpx.AsyncClient, caller: str | None, search: str, params: dict[str, str], sort: str
) -> list[tuple[str, str]]:
    """The differences of one cell of the matrix, as (kind, what)."""
    facets = sort == "relevance"  # the order does not change the counts: asked once per cell
    cell = f"caller={caller} q={search!r} {params} sort={sort}"
    found: list[tuple[str, str]] = []
    try:
        rest = await _rest(
            client, caller, "search", {"q": search, "sort": sort, **params}, facets=facets
        )
        graphql, _ = await _graphql(client, caller, search, params, sort, facets=facets)
        if rest != graphql:
            found.append(
                (
                    f"REST vs GraphQL: {_kind(rest, graphql)}",
                    f"{cell}\n  REST    {rest}\n  GraphQL {graphql}",
                )
            )
        if not search:
            # GET /packages (which takes no q) lists an empty search alike.
            listed = await _rest(
                client, caller, "packages", {"sort": sort, **params}, facets=facets
            )
            if listed != rest:
                found.append(
                    (
                        f"/packages vs /search: {_kind(listed, rest)}",
                        f"{cell}\n  /packages {listed}\n  /search   {rest}",
                    )
                )
    except Failed as failure:
        found.append((str(failure).split(":")[0] + " failed", f"{cell}: {failure}"))
    return found


async def test_rest_and_graphql_answer_the_same_matrix(
    stack: Stack, unlimited: httpx.AsyncClient
) -> None:
    await _seed()
    cells = [
        (caller, search, params, sort)
        for caller in CALLERS
        for search in SEARCHES
        for params in FILTERS
        for sort in SORTS
    ]
    differences: list[tuple[str, str]] = []
    for cell in cells:
        differences += await _cell(unlimited, *cell)
    kinds = Counter(kind for kind, _ in differences)
    summary = ", ".join(f"{kind}: {n}" for kind, n in kinds.most_common())
    examples = "\n".join(what for _, what in differences[:25])
    assert not differences, (
        f"{len(differences)} of {len(cells)} cells differ ({summary}):\n{examples}"
    )


async def test_the_matrix_is_not_vacuous(stack: Stack, unlimited: httpx.AsyncClient) -> None:
    """What the matrix compares holds the cases it is meant to: hidden packages only for
    their owner, the filters narrowing, facets counted, the ranks the issue asks for."""
    await _seed()

    async def names(caller: str | None = None, **params: str) -> list[str]:
        return (await _rest(unlimited, caller, "search", params, facets=False)).names

    everyone = await names()
    assert "secret-alpha" not in everyone and "hidden-alpha" not in everyone
    assert "secret-alpha" in await names(OWNER)
    # A caller with a token who is no member sees what anonymous callers see.
    stranger = await _rest(unlimited, "u-stranger", "search", {}, facets=True)
    assert stranger == await _rest(unlimited, None, "search", {}, facets=True)
    assert await names(OWNER, visibility="private") == ["secret-alpha"]
    assert await names(visibility="private") == []
    assert "yanked-only" in everyone and "no-version" in everyone
    assert (await names(q="alpha"))[0] == "alpha"  # exact name first
    assert (await names(q="pkg-0001"))[0] == "pkg-0001"  # a hyphen never errors
    assert (await names(q='"dark mode"'))[0] == "dark-mode"
    alpha = await names(q="alpha", sort="relevance")
    assert alpha.index("old-archive") > alpha.index("alphabet")  # archived ranks last
    assert set(await names(category="productivity")) == {"alpha-tools", "alpha", "auto-save"}
    assert set(await names(toolbox_version="0.1.24")) >= {"alpha-tools", "auto-save", "dark-mode"}
    assert "cloud-sync" not in await names(toolbox_version="0.1.24")
    assert set(await names(platform="server")) == {
        "alpha-tools",
        "auto-save",
        "cloud-sync",
        "data-tools",
    }
    assert set(await names(architecture="x64")) == {"alpha-tools", "beta-theme", "data-tools"}
    assert "alpha" not in await names(verified="true")  # indie is not verified
    assert set(await names(updated_since=SINCE)) == {
        s.name for s in CATALOGUE if s.updated == RECENTLY and s.visibility == "public"
    }

    anonymous = await _rest(unlimited, None, "search", {}, facets=True)
    owner = await _rest(unlimited, OWNER, "search", {}, facets=True)
    assert anonymous.facets is not None and owner.facets is not None
    assert set(anonymous.facets) == {
        "type",
        "category",
        "toolbox",
        "platform",
        "architecture",
        "verified",
    }
    productivity = dict(anonymous.facets["category"])["productivity"]
    assert productivity == 3  # the private and unlisted ones are not counted
    # The owner also counts its own private and unlisted ones.
    assert dict(owner.facets["category"])["productivity"] == 5
    assert sum(count for _, count in anonymous.facets["type"]) == anonymous.total


async def test_paging_matches_cursor_for_cursor(stack: Stack, unlimited: httpx.AsyncClient) -> None:
    """Page n of REST (per_page 4) is the n-th GraphQL page (first 4, after the cursor)."""
    await _seed()
    for caller in CALLERS:
        for search, sort in (("", "downloads"), ("alpha", "relevance"), ("", "name")):
            after = None
            for page in range(1, 6):
                query = {"q": search, "sort": sort, "page": str(page), "per_page": "4"}
                response = await unlimited.get(
                    "/api/v1/search", params=query, headers=bearer(caller) if caller else {}
                )
                rest = [p["name"] for p in response.json()["packages"]]
                graphql, after = await _graphql(
                    unlimited, caller, search, {}, sort, facets=False, first=4, after=after
                )
                assert rest == graphql.names, (caller, search, sort, page)
                if after is None:
                    break
