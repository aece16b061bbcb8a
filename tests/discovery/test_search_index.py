"""The search and facet index (domain/search_index.py) on SQLite and PostgreSQL: what callers
may not see never shows in results, facet counts or category counts; writes are searchable at
once (the triggers run in the write's transaction); migration 0007 indexes packages that were
there before it; bulk rows become searchable with rebuild_search_index."""

from __future__ import annotations

import asyncio
import os
import sys

import pytest
from tortoise import Tortoise

from domain import changes, search_index
from domain.actor import Actor
from domain.categories import DEFAULT_CATALOG
from domain.commands import PackageUpdate
from domain.database import apply_migrations
from domain.models import Package, Publisher, User
from domain.names import name_key
from domain.services import listing, packages
from domain.services.listing import ListingQuery
from tests.fixtures.old_schema import connect, insert_package_row, migrate_to
from tests.fixtures.stack import Stack
from tests.graphql.support import actor, add_version
from tests.helpers import make_publisher


async def _package(publisher: Publisher, name: str, **fields: object) -> Package:
    return await Package.create(
        name=name, name_key=name_key(name), display_name=name, publisher_id=publisher.id, **fields
    )


async def _names(who: Actor, **query: object) -> tuple[list[str], int]:
    rows, total = await listing.numbered_page(who, ListingQuery(**query), page=1, per_page=50)
    return [row.name for row in rows], total


def _counts(facets: dict[str, list[tuple[str, int]]], facet: str) -> dict[str, int]:
    return dict(facets[facet])


async def test_hidden_packages_never_show(stack: Stack) -> None:
    team = await make_publisher("u1", "team")
    await make_publisher("u2", "others")
    for name, visibility in (
        ("ghost-public", "public"),
        ("ghost-private", "private"),
        ("ghost-unlisted", "unlisted"),
    ):
        package = await _package(
            team,
            name,
            visibility=visibility,
            description="spectral ectoplasm",
            categories=["themes"] if visibility == "public" else ["secret-cat"],
        )
        await add_version(package, "1.0.0")
    member = await actor("u1")
    strangers = [Actor(), await actor("u2")]
    for who in strangers:
        for query in ({"search": "ghost"}, {"search": "ectoplasm"}, {}, {"category": "secret-cat"}):
            names, total = await _names(who, **query)
            assert set(names) <= {"ghost-public"} and total == len(names), (query, names)
            facets = await listing.facet_counts(who, ListingQuery(**query))  # type: ignore[arg-type]
            assert "secret-cat" not in _counts(facets, "category"), query
            assert sum(_counts(facets, "type").values()) == total, (query, facets)
            # The page and its facet counts answered together (REST's facets=true) agree.
            rows, together, both = await listing.numbered_page_and_facets(
                who,
                ListingQuery(**query),  # type: ignore[arg-type]
                page=1,
                per_page=50,
            )
            assert ([row.name for row in rows], together, both) == (names, total, facets)
        assert dict(await listing.category_counts(who)) == {"themes": 1}
        # Typo-tolerant matching never brings a hidden name either.
        assert set((await _names(who, search="ghost-privat"))[0]) <= {"ghost-public"}
    names, total = await _names(member, search="ectoplasm")
    assert sorted(names) == ["ghost-private", "ghost-public", "ghost-unlisted"] and total == 3
    assert dict(await listing.category_counts(member)) == {"themes": 1, "secret-cat": 2}
    member_facets = await listing.facet_counts(member, ListingQuery())
    assert _counts(member_facets, "type") == {"mod": 3}
    # Over REST as well (the anonymous page cache included).
    for params in ({"q": "ectoplasm"}, {"q": "", "category": "secret-cat"}):
        body = (await stack.client.get("/api/v1/search", params=params)).json()
        assert [p["name"] for p in body["packages"]] in ([], ["ghost-public"]), body


async def test_writes_are_searchable_at_once(stack: Stack) -> None:
    team = await make_publisher("u1", "team")
    owner = await actor("u1")
    package = await _package(team, "lantern", description="a small light")
    await add_version(package, "1.0.0")
    assert (await _names(Actor(), search="lighthouse"))[0] == []

    await packages.update_package(
        owner, "lantern", PackageUpdate(description="a lighthouse"), catalog=DEFAULT_CATALOG
    )
    assert (await _names(Actor(), search="lighthouse"))[0] == ["lantern"]
    assert (await _names(Actor(), search="small"))[0] == []

    package = await Package.get(name="lantern")
    package.categories = ["developer-tools"]
    package.keywords = ["beacon"]
    await package.save()
    assert (await _names(Actor(), search="beacon"))[0] == ["lantern"]
    assert (await _names(Actor(), category="developer-tools"))[0] == ["lantern"]
    assert dict(await listing.category_counts(Actor())) == {"developer-tools": 1}

    await packages.update_package(
        owner, "lantern", PackageUpdate(visibility="private"), catalog=DEFAULT_CATALOG
    )
    assert (await _names(Actor(), search="lighthouse"))[0] == []
    assert dict(await listing.category_counts(Actor())) == {}

    await packages.delete_package(owner, "lantern")
    assert (await _names(owner, search="lighthouse"))[0] == []
    assert (await _names(owner, search="lantern"))[0] == []
    assert await listing.category_counts(owner) == []


async def test_facets_follow_the_latest_version(stack: Stack) -> None:
    team = await make_publisher("u1", "team")
    package = await _package(team, "compat")
    first = await add_version(package, "1.0.0")
    first.toolbox_version = ">=0.1.25"
    first.architectures = ["x64"]
    await first.save()
    await search_index.rebuild_search_index([package.id])
    assert (await _names(Actor(), toolbox="0.1.24"))[0] == []
    assert (await _names(Actor(), toolbox="0.1.26"))[0] == ["compat"]
    assert (await _names(Actor(), architecture="x64"))[0] == ["compat"]
    facets = await listing.facet_counts(Actor(), ListingQuery())
    assert _counts(facets, "architecture") == {"x64": 1}
    toolbox = _counts(facets, "toolbox")
    assert all(n == (1 if release >= "0.1.25" else 0) for release, n in toolbox.items())

    # A new latest version without a requirement admits every ToolBoxV2 version; a yank of
    # it brings the old one back (refresh_latest_version, the one path every change takes).
    second = await add_version(package, "2.0.0")
    assert (await _names(Actor(), toolbox="0.1.24"))[0] == ["compat"]
    assert (await _names(Actor(), architecture="x64"))[0] == []
    second.yanked = True
    await second.save()
    await packages.refresh_latest_version(package.id)
    assert (await _names(Actor(), toolbox="0.1.24"))[0] == []
    # Publisher verification is a facet too, rewritten when it changes.
    assert (await _names(Actor(), verified_only=True))[0] == ["compat"]
    team.verification_status = "unverified"
    await team.save()
    assert (await _names(Actor(), verified_only=True))[0] == []
    assert _counts(await listing.facet_counts(Actor(), ListingQuery()), "verified") == {"false": 1}


async def test_filtered_facet_counts_follow_writes(stack: Stack) -> None:
    """Facet counts of a facet-filtered listing are reused until a public facet row changes
    (listing._FILTERED_FACETS): every kind of change shows at once."""
    team = await make_publisher("u1", "team")
    themes = ListingQuery(category="themes")

    async def types() -> dict[str, int]:
        return _counts(await listing.facet_counts(Actor(), themes), "type")

    first = await _package(team, "skin-one", categories=["themes"])
    await add_version(first, "1.0.0")
    assert await types() == {"mod": 1}
    assert await types() == {"mod": 1}  # reused
    second = await _package(team, "skin-two", categories=["themes"], package_type="library")
    await add_version(second, "1.0.0")
    assert await types() == {"library": 1, "mod": 1}
    second.visibility = "private"
    await second.save()
    assert await types() == {"mod": 1}
    first.categories = ["tools"]
    await first.save()
    assert await types() == {}
    first.categories = ["themes"]
    await first.save()
    assert _counts(await listing.facet_counts(Actor(), themes), "verified") == {"true": 1}
    team.verification_status = "unverified"
    await team.save()
    assert _counts(await listing.facet_counts(Actor(), themes), "verified") == {"false": 1}
    await search_index.compact_deltas()
    assert await types() == {"mod": 1}
    await _assert_pairs_recounted()
    third = await _package(team, "skin-three", categories=["themes", "tools"])
    await add_version(third, "1.0.0")
    await _assert_pairs_recounted()
    await third.delete()
    await _assert_pairs_recounted()
    await search_index.compact_pair_deltas()
    await _assert_pairs_recounted()
    assert await types() == {"mod": 1}


async def test_search_facet_counts_follow_writes(
    stack: Stack, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Facet counts of a search read the public facet rows as bits (listing._FACET_BITS):
    hidden packages are never counted, every change shows at once, and the counts equal
    those of the SQL count (which answers when there are too many values to hold)."""
    team = await make_publisher("u1", "team")
    spooky = ListingQuery(search="spooky")

    async def types() -> dict[str, int]:
        counted = _counts(await listing.facet_counts(Actor(), spooky), "type")
        # a one-row page: the names fill it, the total is counted apart (the bits too)
        _, total = await listing.numbered_page(Actor(), spooky, page=1, per_page=1)
        assert total == sum(counted.values())
        # Both together read the matches once, for the total and the counts alike.
        rows, together, both = await listing.numbered_page_and_facets(
            Actor(), spooky, page=1, per_page=1
        )
        assert (together, _counts(both, "type")) == (total, counted)
        assert len(rows) == min(1, total)
        return counted

    first = await _package(team, "spooky-one", categories=["themes"])
    await add_version(first, "1.0.0")
    hidden = await _package(team, "spooky-two", visibility="private", package_type="library")
    await add_version(hidden, "1.0.0")
    unlisted = await _package(team, "spooky-three", visibility="unlisted", package_type="theme")
    await add_version(unlisted, "1.0.0")
    assert await types() == {"mod": 1}
    assert await types() == {"mod": 1}  # the bits reused
    member = await actor("u1")
    member_types = _counts(await listing.facet_counts(member, spooky), "type")
    assert member_types == {"mod": 1, "library": 1, "theme": 1}
    hidden.visibility = "public"
    await hidden.save()
    assert await types() == {"library": 1, "mod": 1}
    first.description = "nothing of the kind"
    first.name = "plain-one"
    first.name_key = name_key("plain-one")
    first.display_name = "plain-one"
    await first.save()
    assert await types() == {"library": 1}
    await hidden.delete()
    assert await types() == {}
    await search_index.compact_deltas()
    assert await types() == {}
    second = await _package(team, "spooky-four", categories=["themes", "tools"])
    await add_version(second, "1.0.0")
    with_bits = await listing.facet_counts(Actor(), spooky)
    assert _counts(with_bits, "category") == {"themes": 1, "tools": 1}
    assert (await listing.numbered_page(Actor(), spooky, page=1, per_page=1))[1] == 1
    monkeypatch.setattr(listing, "FACET_BITS_VALUES", 0)
    assert await listing.facet_counts(Actor(), spooky) == with_bits
    assert (await listing.numbered_page(Actor(), spooky, page=1, per_page=1))[1] == 1


async def _assert_pairs_recounted() -> None:
    """The facet pair totals the triggers kept equal a count of the public facet rows."""
    rows = await Tortoise.get_connection("default").execute_query_dict(
        "SELECT a.facet AS facet, a.value AS value, b.facet AS other_facet, b.value AS "
        "other_value, count(*) AS n FROM package_facets a JOIN package_facets b ON "
        "b.package_id = a.package_id WHERE a.public AND b.public GROUP BY a.facet, a.value, "
        "b.facet, b.value"
    )
    counted: dict[tuple[str, str], dict[str, dict[str, int]]] = {}
    for row in rows:
        bucket = counted.setdefault((row["facet"], row["value"]), {})
        bucket.setdefault(row["other_facet"], {})[row["other_value"]] = int(row["n"])
    totals = await search_index.public_totals()
    kept = {
        (facet, value): await search_index.pair_totals(facet, [value])
        for facet, values in totals.items()
        for value in values
    }
    assert kept == counted


async def test_bulk_rows_are_indexed_by_rebuild(stack: Stack) -> None:
    team = await make_publisher("u1", "team")
    await _insert_raw(team.id, "bulk-one", "inserted by plain SQL")
    announced: list[None] = []
    unsubscribe = changes.subscribe(lambda: announced.append(None))
    try:
        await search_index.rebuild_search_index()
    finally:
        unsubscribe()
    assert announced  # every process's cached pages drop (the change feed forwards it)
    assert (await _names(Actor(), search="plain"))[0] == ["bulk-one"]
    assert _counts(await listing.facet_counts(Actor(), ListingQuery()), "type") == {"mod": 1}


async def test_rebuild_command_indexes_bulk_rows(stack: Stack) -> None:
    """`tb-registry rebuild-search-index`: rows written by bulk SQL become searchable."""
    team = await make_publisher("u1", "team")
    await _insert_raw(team.id, "bulk-cli", "written around the registry")
    connection = Tortoise.get_connection("default")
    if search_index.is_postgres(connection):  # the text entry as bulk SQL leaves it: none
        await connection.execute_script("UPDATE packages SET search_vector = ''")
    else:
        await connection.execute_script("DELETE FROM packages_fts")
    assert (await _names(Actor(), search="around"))[0] == []
    settings = stack.settings
    env = {
        **os.environ,
        "DATA_DIR": str(settings.data_dir),
        "DATABASE_URL": settings.database_url,
        "TB_REGISTRY_ENV_FILE": os.devnull,
    }
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "registry",
        "rebuild-search-index",
        env=env,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    out, err = await asyncio.wait_for(process.communicate(), timeout=120)
    assert process.returncode == 0, (out.decode(), err.decode())
    assert "rebuild-search-index: done" in out.decode()
    assert (await _names(Actor(), search="around"))[0] == ["bulk-cli"]


async def _insert_raw(publisher_id: str, name: str, description: str) -> None:
    """A package row written by plain SQL, as the schema before 0007 has it."""
    await insert_package_row(
        publisher_id,
        name,
        discovery=True,
        display_name=name,
        description=description,
        keywords='["clock"]',
        total_downloads=3,
        categories='["tools"]',
    )


# --- migration 0007 over existing data -------------------------------------------------

BEFORE = "models.0006_discovery_columns"


async def test_migration_0007_indexes_existing_packages(old_database_url: str) -> None:
    await migrate_to(old_database_url, BEFORE)
    try:
        await User.create(id="owner", username="owner")
        publisher = await Publisher.create(
            name="old", display_name="Old", email="o@example.com", verification_status="verified"
        )
        await _insert_raw(publisher.id, "Old-Timer", "keeps the grandfather clock ticking")
    finally:
        await Tortoise.close_connections()

    await apply_migrations(old_database_url)
    await apply_migrations(old_database_url)  # idempotent
    await connect(old_database_url)
    try:
        assert (await _names(Actor(), search="grandfather"))[0] == ["Old-Timer"]
        assert (await _names(Actor(), search="old-timer"))[0] == ["Old-Timer"]
        assert (await _names(Actor(), search="clock"))[0] == ["Old-Timer"]
        assert (await _names(Actor(), category="tools"))[0] == ["Old-Timer"]
        assert dict(await listing.category_counts(Actor())) == {"tools": 1}
        facets = await listing.facet_counts(Actor(), ListingQuery())
        assert _counts(facets, "verified") == {"true": 1}
    finally:
        await Tortoise.close_connections()


async def test_pages_past_the_middle_read_from_the_end(stack: Stack) -> None:
    """A deep page of a listing whose total the facet totals tell is read from the end of
    its order's index: every order's pages, joined, are its first page of everything."""
    team = await make_publisher("u1", "team")
    for index in range(7):
        package = await _package(
            team,
            f"deep-{index}",
            total_downloads=index % 3,  # ties: the later keys decide
            package_type="library" if index % 2 else "mod",
        )
        await add_version(package, "1.0.0")
    await _package(team, "deep-hidden", visibility="private")
    for sort in ("downloads", "name", "updated", "created"):
        for filters in ({}, {"package_type": "library"}):
            query = ListingQuery(sort=sort, **filters)
            everything, total = await listing.numbered_page(Actor(), query, page=1, per_page=100)
            paged: list[str] = []
            for page in range(1, 6):
                found, page_total = await listing.numbered_page(
                    Actor(), query, page=page, per_page=2
                )
                assert page_total == total
                paged += [p.name for p in found]
            assert paged == [p.name for p in everything], (sort, filters)
            assert total == (3 if filters else 7)
