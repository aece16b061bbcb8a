"""Issue #12, finding 4 and the WebSocket part of finding 3: what one client may hold open and
send over graphql-transport-ws, and what subscriptions cost Redis.

- Sockets per client address and operations per socket are capped (4429 / an `error`
  message), and a refused socket is closed, never left hanging.
- Every socket and every message is charged to a rate-limit budget: the address's for the
  socket itself, the user's (else the address's) for messages, and searches to `search`.
- However many subscriptions a process serves, it holds one Redis pub/sub connection, which
  survives Redis dropping it.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import uuid
from dataclasses import replace
from typing import Any
from unittest.mock import ANY

import pytest
import websockets
from redis.asyncio import Redis

from domain.events import PACKAGE_PUBLISHED, VERSION_STATUS_CHANGED
from registry.app import create_app
from registry.redis_event_bus import RedisEventBus
from tests.fixtures.stack import Stack, make_jwt
from tests.graphql.support import add_package, add_version
from tests.helpers import make_publisher
from tests.security.ws_support import Socket, open_socket, refused_connection, served

PUBLISHED = "subscription { packagePublished { package { name } version { version } } }"
WATCH = 'subscription { versionStatusChanged(package: "Visible") { status } }'
TYPENAME = "{ __typename }"
SEARCH = 'query { packages(search: "vis") { totalCount } }'
RESOLVE = 'query { resolve(requirements: ["Visible"]) { success } }'


async def visible_package() -> Any:
    team = await make_publisher("u1", "team")
    package = await add_package(team, "Visible")
    await add_version(package, "1.0.0")
    return team


async def until(condition: Any, timeout: float = 10.0) -> None:
    """Poll `condition` (state of another component or of Redis; nothing to wait on)."""
    async with asyncio.timeout(timeout):
        while not await condition():  # noqa: ASYNC110
            await asyncio.sleep(0.02)


# --- caps ----------------------------------------------------------------------------------------


async def test_sockets_per_address_are_capped(stack: Stack) -> None:
    async with (
        served(stack, ws_max_sockets_per_ip=3) as url,
        contextlib.AsyncExitStack() as sockets,
    ):
        first = await sockets.enter_async_context(open_socket(url))
        await sockets.enter_async_context(open_socket(url, make_jwt("u1")))
        await sockets.enter_async_context(open_socket(url))
        refused = await refused_connection(url)
        assert (refused.code, refused.reason) == (4429, "At most 3 open connections per address")
        # The open ones are unaffected, and a closed one frees its place.
        assert (await first.execute("1", TYPENAME))["data"] == {"__typename": "Query"}
        await first.socket.close()

        async def accepted_again() -> bool:
            try:
                async with open_socket(url):
                    return True
            except (AssertionError, websockets.ConnectionClosed):
                return False

        await until(accepted_again)


class AsgiSocket:
    """A WebSocket driven straight through the ASGI app, from any client address."""

    def __init__(self, app: Any, address: str) -> None:
        self.incoming: asyncio.Queue[dict[str, Any]] = asyncio.Queue()
        self.outgoing: asyncio.Queue[dict[str, Any]] = asyncio.Queue()
        scope = {
            "type": "websocket",
            "asgi": {"version": "3.0"},
            "scheme": "ws",
            "path": "/graphql",
            "raw_path": b"/graphql",
            "query_string": b"",
            "headers": [(b"host", b"testserver")],
            "client": (address, 40000),
            "server": ("testserver", 80),
            "subprotocols": ["graphql-transport-ws"],
        }
        self.task = asyncio.create_task(app(scope, self.incoming.get, self.outgoing.put))

    async def handshake(self) -> tuple[str, int | None]:
        """'ack' once `connection_init` is acknowledged, or ('close', code)."""
        await self.incoming.put({"type": "websocket.connect"})
        async with asyncio.timeout(10):
            accepted = await self.outgoing.get()
            assert accepted["type"] == "websocket.accept", accepted
            await self.incoming.put(
                {"type": "websocket.receive", "text": json.dumps({"type": "connection_init"})}
            )
            answer = await self.outgoing.get()
        if answer["type"] == "websocket.close":
            return "close", answer["code"]
        assert json.loads(answer["text"]) == {"type": "connection_ack"}, answer
        return "ack", None

    async def close(self) -> None:
        await self.incoming.put({"type": "websocket.disconnect", "code": 1000})
        await asyncio.wait_for(self.task, 10)


async def test_ipv6_clients_are_capped_per_64(stack: Stack) -> None:
    """Rotating addresses inside one /64 opens no more sockets (as for the rate limits)."""
    app = create_app(replace(stack.settings, ws_max_sockets_per_ip=1), runtime=stack.runtime)
    sockets = [
        AsgiSocket(app, address)
        for address in ("2001:db8::1", "2001:db8::2", "2001:db8:0:1::1", "192.0.2.1", "192.0.2.2")
    ]
    try:
        outcomes = [await socket.handshake() for socket in sockets]
    finally:
        for socket in sockets:
            await socket.close()
    assert outcomes == [("ack", None), ("close", 4429), ("ack", None), ("ack", None), ("ack", None)]


async def test_operations_per_socket_are_capped(stack: Stack) -> None:
    await visible_package()
    bus = stack.ctx.events
    async with served(stack, ws_max_operations_per_socket=2) as url, open_socket(url) as socket:
        await socket.subscribe("a", PUBLISHED)
        await socket.subscribe("b", WATCH)
        await socket.subscribe("c", PUBLISHED)
        refused = await socket.receive()
        assert refused == {
            "id": "c",
            "type": "error",
            "payload": [
                {
                    "message": "At most 2 operations may run at once on one connection",
                    "extensions": {"code": "rate_limited", "requestId": ANY},  # the socket's
                }
            ],
        }
        # Queries count while they run too; the socket itself stays usable.
        assert (await socket.execute("q", TYPENAME))["type"] == "error"
        await socket.send({"type": "ping"})
        assert await socket.receive() == {"type": "pong"}
        # Ending one makes room for another.
        await socket.send({"id": "a", "type": "complete"})

        async def room() -> bool:
            return bus.local_subscribers(PACKAGE_PUBLISHED) == 0

        await until(room)
        await socket.subscribe("d", PUBLISHED)

        async def listening() -> bool:
            return bus.local_subscribers(PACKAGE_PUBLISHED) == 1

        await until(listening)
        await bus.publish(PACKAGE_PUBLISHED, {"package": "Visible", "version": "1.0.0"})
        event = await socket.receive()
    assert event["id"] == "d" and event["payload"]["data"]["packagePublished"]["package"] == {
        "name": "Visible"
    }


async def test_an_oversized_message_is_refused_before_it_is_parsed(stack: Stack) -> None:
    async with served(stack) as url, open_socket(url) as socket:
        limit = 1024 * 1024
        await socket.socket.send(json.dumps({"type": "ping", "payload": {"x": "y" * limit}}))
        closed = await socket.closed()
    assert (closed.code, closed.reason) == (1009, f"A message may hold at most {limit} bytes")


# --- rate limits ---------------------------------------------------------------------------------


async def test_socket_messages_spend_the_address_budget(stack: Stack) -> None:
    async with served(stack, rate_limit_read=(5, 60)) as url:
        async with open_socket(url) as socket:  # the connection: 1 of 5
            for number in range(4):  # 2..5 of 5
                assert (await socket.execute(str(number), TYPENAME))["data"] is not None
            refused = await socket.execute("over", TYPENAME)
            [error] = refused["payload"]
            assert error["extensions"]["code"] == "rate_limited"
            assert 1 <= error["extensions"]["retryAfter"] <= 60
            # Messages that are not operations are charged too: over budget, the socket ends.
            await socket.send({"type": "ping"})
            closed = await socket.closed()
            assert closed.code == 4429 and closed.reason.startswith("Rate limit exceeded")
        # A new socket from the address is refused as well: connections cost a read.
        refused_socket = await refused_connection(url)
    assert refused_socket.code == 4429
    assert refused_socket.reason.startswith("Rate limit exceeded for read requests")


async def test_a_users_sockets_share_the_users_budget(stack: Stack) -> None:
    """Operations of a signed-in user are charged to the user: all of their sockets and
    tokens together, and apart from the anonymous callers behind the same address."""
    async with (
        served(stack, rate_limit_read=(6, 60)) as url,
        open_socket(url, make_jwt("u1")) as first,
        open_socket(url, make_jwt("u1", username="user-u1")) as second,
        open_socket(url) as anonymous,
    ):  # three connections: 3 of the address's 6
        for number in range(3):
            assert (await first.execute(f"a{number}", TYPENAME))["data"] is not None
            assert (await second.execute(f"b{number}", TYPENAME))["data"] is not None
        # The user's 6 are spent, on whichever socket...
        for socket in (first, second):
            assert (await socket.execute("x", TYPENAME))["type"] == "error"
        # ...while the address still has 3 for anonymous callers.
        for number in range(3):
            assert (await anonymous.execute(f"c{number}", TYPENAME))["data"] is not None
        assert (await anonymous.execute("x", TYPENAME))["type"] == "error"


@pytest.mark.parametrize("query", [SEARCH, RESOLVE], ids=["packages-search", "resolve"])
async def test_searches_over_the_socket_spend_the_search_budget(stack: Stack, query: str) -> None:
    await visible_package()
    async with served(stack, rate_limit_search=(2, 60)) as url, open_socket(url) as socket:
        for number in range(2):
            answer = await socket.execute(str(number), query)
            assert answer.get("errors") is None and answer["data"] is not None, answer
        refused = await socket.execute("over", query)
        assert refused["type"] == "error"
        assert refused["payload"][0]["message"].startswith(
            "Rate limit exceeded for search requests"
        )
        # Other operations still run: only the search budget is spent.
        assert (await socket.execute("read", TYPENAME))["data"] == {"__typename": "Query"}


async def test_failed_socket_logins_spend_the_address_auth_failure_budget(stack: Stack) -> None:
    async with served(stack, rate_limit_auth_failures=(2, 60)) as url:
        for token in ("forged", "tbr_" + "x" * 42):
            assert (await refused_connection(url, token)).code == 4403
        refused = await refused_connection(url, make_jwt("u1"))  # even a valid one now
    assert refused.code == 4429
    assert refused.reason.startswith("Too many failed authentication attempts")


# --- one Redis connection per process ----------------------------------------------------------


async def numsub(redis: Redis, channel: str) -> int:
    counts = await redis.pubsub_numsub(channel)
    return int(counts[0][1]) if counts else 0


async def named_clients(redis: Redis, name: str) -> list[dict[str, Any]]:
    return [client for client in await redis.client_list() if client.get("name") == name]


async def receive_all(sockets: list[Socket], expected: int) -> list[dict[str, Any]]:
    events = []
    for socket in sockets:
        for _ in range(expected):
            events.append(await socket.receive())
    return events


async def test_subscriptions_share_one_redis_connection(stack: Stack, redis_url: str) -> None:
    await visible_package()
    prefix = f"test-{uuid.uuid4().hex}:events:"
    client_name = f"ws-test-{uuid.uuid4().hex[:12]}"
    web_bus = RedisEventBus(Redis.from_url(redis_url, client_name=client_name), prefix=prefix)
    worker_bus = RedisEventBus.from_url(redis_url, prefix=prefix)  # a `tb-registry worker`
    observer = Redis.from_url(redis_url)
    original = stack.runtime.context
    stack.runtime.context = replace(original, events=web_bus)
    sockets_count, per_socket = 6, 8  # 48 subscriptions, within the default caps
    try:
        async with served(stack) as url, contextlib.AsyncExitStack() as stack_of_sockets:
            sockets = [
                await stack_of_sockets.enter_async_context(open_socket(url))
                for _ in range(sockets_count)
            ]
            for index, socket in enumerate(sockets):
                for number in range(per_socket):
                    query = PUBLISHED if number % 2 else WATCH
                    await socket.subscribe(f"{index}-{number}", query)

            async def all_listening() -> bool:
                half = sockets_count * per_socket // 2
                return (
                    web_bus.local_subscribers(PACKAGE_PUBLISHED) == half
                    and web_bus.local_subscribers(VERSION_STATUS_CHANGED) == half
                    and await numsub(observer, web_bus.channel(PACKAGE_PUBLISHED)) == 1
                    and await numsub(observer, web_bus.channel(VERSION_STATUS_CHANGED)) == 1
                )

            await until(all_listening)
            # One pub/sub connection for the 48 subscriptions (plus at most one for publishing).
            clients = await named_clients(observer, client_name)
            subscribed = [c for c in clients if int(c.get("sub", 0)) > 0]
            assert len(subscribed) == 1 and int(subscribed[0]["sub"]) == 2
            assert len(clients) <= 2

            event = {
                "package": "Visible",
                "version": "1.0.0",
                "package_type": "mod",
                "status": "published",
                "rule": "",
            }
            await worker_bus.publish(PACKAGE_PUBLISHED, event)
            await worker_bus.publish(VERSION_STATUS_CHANGED, event)
            events = await receive_all(sockets, per_socket)
            assert len({e["id"] for e in events}) == sockets_count * per_socket

            # Redis drops the connection: the subscribers notice nothing but a gap.
            await observer.client_kill_filter(_id=subscribed[0]["id"])

            async def back() -> bool:
                clients = await named_clients(observer, client_name)
                return (
                    any(
                        c["id"] != subscribed[0]["id"] and int(c.get("sub", 0)) == 2
                        for c in clients
                    )
                    and await numsub(observer, web_bus.channel(PACKAGE_PUBLISHED)) == 1
                )

            await until(back)
            await worker_bus.publish(PACKAGE_PUBLISHED, event)
            again = await receive_all(sockets, per_socket // 2)
            assert {e["type"] for e in again} == {"next"}
            assert len({e["id"] for e in again}) == sockets_count * per_socket // 2

        # The last local subscriber gone, the process stops listening to the channels.
        async def unsubscribed() -> bool:
            return (
                await numsub(observer, web_bus.channel(PACKAGE_PUBLISHED)) == 0
                and await numsub(observer, web_bus.channel(VERSION_STATUS_CHANGED)) == 0
            )

        await until(unsubscribed)
    finally:
        stack.runtime.context = original
        await web_bus.aclose()
        await worker_bus.aclose()
        await observer.aclose()


async def test_subscriber_churn_leaves_the_shared_connection_consistent(redis_url: str) -> None:
    """Subscribers of one topic come and go concurrently: the channel is subscribed exactly
    while someone listens, and events reach exactly the current subscribers."""
    prefix = f"test-{uuid.uuid4().hex}:events:"
    bus = RedisEventBus.from_url(redis_url, prefix=prefix)
    other = RedisEventBus.from_url(redis_url, prefix=prefix)
    received: dict[int, list[dict[str, Any]]] = {}

    async def listen(number: int) -> None:
        async for payload in bus.subscribe("churn"):
            received.setdefault(number, []).append(payload)

    listeners: list[asyncio.Task[None]] = []
    try:
        for round_number in range(5):  # 20 arrive, 10 of them leave at once, five times
            batch = [asyncio.create_task(listen(round_number * 20 + n)) for n in range(20)]
            listeners += batch[1::2]
            await asyncio.sleep(0)
            for task in batch[::2]:
                task.cancel()
            await asyncio.gather(*batch[::2], return_exceptions=True)

        async def steady() -> bool:
            return (
                bus.local_subscribers("churn") == len(listeners) == 50
                and await other.subscriber_count("churn") == 1
            )

        await until(steady)
        await other.publish("churn", {"n": 1})

        async def delivered() -> bool:
            return len(received) == 50

        await until(delivered)
        assert all(events == [{"n": 1}] for events in received.values())
        for task in listeners:
            task.cancel()
        await asyncio.gather(*listeners, return_exceptions=True)

        async def silent() -> bool:
            return await other.subscriber_count("churn") == 0

        await until(silent)
        assert bus.local_subscribers("churn") == 0
    finally:
        await bus.aclose()
        await other.aclose()
