"""Issue 14 follow-ups: `verified=false` selects packages of unverified publishers (REST and
GraphQL); caller-given ToolBoxV2 versions stay out of the version cache; the manifest's
artifact platforms feed the platform facet; the latest version's README is searchable."""

from __future__ import annotations

from typing import Any

import pytest
from tortoise import Tortoise

from domain import ranges, search_index
from domain.actor import Actor
from domain.database import apply_migrations
from domain.models import Package, PackageVersion, Publisher, User
from domain.services import listing
from domain.versions import version_key
from tests.discovery.test_search_index import _insert_raw
from tests.discovery.test_search_index import _names as _index_names
from tests.fixtures.old_schema import connect, migrate_to
from tests.fixtures.stack import Stack, bearer
from tests.graphql.support import actor, add_package, add_version, data, execute
from tests.helpers import create_package, make_publisher, mod_zip, upload_version

PACKAGES = """query($filter: PackageFilter) {
  packages(filter: $filter, first: 50) {
    totalCount edges { node { name } } facets { facet values { value count } } } }"""


async def _two_publishers() -> None:
    team = await make_publisher("u1", "team")
    other = await make_publisher("u2", "other")
    for publisher, name in ((team, "alpha"), (team, "beta"), (other, "gamma")):
        await add_version(await add_package(publisher, name), "1.0.0")
    # The publishers trigger rewrites the `verified` facet rows in the same statement.
    await Publisher.filter(name="other").update(verification_status="unverified")


async def _rest_names(stack: Stack, path: str, **params: Any) -> list[str]:
    response = await stack.client.get(f"/api/v1/{path}", params=params)
    assert response.status_code == 200, response.text
    return sorted(p["name"] for p in response.json()["packages"])


async def _graphql(stack: Stack, filter: dict[str, Any]) -> tuple[list[str], int]:
    found = (await data(stack, PACKAGES, {"filter": filter}))["packages"]
    return sorted(e["node"]["name"] for e in found["edges"]), found["totalCount"]


async def test_verified_false_selects_unverified_publishers(stack: Stack) -> None:
    await _two_publishers()
    for path in ("packages", "search"):
        assert await _rest_names(stack, path, verified="false") == ["gamma"]
        assert await _rest_names(stack, path, verified="true") == ["alpha", "beta"]
        assert await _rest_names(stack, path) == ["alpha", "beta", "gamma"]
    assert await _graphql(stack, {"verified": False}) == (["gamma"], 1)
    assert await _graphql(stack, {"verified": True}) == (["alpha", "beta"], 2)
    assert await _graphql(stack, {"verifiedOnly": True}) == (["alpha", "beta"], 2)
    assert await _graphql(stack, {}) == (["alpha", "beta", "gamma"], 3)
    both = {"filter": {"verifiedOnly": True, "verified": False}}
    assert (await execute(stack, PACKAGES, both)).errors  # a contradiction, not a guess


async def test_caller_toolbox_versions_are_not_cached(stack: Stack) -> None:
    before = ranges._version_from_text.cache_info().currsize
    query = listing.ListingQuery(toolbox="0.1.24+caller.label")
    assert query.toolbox == "0.1.24"
    assert ranges._version_from_text.cache_info().currsize == before
    assert await _rest_names(stack, "packages", toolbox_version="7.7.7.7.7") == []
    assert ranges._version_from_text.cache_info().currsize == before


async def _publish(stack: Stack, name: str, version: str, **kwargs: Any) -> None:
    response = await upload_version(
        stack.client, "u1", name, version, mod_zip(name, version, **kwargs)
    )
    assert response.status_code == 201, response.text
    await stack.drain_jobs()
    detail = await stack.client.get(f"/api/v1/packages/{name}/versions/{version}")
    assert detail.json()["status"] == "published", detail.text


async def _facet(stack: Stack, facet: str) -> dict[str, int]:
    response = await stack.client.get("/api/v1/packages", params={"facets": "true"})
    assert response.status_code == 200, response.text
    return {v["value"]: v["count"] for v in response.json()["facets"][facet]}


async def test_artifact_platforms_of_the_manifest_feed_the_platform_facet(stack: Stack) -> None:
    await make_publisher("u1", "team")
    for name in ("PlatMod", "PlainMod"):
        assert (await create_package(stack.client, "u1", name)).status_code == 201
    # ModManager platform names (server, client) are not artifact platforms: not stored.
    platforms = ["windows", "server", "Linux", "client", "windows"]
    await _publish(stack, "PlatMod", "1.0.0", manifest_fields={"platforms": platforms})
    await _publish(stack, "PlainMod", "1.0.0", manifest_fields={"platforms": ["server"]})
    stored = await PackageVersion.get(package__name="PlatMod", version="1.0.0")
    assert stored.platforms == ["windows", "linux"]
    plain = await PackageVersion.get(package__name="PlainMod", version="1.0.0")
    assert plain.platforms == []
    assert await _facet(stack, "platform") == {"windows": 1, "linux": 1}
    assert await _rest_names(stack, "packages", platform="linux") == ["PlatMod"]
    assert await _rest_names(stack, "packages", platform="server") == []
    # A later version without artifact platforms takes the package out of the facet.
    await _publish(stack, "PlatMod", "1.1.0", manifest_fields={"platforms": {"server": {}}})
    assert await _facet(stack, "platform") == {}


async def _search(stack: Stack, q: str) -> list[str]:
    return await _rest_names(stack, "search", q=q)


async def test_the_latest_versions_readme_is_searchable(stack: Stack) -> None:
    await make_publisher("u1", "team")
    assert (await create_package(stack.client, "u1", "ReadMod")).status_code == 201
    readme = b"# ReadMod\n\nIt teleports **zanzibarquux** crates.<br>Also&nbsp;flumbergast.\n"
    await _publish(stack, "ReadMod", "1.0.0", extra={"ReadMod/README.md": readme})
    assert await _search(stack, "zanzibarquux") == ["ReadMod"]
    assert await _search(stack, "flumbergast") == ["ReadMod"]
    found = await data(stack, '{ packages(search: "zanzibarquux", first: 5) { totalCount } }')
    assert found["packages"]["totalCount"] == 1
    # A later version whose README lacks the word: the package no longer matches it.
    await _publish(stack, "ReadMod", "1.1.0", extra={"ReadMod/README.md": b"# New words\n"})
    assert await _search(stack, "zanzibarquux") == []
    assert await _search(stack, "words") == ["ReadMod"]
    # Yanking the latest version brings the earlier README back with the earlier version.
    yanked = await stack.client.post(
        "/api/v1/packages/ReadMod/versions/1.1.0/yank", headers=bearer("u1"), json={}
    )
    assert yanked.status_code == 200, yanked.text
    assert await _search(stack, "zanzibarquux") == ["ReadMod"]


def test_readme_search_text_is_plain_and_bounded() -> None:
    text = search_index.readme_search_text("<h1>Title</h1><p>a&amp;b <code>x</code></p>")
    assert text == "Title a&b x"
    assert len(search_index.readme_search_text("<p>" + "w " * 100_000 + "</p>")) == (
        search_index.MAX_README_TEXT
    )


# --- migration 0008 over existing data --------------------------------------------------


async def test_migration_0008_indexes_existing_readmes(old_database_url: str) -> None:
    await migrate_to(old_database_url, "models.0007_search_index")
    try:
        await User.create(id="owner", username="owner")
        publisher = await Publisher.create(
            name="old", display_name="Old", email="o@example.com", verification_status="verified"
        )
        await _insert_raw(publisher.id, "Old-Readme", "an old package")
        package_id = (await Package.filter(name="Old-Readme").values_list("id", flat=True))[0]
        digest = "ab" * 32
        await PackageVersion.create(
            package_id=package_id,
            version="1.0.0",
            version_key=version_key("1.0.0"),
            status="published",
            blob_key=f"sha256/{digest}",
            sha256=digest,
            upload_sha256=digest,
            size_bytes=1,
            readme_html="<p>Tames the <strong>quarkleflux</strong> engine</p>",
        )
        await Package.filter(id=package_id).update(latest_version="1.0.0")
    finally:
        await Tortoise.close_connections()

    await apply_migrations(old_database_url)
    await connect(old_database_url)
    try:
        assert (await _index_names(Actor(), search="quarkleflux"))[0] == ["Old-Readme"]
        assert (await _index_names(Actor(), search="old package"))[0] == ["Old-Readme"]
    finally:
        await Tortoise.close_connections()


async def test_rebuild_brings_readme_text_in_line(stack: Stack) -> None:
    await make_publisher("u1", "team")
    assert (await create_package(stack.client, "u1", "BulkMod")).status_code == 201
    readme = b"Grinds **plumbobwidget** gears.\n"
    await _publish(stack, "BulkMod", "1.0.0", extra={"BulkMod/README.md": readme})
    # Rows written by plain SQL (no store_latest): a rebuild recomputes the README text.
    # (Read through the domain: bulk SQL bypasses the REST answer cache's invalidation.)
    await Package.filter(name="BulkMod").update(readme_text="")
    assert (await _index_names(Actor(), search="plumbobwidget"))[0] == []
    await search_index.rebuild_search_index()
    assert (await _index_names(Actor(), search="plumbobwidget"))[0] == ["BulkMod"]
    await PackageVersion.filter(version="1.0.0").update(readme_html="")
    await search_index.rebuild_search_index()
    assert (await _index_names(Actor(), search="plumbobwidget"))[0] == []


async def test_rebuilt_pages_reach_the_readme_text(stack: Stack) -> None:
    from domain.services import scans

    await make_publisher("u1", "team")
    assert (await create_package(stack.client, "u1", "OldPages")).status_code == 201
    readme = b"Polishes **snorkelvane** rims.\n"
    await _publish(stack, "OldPages", "1.0.0", extra={"OldPages/README.md": readme})
    # As before pages existed: no README HTML, so no README text either.
    await PackageVersion.filter(version="1.0.0").update(readme_html="")
    await Package.filter(name="OldPages").update(readme_text="")
    assert (await _index_names(Actor(), search="snorkelvane"))[0] == []
    assert await scans.rebuild_pages(stack.ctx) == (1, 1)
    assert (await _index_names(Actor(), search="snorkelvane"))[0] == ["OldPages"]


async def test_a_metadata_update_from_a_stale_row_keeps_the_latest_readme(
    stack: Stack, monkeypatch: pytest.MonkeyPatch
) -> None:
    from domain.categories import DEFAULT_CATALOG
    from domain.commands import PackageUpdate
    from domain.services import packages

    await make_publisher("u1", "team")
    assert (await create_package(stack.client, "u1", "RaceMod")).status_code == 201
    await _publish(stack, "RaceMod", "1.0.0", extra={"RaceMod/README.md": b"old words\n"})
    stale = await Package.get(name="RaceMod")
    await _publish(stack, "RaceMod", "1.1.0", extra={"RaceMod/README.md": b"gloriousnew\n"})

    async def stale_package(actor: Actor, name: str) -> Package:
        return stale  # as read before the publish committed

    monkeypatch.setattr(packages, "get_package", stale_package)
    await packages.update_package(
        await actor("u1"),
        "RaceMod",
        PackageUpdate(description="changed meanwhile"),
        catalog=DEFAULT_CATALOG,
    )
    row = await Package.get(name="RaceMod")
    assert (row.description, row.latest_version) == ("changed meanwhile", "1.1.0")
    assert (await _index_names(Actor(), search="gloriousnew"))[0] == ["RaceMod"]
