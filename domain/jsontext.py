"""JSON text from callers: every way parsing it can fail is the caller's invalid input.

`json.loads` fails in more ways than `JSONDecodeError`: bytes that are not UTF-8
(UnicodeDecodeError), integers longer than Python converts (a plain ValueError) and nesting
deeper than the interpreter's recursion limit (RecursionError). A document that parses can
still be nested deeply enough to exhaust the stack of whatever walks it next (a recursive
placeholder replacement, GraphQL's variable coercion): nesting is bounded here, once, for every
consumer. Strings a database cannot store (NUL, lone surrogates) are refused too
(`domain.textrules`), unless the caller checks them later with a better-placed error.
"""

from __future__ import annotations

import json
from typing import Any

from domain.exceptions import InvalidInput
from domain.textrules import first_unstorable_path

# Deeper than any request this registry understands (GraphQL inputs nest a handful of levels,
# manifests and metadata a few more), far below the interpreter's recursion limit.
MAX_JSON_DEPTH = 64


def load_json(
    text: str | bytes | bytearray,
    problem: str,
    *,
    field: str | None = None,
    with_reason: bool = True,
    max_depth: int = MAX_JSON_DEPTH,
    storable: bool = True,
) -> Any:
    """Parse `text`; on failure raise InvalidInput("<problem>: <reason>").

    `storable=False` leaves NUL and lone surrogates in strings to the caller."""
    reason: str | None
    try:
        value = json.loads(text)
    except RecursionError:
        reason = "nested too deeply"
    except ValueError as exc:  # JSONDecodeError and UnicodeDecodeError are ValueErrors
        reason = str(exc).splitlines()[0] if str(exc) else "invalid JSON"
    else:
        reason = _structure_problem(value, max_depth, storable=storable)
        if reason is None:
            return value
    raise InvalidInput(f"{problem}: {reason}" if with_reason else problem, field=field)


def nesting_depth_exceeds(value: Any, max_depth: int) -> bool:
    """True when arrays and objects in `value` nest deeper than `max_depth` (iteratively)."""
    pending: list[tuple[Any, int]] = [(value, 0)]
    while pending:
        item, depth = pending.pop()
        if isinstance(item, dict):
            children: Any = item.values()
        elif isinstance(item, list):
            children = item
        else:
            continue
        if depth + 1 > max_depth:
            return True
        pending.extend((child, depth + 1) for child in children)
    return False


def _structure_problem(value: Any, max_depth: int, *, storable: bool) -> str | None:
    if nesting_depth_exceeds(value, max_depth):
        return f"nested too deeply (at most {max_depth} levels)"
    if storable:
        where = first_unstorable_path(value)
        if where is not None:
            return f"a string at {where} contains a NUL character or an invalid Unicode code point"
    return None
