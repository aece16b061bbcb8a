"""Version strings (REST_CONTRACT §6): strict on input, PEP 440 for ordering and duplicates."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from typing import TypeVar

from packaging.version import InvalidVersion, Version

from domain.bounds import VERSION_MAX_LENGTH, quoted
from domain.exceptions import InvalidInput

T = TypeVar("T")

# MAJOR.MINOR.PATCH, an optional pre/post/dev part that PEP 440 also parses, optional +build.
_VERSION_FORM = re.compile(
    r"\d+\.\d+\.\d+"
    r"(?:[-.]?(?:a|alpha|b|beta|c|rc|pre|preview|dev|post)(?:[-.]?\d+)?)*"
    r"(?:\+[A-Za-z0-9]+(?:[.][A-Za-z0-9]+)*)?"
)


def parse_version(text: object) -> Version:
    """Validate an uploaded version string and return its PEP 440 value."""
    if not isinstance(text, str) or not text.strip():
        raise InvalidInput("A version is required, e.g. 1.2.3", field="version")
    # The length first: it also bounds the work of the regex (whose optional separators and
    # digit groups can be split more than one way).
    if len(text) > VERSION_MAX_LENGTH or not _VERSION_FORM.fullmatch(text):
        raise InvalidInput(
            f"Invalid version {quoted(text)}: use MAJOR.MINOR.PATCH with an optional pre-release "
            "such as 1.0.0-alpha.1 or 1.0.0rc2 and an optional +build",
            field="version",
        )
    try:
        return Version(text)
    except InvalidVersion:
        raise InvalidInput(
            f"Invalid version {text!r}: the pre-release part is not PEP 440 compatible",
            field="version",
        ) from None


def version_key(text: str) -> str:
    """The PEP 440 normalised form; two uploads with equal keys are the same version."""
    return str(parse_version(text))


def loose_version(text: str) -> Version | None:
    """The PEP 440 value, or None for text that is not a version. Longer than any version
    may be is None without parsing: besides the work, `packaging` turns a release number of
    more than 4,300 digits into a ValueError instead of InvalidVersion."""
    if len(text) > VERSION_MAX_LENGTH:
        return None
    try:
        return Version(text)
    except InvalidVersion:
        return None


def highest_version(candidates: Iterable[str]) -> str:
    """The highest version by PEP 440; pre-releases only when no stable one exists."""
    parsed = [(v, text) for text in candidates if (v := loose_version(text)) is not None]
    stable = [item for item in parsed if not item[0].is_prerelease]
    pool = stable or parsed
    return max(pool)[1] if pool else ""


def sort_newest_first(items: Iterable[T], key: Callable[[T], str]) -> list[T]:
    """Sort objects by the PEP 440 version `key(item)` returns, newest first."""

    def order(item: T) -> tuple[bool, Version]:
        parsed = loose_version(key(item))
        return (parsed is not None, parsed or Version("0"))

    return sorted(items, key=order, reverse=True)
