"""The Atom feeds (registry/rest/feeds.py) on both stacks: they parse (feedparser, bozo 0),
list only what anonymous callers see listed (never private or unlisted packages, never yanked,
pending or quarantined versions), carry cache headers and an ETag that 304s, and refuse
unknown names with 404 JSON."""

from __future__ import annotations

import html

import feedparser
import httpx

from domain import changes
from domain.models import Package
from tests.fixtures.stack import Stack, bearer
from tests.graphql.support import add_package, add_version
from tests.helpers import create_package, make_publisher

FEEDS = "/api/v1/feeds"
HOSTILE = 'Fast ]]> <script>alert("x")</script> & \x07bell\x1b[31m\x0bend'
HOSTILE_SHOWN = 'Fast ]]> <script>alert("x")</script> & bell[31mend'  # controls dropped
CATEGORY = "utilities"
LISTING_FEEDS = (
    f"{FEEDS}/packages.atom",
    f"{FEEDS}/updated.atom",
    f"{FEEDS}/publishers/team.atom",
    f"{FEEDS}/categories/{CATEGORY}.atom",
)


async def _seed() -> None:
    """Publisher `team` with one listed package (`Shown`) among hidden ones, all in one
    category: a private and an unlisted package, one whose only version is yanked, and
    `Shown`'s own yanked, pending and quarantined versions beside its published 1.0.0."""
    team = await make_publisher("owner", "team")
    shown = await add_package(team, "Shown", description=HOSTILE)
    await add_version(shown, "1.0.0")
    await add_version(shown, "1.5.0", yanked=True)
    await add_version(shown, "1.9.0", status="pending")
    await add_version(shown, "2.0.0", status="quarantined")
    for name, visibility, yanked in (
        ("Hidden-private", "private", False),
        ("Hidden-unlisted", "unlisted", False),
        ("All-yanked", "public", True),
    ):
        package = await add_package(team, name, visibility=visibility)
        await add_version(package, "3.3.3", yanked=yanked)
    await Package.all().update(categories=[CATEGORY])
    changes.announce()  # written past the services: drop the cached reads


def _parsed(response: httpx.Response) -> feedparser.FeedParserDict:
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith("application/atom+xml")
    feed = feedparser.parse(response.content)
    assert feed.bozo == 0, feed.get("bozo_exception")
    assert feed.version == "atom10"
    return feed


async def test_listing_feeds_show_only_listed_public_packages(stack: Stack) -> None:
    await _seed()
    for path in LISTING_FEEDS:
        anonymous = await stack.client.get(path)
        feed = _parsed(anonymous)
        assert [entry.title for entry in feed.entries] in (["Shown"], ["Shown 1.0.0"]), path
        for hidden in ("Hidden-private", "Hidden-unlisted", "All-yanked", "1.5.0", "2.0.0"):
            assert hidden.lower() not in anonymous.text.lower(), (path, hidden)
        entry = feed.entries[0]
        assert entry.link == "http://testserver/packages/Shown"  # ALLOWED_HOSTS=testserver
        assert {link.rel: link.href for link in entry.links}["related"] == (
            "http://testserver/api/v1/packages/Shown"
        )
        assert entry.author == "team"
        assert entry.id.startswith("urn:tb-registry:")
        assert html.unescape(entry.summary) == HOSTILE_SHOWN
        assert entry.updated_parsed is not None
        # The owner's token changes nothing: feeds are the anonymous view, for every cache.
        owned = await stack.client.get(path, headers=bearer("owner"))
        assert owned.content == anonymous.content
    new = _parsed(await stack.client.get(f"{FEEDS}/packages.atom"))
    assert new.entries[0].id == "urn:tb-registry:package:shown"
    updated = _parsed(await stack.client.get(f"{FEEDS}/updated.atom"))
    assert updated.entries[0].id == "urn:tb-registry:release:shown:1.0.0"


async def test_release_feed_lists_published_unyanked_versions(stack: Stack) -> None:
    await _seed()
    shown = _parsed(await stack.client.get(f"{FEEDS}/packages/shown.atom"))
    assert [entry.title for entry in shown.entries] == ["Shown 1.0.0"]
    assert shown.entries[0].id == "urn:tb-registry:release:shown:1.0.0"
    assert {link.rel: link.href for link in shown.entries[0].links}["related"] == (
        "http://testserver/api/v1/packages/Shown/versions/1.0.0"
    )
    assert shown.feed.link == "http://testserver/packages/Shown"
    # Unlisted: reachable by its name, as its REST detail is.
    unlisted = _parsed(await stack.client.get(f"{FEEDS}/packages/Hidden-unlisted.atom"))
    assert [entry.title for entry in unlisted.entries] == ["Hidden-unlisted 3.3.3"]
    # Private: 404 as the detail answers anonymous callers, and the owner's token is ignored.
    for headers in ({}, bearer("owner")):
        private = await stack.client.get(f"{FEEDS}/packages/Hidden-private.atom", headers=headers)
        assert private.status_code == 404
        assert private.json()["detail"] == "Package not found: Hidden-private"
    assert (await stack.client.get("/api/v1/packages/Hidden-private")).status_code == 404


async def test_etag_304_head_and_cache_headers(stack: Stack) -> None:
    await make_publisher("owner", "team")
    assert (await create_package(stack.client, "owner", "First")).status_code == 201
    path = f"{FEEDS}/packages.atom"
    first = await stack.client.get(path)
    etag = first.headers["etag"]
    assert etag.startswith('"') and etag.endswith('"')
    assert first.headers["cache-control"] == (
        f"public, max-age={stack.settings.package_cache_ttl_seconds}"
    )
    assert "authorization" not in first.headers.get("vary", "").lower()
    again = await stack.client.get(path, headers={"If-None-Match": etag})
    assert again.status_code == 304 and again.content == b""
    assert again.headers["etag"] == etag
    assert (await stack.client.get(path, headers={"If-None-Match": f"W/{etag}"})).status_code == 304
    assert (await stack.client.get(path, headers={"If-None-Match": '"other"'})).status_code == 200
    head = await stack.client.head(path)
    assert head.status_code == 200 and head.content == b""
    assert head.headers["etag"] == etag
    # A write that shows in the feed moves the ETag (the committed write drops the cache).
    assert (await create_package(stack.client, "owner", "Second")).status_code == 201
    moved = await stack.client.get(path, headers={"If-None-Match": etag})
    assert moved.status_code == 200 and moved.headers["etag"] != etag
    assert [entry.title for entry in _parsed(moved).entries] == ["Second", "First"]
    # An empty feed is the same bytes every time (its <updated> is not "now").
    empty = f"{FEEDS}/categories/{CATEGORY}.atom"
    assert (await stack.client.get(empty)).content == (await stack.client.get(empty)).content
    assert _parsed(await stack.client.get(empty)).entries == []


async def test_limit_and_bad_names(stack: Stack) -> None:
    await make_publisher("owner", "team")
    for name in ("Alpha", "Beta", "Gamma"):
        assert (await create_package(stack.client, "owner", name)).status_code == 201
    one = _parsed(await stack.client.get(f"{FEEDS}/packages.atom", params={"limit": "1"}))
    assert [entry.title for entry in one.entries] == ["Gamma"]
    for limit in ("0", "101", "abc", "9" * 40):
        refused = await stack.client.get(f"{FEEDS}/updated.atom", params={"limit": limit})
        assert refused.status_code == 400, limit
        assert isinstance(refused.json()["detail"], str)
    for path, detail in (
        ("publishers/nobody.atom", "Publisher not found: nobody"),
        ("categories/no-such-category.atom", "Category not found: no-such-category"),
        ("packages/ghost.atom", "Package not found: ghost"),
        (f"packages/{'x' * 300}.atom", f"Package not found: {'x' * 300}"),
    ):
        missing = await stack.client.get(f"{FEEDS}/{path}")
        assert missing.status_code == 404, path
        assert missing.headers["content-type"].startswith("application/json")
        assert missing.json()["detail"] == detail
    assert (await stack.client.get(f"{FEEDS}/nothing.atom")).status_code == 404
    # A deleted package's feed goes with it, and it leaves the listing feeds.
    assert (await stack.client.get(f"{FEEDS}/packages/beta.atom")).status_code == 200
    deleted = await stack.client.delete("/api/v1/packages/Beta", headers=bearer("owner"))
    assert deleted.status_code == 204, deleted.text
    assert (await stack.client.get(f"{FEEDS}/packages/beta.atom")).status_code == 404
    for path in (f"{FEEDS}/packages.atom", f"{FEEDS}/publishers/team.atom"):
        titles = [entry.title for entry in _parsed(await stack.client.get(path)).entries]
        assert "Beta" not in titles and "Alpha" in titles, path
    # Another spelling of a publisher or category finds the same feed.
    assert _parsed(await stack.client.get(f"{FEEDS}/publishers/TEAM.atom")).entries
