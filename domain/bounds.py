"""Size limits on caller text that is parsed: one place for REST, GraphQL and manifests.

Every limit is checked before any regex or parser sees the text, so the work a request can
cause is bounded by these numbers and not by the body size (a 1 MiB JSON body of spaces once
kept the event loop busy for 28 s in the requirement parser).

The values are generous for real use: the longest package name the contract allows is 100
characters (§7), a dependency's `version_spec` column holds 200, and real requirements look
like `CloudM>=2.0.0`, `isaa ^1.2` or `some-mod >= 1.0.0 < 2.0.0 || ^3.1.0-alpha.1` (well under
a tenth of each limit).
"""

from __future__ import annotations

__all__ = [
    "MAX_ALTERNATIVES",
    "MAX_COMPARATORS",
    "MAX_MANIFEST_DEPENDENCIES",
    "MAX_RESOLVE_REQUIREMENTS",
    "MAX_UPDATE_ITEMS",
    "NAME_MAX_LENGTH",
    "REQUIREMENT_MAX_LENGTH",
    "SPEC_MAX_LENGTH",
    "VERSION_MAX_LENGTH",
    "quoted",
]

# Package and artifact names (REST_CONTRACT §7); also the length of the name_key columns.
NAME_MAX_LENGTH = 100
# A version specifier (`>=1.0 <2.0 || ^3.1`): the length of `Dependency.version_spec` and of
# `PackageVersion.toolbox_version`, so every specifier the registry stores can also be parsed.
SPEC_MAX_LENGTH = 200
# A requirement is a name, then a specifier; room for the whitespace around and between them.
REQUIREMENT_MAX_LENGTH = NAME_MAX_LENGTH + SPEC_MAX_LENGTH + 20
# `||` alternatives in one specifier, and comparators in all of its alternatives together.
MAX_ALTERNATIVES = 32
MAX_COMPARATORS = 64
# A single version string (uploads, `toolbox_version`, an installed version in /updates);
# the same limit as upload versions (domain/versions.py).
VERSION_MAX_LENGTH = 100

# Counts of items in one request or manifest.
MAX_RESOLVE_REQUIREMENTS = 500
MAX_MANIFEST_DEPENDENCIES = 200
MAX_UPDATE_ITEMS = 500  # `/updates` items, `checkUpdates` items, `/versions` names

_QUOTE_CHARS = 60


def quoted(text: object) -> str:
    """`repr(text)` for an error message, shortened when long: a refused 1 MiB value must not
    come back whole in the answer (or in the log)."""
    if isinstance(text, str) and len(text) > _QUOTE_CHARS:
        return f"{text[:_QUOTE_CHARS]!r}... ({len(text)} characters)"
    return repr(text)
