"""Plain ASGI middleware: request ids, security headers and the access log, and the text guard
in front of every route."""

from __future__ import annotations

import logging
import re
import secrets
import time

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from domain.exceptions import InvalidInput
from registry.errors import error_response
from registry.logs import REQUEST_ID
from registry.rest.params import check_request_text
from registry.security_headers import with_security_headers

# An incoming id is believed only when short and plain: it lands in every log line.
_SAFE_ID = re.compile(r"[A-Za-z0-9._-]{1,64}")
_MAX_ID_BYTES = 64
_MAX_LOGGED_PATH = 200  # a caller can send kilobytes of path
# A query string of printable ASCII without percent-escapes decodes to printable ASCII.
_PLAIN_QUERY = re.compile(rb"[\x20-\x24\x26-\x7e]*")

access_log = logging.getLogger("registry.access")


def _incoming_id(scope: Scope) -> str | None:
    for name, value in scope.get("headers", ()):
        if name == b"x-request-id":
            if len(value) > _MAX_ID_BYTES:  # bounded before the pattern looks at it
                return None
            text = value.decode("latin-1")
            return text if _SAFE_ID.fullmatch(text) else None
    return None


class RequestIdMiddleware:
    """Give every request an id (or keep a sane incoming `X-Request-ID`), echo it back with
    the security headers (registry/security_headers.py), and write the request's access-log
    line (`registry.access`) when it is done.

    The id lands on `scope["state"]` (handlers, audit events and GraphQL errors name it) and in
    `registry.logs.REQUEST_ID`, so every log line written while the request runs carries it.
    The access line replaces uvicorn's (disabled in registry/cli.py), which could not: method,
    path, status, duration in ms and client address (after TRUSTED_PROXIES), as the message
    and as fields of a JSON line.
    """

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] not in ("http", "websocket"):
            await self.app(scope, receive, send)
            return
        # 32 random hex digits, as uuid4().hex but without building a UUID per request.
        request_id = _incoming_id(scope) or secrets.token_hex(16)
        scope.setdefault("state", {})["request_id"] = request_id
        # Not reset afterwards: the server runs each request in its own task (its own copy of
        # the context), and the 500 handler, outside this middleware, still logs under the id.
        REQUEST_ID.set(request_id)
        if scope["type"] == "websocket":
            await self.app(scope, receive, send)
            return
        started = time.perf_counter()
        status = 500  # what the server answers when the app fails before its response starts

        async def send_with_id(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
                message["headers"] = with_security_headers(
                    [*message.get("headers", ()), (b"x-request-id", request_id.encode())]
                )
            await send(message)

        try:
            await self.app(scope, receive, send_with_id)
        finally:
            if access_log.isEnabledFor(logging.INFO):
                _log_access(scope, status, started)


def _log_access(scope: Scope, status: int, started: float) -> None:
    duration_ms = round((time.perf_counter() - started) * 1000, 1)
    path: str = scope.get("path", "")
    if len(path) > _MAX_LOGGED_PATH:
        path = path[:_MAX_LOGGED_PATH] + "..."
    client = scope.get("client")
    address = client[0] if client else "-"
    method = scope.get("method", "-")
    access_log.info(
        "%s %s %d %.1f ms %s",
        method,
        path,
        status,
        duration_ms,
        address,
        extra={
            "method": method,
            "path": path,
            "status": status,
            "duration_ms": duration_ms,
            "client": address,
        },
    )


class RequestTextGuardMiddleware:
    """Refuse, with a 400, a request whose path or query holds characters no parameter may
    carry (`registry.rest.params.check_request_text`), before routing: one check in front of
    every route rather than one in each handler, so a new route is covered too."""

    def __init__(
        self, app: ASGIApp, *, free_text_query_paths: frozenset[str] = frozenset()
    ) -> None:
        self.app = app
        self.free_text_query_paths = free_text_query_paths

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] not in ("http", "websocket"):
            await self.app(scope, receive, send)
            return
        path: str = scope.get("path", "")
        query: bytes = scope.get("query_string", b"")
        if path.isascii() and path.isprintable() and _PLAIN_QUERY.fullmatch(query):
            # Printable ASCII holds no control or unstorable character: nothing to refuse.
            await self.app(scope, receive, send)
            return
        try:
            check_request_text(
                path,
                query,
                free_text_query=path in self.free_text_query_paths,
            )
        except InvalidInput as error:
            if scope["type"] == "websocket":  # nothing accepted yet: refuse the handshake
                await send({"type": "websocket.close", "code": 4400})
                return
            await error_response(400, error.message, code=error.code)(scope, receive, send)
            return
        await self.app(scope, receive, send)
