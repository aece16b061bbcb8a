"""Text from callers that a backend cannot store is refused before it reaches one.

PostgreSQL's `text` cannot hold U+0000, and its driver cannot encode a lone surrogate (which
JSON's `"\\ud800"` escapes produce): either one reaching a query was a 500. SQLite stores both,
but the rule is the same on every backend, so an answer never depends on the database.

Request parameters (path segments and query parameters) are names, versions, numbers and
search words: no control character means anything in one, so those refuse every control
character, not only the unstorable ones. Free text (descriptions, GraphQL documents, JSON
strings) keeps newlines and tabs.

Adapters apply these rules at their edge: REST to every path and query parameter
(`registry.rest.params`) and JSON body (`domain.jsontext`), GraphQL to every string literal
and variable (`schema.core.text_guard`).
"""

from __future__ import annotations

import re
from typing import Any

from domain.exceptions import InvalidInput

_UNSTORABLE = re.compile("[\x00\ud800-\udfff]")
# C0 controls, DEL, C1 controls, and the unstorable surrogates.
_CONTROL = re.compile("[\x00-\x1f\x7f-\x9f\ud800-\udfff]")
# The same but tab and newline, which free text keeps.
_FREE_TEXT_CONTROL = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\ud800-\udfff]")


def has_unstorable(text: str) -> bool:
    """True when `text` holds a NUL or a lone surrogate."""
    return _UNSTORABLE.search(text) is not None


def refuse_unstorable(text: str, what: str, *, field: str | None = None) -> None:
    """InvalidInput when `text` cannot be stored; `what` names the input (never its value)."""
    if has_unstorable(text):
        raise InvalidInput(
            f"{what} contains a NUL character or an invalid Unicode code point", field=field
        )


def refuse_control(text: str, what: str, *, field: str | None = None) -> None:
    """InvalidInput when `text` holds any control character (a rule for parameters)."""
    if _CONTROL.search(text) is not None:
        raise InvalidInput(f"{what} contains a control character", field=field)


def bounded_text(
    value: object,
    *,
    field: str,
    limit: int,
    strip: bool = True,
    drop_control: bool = False,
    missing: str | None = None,
) -> str:
    """A free-text field, bounded before anything else reads it: None is "", anything but a
    string or longer than `limit` characters is InvalidInput on `field`. Then control
    characters are removed when `drop_control` (tab and newline stay) and surrounding
    whitespace when `strip`; text left empty is refused with the message `missing`, if given."""
    if value is None:
        value = ""
    if not isinstance(value, str):
        raise InvalidInput(f"{field} must be a string", field=field)
    if len(value) > limit:
        raise InvalidInput(f"{field} is longer than {limit} characters", field=field)
    text = _FREE_TEXT_CONTROL.sub("", value) if drop_control else value
    text = text.strip() if strip else text
    if missing is not None and not text:
        raise InvalidInput(missing, field=field)
    return text


def first_unstorable_path(value: Any) -> str | None:
    """Where in a JSON-like value (dicts, lists, strings) the first unstorable string sits,
    as a dotted path (`"variables.input.name"`, `"[3]"`), or None when every string is fine.

    Iterative, so a deeply nested value cannot exhaust the interpreter's stack; keys count as
    strings too (a key with a NUL is reported at its parent)."""
    pending: list[tuple[Any, str]] = [(value, "")]
    while pending:
        item, path = pending.pop()
        if isinstance(item, str):
            if has_unstorable(item):
                return _shown(path)
        elif isinstance(item, dict):
            for key, child in item.items():
                if isinstance(key, str) and has_unstorable(key):
                    return _shown(path)
                pending.append((child, f"{path}.{key}" if path else str(key)))
        elif isinstance(item, list | tuple):
            pending.extend((child, f"{path}[{index}]") for index, child in enumerate(item))
    return None


def _shown(path: str) -> str:
    """A path for an error message: the caller's own key names, but never unbounded."""
    return (path[:120] + "...") if len(path) > 120 else (path or "(the value itself)")
