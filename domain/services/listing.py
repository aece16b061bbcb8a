"""The package listing, declared once for every list of packages: REST `GET /packages`,
`GET /search` and `/search/suggest` (REST_CONTRACT §4.4, §4.6), the GraphQL `packages`
connection and `Publisher.packages`, and the facet and category counts beside them.

What is declared here:
- which packages a caller may see listed: `access.listed_scope` (visibility, membership,
  admin credentials and a token's package globs), applied to every count and every page;
- the filters (`ListingQuery`), each turned into a SQL condition;
- the orders (`Ordering`), each a tuple of keys whose last key is unique, so that every key
  names one row: REST pages by offset over it, the GraphQL connection by keyset (`after`);
- relevance (search): 0 exact name, 1 name prefix, 2 name substring, 3 full-text match
  (within it by the engine's text rank times ln(e + downloads)), 4 typo-tolerant name
  match (within it by trigram similarity); a deprecated or archived package ranks after
  every active one (10 + its tier). Ties by downloads, then name.

Everything happens in SQL with LIMIT, on each database's own engine (the index:
domain/search_index.py, built by migration 0007 and kept in step by triggers; bulk loads
call `search_index.rebuild_search_index(package_ids=None)`):
- PostgreSQL: the weighted `search_vector` (GIN) queried with `websearch_to_tsquery` and
  ranked by `ts_rank`; substrings and typos of names by pg_trgm (`LIKE`, `%`, `similarity`).
- SQLite: FTS5 (`packages_fts`, porter-stemmed words); the text rank is which columns hold
  a term (name, display name, keywords/categories, the rest: FTS5 column filters, read from
  the doclists; bm25 reads every hit's column sizes, too slow for common words at 100,000
  packages); substrings and typo candidates of names by an FTS5 trigram table, similarity
  as pg_trgm computes it (padded trigrams, shared over their union).
- Typo-tolerant matches are looked for only when no listed name contains the search (one
  word of 4-50 characters), and compare names without their hyphens.
A search text (at most MAX_SEARCH_LENGTH characters, MAX_SEARCH_TERMS terms) is never handed
to either engine as query syntax: it is split into words and quoted phrases here, each passed
as data, so hyphens, quotes, operators and any other input
only ever find packages or nothing.

A search without typo matches reads each matching package once (PostgreSQL: one bitmap scan
over both GIN indexes; SQLite: the rowids of both FTS5 tables), and when the active packages
whose name contains the search fill a relevance page, the page is ranked among those names
alone (only the count reads every text match). A page past the middle of a total the facet
totals tell is read from the end of its order's index.

A page reads the ids of its rows first (from an index for the anonymous orders: partial
indexes over the listed rows), then the rows themselves: `ListedPackage`, a plain row with the
package's columns and its publisher's name, verification and notice, never an ORM object.
REST serializes it (registry/rest/serializers.package_summary), GraphQL wraps it
(schema/packages/types.package_connection). How many match in all comes from the facet
totals when the query allows (no search, at most one facet filter), otherwise from one COUNT
(or, for a search, from the page query itself). Facet counts of a listing filtered by one
facet value come from the facet pair totals (search_index.pair_totals); those of a search
alone, for a caller who sees the public packages, from the matching ids and the public facet
rows held as bits (`_public_facet_bits`, reread when a public facet row changes). A page and
its facet counts asked together (`numbered_page_and_facets`, REST's `facets=true`;
`keyset_page_and_facets`, GraphQL's connection with `facets` selected) are planned once, and
such a search reads its matching ids once for the total and the counts (on PostgreSQL each
read visits every match's heap page).
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from packaging.version import InvalidVersion, Version
from tortoise import Tortoise
from tortoise.backends.base.client import BaseDBAsyncClient
from tortoise.expressions import Q

from domain import search_index
from domain.actor import Actor
from domain.enums import PackageSort, PackageType, Visibility
from domain.exceptions import InvalidInput
from domain.models import BIGINT_RANGE, Package, Publisher, fits
from domain.names import validate_package_type, validate_visibility
from domain.offload import loop_gate, run_cpu_bound
from domain.ranges import as_version
from domain.services.access import ListedScope, listed_filter, listed_scope

MAX_KEYWORD_LENGTH = 50
MAX_SEARCH_LENGTH = 200  # longer search texts are cut (before any parsing)
MAX_FACET_VALUE_LENGTH = 50
MAX_SEARCH_TERMS = 12  # words and phrases of one search (more are ignored)
TYPO_CANDIDATES = 50  # typo-tolerant name matches considered per search
TYPO_SIMILARITY = 0.3  # pg_trgm's default threshold, on both engines
_NONE = "CAST(NULL AS REAL)"  # typed: a bare NULL in a UNION is text on PostgreSQL


def _facet_value(value: str | None) -> str | None:
    return (value or "").strip().lower()[:MAX_FACET_VALUE_LENGTH] or None


def _caller_version(text: str) -> Version:
    """Parse a version the caller gave, local label dropped. Uncached: `ranges.as_version`'s
    cache is for the registry's own versions, which callers must not fill."""
    parsed = Version(text)
    return Version(parsed.public) if parsed.local is not None else parsed


def _toolbox_version(value: str | None) -> str | None:
    """A ToolBoxV2 version to filter by, normalised; InvalidInput when it is not one."""
    text = (value or "").strip()
    if not text:
        return None
    if len(text) > MAX_FACET_VALUE_LENGTH:
        raise InvalidInput("toolbox_version must be a version", field="toolbox_version")
    try:
        return str(_caller_version(text))
    except InvalidVersion:
        raise InvalidInput("toolbox_version must be a version", field="toolbox_version") from None


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
    verified_only: bool = False  # the same as verified=True (kept for existing callers)
    # The publisher's verification: True verified only, False unverified only, None either.
    verified: bool | None = None
    # Packages whose every published version is yanked have nothing left to install; the
    # GraphQL list hides them unless asked (its `includeYanked`), REST always shows them.
    include_yanked: bool = True
    # Facet filters (issue 14). Values are matched exactly after lowercasing; an unknown
    # category, platform or architecture simply matches nothing.
    category: str | None = None  # one category slug
    # A ToolBoxV2 version (PEP 440) the latest version's `toolbox_version` requirement must
    # admit; a requirement of "" admits every version. Not a version: InvalidInput naming
    # "toolbox_version", the name REST and GraphQL give it.
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
        if self.verified_only:
            if self.verified is False:
                raise InvalidInput("verified_only contradicts verified=false", field="verified")
            self.verified = True
        if self.updated_since is not None and self.updated_since.tzinfo is None:
            self.updated_since = self.updated_since.replace(tzinfo=UTC)
        if self.package_type is not None:
            self.package_type = validate_package_type(self.package_type)
        if self.visibility is not None:
            self.visibility = validate_visibility(self.visibility)
        self.keyword = (self.keyword or "").strip().lower()[:MAX_KEYWORD_LENGTH] or None
        self.sort = PackageSort(self.sort)

    def facet_filters(self) -> dict[str, str]:
        """The facet filters given, by facet name (as `facet_counts` names them)."""
        given = {
            "type": self.package_type,
            "category": self.category,
            "platform": self.platform,
            "architecture": self.architecture,
            "verified": None if self.verified is None else str(bool(self.verified)).lower(),
        }
        return {facet: str(value) for facet, value in given.items() if value}


# --- rows -------------------------------------------------------------------------------


@dataclass(slots=True)
class ListedPublisher:
    """What a listed package shows of its publisher."""

    id: str
    name: str
    verification_status: str
    notice: str


@dataclass(slots=True)
class ListedPackage:
    """One package of a listing: its columns as plain values (the attribute names of
    `domain.models.Package`, so code that reads a package's fields reads either), and
    `publisher`. `readme` is read only by `keyset_page` (GraphQL may select it); a
    `numbered_page` row has "" there. `rank` and `score` are the relevance keys (0 when the
    order is not relevance)."""

    id: int
    name: str
    name_key: str
    display_name: str
    package_type: str
    visibility: str
    publisher_id: str
    owner_id: str | None
    description: str
    homepage: str
    repository: str
    license: str
    keywords: list[str]
    latest_version: str
    total_downloads: int
    categories: list[str]
    status: str
    deprecation_message: str
    successor: str
    created_at: datetime
    updated_at: datetime
    publisher: ListedPublisher
    readme: str = ""
    deleted_at: datetime | None = None
    rank: int = 0
    score: float = 0.0


_ROW_COLUMNS = (
    "id",
    "name",
    "name_key",
    "display_name",
    "package_type",
    "visibility",
    "publisher_id",
    "owner_id",
    "description",
    "homepage",
    "repository",
    "license",
    "keywords",
    "latest_version",
    "total_downloads",
    "categories",
    "status",
    "deprecation_message",
    "successor",
    "created_at",
    "updated_at",
)
_PUBLISHER_COLUMNS = {
    "publisher__name": "name",
    "publisher__verification_status": "verification_status",
    "publisher__notice": "notice",
}


def _row_columns(readme: bool) -> str:
    """The SELECT list of a listed row: `p` (packages) joined with `pub` (publishers)."""
    columns = [f"p.{c} AS {c}" for c in _ROW_COLUMNS] + (["p.readme AS readme"] if readme else [])
    columns += [f"pub.{name} AS {key}" for key, name in _PUBLISHER_COLUMNS.items()]
    return ", ".join(columns)


def _as_time(value: Any) -> datetime:
    if isinstance(value, str):  # SQLite keeps ISO 8601 text
        value = datetime.fromisoformat(value)
    return value if value.tzinfo else value.replace(tzinfo=UTC)


def _as_list(value: Any) -> list[str]:
    if isinstance(value, str | bytes):  # JSON text (SQLite, and PostgreSQL's jsonb)
        value = json.loads(value)
    return [str(item) for item in value] if isinstance(value, list) else []


def _plain(values: dict[str, Any]) -> ListedPackage:
    """A listed row from the columns `_row_columns` selects (no ORM object in between)."""
    publisher = ListedPublisher(
        id=str(values["publisher_id"]),
        **{name: str(values.pop(key) or "") for key, name in _PUBLISHER_COLUMNS.items()},
    )
    values["keywords"] = _as_list(values["keywords"])
    values["categories"] = _as_list(values["categories"])
    values["created_at"] = _as_time(values["created_at"])
    values["updated_at"] = _as_time(values["updated_at"])
    values["total_downloads"] = int(values["total_downloads"])
    values.pop("rank", None)
    values.pop("score", None)
    values.pop("total", None)
    return ListedPackage(publisher=publisher, **values)


async def _rows(ids: Sequence[int], *, readme: bool) -> dict[int, ListedPackage]:
    """The rows of these packages, by id: one query, plain values."""
    if not ids:
        return {}
    listed = ", ".join(str(int(i)) for i in ids)
    found = await _connection().execute_query_dict(
        f"SELECT {_row_columns(readme)} FROM packages p JOIN publishers pub ON pub.id = "
        f"p.publisher_id WHERE p.id IN ({listed})"
    )
    return {int(values["id"]): _plain(values) for values in found}


# --- orders -----------------------------------------------------------------------------


@dataclass(frozen=True)
class SortKey:
    """One key of an order: its name (a column, or `rank`/`score` of a search), the SQL it
    sorts by, its direction and the JSON type its value has in a cursor (a datetime as ISO
    8601 text)."""

    name: str
    descending: bool
    kind: type
    # The relevance cursor has always held downloads negated (ascending like the rank);
    # kept, so that cursors already handed out stay valid.
    negated_in_cursor: bool = False

    @property
    def sql(self) -> str:
        return self.name if self.name in ("rank", "score") else f"p.{self.name}"


@dataclass(frozen=True)
class Ordering:
    """An order of the listing. `name` tags its cursors (a cursor from another order is
    refused); the keys, in order, are compared lexicographically."""

    name: str
    keys: tuple[SortKey, ...]

    @property
    def arity(self) -> int:
        return len(self.keys)

    def order_by(self, qualified: bool = True, reverse: bool = False) -> str:
        """ORDER BY of this order (`reverse`: the same order backwards, every key flipped:
        the keys name one row, so it is exactly the order read from its end)."""
        return ", ".join(
            f"{key.sql if qualified else key.name}{' DESC' if key.descending != reverse else ''}"
            for key in self.keys
        )

    def key_of(self, row: Any) -> list[Any]:
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
                    parsed = datetime.fromisoformat(value)
                    values.append(parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC))
                elif key.kind is int:
                    if (
                        isinstance(value, bool)
                        or not isinstance(value, int)
                        or (value not in BIGINT_RANGE)
                    ):
                        raise TypeError(key.name)
                    values.append(-value if key.negated_in_cursor else value)
                elif key.kind is float:
                    if isinstance(value, bool) or not isinstance(value, int | float):
                        raise TypeError(key.name)
                    if not math.isfinite(value) or abs(value) > 1e300:
                        raise TypeError(key.name)
                    values.append(float(value))
                elif isinstance(value, str):
                    values.append(value)
                else:
                    raise TypeError(key.name)
        except (TypeError, ValueError, OverflowError):
            raise InvalidInput("Invalid cursor", field="after") from None
        return values


_NAME_KEY = SortKey("name_key", False, str)  # unique: the last key of the name-based orders
_BY_DOWNLOADS = Ordering(
    PackageSort.DOWNLOADS.value, (SortKey("total_downloads", True, int), _NAME_KEY)
)
ORDERINGS: dict[PackageSort, Ordering] = {
    PackageSort.RELEVANCE: Ordering(
        PackageSort.RELEVANCE.value,
        (
            SortKey("rank", False, int),
            SortKey("score", True, float),
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


# --- SQL --------------------------------------------------------------------------------


class _Sql:
    """Parameters of one statement, numbered (`$n` on PostgreSQL, `?n` on SQLite), so that
    fragments can be built in any order."""

    def __init__(self, connection: BaseDBAsyncClient) -> None:
        self.postgres = search_index.is_postgres(connection)
        self.values: list[Any] = []

    def __call__(self, value: Any) -> str:
        self.values.append(value)
        return f"${len(self.values)}" if self.postgres else f"?{len(self.values)}"

    def db_time(self, value: datetime) -> Any:
        """A datetime as the updated_at/created_at columns hold it (text on SQLite)."""
        return Package._meta.fields_map["updated_at"].to_db_value(value, Package)

    def position(self, name: str) -> str:
        return f"strpos({name}, " if self.postgres else f"instr({name}, "


_WORD = re.compile(r"[^\W_]+")  # letters and digits: what both engines index as words
_PHRASE = re.compile(r'"([^"]*)"')


def search_terms(needle: str) -> list[str]:
    """The words and quoted phrases of a search, each as its words joined by one space.
    Everything else (hyphens, operators, a lone quote, punctuation) only separates words."""
    terms: list[str] = []
    rest: list[str] = []
    last = 0
    for match in _PHRASE.finditer(needle):
        rest.append(needle[last : match.start()])
        words = _WORD.findall(match.group(1))
        if words:
            terms.append(" ".join(words))
        last = match.end()
    rest.append(needle[last:])
    for part in rest:
        terms.extend(_WORD.findall(part))
    return list(dict.fromkeys(terms))[:MAX_SEARCH_TERMS]


def name_needle(needle: str) -> str:
    """The search as a package name: quotes dropped, spaces as hyphens ("auto save" is the
    package auto-save)."""
    return re.sub(r"\s+", "-", needle.replace('"', " ").strip())


def _trigrams(text: str) -> list[str]:
    return list(dict.fromkeys(text[i : i + 3] for i in range(len(text) - 2)))


@dataclass
class _Search:
    """The CTEs and expressions of a search: which packages match, and how they rank."""

    ctes: list[str]
    # SELECT of the matching ids, joined as `c`; None: `condition` selects them from `p`.
    candidates: str | None
    rank: str
    score: str
    unranked: int = 0  # parameters the matching set uses (rank and score add more)
    condition: str = "true"  # over `p`, with `candidates` None
    # SELECT of the ids of packages whose name contains the search (any visibility), when
    # every other match is a full-text one (no typo matches): see `_name_page`.
    names: str | None = None


def _pg_name_contains(sql: _Sql, name: str) -> str:
    """PostgreSQL: whether the name of `p` contains `name` (pg_trgm's GIN index)."""
    escaped = name.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"p.name_key LIKE {sql('%' + escaped + '%')} ESCAPE '\\'"


def _name_source(sql: _Sql, name: str) -> str:
    """SELECT of the ids of packages (any) whose name contains `name`."""
    if sql.postgres:
        return f"SELECT p.id AS id FROM packages p WHERE {_pg_name_contains(sql, name)}"
    if len(name) >= 3:
        phrase = '"' + name.replace('"', '""') + '"'
        return (
            "SELECT rowid AS id FROM package_names_trgm WHERE package_names_trgm MATCH "
            f"{sql(phrase)}"
        )
    return f"SELECT id FROM packages WHERE instr(name_key, {sql(name)}) > 0"


def typo_eligible(needle: str) -> bool:
    """A search that may be a misspelt name: one word of 4 to 50 characters."""
    name = name_needle(needle)
    return 4 <= len(name) <= 50 and name == needle


async def _names_listed(scope: ListedScope, needle: str) -> bool:
    """Whether a name the caller may see listed contains the search."""
    sql = _Sql(_connection())
    visible = _visible(scope, sql)
    rows = await _connection().execute_query_dict(
        f"SELECT 1 AS found FROM ({_name_source(sql, name_needle(needle))}) AS n JOIN packages "
        f"p ON p.id = n.id WHERE {visible} LIMIT 1",
        sql.values,
    )
    return bool(rows)


def _search(sql: _Sql, needle: str, visible: str, typos: bool) -> _Search:
    name = name_needle(needle)
    terms = search_terms(needle)
    ctes: list[str] = []
    sources: list[str] = []
    text_score = "0.0"
    typo_score = "0.0"
    if terms:
        if sql.postgres:
            query = " && ".join(
                f"websearch_to_tsquery('{search_index.PG_CONFIG}', {sql(_pg_term(term))})"
                for term in terms
            )
            ctes.append(
                f"text_hits AS MATERIALIZED (SELECT id, ts_rank(search_vector, q) AS bm FROM "
                f"packages, (SELECT {query} AS q) AS query WHERE search_vector @@ q)"
            )
            sources.append(f"SELECT id, 1 AS keep, bm, {_NONE} AS sim FROM text_hits")
            text_score = f"c.bm * {_POPULARITY}"
        else:
            # bm25 reads every hit's column sizes (17 ms for 4,000 hits of one word in
            # 100,000 packages); which columns hold a term is in the doclists FTS5 reads
            # anyway. The text rank: 1 for a match, plus 9 when the name holds a term, 4
            # the display name, 2 keywords or categories (the description and README are
            # the base weight: listing them would only add rows to group).
            match = " ".join(f'"{term}"' for term in terms)
            either = "(" + " OR ".join(f'"{term}"' for term in terms) + ")"
            sources.append(
                f"SELECT rowid AS id, 1 AS keep, 1 AS bm, {_NONE} AS sim FROM packages_fts WHERE "
                f"packages_fts MATCH {sql(match)}"
            )
            for column, weight in (("name", 9), ("display_name", 4), ("tags", 2)):
                within = f"{{{column}}} : {either} AND {match}"  # in the full match only
                sources.append(
                    f"SELECT rowid AS id, 0 AS keep, {weight} AS bm, {_NONE} AS sim FROM "
                    f"packages_fts WHERE packages_fts MATCH {sql(within)}"
                )
            text_score = f"c.bm * {_POPULARITY}"
    if name:
        # Listed ones only: whether a typo search runs must not tell of hidden names.
        if sql.postgres:
            # One scan: as a join, PostgreSQL hashes the name matches and walks every
            # listed id (95,000 of 100,000 packages: 15-30 ms) to probe them.
            ctes.append(
                f"name_hits AS MATERIALIZED (SELECT p.id FROM packages p WHERE "
                f"{_pg_name_contains(sql, name)} AND {visible})"
            )
        else:
            ctes.append(
                f"name_hits AS MATERIALIZED (SELECT p.id FROM ({_name_source(sql, name)}) AS n "
                f"JOIN packages p ON p.id = n.id WHERE {visible})"
            )
        sources.append(f"SELECT id, 1 AS keep, {_NONE} AS bm, {_NONE} AS sim FROM name_hits")
    # Typo-tolerant name matches, for a name-like search that no listed name contains
    # (`typos`, decided by `_plan`): "did you mean".
    if typos:
        squashed = name.replace("-", "")
        if sql.postgres:
            word = "replace(name_key, '-', '')"
            wanted = sql(squashed)
            ctes.append(
                "typo_hits AS MATERIALIZED (SELECT id, sim FROM (SELECT id, "
                f"similarity({word}, {wanted}) AS sim FROM packages ORDER BY {word} <-> {wanted} "
                f"LIMIT {TYPO_CANDIDATES}) AS nearest WHERE sim >= {TYPO_SIMILARITY})"
            )
        else:
            # pg_trgm's similarity, as far as FTS5 allows: trigrams of the word padded with
            # two spaces before and one after, shared over their union. Candidates: names
            # sharing an inner trigram, best first (FTS5's rank, which counts them).
            padded = _trigrams(f"  {squashed} ")[:40]
            shared = " + ".join(f"(instr('  ' || squashed || ' ', {sql(g)}) > 0)" for g in padded)
            inner = _trigrams(squashed)[:24] or [squashed]
            either = (
                "{squashed} : ("
                + " OR ".join('"' + g.replace('"', '""') + '"' for g in inner)
                + ")"
            )
            ctes.append(
                "typo_hits AS MATERIALIZED (SELECT id, sim FROM (SELECT id, shared * 1.0 / "
                f"({len(padded)} + length(squashed) + 1 - shared) AS sim FROM (SELECT "
                f"rowid AS id, squashed, {shared} AS shared FROM package_names_trgm WHERE "
                f"package_names_trgm MATCH {sql(either)} ORDER BY rank LIMIT "
                f"{TYPO_CANDIDATES}) AS c) AS s WHERE sim >= {TYPO_SIMILARITY})"
            )
        sources.append(f"SELECT id, 1 AS keep, {_NONE} AS bm, sim FROM typo_hits")
        typo_score = "c.sim"
    if not sources:
        sources.append(
            f"SELECT id, 1 AS keep, {_NONE} AS bm, {_NONE} AS sim FROM packages WHERE false"
        )
    unranked = len(sql.values)
    text_match = "c.text = 1" if terms else "false"
    rank, score = _ranking(sql, name, text_match, text_score, typo_score)
    return _Search(ctes, _candidates(sources), rank, score, unranked)


_LIFECYCLE = "CASE WHEN p.status <> 'active' THEN 10 ELSE 0 END"


def _ranking(
    sql: _Sql, name: str, text_match: str, text_score: str, typo_score: str = "0.0"
) -> tuple[str, str]:
    """The rank and score of a matching `p` (see the module docstring): name tiers first,
    then `text_match` rows by `text_score`, the rest (typo matches) by `typo_score`."""
    if not name:  # nothing but quotes and spaces: nothing matches
        return f"({_LIFECYCLE} + 3)", "0.0"
    exact = sql(name)
    contains = f"{sql.position('p.name_key')}{exact}) > 0"
    rank = (
        f"({_LIFECYCLE} + CASE WHEN p.name_key = {exact} THEN 0 "
        f"WHEN substr(p.name_key, 1, {len(name)}) = {exact} THEN 1 "
        f"WHEN {contains} THEN 2 WHEN {text_match} THEN 3 ELSE 4 END)"
    )
    score = (
        f"(CASE WHEN {contains} THEN 0.0 WHEN {text_match} THEN {text_score} "
        f"ELSE coalesce({typo_score}, 0.0) END)"
    )
    return rank, score


_POPULARITY = "ln(2.718281828459045 + p.total_downloads)"


def _direct_search(sql: _Sql, needle: str) -> _Search:
    """A search without typo matches: every match is a full-text hit or a name that
    contains the search, so each is a row of `p` reached once from the engine's indexes
    (no union to group, no second visit of the row), ranked there.

    PostgreSQL: one bitmap scan over both GIN indexes (`search_vector @@ q OR name_key LIKE`).
    SQLite: the rowids of both FTS5 tables, then each package row once."""
    name = name_needle(needle)
    terms = search_terms(needle)
    if sql.postgres:
        arms: list[str] = []
        query = ""
        if terms:
            query = (
                "(SELECT "
                + " && ".join(
                    f"websearch_to_tsquery('{search_index.PG_CONFIG}', {sql(_pg_term(term))})"
                    for term in terms
                )
                + ")"
            )
            arms.append(f"p.search_vector @@ {query}")
        names = None
        if name:
            contains = _pg_name_contains(sql, name)
            arms.append(contains)
            names = f"SELECT p.id AS id FROM packages p WHERE {contains}"
        condition = "(" + " OR ".join(arms or ["false"]) + ")"
        unranked = len(sql.values)
        text_score = f"ts_rank(p.search_vector, {query}) * {_POPULARITY}" if terms else "0.0"
        rank, score = _ranking(sql, name, "true" if terms else "false", text_score)
        return _Search([], None, rank, score, unranked, condition, names)
    sources: list[str] = []
    match = " ".join(f'"{term}"' for term in terms)
    if terms:
        sources.append(
            f"SELECT rowid AS id FROM packages_fts WHERE packages_fts MATCH {sql(match)}"
        )
    names = None
    if name:
        names = _name_source(sql, name)
        sources.append(names)
    candidates = " UNION ".join(sources or ["SELECT id FROM packages WHERE false"])
    unranked = len(sql.values)
    text_score = "0.0"
    if terms:
        # The text rank (see `_search`): 1, plus 9 when the name holds a term, 4 the
        # display name, 2 keywords or categories; each column's matches read once.
        either = "(" + " OR ".join(f'"{term}"' for term in terms) + ")"
        weights = ["1"]
        for column, weight in (("name", 9), ("display_name", 4), ("tags", 2)):
            within = sql(f"{{{column}}} : {either} AND {match}")
            weights.append(
                f"{weight} * (p.id IN (SELECT rowid FROM packages_fts WHERE packages_fts MATCH "
                f"{within}))"
            )
        text_score = f"({' + '.join(weights)}) * {_POPULARITY}"
    rank, score = _ranking(sql, name, "true" if terms else "false", text_score)
    return _Search([], f"SELECT id FROM ({candidates})", rank, score, unranked, names=names)


def _candidates(sources: list[str]) -> str:
    """One row per matching id with its text score (`bm`) and typo similarity (`sim`):
    grouped, not joined, because a join against a CTE has no index to use."""
    union = " UNION ALL ".join(sources)
    return (
        "SELECT id, sum(bm) AS bm, max(sim) AS sim, max(CASE WHEN bm IS NOT NULL AND keep = 1 "
        f"THEN 1 ELSE 0 END) AS text FROM ({union}) AS hits GROUP BY id HAVING max(keep) = 1"
    )


def _pg_term(term: str) -> str:
    """A word, or a phrase in quotes, as websearch_to_tsquery reads it (no operator left:
    terms hold letters, digits and single spaces only)."""
    return f'"{term}"' if " " in term else term


def _visible(scope: ListedScope, sql: _Sql) -> str:
    """`access.listed_scope` as SQL over `p`; the anonymous form is, word for word, the
    predicate of the partial listing indexes."""
    if scope.everything:
        return "p.deleted_at IS NULL"
    public = "p.deleted_at IS NULL AND p.visibility = 'public'"
    if scope.package_ids:
        ids = ", ".join(str(int(i)) for i in scope.package_ids)
        return f"p.deleted_at IS NULL AND (p.visibility = 'public' OR p.id IN ({ids}))"
    if scope.publisher_ids:
        marks = ", ".join(sql(i) for i in scope.publisher_ids)
        return f"p.deleted_at IS NULL AND (p.visibility = 'public' OR p.publisher_id IN ({marks}))"
    return public


def _has_facet(sql: _Sql, facet: str, value: str, counting: bool = False) -> str:
    """A facet filter: per row (EXISTS) for a page, which stops at its LIMIT walking an
    order's index; as the set of ids (IN) for a count, which reads them all anyway."""
    if counting:
        return (
            f"p.id IN (SELECT package_id FROM package_facets WHERE facet = {sql(facet)} AND "
            f"value = {sql(value)})"
        )
    return (
        "EXISTS (SELECT 1 FROM package_facets f WHERE f.package_id = p.id AND "
        f"f.facet = {sql(facet)} AND f.value = {sql(value)})"
    )


def _conditions(
    sql: _Sql, query: ListingQuery, publisher_id: str | None, counting: bool = False
) -> list[str]:
    """The filters of `query` as SQL conditions over `p` (visibility aside)."""
    conditions: list[str] = []
    if query.package_type:
        conditions.append(f"p.package_type = {sql(str(query.package_type))}")
    if query.visibility:
        conditions.append(f"p.visibility = {sql(str(query.visibility))}")
    if publisher_id:
        conditions.append(f"p.publisher_id = {sql(publisher_id)}")
    if query.verified is not None:
        flag = "true" if query.verified else "false"
        conditions.append(_has_facet(sql, "verified", flag, counting))
    for facet, value in (
        ("category", query.category),
        ("platform", query.platform),
        ("architecture", query.architecture),
    ):
        if value:
            conditions.append(_has_facet(sql, facet, value, counting))
    if query.toolbox:
        key = sql(search_index.version_text_key(_caller_version(query.toolbox)))
        conditions.append(f"p.toolbox_low <= {key} AND {key} < p.toolbox_high")
    if query.keyword:
        if sql.postgres:
            conditions.append(f"p.keywords @> {sql(json.dumps([query.keyword]))}::jsonb")
        else:
            conditions.append(
                "EXISTS (SELECT 1 FROM json_each(p.keywords) AS k WHERE k.value = "
                f"{sql(query.keyword)})"
            )
    if query.updated_since is not None:
        conditions.append(f"p.updated_at >= {sql(sql.db_time(query.updated_since))}")
    if not query.include_yanked:
        conditions.append(
            "NOT EXISTS (SELECT 1 FROM package_facets f WHERE f.package_id = p.id AND "
            "f.facet = 'yanked_only')"
        )
    return conditions


def _after(sql: _Sql, ordering: Ordering, position: Sequence[Any], named: bool) -> str:
    """Rows strictly after `position` in `ordering`, as SQL (named: over the select list's
    names, as around a search's ranked rows)."""
    clauses: list[str] = []
    values = [sql.db_time(value) if isinstance(value, datetime) else value for value in position]
    marks = [sql(value) for value in values]
    for index, key in enumerate(ordering.keys):
        parts = [
            f"{k.name if named else k.sql} = {marks[i]}"
            for i, k in enumerate(ordering.keys[:index])
        ]
        parts.append(
            f"{key.name if named else key.sql} {'<' if key.descending else '>'} {marks[index]}"
        )
        clauses.append("(" + " AND ".join(parts) + ")")
    return "(" + " OR ".join(clauses) + ")"


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


@dataclass
class _Plan:
    """A listing query, resolved (publisher, the caller's scope), ready to become SQL."""

    query: ListingQuery
    scope: ListedScope
    publisher_id: str | None
    typos: bool = False  # look for misspelt names too
    # The facet counts of a search alone (public packages), when read up front for a page
    # and its facet counts together (`numbered_page_and_facets`): the page's total is their
    # `type` sum, so the matching set is read once for both. Lives as long as this plan.
    search_counts: dict[str, dict[str, int]] | None = None

    def statement(self, counting: bool = False) -> _Statement:
        """The SQL pieces of one statement (each statement numbers its own parameters);
        `counting`: for a statement that reads every matching row."""
        sql = _Sql(_connection())
        visible = _visible(self.scope, sql)
        where = [visible, *_conditions(sql, self.query, self.publisher_id, counting)]
        search = None
        if self.query.needle:
            if self.typos:
                search = _search(sql, self.query.needle, visible, self.typos)
            else:
                search = _direct_search(sql, self.query.needle)
        return _Statement(sql, where, search)


@dataclass
class _Statement:
    sql: _Sql
    where: list[str]
    search: _Search | None

    def unranked_values(self) -> list[Any]:
        """The parameters of a statement that selects the matching rows but not their rank."""
        if self.search is None:
            return self.sql.values
        return self.sql.values[: self.search.unranked]

    def with_clause(self) -> str:
        return f"WITH {', '.join(self.search.ctes)} " if self.search and self.search.ctes else ""

    def source(self, publisher: bool = False) -> str:
        """FROM ... WHERE ... of the matching packages `p` (with `pub`, their publishers)."""
        where = " AND ".join(self.where)
        if self.search is None:
            joined = " JOIN publishers pub ON pub.id = p.publisher_id" if publisher else ""
            return f"FROM packages p{joined} WHERE {where}"
        if self.search.candidates is None:
            return f"FROM packages p WHERE {self.search.condition} AND {where}"
        return f"FROM ({self.search.candidates}) AS c JOIN packages p ON p.id = c.id WHERE {where}"


async def _plan(actor: Actor, query: ListingQuery) -> _Plan | None:
    publisher_id = query.publisher_id
    if query.publisher:
        publisher_id = await _publisher_id(query.publisher)
        if publisher_id is None:
            return None
    scope = await listed_scope(actor)
    typos = typo_eligible(query.needle) and not await _names_listed(scope, query.needle)
    return _Plan(query, scope, publisher_id, typos)


def _connection() -> BaseDBAsyncClient:
    return Tortoise.get_connection("default")


async def _ids(
    plan: _Plan,
    ordering: Ordering,
    *,
    limit: int,
    offset: int = 0,
    after: Sequence[Any] | None = None,
    prefetched: dict[int, ListedPackage] | None = None,
    readme: bool = False,
    total: int | None = None,
) -> tuple[list[tuple[int, int, float]], int | None]:
    """(id, rank, score) of the page's rows in order, and for a search the number of
    matches in all (None otherwise, or when a page past the first is empty: `_count` tells
    it). Given `prefetched`, a page without offset (or of names, see `_name_page`) fills it
    with the rows themselves. Given `total` (how many match, no search), a page past the
    middle is read from the end."""
    statement = plan.statement()
    sql = statement.sql
    connection = _connection()
    if statement.search is None:
        where = ""
        if after is not None:
            where = f" AND {_after(sql, ordering, after, named=False)}"
        if offset == 0 and prefetched is not None:
            # A first page or a keyset page: the rows in the same query (no deferred join
            # to gain without an offset to skip).
            rows = await connection.execute_query_dict(
                f"SELECT {_row_columns(readme)} {statement.source(publisher=True)}{where} ORDER BY "
                f"{ordering.order_by()} LIMIT {int(limit)}",
                sql.values,
            )
            for values in rows:
                prefetched[int(values["id"])] = _plain(values)
            return [(int(row["id"]), 0, 0.0) for row in rows], None
        # Deeper pages: the ids from the order's index, then their rows (deferred join).
        # Past the middle of a known total, the index is read from its end (an offset skips
        # index entries one by one: page 1,000 of 100,000 packages would skip 99,900).
        reverse = total is not None and offset > total // 2
        if reverse and total is not None:
            end = min(offset + limit, total)
            limit, offset = max(0, end - offset), total - end
        rows = await connection.execute_query_dict(
            f"SELECT p.id AS id {statement.source()}{where} ORDER BY "
            f"{ordering.order_by(reverse=reverse)} LIMIT {int(limit)} OFFSET {int(offset)}",
            sql.values,
        )
        ids = [(int(row["id"]), 0, 0.0) for row in rows]
        return (ids[::-1] if reverse else ids), None
    if after is None and ordering is ORDERINGS[PackageSort.RELEVANCE]:
        page = await _name_page(plan, statement, ordering, limit, offset, prefetched, readme)
        if page is not None:
            return page
    ranked = (
        f"SELECT p.id AS id, {statement.search.rank} AS rank, {statement.search.score} AS "
        "score, p.total_downloads AS total_downloads, p.name_key AS name_key, "
        "p.created_at AS created_at, p.updated_at AS updated_at, "
        f"count(*) OVER () AS total {statement.source()}"
    )
    where = f" WHERE {_after(sql, ordering, after, named=True)}" if after is not None else ""
    rows = await connection.execute_query_dict(
        f"{statement.with_clause()}SELECT id, rank, score, total FROM ({ranked}) AS r{where} "
        f"ORDER BY {ordering.order_by(qualified=False)} LIMIT {int(limit)} OFFSET {int(offset)}",
        sql.values,
    )
    total = int(rows[0]["total"]) if rows else None
    if not rows and offset == 0 and after is None:
        total = 0  # nothing matches at all: no COUNT to run the search again for
    return [(int(r["id"]), int(r["rank"]), float(r["score"])) for r in rows], total


def _public_matches(plan: _Plan, statement: _Statement) -> str | None:
    """For a search and nothing else, from a caller who sees the public packages: SELECT of
    the matching ids of any package, to be read with their facet rows' `public` (a facet
    row says whether its package is public, and a deleted one has none), so that no
    package row is visited. None otherwise."""
    search = statement.search
    if not plan.scope.public_only or len(statement.where) != 1 or search is None:
        return None
    return f"SELECT id FROM ({search.candidates}) AS m" if search.candidates else None


async def _name_page(
    plan: _Plan,
    statement: _Statement,
    ordering: Ordering,
    limit: int,
    offset: int,
    prefetched: dict[int, ListedPackage] | None,
    readme: bool,
) -> tuple[list[tuple[int, int, float]], int] | None:
    """A relevance page made of names alone: active packages whose name contains the search
    rank before every other match (tiers 0-2; a text match is 3, an archived or deprecated
    package 10 and more). When there are enough of them to fill the page, the page is
    theirs, ranked among them (hundreds of names, not the thousands of text matches), and
    only the count reads every match. None when they do not fill it."""
    search = statement.search
    if search is None or search.names is None:
        return None
    wanted = offset + limit
    named = (
        f"SELECT p.id AS id, {search.rank} AS rank, {search.score} AS score, p.total_downloads "
        f"AS total_downloads, p.name_key AS name_key FROM ({search.names}) AS n JOIN packages "
        f"p ON p.id = n.id WHERE {' AND '.join(statement.where)} AND p.status = 'active'"
    )
    order = ordering.order_by(qualified=False)
    page_sql = f"SELECT id, rank, score FROM ({named}) AS r ORDER BY {order} LIMIT {int(wanted)}"
    if prefetched is not None:
        # With the page's rows (joined after the LIMIT), not a second query for them; the
        # order's names are the select list's (each the same value as in `named`).
        page_sql = (
            f"SELECT {_row_columns(readme)}, r.rank AS rank, r.score AS score FROM ({page_sql}) "
            "AS r JOIN packages p ON p.id = r.id JOIN publishers pub ON pub.id = p.publisher_id "
            f"ORDER BY {order}"
        )
    rows = await _connection().execute_query_dict(page_sql, statement.sql.values)
    if len(rows) < wanted:
        return None
    page = [(int(r["id"]), int(r["rank"]), float(r["score"])) for r in rows[offset:]]
    if prefetched is not None:
        for values in rows[offset:]:
            prefetched[int(values["id"])] = _plain(dict(values))
    return page, await _count(plan, plan.query)


async def _count(plan: _Plan, query: ListingQuery) -> int:
    """How many packages match (a search's count comes with its page, see `_ids`)."""
    quick = await _count_from_totals(plan, query)
    if quick is not None:
        return quick
    statement = plan.statement(counting=True)
    source = statement.source()
    public = _public_matches(plan, statement)
    if public is not None and plan.search_counts is None:  # a search alone: from the bits
        plan.search_counts = await _search_counts(plan)
    if plan.search_counts is not None:  # every live package has one `type` row
        return sum(plan.search_counts.get("type", {}).values())
    if public is not None:
        source = (
            "FROM package_facets f WHERE f.facet = 'type' AND f.public AND f.package_id IN "
            f"({public})"
        )
    rows = await _connection().execute_query_dict(
        f"{statement.with_clause()}SELECT count(*) AS n {source}",
        statement.unranked_values(),
    )
    return int(rows[0]["n"])


def _only_facets(query: ListingQuery, plan: _Plan) -> bool:
    """Whether nothing but facet filters (and the caller's visibility) selects the rows."""
    return not (
        query.needle
        or query.visibility
        or plan.publisher_id
        or query.keyword
        or query.updated_since is not None
    )


async def _count_from_totals(plan: _Plan, query: ListingQuery) -> int | None:
    """The count from the facet totals (no scan), when the query is no search and filters
    by one facet at most; None otherwise."""
    if not plan.scope.public_only or not _only_facets(query, plan):
        return None
    filters = query.facet_filters()
    if query.toolbox:
        filters["toolbox"] = query.toolbox
    if len(filters) > 1 or (filters and not query.include_yanked):
        return None
    totals = await search_index.public_totals()
    if not filters:
        everything = sum(totals.get("type", {}).values())
        if not query.include_yanked:
            everything -= sum(totals.get("yanked_only", {}).values())
        return everything
    ((facet, value),) = filters.items()
    if facet == "toolbox":
        key = search_index.version_text_key(_caller_version(value))
        return sum(
            n for bounds, n in totals.get("toolbox", {}).items() if search_index.admits(bounds, key)
        )
    return totals.get(facet, {}).get(value, 0)


# --- pages ------------------------------------------------------------------------------


def _ordered(
    ids: list[tuple[int, int, float]], rows: dict[int, ListedPackage]
) -> list[ListedPackage]:
    found: list[ListedPackage] = []
    for package_id, rank, score in ids:
        row = rows.get(package_id)
        if row is not None:
            row.rank, row.score = rank, score
            found.append(row)
    return found


async def numbered_page(
    actor: Actor, query: ListingQuery, *, page: int, per_page: int
) -> tuple[list[ListedPackage], int]:
    """Page `page` (from 1) of `per_page` packages, with their publishers, and how many match
    in all (REST's page/per_page)."""
    plan = await _plan(actor, query)
    if plan is None:
        return [], 0
    return await _numbered(plan, page=page, per_page=per_page)


async def numbered_page_and_facets(
    actor: Actor, query: ListingQuery, *, page: int, per_page: int
) -> tuple[list[ListedPackage], int, dict[str, list[tuple[str, int]]]]:
    """`numbered_page` and `facet_counts` of one query, answered together (REST's
    `facets=true`): the query is planned once, and a search alone, seen as the public
    packages, reads its matching ids once (from the search indexes: on PostgreSQL a heap
    visit per match), for the facet counts and for the total both, instead of once each."""
    return await _page_and_facets(
        actor, query, lambda plan: _numbered(plan, page=page, per_page=per_page)
    )


async def _page_and_facets(
    actor: Actor,
    query: ListingQuery,
    read_page: Callable[[_Plan], Awaitable[tuple[list[ListedPackage], int]]],
) -> tuple[list[ListedPackage], int, dict[str, list[tuple[str, int]]]]:
    """A page (`read_page`) and the facet counts of one query, from one plan."""
    plan = await _plan(actor, query)
    if plan is None:
        return [], 0, _facet_lists({})
    plan.search_counts = await _search_counts(plan)
    found, total = await read_page(plan)
    return found, total, await _facets(plan)


async def _numbered(plan: _Plan, *, page: int, per_page: int) -> tuple[list[ListedPackage], int]:
    query = plan.query
    offset = (page - 1) * per_page
    known = None
    if offset and not query.needle:  # a deep page: its total, when the facet totals tell it
        known = await _count_from_totals(plan, query)
        if known is not None and offset >= known:
            return [], known  # past the last page
    rows: dict[int, ListedPackage] = {}
    ids, total = await _ids(
        plan, ordering_of(query), limit=per_page, offset=offset, prefetched=rows, total=known
    )
    found = _ordered(ids, rows or await _rows([i for i, _, _ in ids], readme=False))
    if total is not None:
        return found, total
    if known is not None:
        return found, known
    if 0 < len(found) < per_page:
        return found, offset + len(found)  # the last page: it tells the total, no COUNT
    return found, await _count(plan, query)


async def keyset_page(
    actor: Actor, query: ListingQuery, *, limit: int, after: Sequence[Any] | None
) -> tuple[list[ListedPackage], int]:
    """Up to `limit` + 1 packages after the position `after` (`ordering_of(query).parse_key`
    of a cursor; None: from the start) and how many match in all. The extra row only says
    that a next page exists."""
    plan = await _plan(actor, query)
    if plan is None:
        return [], 0
    return await _keyset(plan, limit=limit, after=after)


async def keyset_page_and_facets(
    actor: Actor, query: ListingQuery, *, limit: int, after: Sequence[Any] | None
) -> tuple[list[ListedPackage], int, dict[str, list[tuple[str, int]]]]:
    """`keyset_page` and `facet_counts` of one query, answered together (GraphQL's package
    connection with its `facets` selected), from one plan as `numbered_page_and_facets`."""
    return await _page_and_facets(
        actor, query, lambda plan: _keyset(plan, limit=limit, after=after)
    )


async def _keyset(
    plan: _Plan, *, limit: int, after: Sequence[Any] | None
) -> tuple[list[ListedPackage], int]:
    query = plan.query
    rows: dict[int, ListedPackage] = {}
    ids, total = await _ids(
        plan, ordering_of(query), limit=limit + 1, after=after, prefetched=rows, readme=True
    )
    found = _ordered(ids, rows or await _rows([i for i, _, _ in ids], readme=True))
    if total is None:
        total = await _count(plan, query)
    return found, total


async def suggest_names(actor: Actor, prefix: str, limit: int) -> list[str]:
    """Names of listed packages starting with `prefix`, most downloaded first."""
    needle = (prefix or "").strip().lower()
    if not needle or not fits(Package, "name_key", needle):  # longer: no name starts so
        return []
    names = await (
        Package.filter(await listed_filter(actor), name_key__startswith=needle)
        .order_by("-total_downloads", "name_key")
        .limit(limit)
        .values_list("name", flat=True)
    )
    return [str(name) for name in names]


# --- facets -----------------------------------------------------------------------------

FACETS = ("type", "category", "toolbox", "platform", "architecture", "verified")


def _facet_lists(counts: dict[str, dict[str, int]]) -> dict[str, list[tuple[str, int]]]:
    """Counts per facet, most frequent first (ties by value); `toolbox` per configured
    ToolBoxV2 release, in the operator's order, from the requirement hulls' counts."""
    result: dict[str, list[tuple[str, int]]] = {}
    for facet in FACETS:
        if facet == "toolbox":
            hulls = counts.get("toolbox", {})
            releases: list[tuple[str, int]] = []
            for release in search_index.toolbox_releases():
                key = search_index.version_text_key(as_version(release))
                n = sum(c for bounds, c in hulls.items() if search_index.admits(bounds, key))
                releases.append((release, n))
            result[facet] = releases
            continue
        values = counts.get(facet, {})
        result[facet] = sorted(
            ((value, n) for value, n in values.items() if n > 0),
            key=lambda item: (-item[1], item[0]),
        )
    return result


async def _grouped(statement: str, values: list[Any]) -> dict[str, dict[str, int]]:
    counts: dict[str, dict[str, int]] = {}
    for row in await _connection().execute_query_dict(statement, values):
        bucket = counts.setdefault(str(row["facet"]), {})
        bucket[str(row["value"])] = bucket.get(str(row["value"]), 0) + int(row["n"])
    return counts


async def facet_counts(actor: Actor, query: ListingQuery) -> dict[str, list[tuple[str, int]]]:
    """How many packages matching `query` (search and filters, visibility as the page) have
    each value of each facet in FACETS: values most frequent first; `toolbox` per release
    of the operator's TOOLBOX_RELEASES; `verified` as "true"/"false".

    One SQL query over the matching packages' facet rows; with no search and no filter,
    the public packages' counts come from the facet totals instead (no scan), plus one
    query over the non-public packages the caller may see, if any; a search alone, seen as
    the public packages, counts its matching ids against the public facet bits."""
    plan = await _plan(actor, query)
    if plan is None:
        return _facet_lists({})
    return await _facets(plan)


async def _facets(plan: _Plan) -> dict[str, list[tuple[str, int]]]:
    query = plan.query
    facet_filtered = bool(query.facet_filters()) or bool(query.toolbox)
    if _only_facets(query, plan) and not facet_filtered:
        counts = await search_index.public_totals()
        if not query.include_yanked:
            hidden = await _grouped(
                "SELECT f.facet AS facet, f.value AS value, count(*) AS n FROM package_facets y "
                "JOIN package_facets f ON f.package_id = y.package_id WHERE y.facet = "
                "'yanked_only' AND y.public GROUP BY f.facet, f.value",
                [],
            )
            for facet, values in hidden.items():
                for value, n in values.items():
                    counts.setdefault(facet, {})[value] = counts.get(facet, {}).get(value, 0) - n
        if not plan.scope.public_only:
            statement = plan.statement()
            extra = " AND ".join([*statement.where, "p.visibility <> 'public'"])
            more = await _grouped(
                "SELECT f.facet AS facet, f.value AS value, count(*) AS n FROM packages p JOIN "
                f"package_facets f ON f.package_id = p.id WHERE {extra} GROUP BY f.facet, "
                "f.value",
                statement.sql.values,
            )
            for facet, values in more.items():
                for value, n in values.items():
                    counts.setdefault(facet, {})[value] = counts.get(facet, {}).get(value, 0) + n
        return _facet_lists(counts)
    paired = await _pair_filter(plan, query)
    if paired is not None:
        return _facet_lists(await search_index.pair_totals(*paired))
    key: tuple[Any, ...] | None = None
    version: tuple[Any, ...] | None = None
    connection = _connection()
    if plan.scope.public_only and _only_facets(query, plan):
        # Facet filters alone, public packages: the counts depend on the public facet rows
        # only, every change of which appends a facet delta. Read the deltas' version
        # before the counts (a write in between makes the entry newer than its key, never
        # older), then reuse the counts until the deltas change.
        key = (tuple(sorted(query.facet_filters().items())), query.toolbox, query.include_yanked)
        version = await _deltas_version(connection)
        cached = _FILTERED_FACETS.get(key)
        if cached is not None and cached[0] is connection and cached[1] == version:
            return _facet_lists(cached[2])
    searched = plan.search_counts
    if searched is None:
        searched = await _search_counts(plan)
    if searched is not None:
        return _facet_lists(searched)
    statement = plan.statement(counting=True)
    matching = f"SELECT p.id {statement.source()}"
    rows = "true"
    public = _public_matches(plan, statement)
    if public is not None:
        matching, rows = public, "f.public"
    counts = await _grouped(
        f"{statement.with_clause()}SELECT f.facet AS facet, f.value AS value, count(*) AS n "
        f"FROM package_facets f WHERE {rows} AND f.package_id IN ({matching}) "
        "GROUP BY f.facet, f.value",
        statement.unranked_values(),
    )
    if key is not None and version is not None:
        if len(_FILTERED_FACETS) >= FILTERED_FACETS_KEPT:
            _FILTERED_FACETS.clear()
        _FILTERED_FACETS[key] = (connection, version, counts)
    return _facet_lists(counts)


async def _search_counts(plan: _Plan) -> dict[str, dict[str, int]] | None:
    """The facet counts of a search alone, seen as the public packages: its matching ids
    (of any package) counted against the public facet bits. None for any other query, or
    when the bits are too many to hold."""
    statement = plan.statement(counting=True)
    searched = _searched_ids(plan, statement)
    if searched is None:
        return None
    connection = _connection()
    # The ids in one value (one row to decode, not one per match), with the facet deltas'
    # version from the same snapshot: the bits are current for exactly these ids.
    postgres = search_index.is_postgres(connection)
    ids = "array_agg(m.id)" if postgres else "group_concat(m.id)"
    found = await connection.execute_query_dict(
        f"{statement.with_clause()}SELECT {_DELTAS_VERSION}, {ids} AS ids FROM ({searched}) AS m",
        statement.unranked_values(),
    )
    row = found[0]
    bits = await _public_facet_bits(connection, (int(row["n"]), row["top"]))
    if bits is None:
        return None
    matched: list[int] = row["ids"] or []
    if isinstance(matched, str):  # SQLite's group_concat
        matched = [int(i) for i in matched.split(",")]
    return _bit_counts(bits, matched)


def _searched_ids(plan: _Plan, statement: _Statement) -> str | None:
    """For a search and nothing else, from a caller who sees the public packages: SELECT of
    the matching ids of any package, as `id` (the public facet bits tell which are listed:
    see `_public_facet_bits`), within `statement.with_clause()`. None otherwise."""
    search = statement.search
    if not plan.scope.public_only or len(statement.where) != 1 or search is None:
        return None
    public = _public_matches(plan, statement)
    if public is not None:
        return public
    return f"SELECT p.id AS id FROM packages p WHERE {search.condition}"


# The public facet rows as bits, for the facet counts of a search (thousands of matches,
# ~9 facet rows each: counting their rows in SQL took 40-450 ms at 100,000 packages; the
# bits answer in a few): per (facet, value), an int whose bit n says that public package n
# has it (a facet row is public exactly when its package is listed to anonymous callers,
# and a deleted package has none). Held with the connection they were read on and the
# facet deltas' version read before them (every change of a public facet row appends a
# delta, see `_deltas_version`), reread when it changes; not held beyond FACET_BITS_VALUES
# distinct values or FACET_BITS_BYTES (memory: one bit per package id each). The count of
# such a search on SQLite (its matching ids of any package) reads them too.
FACET_BITS_VALUES = 1000
FACET_BITS_BYTES = 64 * 1024 * 1024
_FACET_BITS: dict[str, tuple[BaseDBAsyncClient, tuple[Any, ...], dict[tuple[str, str], int]]] = {}


def _as_bits(ids: Sequence[int]) -> int:
    if not ids:
        return 0
    bits = bytearray(max(ids) // 8 + 1)
    for package_id in ids:
        bits[package_id >> 3] |= 1 << (package_id & 7)
    return int.from_bytes(bits, "little")


def _bitmaps(rows: list[tuple[str, str, str]]) -> dict[tuple[str, str], int] | None:
    """The bits of each facet value; None past FACET_BITS_BYTES (one bit per package id up
    to the highest one holding the value)."""
    parsed = {(facet, value): [int(i) for i in ids.split(",")] for facet, value, ids in rows}
    if sum(max(ids) // 8 + 1 for ids in parsed.values()) > FACET_BITS_BYTES:
        return None
    return {key: _as_bits(ids) for key, ids in parsed.items()}


def _bit_counts(bits: dict[tuple[str, str], int], ids: Sequence[int]) -> dict[str, dict[str, int]]:
    """How many of `ids` have each public facet value (values none has left out, as the
    SQL count leaves them)."""
    matched = _as_bits(ids)
    counts: dict[str, dict[str, int]] = {}
    for (facet, value), held in bits.items():
        n = (held & matched).bit_count()
        if n:
            counts.setdefault(facet, {})[value] = n
    return counts


async def _public_facet_bits(
    connection: BaseDBAsyncClient, version: tuple[Any, ...]
) -> dict[tuple[str, str], int] | None:
    """The public facet rows as bits (see FACET_BITS_VALUES), current as of the facet deltas'
    `version` (read before this call); None when there are too many to hold."""
    async with loop_gate("facet-bits", 1):  # one read of them at a time, the others reuse it
        held = _FACET_BITS.get("public")
        if held is not None and held[0] is connection and held[1] == version:
            return held[2]
        ids = (
            "string_agg(package_id::text, ',')"
            if search_index.is_postgres(connection)
            else "group_concat(package_id)"
        )
        found = await connection.execute_query(
            f"SELECT facet, value, {ids} AS ids FROM package_facets WHERE public "
            f"GROUP BY facet, value LIMIT {FACET_BITS_VALUES + 1}"
        )
        rows = [(str(r[0]), str(r[1]), str(r[2])) for r in found[1]]
        if len(rows) > FACET_BITS_VALUES:
            _FACET_BITS.pop("public", None)
            return None
        bits = await run_cpu_bound(_bitmaps, rows)
        if bits is None:
            _FACET_BITS.pop("public", None)
            return None
        _FACET_BITS["public"] = (connection, version, bits)
        return bits


async def _pair_filter(plan: _Plan, query: ListingQuery) -> tuple[str, list[str]] | None:
    """For public packages filtered by one facet value and nothing else: the facet and the
    values of its rows that match (the toolbox hulls admitting the version, at most one per
    package), whose pair totals are the facet counts. None otherwise."""
    if not plan.scope.public_only or not _only_facets(query, plan) or not query.include_yanked:
        return None
    filters = query.facet_filters()
    if query.toolbox:
        filters["toolbox"] = query.toolbox
    if len(filters) != 1:
        return None
    ((facet, value),) = filters.items()
    if facet != "toolbox":
        return facet, [value]
    key = search_index.version_text_key(_caller_version(value))
    hulls = (await search_index.public_totals()).get("toolbox", {})
    return facet, sorted(bounds for bounds in hulls if search_index.admits(bounds, key))


# Facet counts of facet-filtered listings of public packages (no search) that the pair
# totals do not answer (several filters, or yanked packages hidden), by filters: the
# connection they were read on (a process may talk to several databases; held, so its id
# is never reused), the facet deltas' version then, the counts. Counting them reads every
# facet row of every matching package (206 ms for a category of 15,000 of 100,000
# packages on SQLite); they change only when a public package's facet rows do.
FILTERED_FACETS_KEPT = 256
_FILTERED_FACETS: dict[
    tuple[Any, ...], tuple[BaseDBAsyncClient, tuple[Any, ...], dict[str, dict[str, int]]]
] = {}


async def _deltas_version(connection: BaseDBAsyncClient) -> tuple[Any, ...]:
    """What changes whenever a public facet row does: rows are only appended (with a
    higher id, or, committed late, a lower one: the count grows), and compacting replaces
    rows read with their sums under new, higher ids."""
    rows = await connection.execute_query_dict(f"SELECT {_DELTAS_VERSION}")
    return (int(rows[0]["n"]), rows[0]["top"]) if rows else (0, None)


# The facet deltas' version as columns `n` and `top` (see `_deltas_version`), for a SELECT
# list of its own or beside what a statement reads in the same snapshot.
_DELTAS_VERSION = (
    "(SELECT count(*) FROM facet_deltas) AS n, (SELECT max(id) FROM facet_deltas) AS top"
)


async def category_counts(actor: Actor) -> list[tuple[str, int]]:
    """Each category with how many packages the caller may see listed carry it, most
    first (categories no listed package carries are left out)."""
    return (await facet_counts(actor, ListingQuery()))["category"]
