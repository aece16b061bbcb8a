"""Relay connections with keyset cursors.

A cursor is the sort key of the last item seen (plus the name of the ordering it belongs to),
base64url-encoded JSON. The next page is "items after this key" in an indexed order, so pages
stay cheap however deep a client pages and do not shift when rows are inserted.
"""

from __future__ import annotations

import base64
import binascii
import json
from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

import strawberry
from graphql import GraphQLArgument
from strawberry import relay
from strawberry.schema.schema_converter import GraphQLCoreConverter

from domain.exceptions import InvalidInput
from domain.jsontext import load_json


@dataclass(frozen=True)
class ListSize:
    """How many items a size argument (`first`, `limit`) of one list asks for.

    Declared once per list and read by both sides: the resolver asks `of()` how many items
    to return, the cost rule asks `charged()` how many to pay for, so the two cannot disagree
    about what null, an omitted value or a value over the maximum does. Attach it to the
    argument with `sized()`; the cost rule finds it on the argument's definition.
    """

    default: int
    maximum: int
    # Some lists clamp an out-of-range size (an older contract of theirs); the others refuse it.
    clamp: bool = False

    def of(self, requested: int | None, *, field: str = "first") -> int:
        """The number of items to return; null means the default."""
        if requested is None:
            return self.default
        if self.clamp:
            return max(0, min(requested, self.maximum))
        if not 0 <= requested <= self.maximum:
            raise InvalidInput(f"{field} must be between 0 and {self.maximum}", field=field)
        return requested

    def charged(self, requested: int | None) -> int:
        """The number of items the cost rule counts: what `of` returns. A value `of` refuses
        does no work; it is charged clamped into range, an upper bound all the same."""
        if requested is None:
            return self.default
        return max(0, min(requested, self.maximum))


_LIST_SIZE_KEY = "registry.list_size"


def sized(size: ListSize) -> Mapping[str, Any]:
    """Argument metadata that declares `size` as the list size rule of that argument:
    `strawberry.argument(..., metadata=sized(SIZE))`."""
    return {_LIST_SIZE_KEY: size}


def list_size_of(argument: GraphQLArgument) -> ListSize | None:
    """The ListSize declared on a schema argument with `sized()`, if any."""
    definition = (argument.extensions or {}).get(GraphQLCoreConverter.DEFINITION_BACKREF)
    size = (getattr(definition, "metadata", None) or {}).get(_LIST_SIZE_KEY)
    return size if isinstance(size, ListSize) else None


# The page of every cursor-paged list (connections).
PAGE = ListSize(default=20, maximum=100)
# Deepest position a cursor from a different page size may continue from.
MAX_UNALIGNED_WINDOW = 1000
# No list here has a billion items; a larger position is a crafted cursor, and its offset
# would overflow the database's integers.
MAX_CURSOR_POSITION = 10**9

NodeT = TypeVar("NodeT", bound=relay.Node)  # as strawberry's Connection requires
ItemT = TypeVar("ItemT")


def encode_cursor(ordering: str, key: Sequence[str | int]) -> str:
    raw = json.dumps([ordering, *key], separators=(",", ":"))
    return base64.urlsafe_b64encode(raw.encode()).decode().rstrip("=")


def decode_cursor(cursor: str, ordering: str, arity: int) -> list[Any]:
    """The sort key inside `cursor`; InvalidInput when it is malformed or from another order."""
    try:
        padded = cursor + "=" * (-len(cursor) % 4)
        raw = base64.urlsafe_b64decode(padded.encode())
    except (ValueError, binascii.Error):
        raise InvalidInput("Invalid cursor", field="after") from None
    value = load_json(raw, "Invalid cursor", field="after", with_reason=False)
    if not isinstance(value, list) or len(value) != arity + 1 or value[0] != ordering:
        raise InvalidInput("The cursor belongs to another query or sort order", field="after")
    return value[1:]


def page_size(first: int | None) -> int:
    """The size of a connection page (`PAGE`): null is the default, out of range refused."""
    return PAGE.of(first)


@strawberry.type(description="A page of a list, with keyset cursors and the total count.")
class CountableConnection(relay.Connection[NodeT], Generic[NodeT]):
    total_count: int = strawberry.field(
        description="How many items match in total, across all pages."
    )


def build_connection(
    connection: type[Any],
    rows: list[ItemT],
    *,
    limit: int,
    cursor_of: Callable[[ItemT], str],
    node_of: Callable[[ItemT], Any],
    total: int,
    after: str | None,
) -> Any:
    """`rows` holds up to limit + 1 items: the extra one only says that a next page exists."""
    page = rows[:limit]
    edges = [relay.Edge(cursor=cursor_of(row), node=node_of(row)) for row in page]
    return connection(
        edges=edges,
        page_info=relay.PageInfo(
            has_next_page=len(rows) > limit,
            has_previous_page=after is not None,
            start_cursor=edges[0].cursor if edges else None,
            end_cursor=edges[-1].cursor if edges else None,
        ),
        total_count=total,
    )


PageFetcher = Callable[[int, int], Awaitable[tuple[list[ItemT], int]]]


async def offset_window(
    fetch: PageFetcher[ItemT], *, ordering: str, first: int | None, after: str | None
) -> tuple[list[tuple[str, ItemT]], int, bool]:
    """Cursor paging over a domain function that pages by number (`fetch(page, per_page)`),
    for lists whose order the domain owns (audit log, admin queues, publishers).

    A cursor is (page size, position). With the page size a client keeps using, the next page
    is exactly the domain's next page; otherwise the window is cut from a larger first page.
    Returns ((cursor, item) pairs, total, has_next_page).
    """
    limit = page_size(first)
    start = 0
    if after is not None:
        size, position = decode_cursor(after, ordering, 2)
        if (
            not (isinstance(size, int) and isinstance(position, int))
            or not 0 <= position < MAX_CURSOR_POSITION
        ):
            raise InvalidInput("Invalid cursor", field="after")
        start = position + 1
    if limit == 0:
        _, total = await fetch(1, 1)
        return [], total, start < total
    if start % limit == 0:
        items, total = await fetch(start // limit + 1, limit)
    else:
        if start + limit > MAX_UNALIGNED_WINDOW:
            raise InvalidInput("Keep the same `first` while paging this list", field="first")
        items, total = await fetch(1, start + limit)
        items = items[start:]
    pairs = [
        (encode_cursor(ordering, [limit, start + i]), item) for i, item in enumerate(items[:limit])
    ]
    return pairs, total, start + len(pairs) < total


def connection_from_pairs(
    connection: type[Any],
    pairs: list[tuple[str, Any]],
    *,
    total: int,
    has_next: bool,
    after: str | None,
    node_of: Callable[[Any], Any],
) -> Any:
    edges = [relay.Edge(cursor=cursor, node=node_of(item)) for cursor, item in pairs]
    return connection(
        edges=edges,
        page_info=relay.PageInfo(
            has_next_page=has_next,
            has_previous_page=after is not None,
            start_cursor=edges[0].cursor if edges else None,
            end_cursor=edges[-1].cursor if edges else None,
        ),
        total_count=total,
    )
