"""The package listing, declared once for every list of packages: REST `GET /packages`,
`GET /search` and `/search/suggest` (REST_CONTRACT §4.4, §4.6), the GraphQL `packages`
connection and `Publisher.packages`.

What is declared here:
- which packages a caller may see listed: `access.listed_filter` (visibility, membership,
  admin credentials and a token's package globs), applied to every count and every page;
- the filters (`ListingQuery`), each turned into a SQL condition;
- the orders (`Ordering`), each a tuple of keys whose last key is unique, so that every key
  names one row: REST pages by offset over it, the GraphQL connection by keyset (`after`);
- relevance: exact name, then name prefix, then name substring, then display name, then the
  rest of the text, ties by downloads and name. It is a SQL `CASE`, so ranking, paging and
  LIMIT happen in the database on SQLite and PostgreSQL alike, and no listing loads more
  rows than its page (plus one, which tells the connection that a next page exists).

Callers turn their parameters into a `ListingQuery` and call `numbered_page` (REST) or
`keyset_page` (GraphQL), so both answer the same rows, in the same order, with the same total.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from packaging.version import InvalidVersion
from tortoise import Tortoise
from tortoise.expressions import Case, Q, RawSQL, Subquery, When
from tortoise.queryset import QuerySet

from domain.actor import Actor
from domain.enums import PackageSort, PackageType, PublisherStatus, VersionStatus, Visibility
from domain.exceptions import InvalidInput
from domain.models import BIGINT_RANGE, Package, PackageVersion, Publisher, fits
from domain.names import validate_package_type, validate_visibility
from domain.ranges import as_version
from domain.services.access import listed_filter

MAX_KEYWORD_LENGTH = 50
MAX_SEARCH_LENGTH = 200  # longer search texts are cut (before any parsing)
MAX_FACET_VALUE_LENGTH = 50


def _facet_value(value: str | None) -> str | None:
    return (value or "").strip().lower()[:MAX_FACET_VALUE_LENGTH] or None


def _toolbox_version(value: str | None) -> str | None:
    """A ToolBoxV2 version to filter by, normalised; InvalidInput when it is not one."""
    text = (value or "").strip()
    if not text:
        return None
    if len(text) > MAX_FACET_VALUE_LENGTH:
        raise InvalidInput("toolbox must be a version", field="toolbox")
    try:
        return str(as_version(text))
    except InvalidVersion:
        raise InvalidInput("toolbox must be a version", field="toolbox") from None


@dataclass
class ListingQuery:
    """What a caller asks a listing for; every condition given must hold.

    Text values are checked here (`package_type` and `visibility` may arrive as the REST
    client's strings: an unknown one is InvalidInput naming the field)."""

    search: str = ""  # case-insensitive, over name, display name, description and keywords
    package_type: PackageType | str | None = None
    publisher: str | None = None  # slug or id, as the client gave it
    publisher_id: str | None = None  # already resolved (Publisher.packages)
    keyword: str | None = None  # one exact keyword
    visibility: Visibility | str | None = None
    verified_only: bool = False
    # Packages whose every published version is yanked have nothing left to install; the
    # GraphQL list hides them unless asked (its `includeYanked`), REST always shows them.
    include_yanked: bool = True
    # Facet filters (issue 14). Values are matched exactly after lowercasing; an unknown
    # category, platform or architecture simply matches nothing.
    category: str | None = None  # one category slug
    # A ToolBoxV2 version (PEP 440) the latest version's `toolbox_version` requirement must
    # admit; a requirement of "" admits every version. Not a version: InvalidInput "toolbox".
    toolbox: str | None = None
    platform: str | None = None  # a ModManager platform of the latest version (manifest)
    architecture: str | None = None  # a domain.enums.Architecture value of the latest version
    updated_since: datetime | None = None  # packages updated at or after this instant
    sort: PackageSort = PackageSort.RELEVANCE
    needle: str = field(init=False)

    def __post_init__(self) -> None:
        self.needle = (self.search or "").strip().lower()[:MAX_SEARCH_LENGTH]
        self.category = _facet_value(self.category)
        self.platform = _facet_value(self.platform)
        self.architecture = _facet_value(self.architecture)
        self.toolbox = _toolbox_version(self.toolbox)
        if self.updated_since is not None and self.updated_since.tzinfo is None:
            self.updated_since = self.updated_since.replace(tzinfo=UTC)
        if self.package_type is not None:
            self.package_type = validate_package_type(self.package_type)
        if self.visibility is not None:
            self.visibility = validate_visibility(self.visibility)
        self.keyword = (self.keyword or "").strip().lower()[:MAX_KEYWORD_LENGTH] or None
        self.sort = PackageSort(self.sort)


# --- orders -----------------------------------------------------------------------------


@dataclass(frozen=True)
class SortKey:
    """One key of an order: a column (or the `rank` annotation), its direction and the JSON
    type its value has in a cursor (a datetime as ISO 8601 text)."""

    name: str
    descending: bool
    kind: type
    # The relevance cursor has always held downloads negated (ascending like the rank);
    # kept, so that cursors already handed out stay valid.
    negated_in_cursor: bool = False


@dataclass(frozen=True)
class Ordering:
    """An order of the listing. `name` tags its cursors (a cursor from another order is
    refused); the keys, in order, are compared lexicographically."""

    name: str
    keys: tuple[SortKey, ...]

    @property
    def arity(self) -> int:
        return len(self.keys)

    def order_by(self) -> list[str]:
        return [f"-{key.name}" if key.descending else key.name for key in self.keys]

    def key_of(self, row: Package) -> list[Any]:
        """The row's position in this order, as JSON values (what a cursor holds)."""
        values: list[Any] = []
        for key in self.keys:
            value = getattr(row, key.name)
            if isinstance(value, datetime):
                value = value.isoformat()
            elif key.negated_in_cursor:
                value = -int(value)
            values.append(value)
        return values

    def parse_key(self, raw: Sequence[Any]) -> list[Any]:
        """A cursor's JSON values back as column values; InvalidInput when one has the wrong
        type or a number no 64-bit column holds (a crafted cursor, not a failed query)."""
        values: list[Any] = []
        try:
            for key, value in zip(self.keys, raw, strict=True):
                if key.kind is datetime:
                    if not isinstance(value, str):
                        raise TypeError(key.name)
                    values.append(datetime.fromisoformat(value))
                elif key.kind is int:
                    if (
                        isinstance(value, bool)
                        or not isinstance(value, int)
                        or (value not in BIGINT_RANGE)
                    ):
                        raise TypeError(key.name)
                    values.append(-value if key.negated_in_cursor else value)
                elif isinstance(value, str):
                    values.append(value)
                else:
                    raise TypeError(key.name)
        except (TypeError, ValueError):
            raise InvalidInput("Invalid cursor", field="after") from None
        return values

    def after(self, position: Sequence[Any]) -> Q:
        """Rows strictly after `position` in this order."""
        clauses: list[Q] = []
        for index, key in enumerate(self.keys):
            equal = {k.name: position[i] for i, k in enumerate(self.keys[:index])}
            beyond = {f"{key.name}__{'lt' if key.descending else 'gt'}": position[index]}
            clauses.append(Q(**equal, **beyond))
        return Q(*clauses, join_type="OR")


_NAME_KEY = SortKey("name_key", False, str)  # unique: the last key of the name-based orders
_BY_DOWNLOADS = Ordering(
    PackageSort.DOWNLOADS.value, (SortKey("total_downloads", True, int), _NAME_KEY)
)
ORDERINGS: dict[PackageSort, Ordering] = {
    PackageSort.RELEVANCE: Ordering(
        PackageSort.RELEVANCE.value,
        (
            SortKey("rank", False, int),
            SortKey("total_downloads", True, int, negated_in_cursor=True),
            _NAME_KEY,
        ),
    ),
    PackageSort.DOWNLOADS: _BY_DOWNLOADS,
    PackageSort.NAME: Ordering(PackageSort.NAME.value, (_NAME_KEY,)),
    PackageSort.UPDATED: Ordering(
        PackageSort.UPDATED.value, (SortKey("updated_at", True, datetime), SortKey("id", True, int))
    ),
    PackageSort.CREATED: Ordering(
        PackageSort.CREATED.value, (SortKey("created_at", True, datetime), SortKey("id", True, int))
    ),
}


def ordering_of(query: ListingQuery) -> Ordering:
    """Relevance needs a search text; without one every package ranks the same and the
    order is by downloads (its tie-breakers), cursors included."""
    if query.sort is PackageSort.RELEVANCE and not query.needle:
        return _BY_DOWNLOADS
    return ORDERINGS[query.sort]


def _literal(value: int) -> Any:
    """A constant, not a parameter: PostgreSQL cannot type a parameter that only a CASE uses.
    (Any: `When` and `Case` take any SQL term, but their annotations list expressions only.)"""
    return RawSQL(str(int(value)))


def relevance_rank(needle: str) -> Case:
    """0 exact name, 1 name prefix, 2 name substring, 3 display name substring, 4 the rest of
    the search text. Names are compared by `name_key`, lowercase like the needle; LIKE
    patterns are escaped by the ORM. The display name is compared case-insensitively by the
    database, which on SQLite folds ASCII letters only: a non-ASCII display-name match may
    rank with the rest there (it is still found: `search_text` is lowercased in Python)."""
    return Case(
        When(Q(name_key=needle), then=_literal(0)),
        When(Q(name_key__startswith=needle), then=_literal(1)),
        When(Q(name_key__contains=needle), then=_literal(2)),
        When(Q(display_name__icontains=needle), then=_literal(3)),
        default=_literal(4),
    )


# --- filters ----------------------------------------------------------------------------


def _with_keyword(rows: QuerySet[Package], keyword: str) -> QuerySet[Package]:
    """Packages whose keyword list contains `keyword` exactly (keywords are lowercase)."""
    if Tortoise.get_connection("default").capabilities.dialect == "sqlite":
        # SQLite has no JSON containment operator in Tortoise; json_each is built in.
        literal = "'" + keyword.replace("'", "''") + "'"
        return rows.annotate(
            has_keyword=RawSQL(
                f'EXISTS (SELECT 1 FROM json_each("packages"."keywords") '
                f"WHERE json_each.value = {literal})"
            )
        ).filter(has_keyword=1)
    return rows.filter(keywords__contains=[keyword])


async def _publisher_id(slug_or_id: str) -> str | None:
    """The publisher a client named by slug (case-insensitive) or, failing that, by id (as
    `publishers.get_publisher` reads it); None when there is none."""
    slug = slug_or_id.lower()
    conditions: list[Q] = []
    if fits(Publisher, "name", slug):
        conditions.append(Q(name=slug))
    if fits(Publisher, "id", slug_or_id):
        conditions.append(Q(id=slug_or_id))
    if not conditions:
        return None
    found = dict(await Publisher.filter(Q(*conditions, join_type="OR")).values_list("name", "id"))
    if slug in found:
        return str(found[slug])
    return slug_or_id if slug_or_id in found.values() else None


async def _matching(actor: Actor, query: ListingQuery) -> QuerySet[Package] | None:
    """The packages `query` selects among those the caller may see listed; None when
    nothing can match (an unknown publisher)."""
    rows = Package.filter(await listed_filter(actor))
    if query.needle:
        rows = rows.filter(search_text__contains=query.needle)
    if query.package_type:
        rows = rows.filter(package_type=query.package_type)
    if query.visibility:
        rows = rows.filter(visibility=query.visibility)
    publisher_id = query.publisher_id
    if query.publisher:
        publisher_id = await _publisher_id(query.publisher)
        if publisher_id is None:
            return None
    if publisher_id:
        rows = rows.filter(publisher_id=publisher_id)
    if query.verified_only:
        rows = rows.filter(publisher__verification_status=PublisherStatus.VERIFIED)
    if query.keyword:
        rows = _with_keyword(rows, query.keyword)
    if query.updated_since is not None:
        rows = rows.filter(updated_at__gte=query.updated_since)
    if not query.include_yanked:
        # Hide packages whose every published version is yanked (nothing left to install).
        yanked = Subquery(
            PackageVersion.filter(status=VersionStatus.PUBLISHED, yanked=True).values("package_id")
        )
        rows = rows.filter(~Q(latest_version="") | ~Q(id__in=yanked))
    return rows


def _in_order(
    rows: QuerySet[Package], query: ListingQuery, ordering: Ordering
) -> QuerySet[Package]:
    if ordering is ORDERINGS[PackageSort.RELEVANCE]:
        rows = rows.annotate(rank=relevance_rank(query.needle))
    return rows.order_by(*ordering.order_by())


# --- pages ------------------------------------------------------------------------------


async def numbered_page(
    actor: Actor, query: ListingQuery, *, page: int, per_page: int
) -> tuple[list[Package], int]:
    """Page `page` (from 1) of `per_page` packages, with their publishers, and how many match
    in all (REST's page/per_page)."""
    rows = await _matching(actor, query)
    if rows is None:
        return [], 0
    offset = (page - 1) * per_page
    # prefetch, not select_related: on SQLite (the embedded default) building one publisher
    # per package from a join costs more than the extra query (16 vs 14 ms for 100 rows);
    # on PostgreSQL the join would save a round trip (4 vs 6.5 ms).
    found = list(
        await _in_order(rows, query, ordering_of(query))
        .offset(offset)
        .limit(per_page)
        .prefetch_related("publisher")
    )
    if 0 < len(found) < per_page:
        return found, offset + len(found)  # the last page: it tells the total, no COUNT
    return found, await rows.count()


async def keyset_page(
    actor: Actor, query: ListingQuery, *, limit: int, after: Sequence[Any] | None
) -> tuple[list[Package], int]:
    """Up to `limit` + 1 packages after the position `after` (`ordering_of(query).parse_key`
    of a cursor; None: from the start) and how many match in all. The extra row only says
    that a next page exists."""
    rows = await _matching(actor, query)
    if rows is None:
        return [], 0
    total = await rows.count()
    ordering = ordering_of(query)
    page = _in_order(rows, query, ordering)
    if after is not None:
        page = page.filter(ordering.after(after))
    return list(await page.limit(limit + 1)), total


async def suggest_names(actor: Actor, prefix: str, limit: int) -> list[str]:
    """Names of listed packages starting with `prefix`, most downloaded first."""
    needle = (prefix or "").strip().lower()
    if not needle or not fits(Package, "name_key", needle):  # longer: no name starts so
        return []
    names = await (
        Package.filter(await listed_filter(actor), name_key__startswith=needle)
        .order_by(*_BY_DOWNLOADS.order_by())
        .limit(limit)
        .values_list("name", flat=True)
    )
    return [str(name) for name in names]


FACETS = ("type", "category", "toolbox", "platform", "architecture", "verified")


async def facet_counts(actor: Actor, query: ListingQuery) -> dict[str, list[tuple[str, int]]]:
    """How many packages matching `query` (search and filters, visibility as the page) have
    each value of each facet in FACETS, most frequent first. (Interim: being built.)"""
    return {facet: [] for facet in FACETS}


async def category_counts(actor: Actor) -> list[tuple[str, int]]:
    """Each category with how many packages the caller may see listed carry it, most first.
    (Interim: being built.)"""
    return []
