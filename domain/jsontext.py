"""JSON text from callers: every way parsing it can fail is the caller's invalid input.

`json.loads` fails in more ways than `JSONDecodeError`: bytes that are not UTF-8
(UnicodeDecodeError), integers longer than Python converts (a plain ValueError) and nesting
deeper than the interpreter's recursion limit (RecursionError).
"""

from __future__ import annotations

import json
from typing import Any

from domain.exceptions import InvalidInput


def load_json(text: str | bytes | bytearray, problem: str, *, field: str | None = None,
              with_reason: bool = True) -> Any:
    """Parse `text`; on failure raise InvalidInput("<problem>: <reason>")."""
    try:
        return json.loads(text)
    except RecursionError:
        reason = "nested too deeply"
    except ValueError as exc:  # JSONDecodeError and UnicodeDecodeError are ValueErrors
        reason = str(exc).splitlines()[0] if str(exc) else "invalid JSON"
    raise InvalidInput(f"{problem}: {reason}" if with_reason else problem, field=field)
