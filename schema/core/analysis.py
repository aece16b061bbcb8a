"""What the protections learn about a document, kept across requests.

A frontend sends the same few documents over and over, with the same few variables. The
checks before execution (schema/core: the literal text guard, the cost and expansion walk,
validation, the rate-limit charges) depend only on the document's text, its variables, the
operation name and the limits, so each is computed once and looked up afterwards. Every
request still goes through every check: a cached verdict refuses a document exactly as the
first walk did (a too-costly document is refused every time), and a cached charge is still
charged to the caller's budgets.

Keys hold the query text itself (not its parsed document, whose hash walks the whole tree),
and each cache is a bounded LRU, so unique documents only evict each other. Variables are
part of a key in a canonical encoding (keys sorted); variables too large to key on are
analysed every time instead.
"""

from __future__ import annotations

import json
from collections import OrderedDict
from typing import Any, Generic, TypeVar

K = TypeVar("K")
V = TypeVar("V")

ANALYSIS_ENTRIES = 1024
# Longer variables are analysed every time rather than kept in a key.
MAX_VARIABLES_KEY = 4096
_MISSING = object()


class BoundedLRU(Generic[K, V]):
    """A small least-recently-used map (the event loop's thread only)."""

    def __init__(self, max_entries: int = ANALYSIS_ENTRIES) -> None:
        self.max_entries = max_entries
        self._entries: OrderedDict[K, V] = OrderedDict()

    def __len__(self) -> int:
        return len(self._entries)

    def get(self, key: K) -> V | None:
        found = self._entries.get(key, _MISSING)
        if found is _MISSING:
            return None
        self._entries.move_to_end(key)
        return found  # type: ignore[return-value]

    def put(self, key: K, value: V) -> None:
        self._entries[key] = value
        self._entries.move_to_end(key)
        while len(self._entries) > self.max_entries:
            self._entries.popitem(last=False)

    def clear(self) -> None:
        self._entries.clear()


def variables_key(variables: Any) -> str | None:
    """The variables in one canonical spelling (keys sorted; NaN and null stay apart); None
    when they are too large to key on, or not JSON (execution reports that)."""
    if not variables:
        return ""
    try:
        encoded = json.dumps(variables, sort_keys=True, separators=(",", ":"))
    except (TypeError, ValueError, RecursionError):
        return None
    return encoded if len(encoded) <= MAX_VARIABLES_KEY else None


def operation_key(
    query: str | None, operation_name: str | None, variables: Any
) -> tuple[str, str | None, str] | None:
    """The key of one operation of one document with its variables; None when uncacheable."""
    if not isinstance(query, str) or not (
        operation_name is None or isinstance(operation_name, str)
    ):
        return None
    encoded = variables_key(variables)
    if encoded is None:
        return None
    return (query, operation_name, encoded)


class AnswerNote:
    """What an HTTP operation turned out to be, for the view's answer cache
    (registry/graphql/answers.py): filled in once the operation passed its checks, read
    after it ran. Only a query without errors may be kept, and a repeat is charged
    `charges` again. `personal`: the operation looked at who the caller is, beyond what it
    may see (schema/core/personal.py), so its answer is for no other caller of its class."""

    __slots__ = ("charges", "failed", "is_query", "personal")

    def __init__(self) -> None:
        self.is_query = False
        self.failed = False
        self.personal = False
        self.charges: dict[str, int] = {}
