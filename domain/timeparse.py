"""Parsing client-supplied timestamps (ISO 8601); naive values are taken as UTC."""

from __future__ import annotations

from datetime import UTC, datetime

from domain.exceptions import InvalidInput


def parse_timestamp(value: object, field: str) -> datetime | None:
    """None for a missing value; a 400 naming `field` for anything that is not ISO 8601."""
    if value is None or value == "":
        return None
    if isinstance(value, datetime):
        parsed = value
    elif isinstance(value, str):
        text = value.strip()
        if text.endswith(("Z", "z")):
            text = text[:-1] + "+00:00"
        try:
            parsed = datetime.fromisoformat(text)
        except ValueError:
            raise InvalidInput(
                f"{field} must be an ISO 8601 timestamp such as "
                f"2026-01-31T12:00:00Z, got {value!r}",
                field=field,
            ) from None
    else:
        raise InvalidInput(f"{field} must be an ISO 8601 timestamp string", field=field)
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=UTC)
    return parsed.astimezone(UTC)
