"""Field types the commands (domain/commands.py) and the REST shapes share: each pattern says
what the services accept, so a REST body is refused with a 400 naming the field before any
service runs, and /api/v1/openapi.json documents the same rule.

The services still check the values themselves (GraphQL inputs reach them unvalidated, and
their messages are the ones callers see there).
"""

from __future__ import annotations

import re
from typing import Annotated, Any

from msgspec import Meta

from domain.names import (
    PACKAGE_NAME,
    PUBLISHER_SLUG,
    RESERVED_PACKAGE_NAMES,
    RESERVED_PUBLISHER_SLUGS,
)

# A claim a verification request carries (domain/services/verification.py checks them).
MAX_MANUAL_DATA = 4000  # characters of a manual claim, as JSON
DOMAIN_LABEL = re.compile(r"[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?")
TLD = re.compile(r"[a-z]{2,63}|xn--[a-z0-9-]{1,59}")
# A GitHub login: letters, digits and single inner hyphens, at most 39 characters.
GITHUB_LOGIN = re.compile(r"[A-Za-z0-9](?:[A-Za-z0-9]|-(?=[A-Za-z0-9])){0,38}")

# The whitespace Python's str.strip() and re's \s mean (the services trim with them), spelled
# out: JSON Schema regexes (ECMA-262) read \s differently, so a pattern says it explicitly.
_WHITESPACE = (
    r"\t\n\x0b\x0c\r\x1c-\x1f \x85\xa0\u1680\u2000-\u200a\u2028\u2029\u202f"
    r"\u205f\u3000"
)


def explicit_whitespace(pattern: str) -> str:
    """`pattern` with each \\s written as the characters Python means by it."""
    out: list[str] = []
    in_class = escaped = False
    for char in pattern:
        if escaped:
            escaped = False
            if char == "s":
                out.pop()  # the backslash
                out.append(_WHITESPACE if in_class else f"[{_WHITESPACE}]")
                continue
        elif char == "\\":
            escaped = True
        elif char == "[":
            in_class = True
        elif char == "]":
            in_class = False
        out.append(char)
    return "".join(out)


# A size in bytes a BIGINT column holds (the services check the same range).
ByteLimit = Annotated[int, Meta(ge=1, le=2**63 - 1)]

# Publisher profile fields as domain/services/publishers.py checks them (after trimming).
DisplayName = Annotated[
    str, Meta(pattern=explicit_whitespace(r"^\s*[^\s\x00][^\x00]{0,199}$"), max_length=200)
]
# (The services trim surrounding whitespace first, so the patterns allow it.)
Email = Annotated[
    str,
    Meta(
        pattern=explicit_whitespace(r"^\s*[^@\s\x00]+@[^@\s\x00]+\.[^@\s\x00]+\s*$"), max_length=320
    ),
]
HttpUrl = Annotated[
    str,
    Meta(
        pattern=explicit_whitespace(r"^\s*(https?://[^\x00]*)?$"),
        max_length=500,
        description='An http(s) URL, or ""',
    ),
]
GithubLogin = Annotated[
    str, Meta(pattern=explicit_whitespace(rf"^\s*({GITHUB_LOGIN.pattern})?\s*$"))
]


def _caseless(word: str) -> str:
    return "".join(f"[{c.upper()}{c.lower()}]" if c.isalpha() else c for c in word)


# A package or artifact name as domain/names.py validates it (case-insensitively reserved ones
# excluded).
PackageName = Annotated[
    str,
    Meta(
        pattern=(
            f"^(?!({'|'.join(_caseless(n) for n in sorted(RESERVED_PACKAGE_NAMES))})$)"
            f"{PACKAGE_NAME.pattern}$"
        )
    ),
]

# A publisher slug as domain/names.py validates it, reserved ones excluded.
PublisherSlug = Annotated[
    str,
    Meta(
        pattern=(f"^(?!({'|'.join(sorted(RESERVED_PUBLISHER_SLUGS))})$){PUBLISHER_SLUG.pattern}$"),
        description="Publisher slug: lowercase letters, digits, _ and -",
    ),
]

NO_NUL = r"^[^\x00]*$"
# Any JSON value a request may carry where the server does not read it (extra keys, free-form
# `data`): every string in it, keys included, must be storable (domain/jsontext.py refuses a
# NUL anywhere in a body). Declared by hand: it is recursive, which no Python type expresses.
STORABLE_JSON_NAME = "StorableJSON"
_STORABLE_REF = {"$ref": f"#/components/schemas/{STORABLE_JSON_NAME}"}
STORABLE_JSON: dict[str, Any] = {
    "description": "Any JSON value whose strings (and object keys) hold no NUL character",
    "anyOf": [
        {"type": "string", "pattern": NO_NUL},
        {"type": ["number", "boolean", "null"]},
        {"type": "array", "items": _STORABLE_REF},
        {
            "type": "object",
            "propertyNames": {"pattern": NO_NUL},
            "additionalProperties": _STORABLE_REF,
        },
    ],
}
STORABLE_OBJECT_SCHEMA: dict[str, Any] = {
    "propertyNames": {"pattern": NO_NUL},
    "additionalProperties": _STORABLE_REF,
}
StorableObject = Annotated[dict[str, Any], Meta(extra_json_schema=STORABLE_OBJECT_SCHEMA)]
