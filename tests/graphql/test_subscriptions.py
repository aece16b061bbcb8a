"""Subscriptions over graphql-transport-ws: a frontend sees a scan finish live, only for
packages it may see; with Redis, events cross processes through pub/sub."""

from __future__ import annotations

import asyncio
import json
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from dataclasses import replace
from typing import Any
from unittest.mock import ANY

import pytest
import websockets

from domain.events import PACKAGE_PUBLISHED, VERSION_STATUS_CHANGED
from registry.app import create_app
from registry.redis_event_bus import RedisEventBus
from schema.core.context import GraphQLContext
from schema.schema import schema
from tests.fixtures.stack import Stack, make_jwt
from tests.graphiql.server import serve_on_free_port
from tests.graphql.support import actor, add_package, add_version, post, post_upload
from tests.helpers import make_publisher, mod_zip

PUBLISH = """mutation($package: String!, $input: PublishVersionInput!, $file: Upload!) {
  publishVersion(package: $package, input: $input, file: $file) { errors { message } } }"""
STATUS = """subscription($p: String!) { versionStatusChanged(package: $p) {
  status rule version { version status } package { name } } }"""
PUBLISHED = """subscription { packagePublished(type: MOD) {
  package { name } version { version } } }"""
TIMEOUT = 10


async def subscribers(bus: Any, topic: str) -> int:
    """This process's subscribers that events can reach: with Redis, only once the shared
    connection listens to the topic's channel."""
    if isinstance(bus, RedisEventBus) and await bus.subscriber_count(topic) == 0:
        return 0
    return bus.local_subscribers(topic)


async def poll(condition: Callable[[], Awaitable[bool]]) -> None:
    """Wait until `condition()` holds (it reads state in another component or process)."""
    for _ in range(int(TIMEOUT / 0.02)):
        if await condition():
            return
        await asyncio.sleep(0.02)
    raise TimeoutError("condition not reached")


async def wait_for_subscribers(bus: Any, topic: str, count: int) -> None:
    async def enough() -> bool:
        return await subscribers(bus, topic) >= count

    await poll(enough)


class Connection:
    """A graphql-transport-ws client: one WebSocket, subscriptions by id."""

    def __init__(self, socket: Any) -> None:
        self.socket = socket

    async def subscribe(
        self, subscription_id: str, query: str, variables: dict[str, Any] | None = None
    ) -> None:
        await self.socket.send(
            json.dumps(
                {
                    "id": subscription_id,
                    "type": "subscribe",
                    "payload": {"query": query, "variables": variables or {}},
                }
            )
        )

    async def receive(self) -> dict[str, Any]:
        async with asyncio.timeout(TIMEOUT):
            return json.loads(await self.socket.recv())


@asynccontextmanager
async def connect(url: str, token: str | None = None) -> AsyncIterator[Connection]:
    ws_url = url.replace("http://", "ws://") + "/graphql"
    async with websockets.connect(ws_url, subprotocols=["graphql-transport-ws"]) as socket:
        payload = {"Authorization": f"Bearer {token}"} if token else {}
        await socket.send(json.dumps({"type": "connection_init", "payload": payload}))
        ack = json.loads(await socket.recv())
        assert ack["type"] == "connection_ack", ack
        yield Connection(socket)


@asynccontextmanager
async def served(stack: Stack) -> AsyncIterator[str]:
    async with serve_on_free_port(create_app(stack.settings, runtime=stack.runtime)) as url:
        yield url


async def test_scan_verdict_reaches_owner_and_public_subscribers(stack: Stack) -> None:
    await make_publisher("u1", "team")
    await post(
        stack.client,
        """mutation { createPackage(input: {name: "CloudM"}) {
        errors { message } } }""",
        user="u1",
    )
    bus = stack.ctx.events
    async with served(stack) as url, connect(url, make_jwt("u1")) as owner, connect(url) as public:
        await owner.subscribe("s1", STATUS, {"p": "cloudm"})
        await public.subscribe("s2", PUBLISHED)
        await wait_for_subscribers(bus, VERSION_STATUS_CHANGED, 1)
        await wait_for_subscribers(bus, PACKAGE_PUBLISHED, 1)
        uploaded = await post_upload(
            stack.client,
            PUBLISH,
            {"package": "CloudM", "input": {"version": "1.0.0"}},
            "file",
            mod_zip("CloudM", "1.0.0"),
            user="u1",
        )
        assert uploaded.json()["data"]["publishVersion"]["errors"] == []
        await stack.drain_jobs()
        status = await owner.receive()
        assert status == {
            "id": "s1",
            "type": "next",
            "payload": {
                "data": {
                    "versionStatusChanged": {
                        "status": "PUBLISHED",
                        "rule": "",
                        "version": {"version": "1.0.0", "status": "PUBLISHED"},
                        "package": {"name": "CloudM"},
                    }
                }
            },
        }
        published = await public.receive()
        assert published["payload"]["data"]["packagePublished"] == {
            "package": {"name": "CloudM"},
            "version": {"version": "1.0.0"},
        }


async def test_private_packages_never_reach_strangers(stack: Stack) -> None:
    team = await make_publisher("u1", "team")
    secret = await add_package(team, "Secret", visibility="private")
    await add_version(secret, "1.0.0")
    visible = await add_package(team, "Visible")
    await add_version(visible, "1.0.0")
    bus = stack.ctx.events
    async with served(stack) as url, connect(url) as stranger:
        await stranger.subscribe("hidden", STATUS, {"p": "Secret"})
        refused = await stranger.receive()
        assert refused["type"] == "next" and refused["payload"]["data"] is None
        assert refused["payload"]["errors"][0]["message"] == "Package not found: Secret"
        assert refused["payload"]["errors"][0]["extensions"] == {
            "code": "not_found",
            "requestId": ANY,  # the socket's id
        }
        assert await stranger.receive() == {"id": "hidden", "type": "complete"}
        await stranger.subscribe("all", PUBLISHED)
        await wait_for_subscribers(bus, PACKAGE_PUBLISHED, 1)
        for name, version in (("Secret", "1.0.0"), ("Visible", "1.0.0")):
            await bus.publish(
                PACKAGE_PUBLISHED,
                {
                    "package": name,
                    "version": version,
                    "package_type": "mod",
                    "publisher_id": team.id,
                },
            )
        event = await stranger.receive()
        assert event["payload"]["data"]["packagePublished"]["package"] == {"name": "Visible"}


async def test_refused_token_closes_the_connection(stack: Stack) -> None:
    async with served(stack) as url:
        ws_url = url.replace("http://", "ws://") + "/graphql"
        async with websockets.connect(ws_url, subprotocols=["graphql-transport-ws"]) as socket:
            await socket.send(
                json.dumps(
                    {"type": "connection_init", "payload": {"Authorization": "Bearer forged"}}
                )
            )
            with pytest.raises(websockets.ConnectionClosed) as closed:
                await asyncio.wait_for(socket.recv(), TIMEOUT)
        assert closed.value.rcvd.code == 4403


@pytest.mark.parametrize(
    ("message", "reason"),
    [
        ([1, 2], "A message must be a JSON object with a string 'type'"),
        (
            {"type": "subscribe", "id": ["x"], "payload": {"query": "{ __typename }"}},
            "A subscribe message needs a string 'id'",
        ),
        (
            {"type": "subscribe", "id": "1", "payload": "{ __typename }"},
            "A subscribe message needs a payload object with a string 'query'",
        ),
        (
            {"type": "subscribe", "id": "1", "payload": {"query": "{ x", "variables": None}},
            "Syntax Error: Expected Name, found <EOF>.",
        ),
        (
            {
                "type": "subscribe",
                "id": "1",
                "payload": {"query": "{ __typename }", "variables": [1]},
            },
            "'variables' must be an object",
        ),
        ({"type": "complete", "id": {"x": 1}}, "A complete message needs a string 'id'"),
    ],
)
async def test_malformed_messages_close_with_4400(
    stack: Stack, message: object, reason: str
) -> None:
    # Strawberry alone would die on most of these inside the connection's task (no close
    # frame) or answer a syntax error with a bare `complete`.
    async with served(stack) as url, connect(url) as connection:
        await connection.socket.send(json.dumps(message))
        with pytest.raises(websockets.ConnectionClosed) as closed:
            await asyncio.wait_for(connection.socket.recv(), TIMEOUT)
    assert (closed.value.rcvd.code, closed.value.rcvd.reason) == (4400, reason)


async def test_events_cross_processes_through_redis(stack: Stack, redis_url: str) -> None:
    """Two buses on one Redis stand for the worker that scans and the web process that holds
    the WebSocket: the web process's subscription sees the worker's event."""
    prefix = f"test-{uuid.uuid4().hex}:events:"
    web_bus = RedisEventBus.from_url(redis_url, prefix=prefix)
    worker_bus = RedisEventBus.from_url(redis_url, prefix=prefix)
    try:
        team = await make_publisher("u1", "team")
        package = await add_package(team, "CloudM")
        await add_version(package, "1.0.0")
        context = GraphQLContext(
            registry=replace(stack.ctx, events=web_bus), actor=await actor("u1")
        )
        stream = await schema.subscribe(STATUS, {"p": "CloudM"}, context_value=context)
        first = asyncio.ensure_future(stream.__anext__())
        await wait_for_subscribers(web_bus, VERSION_STATUS_CHANGED, 1)
        await worker_bus.publish(
            VERSION_STATUS_CHANGED,
            {"package": "CloudM", "version": "1.0.0", "status": "published", "rule": ""},
        )
        result = await asyncio.wait_for(first, TIMEOUT)
        assert result.errors is None
        assert result.data["versionStatusChanged"]["version"] == {
            "version": "1.0.0",
            "status": "PUBLISHED",
        }
        await stream.aclose()

        async def unsubscribed() -> bool:  # the Redis subscription ends with the stream
            return await worker_bus.subscriber_count(VERSION_STATUS_CHANGED) == 0

        await poll(unsubscribed)
    finally:
        await web_bus.aclose()
        await worker_bus.aclose()
