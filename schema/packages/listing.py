"""The package list behind `packages` and `Publisher.packages`: filters, orders and keyset
pages over the packages a listing may show the caller (`access.listed_filter`).

A listing answers rows (`PackagePage`); the GraphQL connection is built from them by the
package types (`schema.packages.types.package_connection`), so this module needs no type and
the types need nothing from here.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from tortoise import Tortoise
from tortoise.expressions import Q, RawSQL, Subquery
from tortoise.queryset import QuerySet

from domain.enums import PublisherStatus, VersionStatus
from domain.exceptions import InvalidInput
from domain.models import BIGINT_RANGE
from domain.models import Package as PackageRow
from domain.models import PackageVersion as VersionRow
from domain.services.access import listed_filter
from domain.services.packages import relevance_rank
from schema.core.context import Info
from schema.core.pagination import decode_cursor, encode_cursor, page_size
from schema.packages.enums import PackageSort
from schema.publishers.dataloaders import PublisherByNameLoader

# (field, descending) pairs; the last field is unique, so every key names one row.
_KEYSETS: dict[PackageSort, tuple[tuple[str, bool], ...]] = {
    PackageSort.NAME: (("name_key", False),),
    PackageSort.DOWNLOADS: (("total_downloads", True), ("name_key", False)),
    PackageSort.UPDATED: (("updated_at", True), ("id", True)),
    PackageSort.CREATED: (("created_at", True), ("id", True)),
}
_DATETIME_FIELDS = {"updated_at", "created_at"}
_INT_FIELDS = {"total_downloads", "id"}


@dataclass
class PackageQuery:
    search: str = ""
    package_type: str | None = None
    publisher: str | None = None  # slug or id, as the client gave it
    publisher_id: str | None = None  # already resolved
    keyword: str | None = None
    visibility: str | None = None
    verified_only: bool = False
    include_yanked: bool = False
    sort: PackageSort = PackageSort.RELEVANCE

    @property
    def needle(self) -> str:
        return (self.search or "").strip().lower()


def _keyword_filter(query: QuerySet[PackageRow], keyword: str) -> QuerySet[PackageRow]:
    """Packages whose keyword list contains `keyword` exactly (keywords are lowercase)."""
    if Tortoise.get_connection("default").capabilities.dialect == "sqlite":
        # SQLite has no JSON containment operator in Tortoise; json_each is built in.
        literal = "'" + keyword.replace("'", "''") + "'"
        return query.annotate(has_keyword=RawSQL(
            f'EXISTS (SELECT 1 FROM json_each("packages"."keywords") '
            f"WHERE json_each.value = {literal})")).filter(has_keyword=1)
    return query.filter(keywords__contains=[keyword])


async def _filtered(info: Info, spec: PackageQuery) -> QuerySet[PackageRow] | None:
    query = PackageRow.filter(await listed_filter(info.context.actor))
    if spec.needle:
        query = query.filter(search_text__contains=spec.needle)
    if spec.package_type:
        query = query.filter(package_type=spec.package_type)
    if spec.visibility:
        query = query.filter(visibility=spec.visibility)
    publisher_id = spec.publisher_id
    if spec.publisher:
        owner = await info.context.loader(PublisherByNameLoader).load(spec.publisher)
        if owner is None:
            return None  # an unknown publisher simply matches nothing
        publisher_id = owner.id
    if publisher_id:
        query = query.filter(publisher_id=publisher_id)
    if spec.verified_only:
        query = query.filter(publisher__verification_status=PublisherStatus.VERIFIED)
    keyword = (spec.keyword or "").strip().lower()
    if keyword:
        query = _keyword_filter(query, keyword[:50])
    if not spec.include_yanked:
        # Hide packages whose every published version is yanked (nothing left to install).
        all_yanked = Subquery(VersionRow.filter(status=VersionStatus.PUBLISHED, yanked=True)
                              .values("package_id"))
        query = query.filter(~Q(latest_version="") | ~Q(id__in=all_yanked))
    return query


def _key_of(row: PackageRow, keyset: tuple[tuple[str, bool], ...]) -> list[Any]:
    values: list[Any] = []
    for name, _ in keyset:
        value = getattr(row, name)
        values.append(value.isoformat() if isinstance(value, datetime) else value)
    return values


def _decode_key(cursor: str, sort: PackageSort, keyset: tuple[tuple[str, bool], ...]
                ) -> list[Any]:
    raw = decode_cursor(cursor, sort.value, len(keyset))
    values: list[Any] = []
    try:
        for (name, _), value in zip(keyset, raw, strict=True):
            if name in _DATETIME_FIELDS:
                values.append(datetime.fromisoformat(value))
            elif name in _INT_FIELDS:
                if isinstance(value, bool) or not isinstance(value, int) or (
                        value not in BIGINT_RANGE):
                    raise TypeError(name)
                values.append(value)
            elif isinstance(value, str):
                values.append(value)
            else:
                raise TypeError(name)
    except (TypeError, ValueError):
        raise InvalidInput("Invalid cursor", field="after") from None
    return values


def _after(keyset: tuple[tuple[str, bool], ...], key: list[Any]) -> Q:
    """Rows strictly after `key` in the keyset order (lexicographic over the fields)."""
    clauses: list[Q] = []
    for position, (name, descending) in enumerate(keyset):
        equal = {field: key[i] for i, (field, _) in enumerate(keyset[:position])}
        beyond = {f"{name}__{'lt' if descending else 'gt'}": key[position]}
        clauses.append(Q(**equal, **beyond))
    result = clauses[0]
    for clause in clauses[1:]:
        result = result | clause
    return result


@dataclass(frozen=True)
class PackagePage:
    """One page of a listing: up to `limit` + 1 rows (the extra one only says that a next page
    exists), how many match in all, and each row's cursor."""

    rows: list[PackageRow]
    limit: int
    total: int
    after: str | None
    cursor_of: Callable[[PackageRow], str]


async def _by_relevance(query: QuerySet[PackageRow], spec: PackageQuery, limit: int,
                        after: str | None) -> PackagePage:
    """Relevance is computed per row (like REST search), over the small id/name columns only;
    the page's full rows are fetched in one more query."""
    needle = spec.needle
    candidates = await query.values("id", "name_key", "display_name", "total_downloads")

    def key(row: dict[str, Any]) -> list[Any]:
        rank = relevance_rank(row["name_key"], (row["display_name"] or "").lower(), needle)
        return [rank, -int(row["total_downloads"]), row["name_key"]]

    ranked = sorted(candidates, key=key)
    if after is not None:
        raw = decode_cursor(after, PackageSort.RELEVANCE.value, 3)
        if not (isinstance(raw[0], int) and isinstance(raw[1], int)
                and isinstance(raw[2], str)):
            raise InvalidInput("Invalid cursor", field="after")
        ranked = [row for row in ranked if key(row) > raw]
    window = ranked[: limit + 1]
    keys = {row["id"]: key(row) for row in window}
    by_id = {p.id: p for p in await PackageRow.filter(id__in=list(keys))} if keys else {}
    rows = [by_id[row["id"]] for row in window if row["id"] in by_id]
    return PackagePage(rows, limit, len(candidates), after,
                       lambda p: encode_cursor(PackageSort.RELEVANCE.value, keys[p.id]))


async def list_packages(info: Info, spec: PackageQuery, *, first: int | None,
                        after: str | None) -> PackagePage:
    limit = page_size(first)
    query = await _filtered(info, spec)
    if query is None:
        return PackagePage([], limit, 0, after, lambda p: "")
    sort = spec.sort
    if sort is PackageSort.RELEVANCE:
        if spec.needle:
            return await _by_relevance(query, spec, limit, after)
        sort = PackageSort.DOWNLOADS
    keyset = _KEYSETS[sort]
    total = await query.count()
    page = query
    if after is not None:
        page = page.filter(_after(keyset, _decode_key(after, sort, keyset)))
    order = [f"-{name}" if descending else name for name, descending in keyset]
    rows = await page.order_by(*order).limit(limit + 1)
    return PackagePage(rows, limit, total, after,
                       lambda p: encode_cursor(sort.value, _key_of(p, keyset)))
