"""Every error leaves as JSON `{"detail": "<string>"}` (REST_CONTRACT §1.7).

Domain errors map to 4xx; anything unexpected is logged with the request id and answered with a
generic 500 that names the id, never a traceback.
"""

from __future__ import annotations

import logging

from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from tortoise.exceptions import ValidationError

from domain.exceptions import (
    Conflict,
    DomainError,
    NotAuthenticated,
    NotFound,
    PermissionDenied,
    RateLimited,
    TooLarge,
    refused_value,
)
from domain.outages import OUTAGE_TYPES
from registry.outages import outage_response
from registry.security_headers import with_security_headers
from storage.errors import ObjectNotFound, StorageError

log = logging.getLogger("registry.errors")

_STATUS_BY_ERROR: list[tuple[type[DomainError], int]] = [
    (NotAuthenticated, 401),
    (PermissionDenied, 403),
    (NotFound, 404),
    (Conflict, 409),
    (TooLarge, 413),
    (RateLimited, 429),
]
_HTTP_DETAILS = {404: "Not found", 405: "Method not allowed", 413: "Request body too large"}


def _path_for_log(request: Request) -> str:
    """The request path for a log line: a caller can send kilobytes of it."""
    path = request.url.path
    return path if len(path) <= 200 else path[:200] + "..."


def status_for(error: DomainError) -> int:
    return next((status for kind, status in _STATUS_BY_ERROR if isinstance(error, kind)), 400)


def error_response(
    status: int, detail: str, *, code: str | None = None, headers: dict[str, str] | None = None
) -> JSONResponse:
    body: dict[str, object] = {"detail": detail}
    if code:
        body["code"] = code
    return JSONResponse(body, status_code=status, headers=headers)


async def domain_error_handler(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, DomainError)
    status = status_for(exc)
    headers: dict[str, str] = {}
    if status == 401:
        headers["WWW-Authenticate"] = "Bearer"
    if isinstance(exc, RateLimited):
        headers["Retry-After"] = str(exc.retry_after)
    return error_response(status, exc.message, code=exc.code, headers=headers)


async def http_error_handler(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, HTTPException)
    detail = exc.detail if isinstance(exc.detail, str) and exc.detail else None
    detail = detail or _HTTP_DETAILS.get(exc.status_code, "Request failed")
    if exc.status_code == 404 and detail == "Not Found":
        detail = "Not found"
    if exc.status_code == 405 and detail == "Method Not Allowed":
        detail = "Method not allowed"
    return error_response(exc.status_code, detail, headers=dict(exc.headers or {}))


def _internal_error(request: Request) -> Response:
    request_id = getattr(request.state, "request_id", "-")
    log.exception(
        "unhandled error in %s %s (request %s)", request.method, _path_for_log(request), request_id
    )
    return error_response(
        500,
        f"Internal server error (request id {request_id})",
        headers={"X-Request-ID": request_id},
    )


async def outage_error_handler(request: Request, exc: Exception) -> Response:
    """An unreachable database or Redis: 503 with Retry-After (registry/outages.py); any other
    exception of these types is a bug, answered as one."""
    return outage_response(request, exc) or _internal_error(request)


async def unexpected_error_handler(request: Request, exc: Exception) -> Response:
    # An outage that surfaced wrapped, or in a middleware, is still an outage.
    response = outage_response(request, exc) or _internal_error(request)
    request_id = getattr(request.state, "request_id", "-")
    response.headers.setdefault("X-Request-ID", request_id)
    # Answered outside every middleware (Starlette's ServerErrorMiddleware): no one else adds them.
    response.raw_headers = with_security_headers(response.raw_headers)
    return response


async def storage_error_handler(request: Request, exc: Exception) -> Response:
    request_id = getattr(request.state, "request_id", "-")
    log.error(
        "storage failure in %s %s (request %s): %s",
        request.method,
        _path_for_log(request),
        request_id,
        exc,
    )
    if isinstance(exc, ObjectNotFound):
        return error_response(404, "The stored file is not available")
    # A short Retry-After: the client sleeps it, then tries again (at most 3 attempts).
    return error_response(503, "Storage is temporarily unavailable", headers={"Retry-After": "1"})


async def refused_value_handler(request: Request, exc: Exception) -> Response:
    """A value the ORM refused that no service checked first: still the caller's input."""
    log.warning(
        "unchecked value refused by the ORM in %s %s: %s",
        request.method,
        _path_for_log(request),
        str(exc)[:200],
    )
    return await domain_error_handler(request, refused_value(exc))


EXCEPTION_HANDLERS = {
    DomainError: domain_error_handler,
    ValidationError: refused_value_handler,
    StorageError: storage_error_handler,
    HTTPException: http_error_handler,
    **dict.fromkeys(OUTAGE_TYPES, outage_error_handler),
    Exception: unexpected_error_handler,
}
