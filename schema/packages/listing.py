"""The package list behind `packages` and `Publisher.packages`: a page of the domain's
listing (domain/services/listing.py, which REST's list and search use too) with the
connection's keyset cursors.

What is GraphQL's own here is only the cursor's wire form (schema/core/pagination.py: the
order's name and its sort key, base64url JSON); filters, orders, keys and visibility are the
domain's. A listing answers rows (`PackagePage`); the GraphQL connection is built from them by
the package types (`schema.packages.types.package_connection`), so this module needs no type
and the types need nothing from here.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

from domain.services import listing
from domain.services.listing import ListedPackage, ListingQuery
from schema.core.context import Info
from schema.core.pagination import decode_cursor, encode_cursor, page_size


@dataclass(frozen=True)
class PackagePage:
    """One page of a listing: up to `limit` + 1 rows (the extra one only says that a next page
    exists), how many match in all, and each row's cursor."""

    rows: list[ListedPackage]  # plain rows, no ORM objects
    limit: int
    total: int
    after: str | None
    cursor_of: Callable[[ListedPackage], str]
    query: ListingQuery  # what was asked: the connection's facets count over the same
    # The facet counts, when the connection's `facets` is selected: counted with the page,
    # from one plan (listing.keyset_page_and_facets). None: not selected.
    facets: dict[str, list[tuple[str, int]]] | None


def asks_for(selections: Iterable[Any], name: str) -> bool:
    """Whether `name` is selected anywhere in `selections` (Strawberry's selected fields,
    fragments included; what `@skip`/`@include` leave out is not selected)."""
    return any(
        _included(selection)
        and (getattr(selection, "name", None) == name or asks_for(selection.selections, name))
        for selection in selections
    )


def _included(selection: Any) -> bool:
    directives = getattr(selection, "directives", None) or {}
    skipped = directives.get("skip", {}).get("if") is True
    return not skipped and directives.get("include", {}).get("if", True) is not False


async def list_packages(
    info: Info, query: ListingQuery, *, first: int | None, after: str | None
) -> PackagePage:
    limit = page_size(first)
    ordering = listing.ordering_of(query)
    position = None
    if after is not None:
        position = ordering.parse_key(decode_cursor(after, ordering.name, ordering.arity))
    actor = info.context.actor
    facets = None
    if asks_for(info.selected_fields, "facets"):
        rows, total, facets = await listing.keyset_page_and_facets(
            actor, query, limit=limit, after=position
        )
    else:
        rows, total = await listing.keyset_page(actor, query, limit=limit, after=position)
    return PackagePage(
        rows,
        limit,
        total,
        after,
        lambda row: encode_cursor(ordering.name, ordering.key_of(row)),
        query,
        facets,
    )
