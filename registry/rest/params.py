"""Request parsing for REST handlers: bad input is a 400 with a readable detail, never a 422."""

from __future__ import annotations

from typing import Any

from starlette.requests import Request

from domain.exceptions import InvalidInput, TooLarge
from domain.jsontext import load_json

MAX_JSON_BODY = 1024 * 1024


def query_int(request: Request, name: str, default: int, *, minimum: int = 1,
              maximum: int | None = None, clamp: bool = False) -> int:
    raw = request.query_params.get(name)
    if raw is None or raw == "":
        return default
    try:
        value = int(raw)
    except ValueError:
        raise InvalidInput(f"Query parameter {name!r} must be a whole number, got {raw!r}",
                           field=name) from None
    if value < minimum:
        raise InvalidInput(f"Query parameter {name!r} must be at least {minimum}", field=name)
    if maximum is not None and value > maximum:
        if clamp:
            return maximum
        raise InvalidInput(f"Query parameter {name!r} must be at most {maximum}", field=name)
    return value


def query_bool(request: Request, name: str) -> bool | None:
    raw = request.query_params.get(name)
    if raw is None or raw == "":
        return None
    lowered = raw.lower()
    if lowered in ("true", "1", "yes"):
        return True
    if lowered in ("false", "0", "no"):
        return False
    raise InvalidInput(f"Query parameter {name!r} must be true or false", field=name)


def query_text(request: Request, name: str) -> str | None:
    raw = request.query_params.get(name)
    return raw.strip() if raw and raw.strip() else None


def paging(request: Request, *, default_per_page: int, max_per_page: int = 100
           ) -> tuple[int, int]:
    page = query_int(request, "page", 1, maximum=1_000_000)
    per_page = query_int(request, "per_page", default_per_page, maximum=max_per_page, clamp=True)
    return page, per_page


async def _read_capped(request: Request, limit: int) -> bytes:
    """The body, refused (413) as soon as it is known to exceed `limit`: by Content-Length
    up front, else while it streams, so an oversized body is never buffered whole."""
    too_large = TooLarge(f"JSON body is too large (at most {limit} bytes)")
    declared = request.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > limit:
        raise too_large
    body = bytearray()
    async for chunk in request.stream():
        body += chunk
        if len(body) > limit:
            raise too_large
    return bytes(body)


async def json_body(request: Request, *, allow_empty: bool = False) -> dict[str, Any]:
    """The body as a JSON object; anything else is a 400 naming the problem."""
    body = await _read_capped(request, MAX_JSON_BODY)
    if not body.strip():
        if allow_empty:
            return {}
        raise InvalidInput("A JSON object body is required")
    data = load_json(body, "Malformed JSON body")
    if not isinstance(data, dict):
        raise InvalidInput("The JSON body must be an object")
    return data


def string_field(data: dict[str, Any], name: str, *, required: bool = False,
                 default: str = "") -> str:
    value = data.get(name)
    if value is None:
        if required:
            raise InvalidInput(f"Field {name!r} is required", field=name)
        return default
    if not isinstance(value, str):
        raise InvalidInput(f"Field {name!r} must be a string", field=name)
    return value
