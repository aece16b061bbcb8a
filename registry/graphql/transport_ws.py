"""graphql-transport-ws with every message checked before Strawberry handles it: its shape,
its query, its rate-limit budget, and the credential of the socket.

Shape. Strawberry's handler checks only that the keys it reads exist (it catches KeyError): a
JSON array as a message, a `subscribe` whose payload is a string or whose id is a list raise
TypeError inside the connection's task, which then dies without a close frame. The protocol
says an invalid message closes the socket with 4400; that is what happens here instead.

A query that does not parse is closed the same way, with the parser's message: Strawberry's
streaming path raises the syntax error inside the task (logging a traceback and sending a bare
`complete`). It is parsed under the same size and token limits as over HTTP.

Rate limits. Every message after `connection_init` costs one `read` of the caller's budget (the
user's when authenticated, else the IP's), and a `subscribe` also what its operation does
(`schema.core.charging`): over budget, a `subscribe` is answered with an `error` message
(code `rate_limited`, `retryAfter`), any other message closes the socket with 4429. At most
`max_operations` operations run at once per socket (an `error` message refuses the next).

Credential. A socket authenticates once, in `connection_init`, but lives for hours: its token
is checked again before every operation, and while operations run every `recheck_seconds`
(and exactly at a JWT's `exp`: `domain.sessions.expiry_problem`, no leeway). A credential
that no longer authenticates (revoked, expired, its user gone) closes the socket with 4401;
one whose user lost rights the running operations were started with (admin, a publisher
membership: `domain.sessions.rights_lost`) closes it with 4403. Otherwise every operation
runs as the freshly resolved caller.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import AsyncGenerator
from dataclasses import dataclass
from json import JSONDecodeError
from typing import Any, Protocol

from graphql import DocumentNode, GraphQLError, parse
from starlette.websockets import WebSocketDisconnect, WebSocketState
from strawberry.asgi import ASGIWebSocketAdapter
from strawberry.http.exceptions import NonJsonMessageReceived, NonTextMessageReceived
from strawberry.subscriptions.protocols.graphql_transport_ws.handlers import (
    BaseGraphQLTransportWSHandler,
)

from domain.actor import Actor
from domain.exceptions import RateLimited
from domain.sessions import expiry_problem, rights_lost
from schema.core.charging import charges_of
from schema.core.context import GraphQLContext
from schema.core.errors import naming_request
from schema.core.graphql_limits import GraphQLLimits

log = logging.getLogger("registry.graphql.ws")

CLOSE_UNAUTHORIZED = 4401  # the credential ended: authenticate again
CLOSE_FORBIDDEN = 4403  # refused: the caller may not go on with what it started
CLOSE_TOO_MANY = 4429  # a cap or a rate limit
CLOSE_INTERNAL = 1011
CLOSE_TOO_BIG = 1009


@dataclass(frozen=True)
class SocketLimits:
    """What bounds WebSocket use, read from the registry's settings."""

    max_sockets_per_ip: int = 20
    max_operations: int = 25
    recheck_seconds: float = 5.0

    @classmethod
    def from_settings(cls, settings: Any) -> SocketLimits:
        return cls(
            max_sockets_per_ip=settings.ws_max_sockets_per_ip,
            max_operations=settings.ws_max_operations_per_socket,
            recheck_seconds=float(settings.ws_auth_recheck_seconds),
        )


@dataclass(frozen=True)
class Recheck:
    """A socket's credential, resolved again."""

    actor: Actor
    error: str | None = None  # why it no longer authenticates
    expires_at: float | None = None  # a JWT's exp (Unix time)


class SocketHost(Protocol):
    """What the handler needs from the view that serves the socket (registry/graphql/view.py)."""

    limits: GraphQLLimits
    socket_limits: SocketLimits

    async def recheck_credential(
        self, context: GraphQLContext, *, touch: bool = True
    ) -> Recheck: ...

    async def charge_message(self, context: GraphQLContext, charges: dict[str, int]) -> None:
        """Charge one message (raise RateLimited over budget)."""
        ...


def message_problem(message: object) -> str | None:
    """Why `message` is not a well-formed graphql-transport-ws message (None when it is)."""
    if not isinstance(message, dict) or not isinstance(message.get("type"), str):
        return "A message must be a JSON object with a string 'type'"
    kind = message["type"]
    if kind in ("subscribe", "complete") and not isinstance(message.get("id"), str):
        return f"A {kind} message needs a string 'id'"
    if kind != "subscribe":
        return None
    payload = message.get("payload")
    if not isinstance(payload, dict) or not isinstance(payload.get("query"), str):
        return "A subscribe message needs a payload object with a string 'query'"
    if not isinstance(payload.get("variables") or {}, dict):
        return "'variables' must be an object"
    if not isinstance(payload.get("operationName") or "", str):
        return "'operationName' must be a string"
    return None


def parse_query(query: str, limits: GraphQLLimits) -> DocumentNode | str:
    """The parsed query, or why it cannot be run."""
    if len(query.encode()) > limits.max_body_bytes:
        return f"The query exceeds {limits.max_body_bytes} bytes"
    try:
        return parse(query, max_tokens=limits.max_tokens)
    except GraphQLError as error:
        return error.message


class BoundedWebSocketAdapter(ASGIWebSocketAdapter):
    """Strawberry's adapter, refusing a message longer than an HTTP body may be before it is
    parsed as JSON (1009, "message too big"), rather than after."""

    async def iter_json(
        self, *, ignore_parsing_errors: bool = False
    ) -> AsyncGenerator[object, None]:
        # Strawberry types the adapter's view as its base view; ours is RegistryGraphQL.
        limit: int = self.view.limits.max_body_bytes  # type: ignore[attr-defined]
        try:
            while self.ws.application_state != WebSocketState.DISCONNECTED:
                try:
                    text = await self.ws.receive_text()
                    if len(text) > limit or len(text.encode()) > limit:
                        await self.close(CLOSE_TOO_BIG, f"A message may hold at most {limit} bytes")
                        return
                    yield self.view.decode_json(text)
                except JSONDecodeError as error:
                    if not ignore_parsing_errors:
                        raise NonJsonMessageReceived from error
        except KeyError as error:  # a binary message
            raise NonTextMessageReceived from error
        except WebSocketDisconnect:
            pass


class CheckedTransportWSHandler(BaseGraphQLTransportWSHandler[Any, Any]):
    context: GraphQLContext
    # Narrower than Strawberry's view type: the view serving our sockets is RegistryGraphQL.
    view: SocketHost  # type: ignore[assignment]
    max_subscriptions_per_connection: int  # always set, from the socket limits (never None)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.max_subscriptions_per_connection = self.view.socket_limits.max_operations
        self._watcher: asyncio.Task[None] | None = None
        self._recheck_lock = asyncio.Lock()
        self._closing = False

    # --- messages ------------------------------------------------------------------------------

    async def handle_message(self, message: Any) -> None:
        if self._closing:
            return
        problem = message_problem(message)
        document: DocumentNode | None = None
        if problem is None and message["type"] == "subscribe":
            parsed = parse_query(message["payload"]["query"], self.view.limits)
            problem, document = (parsed, None) if isinstance(parsed, str) else (None, parsed)
        if problem is not None:
            await self.handle_invalid_message(problem)
            return
        if message["type"] == "subscribe":
            assert document is not None
            await self._admit_operation(message, document)
            return
        if message["type"] != "connection_init":  # pings before it are charged too
            try:
                await self.view.charge_message(self.context, {"read": 1})
            except RateLimited as error:
                await self._close(CLOSE_TOO_MANY, error.message)
                return
        await super().handle_message(message)

    async def _admit_operation(self, message: Any, document: DocumentNode) -> None:
        """Caps, budget and credential, before Strawberry starts the operation."""
        if not self.connection_acknowledged or message["id"] in self.operations:
            await super().handle_message(message)  # Strawberry's own 4401 / 4409
            return
        if len(self.operations) >= self.max_subscriptions_per_connection:
            limit = self.max_subscriptions_per_connection
            await self.send_message(
                {
                    "id": message["id"],
                    "type": "error",
                    "payload": [
                        {
                            "message": (
                                f"At most {limit} operations may run at once on one connection"
                            ),
                            "extensions": self._extensions(code="rate_limited"),
                        }
                    ],
                }
            )
            return
        payload = message["payload"]
        # `_schema`: the graphql-core schema of strawberry's Schema (typed as BaseSchema here).
        charges = charges_of(
            self.schema._schema,  # type: ignore[attr-defined]
            document,
            payload.get("operationName"),
            payload.get("variables") or {},
        )
        try:
            await self.view.charge_message(self.context, {"read": 1, **charges})
        except RateLimited as error:
            await self.send_message(
                {
                    "id": message["id"],
                    "type": "error",
                    "payload": [
                        {
                            "message": error.message,
                            "extensions": self._extensions(
                                code=error.code, retryAfter=error.retry_after
                            ),
                        }
                    ],
                }
            )
            return
        if self.context.credential is not None and not await self._recheck():
            return
        await super().handle_message(message)

    def _extensions(self, **fields: Any) -> dict[str, Any]:
        """An error's extensions naming the socket's request id (schema/core/errors.py)."""
        return naming_request(fields, self.context.request_id)

    async def handle_connection_init(self, message: Any) -> None:
        await super().handle_connection_init(message)
        if self.connection_acknowledged and self.context.credential is not None:
            self._watcher = asyncio.create_task(
                self._watch_credential(), name="ws-credential-watch"
            )

    async def shutdown(self) -> None:
        if self._watcher is not None:
            self._watcher.cancel()
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await self._watcher
        await super().shutdown()

    # --- the credential ------------------------------------------------------------------------

    async def _recheck(self, *, touch: bool = True) -> bool:
        """Resolve the socket's credential again; close the socket (and return False) when it
        ended, or when rights that running operations rely on are gone."""
        async with self._recheck_lock:
            if self._closing:
                return False
            try:
                outcome = await self.view.recheck_credential(self.context, touch=touch)
            except Exception:
                # Fail closed: a socket whose caller cannot be confirmed does not go on.
                log.exception("re-checking a WebSocket's credential failed")
                await self._close(CLOSE_INTERNAL, "Could not re-check the credential")
                return False
            if outcome.error is not None or not outcome.actor.is_authenticated:
                await self._close(CLOSE_UNAUTHORIZED, outcome.error or "Not authenticated")
                return False
            lost = rights_lost(self.context.actor, outcome.actor)
            if lost is not None and self.operations:
                await self._close(CLOSE_FORBIDDEN, lost)
                return False
            if outcome.actor != self.context.actor:
                self.context.actor = outcome.actor
                self.context.loaders.clear()  # rows loaded with the previous rights
            self.context.credential_expires_at = outcome.expires_at
            return True

    async def _watch_credential(self) -> None:
        """While the socket lives: close it when a JWT expires, and re-check the credential
        every `recheck_seconds` while operations run (an idle socket is re-checked by its next
        operation)."""
        interval = self.view.socket_limits.recheck_seconds
        while not self._closing:
            expires_at = self.context.credential_expires_at
            delay = interval
            if expires_at is not None:
                delay = min(delay, max(0.0, expires_at - time.time()))
            await asyncio.sleep(delay)
            expired = expiry_problem(self.context.credential_expires_at, time.time())
            if expired is not None:
                await self._close(CLOSE_UNAUTHORIZED, expired)
                return
            if self.operations and not await self._recheck(touch=False):
                return

    async def _close(self, code: int, reason: str) -> None:
        """End every operation, then close the socket (once)."""
        if self._closing:
            return
        self._closing = True
        for operation_id in list(self.operations):
            await self.cleanup_operation(operation_id)
        with contextlib.suppress(Exception):  # the client may be gone already
            # A close frame's reason holds at most 123 bytes.
            await self.websocket.close(
                code=code, reason=reason.encode()[:120].decode("utf-8", "ignore")
            )
