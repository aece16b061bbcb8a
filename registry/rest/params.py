"""Request parsing for REST handlers: bad input is a 400 with a readable detail, never a 422."""

from __future__ import annotations

from typing import Any, TypeVar

from starlette.datastructures import QueryParams
from starlette.requests import Request

from domain.commands import command_from
from domain.exceptions import InvalidInput, TooLarge
from domain.jsontext import load_json
from domain.services.urls import external_base
from domain.textrules import refuse_control, refuse_unstorable

MAX_JSON_BODY = 1024 * 1024
# The highest `page` any listing serves (a larger one is a 400, and documented as the maximum).
MAX_PAGE = 1_000_000
_MAX_INT_DIGITS = 18  # below 2**63: every integer parameter fits a database integer
# How much of a refused parameter an error message may quote.
_MAX_QUOTED = 40


def check_request_text(path: str, query_string: bytes, *, free_text_query: bool = False) -> None:
    """Refuse (InvalidInput) a request whose decoded path or any query parameter holds a
    control character, before any route reads it.

    The decoded path contains every path parameter of every route, so this one check covers
    them all, including routes added later. `free_text_query` is for endpoints whose query
    carries documents with line breaks (GraphQL over GET): only unstorable characters are
    refused there."""
    refuse_control(path, "The request path")
    check = refuse_unstorable if free_text_query else refuse_control
    for name, value in QueryParams(query_string).multi_items():
        check(name, "A query parameter name")
        check(value, f"Query parameter {_quoted(name)}", field=name)


def _quoted(raw: str) -> str:
    return repr(raw if len(raw) <= _MAX_QUOTED else raw[:_MAX_QUOTED] + "...")


def query_int(
    request: Request,
    name: str,
    default: int,
    *,
    minimum: int = 1,
    maximum: int | None = None,
    clamp: bool = False,
) -> int:
    raw = request.query_params.get(name)
    if raw is None or raw == "":
        return default
    if len(raw) > _MAX_INT_DIGITS:
        # Bounded before it is parsed: a longer run of digits is over every maximum here
        # (clamped or refused below) without converting thousands of digits.
        if not raw.isdigit():
            raise InvalidInput(
                f"Query parameter {name!r} must be a whole number of at most "
                f"{_MAX_INT_DIGITS} digits",
                field=name,
            )
        if maximum is None:
            raise InvalidInput(f"Query parameter {name!r} is too large", field=name)
        raw = str(maximum + 1)
    try:
        value = int(raw)
    except ValueError:
        raise InvalidInput(
            f"Query parameter {name!r} must be a whole number, got {_quoted(raw)}", field=name
        ) from None
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


def paging(request: Request, *, default_per_page: int, max_per_page: int = 100) -> tuple[int, int]:
    page = query_int(request, "page", 1, maximum=MAX_PAGE)
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


Shape = TypeVar("Shape")


async def decode_body(request: Request, shape: type[Shape], *, allow_empty: bool = False) -> Shape:
    """The body decoded into `shape` (a registry/rest/shapes.py request type).

    The body is read and parsed by `json_body` first, so its size, nesting depth and NUL
    refusals (domain/jsontext.py) hold for every typed body too; a value of the wrong type is
    a 400 naming the field, never a 422."""
    data = await json_body(request, allow_empty=allow_empty)
    return convert_body(data, shape)


def convert_body(data: Any, shape: type[Shape]) -> Shape:
    return command_from(_whole_numbers(data), shape)


def _whole_numbers(value: Any) -> Any:
    """JSON has one number type: `928.0` is the integer 928 (as JSON Schema counts it), so an
    integer field accepts it. Nesting is bounded by `json_body` (domain/jsontext.py)."""
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, dict):
        return {key: _whole_numbers(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_whole_numbers(item) for item in value]
    return value


def request_base(request: Request, *, unlisted_host: bool = False) -> str | None:
    """PUBLIC_BASE_URL, else this request's origin if its Host is allowed, else None (see
    domain/services/urls.py for when an unlisted Host may be used)."""
    policy = request.app.state.runtime.ctx.policy
    return external_base(
        policy.public_base_url,
        policy.allowed_hosts,
        request.url.scheme,
        request.headers.get("host"),
        unlisted_host=unlisted_host,
    )
