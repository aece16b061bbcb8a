"""Atom feeds (RFC 4287; issue #18 part 2), under /api/v1/feeds:

- `packages.atom`: packages new to the registry, newest first;
- `updated.atom`: packages changed most recently (a release or their metadata);
- `publishers/{slug}.atom`, `categories/{slug}.atom`: one publisher's or one curated
  category's packages, latest changed first (an unknown one: 404 JSON `{"detail"}`);
- `packages/{name}.atom`: one package's releases (published, unyanked versions), latest
  first; 404 for a private or deleted package, as its REST detail answers anonymous callers.

What they list is domain/services/feeds.py's: the public listing for the anonymous caller
(private and unlisted packages never appear; an unlisted package's own release feed is served
to whoever has its name, as its detail is).

Feeds are read as anonymous ALWAYS, whatever `Authorization` says: readers and shared caches
keep them, so one URL must have one answer for everyone, and nobody's private package can end
up in a cached copy. Hence `Cache-Control: public`, no `Vary: Authorization`, and an answer
from the anonymous page cache (registry/read_cache.py: dropped on every committed write).

Caching: `max-age` is PACKAGE_CACHE_TTL, the staleness the registry already accepts for its
anonymous listings (0: `no-cache`, every reuse revalidates). The ETag is a hash of the body:
the same in every process (a write generation is per process) and moved by anything an entry
shows; `If-None-Match` naming it answers 304 without a body. The feed's own `<updated>` is its
newest entry's, so an unchanged registry renders the same bytes. HEAD is served (Starlette
adds it to GET routes, and sends the headers only).

The XML is written by `feedgenerator` (Django's feed writer, packaged alone: pure Python, no
lxml) through the standard library's SAX `XMLGenerator`, which escapes text and attributes.
What XML 1.0 cannot carry at all (control characters, lone surrogates, U+FFFE/U+FFFF) is
dropped before, by `_xml_text`, since no escaping can represent it.

Links: the web UI's page (`/packages/{name}`, `/publishers/{slug}`, `/search?category=`) as
`alternate`, the REST detail as `related`. They are absolute under PUBLIC_BASE_URL (or an
ALLOWED_HOSTS origin of the request, domain/services/urls.external_base), else root-relative,
which Atom readers resolve against the feed's URL. Entry ids are URNs that no host or base
URL enters, so they stay stable: `urn:tb-registry:package:{name}` (a new package) and
`urn:tb-registry:release:{name}:{version}` (a release; the updated, publisher and category
feeds name a package by its latest release, so a new release is a new entry while a metadata
change updates the existing one).
"""

from __future__ import annotations

import hashlib
import html
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from io import StringIO
from typing import Any
from urllib.parse import quote, urlencode

from feedgenerator import Atom1Feed  # type: ignore[import-untyped]  # ships no types
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from domain.names import name_key
from domain.offload import run_cpu_bound
from domain.services import feeds
from domain.services.listing import ListedPackage
from registry.read_cache import ResponseCache
from registry.rest.blobs import etag_matches
from registry.rest.params import query_int, request_base

ATOM = "application/atom+xml; charset=utf-8"
MAX_SUMMARY_CHARS = 2000  # a description is cut here (longer ones are the detail's to show)
# Before any text runs: the oldest instant an empty feed may claim as its <updated>, so
# that an empty feed renders the same bytes every time (the library would say "now").
_NOTHING_YET = datetime(1970, 1, 1, tzinfo=UTC)

# Code points XML 1.0 cannot hold, escaped or not (its `Char` production): C0 controls but
# tab, newline and carriage return, the surrogates, U+FFFE and U+FFFF. Dropped by
# str.translate (one pass, linear).
_NOT_XML = dict.fromkeys(
    [*range(0x00, 0x09), 0x0B, 0x0C, *range(0x0E, 0x20), *range(0xD800, 0xE000), 0xFFFE, 0xFFFF]
)


def _xml_text(text: str, limit: int | None = None) -> str:
    cut = text if limit is None or len(text) <= limit else text[:limit] + "…"
    return cut.translate(_NOT_XML)


class _AtomWithRelated(Atom1Feed):
    """Atom1Feed, plus an entry's `related` link (its REST detail) beside `alternate`."""

    def add_item_elements(self, handler: Any, item: dict[str, Any]) -> None:
        super().add_item_elements(handler, item)
        if item.get("related"):
            handler.addQuickElement(
                "link", "", {"rel": "related", "type": "application/json", "href": item["related"]}
            )

    def latest_post_date(self) -> datetime:
        return super().latest_post_date() if self.items else _NOTHING_YET


# --- entries ------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Entry:
    title: str
    page: str  # the web UI page (root-relative)
    api: str  # the REST detail (root-relative)
    entry_id: str
    summary: str
    author: str
    published: datetime
    updated: datetime


@dataclass(frozen=True, slots=True)
class Feed:
    feed_id: str
    title: str
    subtitle: str
    page: str  # the web UI page the feed is about (root-relative)
    entries: Sequence[Entry]


def _segment(text: str) -> str:
    return quote(text, safe="")


def _package_page(name: str) -> str:
    return f"/packages/{_segment(name)}"


def _package_api(name: str) -> str:
    return f"/api/v1/packages/{_segment(name)}"


def _release_id(name: str, version: str) -> str:
    if not version:  # nothing published yet: the package itself
        return f"urn:tb-registry:package:{name_key(name)}"
    return f"urn:tb-registry:release:{name_key(name)}:{_segment(version)}"


def _package_entry(row: ListedPackage, *, as_release: bool) -> Entry:
    """A listed package: as a new package (its creation) or as its latest release."""
    label = row.display_name or row.name
    title = f"{label} {row.latest_version}".strip() if as_release else label
    return Entry(
        title=title,
        page=_package_page(row.name),
        api=_package_api(row.name),
        entry_id=_release_id(row.name, row.latest_version)
        if as_release
        else f"urn:tb-registry:package:{row.name_key}",
        summary=row.description,
        author=row.publisher.name,
        published=row.created_at,
        updated=row.updated_at if as_release else row.created_at,
    )


# --- rendering ----------------------------------------------------------------------------


def render(feed: Feed, base: str | None, self_path: str) -> bytes:
    """The feed as Atom XML (UTF-8). `base`: the origin links are made absolute under."""

    def url(path: str) -> str:
        return f"{base}{path}" if base else path

    atom = _AtomWithRelated(
        title=_xml_text(feed.title),
        link=url(feed.page),
        description=_xml_text(feed.subtitle),
        feed_url=url(self_path),
        feed_guid=feed.feed_id,
        author_name="TB Registry",
    )
    for entry in feed.entries:
        atom.add_item(
            title=_xml_text(entry.title),
            link=url(entry.page),
            related=url(entry.api),
            # type="html" (the library's choice): the plain text description, HTML-escaped,
            # so a reader shows `<script>` as text and never runs it.
            description=html.escape(_xml_text(entry.summary, MAX_SUMMARY_CHARS)),
            author_name=_xml_text(entry.author),
            unique_id=entry.entry_id,
            pubdate=entry.published,
            updateddate=entry.updated,
        )
    out = StringIO()
    atom.write(out, "utf-8")
    return out.getvalue().encode("utf-8")


# --- the feeds ----------------------------------------------------------------------------


async def _new(request: Request, limit: int) -> Feed:
    rows = await feeds.new_packages(limit)
    return Feed(
        "urn:tb-registry:feed:packages",
        "TB Registry: new packages",
        "Packages new to the registry",
        "/",
        [_package_entry(row, as_release=False) for row in rows],
    )


async def _updated(request: Request, limit: int) -> Feed:
    rows = await feeds.updated_packages(limit)
    return Feed(
        "urn:tb-registry:feed:updated",
        "TB Registry: recently updated packages",
        "Packages with a new release or new details",
        "/",
        [_package_entry(row, as_release=True) for row in rows],
    )


async def _publisher(request: Request, limit: int) -> Feed:
    publisher, rows = await feeds.publisher_packages(request.path_params["slug"], limit)
    return Feed(
        f"urn:tb-registry:feed:publisher:{publisher.name}",
        f"TB Registry: packages by {publisher.display_name or publisher.name}",
        f"Packages of the publisher {publisher.name}, latest changed first",
        f"/publishers/{_segment(publisher.name)}",
        [_package_entry(row, as_release=True) for row in rows],
    )


async def _category(request: Request, limit: int) -> Feed:
    catalog = request.app.state.runtime.ctx.policy.categories
    category, rows = await feeds.category_packages(catalog, request.path_params["slug"], limit)
    return Feed(
        f"urn:tb-registry:feed:category:{category.slug}",
        f"TB Registry: {category.title}",
        category.description or f"Packages in the category {category.title}",
        f"/search?{urlencode({'category': category.slug})}",
        [_package_entry(row, as_release=True) for row in rows],
    )


async def _releases(request: Request, limit: int) -> Feed:
    package, releases = await feeds.package_releases(request.path_params["name"], limit)
    label = package.display_name or package.name
    author = package.publisher.name if package.publisher else ""
    return Feed(
        f"urn:tb-registry:feed:package:{package.name_key}",
        f"TB Registry: {label} releases",
        package.description,
        _package_page(package.name),
        [
            Entry(
                title=f"{label} {release.version}",
                page=_package_page(package.name),
                api=f"{_package_api(package.name)}/versions/{_segment(release.version)}",
                entry_id=_release_id(package.name, release.version),
                summary=package.description,
                author=author,
                published=release.published_at,
                updated=release.published_at,
            )
            for release in releases
        ],
    )


# --- HTTP ---------------------------------------------------------------------------------

Build = Callable[[Request, int], Awaitable[Feed]]


def _cache_control(ttl: float) -> str:
    return f"public, max-age={int(ttl)}" if ttl > 0 else "public, no-cache"


def _served(build: Build) -> Callable[[Request], Awaitable[Response]]:
    async def endpoint(request: Request) -> Response:
        limit = query_int(
            request, "limit", feeds.DEFAULT_FEED_ENTRIES, maximum=feeds.MAX_FEED_ENTRIES
        )
        base = request_base(request)
        cache: ResponseCache = request.app.state.runtime.page_cache
        # Everything the body depends on: the route (with its slug or name), the entry count
        # and the origin links are made absolute under. Never the caller (see the top).
        key = f"feed:{request.url.path}:{limit}:{base or ''}"
        body = cache.get(key) if cache.enabled else None
        if body is None:
            generation = cache.generation
            feed = await build(request, limit)
            body = await run_cpu_bound(render, feed, base, request.url.path)
            cache.put(key, body, generation)
        headers = {
            "ETag": f'"{hashlib.sha256(body).hexdigest()[:32]}"',
            "Cache-Control": _cache_control(cache.ttl),
        }
        if etag_matches(request.headers.get("if-none-match"), headers["ETag"]):
            return Response(status_code=304, headers=headers)
        return Response(body, media_type=ATOM, headers=headers)

    return endpoint


routes = [
    Route("/feeds/packages.atom", _served(_new), methods=["GET"]),
    Route("/feeds/updated.atom", _served(_updated), methods=["GET"]),
    Route("/feeds/packages/{name}.atom", _served(_releases), methods=["GET"]),
    Route("/feeds/publishers/{slug}.atom", _served(_publisher), methods=["GET"]),
    Route("/feeds/categories/{slug}.atom", _served(_category), methods=["GET"]),
]
