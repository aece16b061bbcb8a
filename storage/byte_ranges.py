"""Byte-range arithmetic shared by the backends and the HTTP bytes routes (`start` inclusive,
`end` exclusive)."""

from __future__ import annotations

import re


def validate_range(start: int, end: int | None) -> None:
    if start < 0:
        raise ValueError(f"range start must not be negative, got {start}")
    if end is not None and end < start:
        raise ValueError(f"range end {end} is before start {start}")


def clamp_range(start: int, end: int | None, size: int) -> tuple[int, int]:
    """Validate a requested range and clamp it to an object of `size` bytes.

    The result satisfies `0 <= start <= end <= size`; an empty range means nothing to read.
    """
    validate_range(start, end)
    stop = size if end is None else min(end, size)
    first = min(start, stop)
    return first, stop


_BYTE_RANGE = re.compile(r"bytes=([0-9]*)-([0-9]*)")
# More digits than this is beyond any object's size: such a position is compared as "past
# the end" instead of being converted (an HTTP header may carry thousands of digits).
_MAX_POSITION_DIGITS = 19


def _position(digits: str) -> int:
    significant = digits.lstrip("0") or "0"
    if len(significant) > _MAX_POSITION_DIGITS:
        return 10**_MAX_POSITION_DIGITS
    return int(significant)


def parse_http_range(header: str, size: int) -> tuple[int, int] | None:
    """A `Range: bytes=a-b` header for an object of `size` bytes as [start, end) per RFC 9110
    §14.1.2, or None when unsatisfiable or not a single byte range (the caller answers 416).

    A last position past the end is clamped to the end; a suffix longer than the object means
    the whole object; a first position at or past the end is unsatisfiable."""
    match = _BYTE_RANGE.fullmatch(header.strip())
    if not match or (not match.group(1) and not match.group(2)):
        return None
    first, last = match.group(1), match.group(2)
    if not first:  # suffix range: the last N bytes
        length = _position(last)
        if length == 0:
            return None
        return max(size - length, 0), size
    start = _position(first)
    end = size if not last else min(_position(last) + 1, size)
    if start >= size or end <= start:
        return None
    return start, end
