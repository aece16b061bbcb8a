"""Outages are reported, not crashed on (issue #17): a request that meets an unreachable
database (or Redis, where a caller did not fall back itself) is answered 503 with a JSON
`detail` naming the backend and a `Retry-After`, and the log gets one line, not a traceback.

Which exceptions count is decided once, in domain/outages.py (GraphQL asks the same question).
"""

from __future__ import annotations

import logging

from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from domain.outages import RETRY_AFTER_SECONDS, unavailable_backend, unavailable_message

log = logging.getLogger("registry.outages")


def unavailable_response(backend: str) -> JSONResponse:
    return JSONResponse(
        {
            "detail": unavailable_message(backend),
            "code": "service_unavailable",
        },
        status_code=503,
        headers={"Retry-After": str(RETRY_AFTER_SECONDS)},
    )


def log_outage(request: Request, backend: str, exc: BaseException) -> None:
    request_id = getattr(request.state, "request_id", "-")
    path = request.url.path
    log.warning(
        "%s unavailable in %s %s (request %s): %s: %s",
        backend,
        request.method,
        path if len(path) <= 200 else path[:200] + "...",
        request_id,
        type(exc).__name__,
        str(exc)[:200],
    )


def outage_response(request: Request, exc: BaseException) -> Response | None:
    """The 503 for an outage, None when `exc` is something else."""
    backend = unavailable_backend(exc)
    if backend is None:
        return None
    log_outage(request, backend, exc)
    return unavailable_response(backend)
