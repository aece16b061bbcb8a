"""Plain ASGI middleware: the edge every request passes first (client address, request id,
security headers, metrics, access log), and the text guard in front of every route."""

from __future__ import annotations

import logging
import re
from secrets import token_hex
from time import perf_counter

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from domain.exceptions import InvalidInput
from registry.errors import error_response
from registry.logs import REQUEST_ID
from registry.metrics_http import RequestCounter
from registry.proxies import FORWARDED_HEADERS, client_address_resolver
from registry.rest.params import check_request_text
from registry.security_headers import with_security_headers

_SAFE_ID = re.compile(r"[A-Za-z0-9._-]{1,64}")
_MAX_ID_BYTES = 64
_MAX_LOGGED_PATH = 200  # a caller can send kilobytes of path
# A query string of printable ASCII without percent-escapes decodes to printable ASCII.
_PLAIN_QUERY = re.compile(rb"[\x20-\x24\x26-\x7e]*")

access_log = logging.getLogger("registry.access")


class EdgeMiddleware:
    """What every request gets at the app's edge, in one layer (one call and one wrapper of
    `send` per request rather than one per concern: a cached answer costs ~50 us of CPU, so
    each layer showed):

    - its client address behind `TRUSTED_PROXIES` (registry/proxies.py), before anything
      below reads `scope["client"]`;
    - an id (a sane incoming `X-Request-ID`, else 32 random hex digits), on
      `scope["state"]` (handlers, audit events and GraphQL errors name it) and in
      `registry.logs.REQUEST_ID`, so every log line written while the request runs carries
      it; echoed back with the security headers (registry/security_headers.py);
    - for HTTP: its count and duration in the metrics (registry/metrics_http.py), by route
      template, method and status;
    - for HTTP: its access-log line (`registry.access`), which replaces uvicorn's (disabled in
      registry/cli.py): method, path, status, duration in ms and client address, as the
      message and as fields of a JSON line.

    `count_requests=False` leaves the metrics out (bench/metrics_overhead_bench.py compares).
    """

    def __init__(
        self, app: ASGIApp, *, trusted_proxies: tuple[str, ...], count_requests: bool = True
    ) -> None:
        self.app = app
        self._resolve_client = client_address_resolver(trusted_proxies)
        self._count = RequestCounter() if count_requests else None

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        kind = scope["type"]
        if kind != "http" and kind != "websocket":
            await self.app(scope, receive, send)
            return
        # One pass over the headers for everything read from them.
        request_id = None
        id_seen = forwarded = False
        for name, value in scope.get("headers", ()):
            if name == b"x-request-id":
                if not id_seen:  # the first one counts
                    id_seen = True
                    request_id = _sane_id(value)
            elif name in FORWARDED_HEADERS:
                forwarded = True
        if forwarded and self._resolve_client is not None:
            await self._resolve_client(scope)
        if request_id is None:
            # As uuid4().hex but without building a UUID per request.
            request_id = token_hex(16)
        scope.setdefault("state", {})["request_id"] = request_id
        # Not reset afterwards: the server runs each request in its own task (its own copy of
        # the context), and the 500 handler, outside this middleware, still logs under the id.
        REQUEST_ID.set(request_id)
        if kind == "websocket":
            await self.app(scope, receive, send)
            return
        id_header = (b"x-request-id", request_id.encode())
        status = 500  # what the server answers when the app fails before its response starts

        async def send_with_headers(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
                message["headers"] = with_security_headers(message.get("headers", []), id_header)
            await send(message)

        started = perf_counter()
        try:
            await self.app(scope, receive, send_with_headers)
        finally:
            elapsed = perf_counter() - started
            if self._count is not None:
                self._count(scope, status, elapsed)
            if access_log.isEnabledFor(logging.INFO):
                _log_access(scope, status, elapsed)


def _sane_id(value: bytes) -> str | None:
    """An incoming id is believed only when short and plain: it lands in every log line."""
    if len(value) > _MAX_ID_BYTES:  # bounded before the pattern looks at it
        return None
    text = value.decode("latin-1")
    return text if _SAFE_ID.fullmatch(text) else None


def _log_access(scope: Scope, status: int, elapsed: float) -> None:
    duration_ms = round(elapsed * 1000, 1)
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
