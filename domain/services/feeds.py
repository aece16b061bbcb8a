"""What the Atom feeds (issue #18, registry/rest/feeds.py) list: packages new to the
registry, packages recently updated, a publisher's and a category's packages, and one
package's releases.

Feeds are public and read as the anonymous caller, always (a feed is fetched by readers and
kept by shared caches, so its answer must be the same for everyone):
- the package feeds are pages of the one listing (domain/services/listing.py) for
  `ANONYMOUS`: public packages only. Private and unlisted packages never appear, as in
  `GET /packages` and search; no visibility rule is written here. Packages whose every
  published version is yanked are left out (`include_yanked=False`): nothing of them is left
  to announce;
- a package's release feed is for whoever may name the package (`package_view`, the same
  lookup as the REST detail): an unlisted package is reachable by link, so its own feed is
  served; a private or deleted one is NotFound (404, like the REST detail for anonymous).
  Its entries are the published versions (`versions.visible_versions` for `ANONYMOUS`:
  pending and quarantined ones are never there) that are not yanked.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

from domain.actor import ANONYMOUS
from domain.categories import Category, CategoryCatalog
from domain.enums import PackageSort
from domain.exceptions import NotFound
from domain.models import Package, Publisher
from domain.services import listing, package_view, publishers
from domain.services.listing import ListedPackage, ListingQuery

MAX_FEED_ENTRIES = 100  # the most a `limit` may ask for
DEFAULT_FEED_ENTRIES = 50


@dataclass(frozen=True, slots=True)
class Release:
    """One published, unyanked version of a package, as its feed shows it."""

    version: str
    published_at: datetime


def _bounded(limit: int) -> int:
    return max(1, min(int(limit), MAX_FEED_ENTRIES))


async def _listed(query: ListingQuery, limit: int) -> list[ListedPackage]:
    rows, _ = await listing.numbered_page(ANONYMOUS, query, page=1, per_page=_bounded(limit))
    return rows


async def new_packages(limit: int = DEFAULT_FEED_ENTRIES) -> list[ListedPackage]:
    """The packages created most recently, newest first."""
    return await _listed(ListingQuery(sort=PackageSort.CREATED, include_yanked=False), limit)


async def updated_packages(limit: int = DEFAULT_FEED_ENTRIES) -> list[ListedPackage]:
    """The packages changed most recently (a release, or their metadata), latest first."""
    return await _listed(ListingQuery(sort=PackageSort.UPDATED, include_yanked=False), limit)


async def publisher_packages(
    slug: str, limit: int = DEFAULT_FEED_ENTRIES
) -> tuple[Publisher, list[ListedPackage]]:
    """The publisher `slug` (NotFound when there is none) and its listed packages, latest
    changed first."""
    publisher = await publishers.get_publisher(slug)
    query = ListingQuery(
        sort=PackageSort.UPDATED, include_yanked=False, publisher_id=str(publisher.id)
    )
    return publisher, await _listed(query, limit)


async def category_packages(
    catalog: CategoryCatalog, slug: str, limit: int = DEFAULT_FEED_ENTRIES
) -> tuple[Category, list[ListedPackage]]:
    """The curated category `slug` (NotFound when the catalog has none) and its listed
    packages, latest changed first."""
    category = catalog.get(slug.strip().lower()) if isinstance(slug, str) else None
    if category is None:
        raise NotFound(f"Category not found: {slug}")
    query = ListingQuery(sort=PackageSort.UPDATED, include_yanked=False, category=category.slug)
    return category, await _listed(query, limit)


async def package_releases(
    name: str, limit: int = DEFAULT_FEED_ENTRIES
) -> tuple[Package, list[Release]]:
    """The package `name` as anonymous callers may see it (NotFound otherwise) and its
    published, unyanked versions, latest published first."""
    package, rows = await package_view.package_detail(ANONYMOUS, name)
    releases = [
        Release(str(row.version), _utc(row.published_at or row.created_at))
        for row in rows
        if not row.yanked
    ]
    releases.sort(key=lambda release: release.published_at, reverse=True)
    return package, releases[: _bounded(limit)]


def _utc(moment: datetime) -> datetime:
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)
