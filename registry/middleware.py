"""Plain ASGI middleware: request ids, and the text guard in front of every route."""

from __future__ import annotations

import re
import secrets

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from domain.exceptions import InvalidInput
from registry.errors import error_response
from registry.rest.params import check_request_text

_SAFE_ID = re.compile(r"[A-Za-z0-9._-]{1,64}")
# A query string of printable ASCII without percent-escapes decodes to printable ASCII.
_PLAIN_QUERY = re.compile(rb"[\x20-\x24\x26-\x7e]*")


class RequestIdMiddleware:
    """Give every request an id (or keep a sane incoming `X-Request-ID`) and echo it back.

    The id lands on `scope["state"]`, so handlers, logs and audit events can all name it.
    """

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] not in ("http", "websocket"):
            await self.app(scope, receive, send)
            return
        incoming = dict(scope.get("headers", [])).get(b"x-request-id", b"").decode("latin-1")
        # 32 random hex digits, as uuid4().hex but without building a UUID per request.
        request_id = incoming if _SAFE_ID.fullmatch(incoming) else secrets.token_hex(16)
        scope.setdefault("state", {})["request_id"] = request_id

        async def send_with_id(message: Message) -> None:
            if message["type"] == "http.response.start":
                message.setdefault("headers", [])
                message["headers"] = [*message["headers"], (b"x-request-id", request_id.encode())]
            await send(message)

        await self.app(scope, receive, send_with_id)


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
