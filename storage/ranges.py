"""Byte-range arithmetic shared by the backends (`start` inclusive, `end` exclusive)."""

from __future__ import annotations


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
