"""A graphql-transport-ws client for the WebSocket security tests, against the registry served
by uvicorn on a free port (real sockets, real close codes)."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import replace
from typing import Any

import websockets

from registry.app import create_app
from tests.fixtures.stack import Stack
from tests.graphiql.server import serve_on_free_port

TIMEOUT = 10.0


@asynccontextmanager
async def served(stack: Stack, **settings: Any) -> AsyncIterator[str]:
    """The stack's registry under uvicorn, with `settings` overridden (a fresh rate limiter
    per call: budgets never leak between tests)."""
    app = create_app(replace(stack.settings, **settings), runtime=stack.runtime)
    try:
        async with serve_on_free_port(app) as url:
            yield url.replace("http://", "ws://") + "/graphql"
    finally:
        await app.state.rate_limiter.aclose()


class Closed(Exception):
    def __init__(self, code: int | None, reason: str) -> None:
        super().__init__(f"closed {code}: {reason}")
        self.code = code
        self.reason = reason


class Socket:
    """One graphql-transport-ws connection."""

    def __init__(self, socket: Any) -> None:
        self.socket = socket

    async def send(self, message: dict[str, Any]) -> None:
        await self.socket.send(json.dumps(message))

    async def receive(self, timeout: float = TIMEOUT) -> dict[str, Any]:
        """The next message; raises Closed when the server closes the socket instead."""
        try:
            async with asyncio.timeout(timeout):
                return json.loads(await self.socket.recv())
        except websockets.ConnectionClosed as closed:
            raise Closed(
                closed.rcvd.code if closed.rcvd else None, closed.rcvd.reason if closed.rcvd else ""
            ) from None

    async def closed(self, timeout: float = TIMEOUT) -> Closed:
        """Wait for the server to close the socket (any message before that is a failure)."""
        try:
            message = await self.receive(timeout)
        except Closed as closed:
            return closed
        raise AssertionError(f"expected the socket to close, got {message}")

    async def subscribe(
        self, operation_id: str, query: str, variables: dict[str, Any] | None = None
    ) -> None:
        await self.send(
            {
                "id": operation_id,
                "type": "subscribe",
                "payload": {"query": query, "variables": variables or {}},
            }
        )

    async def execute(
        self, operation_id: str, query: str, variables: dict[str, Any] | None = None
    ) -> dict[str, Any]:
        """Run a query or mutation: its `next` payload, or the `error` message."""
        await self.subscribe(operation_id, query, variables)
        first = await self.receive()
        assert first.get("id") == operation_id, first
        if first["type"] == "next":
            assert await self.receive() == {"id": operation_id, "type": "complete"}
            return first["payload"]
        assert first["type"] == "error", first
        return first


@asynccontextmanager
async def open_socket(
    url: str,
    token: str | None = None,
    *,
    header_token: str | None = None,
) -> AsyncIterator[Socket]:
    """A connection acknowledged by the server (`token` sent in `connection_init`,
    `header_token` in the handshake's Authorization header)."""
    headers = {"Authorization": f"Bearer {header_token}"} if header_token else None
    async with websockets.connect(
        url, subprotocols=["graphql-transport-ws"], additional_headers=headers
    ) as raw:
        socket = Socket(raw)
        payload = {"Authorization": f"Bearer {token}"} if token else {}
        await socket.send({"type": "connection_init", "payload": payload})
        ack = await socket.receive()
        assert ack["type"] == "connection_ack", ack
        yield socket


async def refused_connection(url: str, token: str | None = None) -> Closed:
    """Open a socket the server is expected to close during the handshake or `connection_init`
    (never to leave hanging)."""
    async with websockets.connect(url, subprotocols=["graphql-transport-ws"]) as raw:
        socket = Socket(raw)
        payload = {"Authorization": f"Bearer {token}"} if token else {}
        try:
            await socket.send({"type": "connection_init", "payload": payload})
        except websockets.ConnectionClosed as closed:
            return Closed(
                closed.rcvd.code if closed.rcvd else None, closed.rcvd.reason if closed.rcvd else ""
            )
        return await socket.closed()
