"""Domain events across processes: the event bus over Redis pub/sub.

With Redis configured, scans run in `tb-registry worker` processes while subscribers sit on
WebSocket connections of the web processes; publishing to a Redis channel per topic reaches
every subscriber of every process. Same interface as `domain.events.InMemoryEventBus`.
Like the in-memory bus this is fire-and-forget: a subscriber that is not connected when an
event is published does not receive it later.

A process holds ONE pub/sub connection however many subscribers it has: Redis counts every
connection against its client limit, and one connection per GraphQL subscription let a few
anonymous sockets exhaust it (and with it the rate limiter and cache invalidation). Events are
fanned out in memory to the local subscribers. The connection subscribes to a topic's channel
when the topic's first local subscriber arrives and unsubscribes when the last one leaves. When
Redis drops, a reader task reconnects and subscribes again to every topic that still has local
subscribers; the subscribers themselves only miss what was published meanwhile.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
from collections.abc import AsyncIterator, Callable
from typing import Any

from redis.asyncio import Redis
from redis.asyncio.client import PubSub
from redis.exceptions import RedisError

from domain.events import LocalFanout
from registry.redis_pool import bounded_pool

log = logging.getLogger("registry.events")

DEFAULT_PREFIX = "tb-registry:events:"
RETRY_SECONDS = 1.0
# How long a new subscriber waits for the shared connection before it just waits for events
# (the reader subscribes it as soon as it connects).
CONNECT_WAIT_SECONDS = 2.0
# An idle connection is pinged this often; one that stays silent for three pings is dead
# (a half-open TCP connection would otherwise never raise).
PING_SECONDS = 10.0


class RedisEventBus:
    def __init__(
        self,
        redis: Redis,
        *,
        prefix: str = DEFAULT_PREFIX,
        queue_size: int = 256,
        retry_seconds: float = RETRY_SECONDS,
        ping_seconds: float = PING_SECONDS,
    ) -> None:
        self._redis = redis
        self.prefix = prefix
        self._fanout = LocalFanout(queue_size)
        self._retry_seconds = retry_seconds
        self._ping_seconds = ping_seconds
        # The shared connection (None while down) and the channels it is subscribed to; both
        # change only under `_lock`, so (un)subscribing and reconnecting never interleave.
        self._pubsub: PubSub | None = None
        self._channels: set[str] = set()
        self._lock = asyncio.Lock()
        self._connected = asyncio.Event()
        self._reader: asyncio.Task[None] | None = None
        self._pending: set[asyncio.Task[None]] = set()
        self._reconnect_listeners: list[Callable[[], None]] = []
        self._closed = False

    @classmethod
    def from_url(cls, url: str, *, prefix: str = DEFAULT_PREFIX) -> RedisEventBus:
        # Bounded waits: a publish to a Redis that stopped answering fails within seconds
        # instead of holding its caller (the reader passes its own timeout; see redis_pool).
        return cls(Redis.from_pool(bounded_pool(url)), prefix=prefix)

    def channel(self, topic: str) -> str:
        return f"{self.prefix}{topic}"

    def _topic(self, channel: bytes | str) -> str | None:
        name = channel.decode("utf-8", "replace") if isinstance(channel, bytes) else channel
        return name[len(self.prefix) :] if name.startswith(self.prefix) else None

    async def publish(self, topic: str, payload: dict[str, Any]) -> None:
        await self._redis.publish(self.channel(topic), json.dumps(payload, default=str))

    async def subscribe(self, topic: str) -> AsyncIterator[dict[str, Any]]:
        """Events of `topic` from now on, until the consumer stops iterating."""
        queue = self._fanout.add(topic)
        try:
            await self._watch(topic)
            while True:
                yield await queue.get()
        finally:
            if self._fanout.remove(topic, queue):
                # Not awaited here: a subscriber being cancelled must not wait on Redis.
                self._spawn(self._unwatch(topic))

    def local_subscribers(self, topic: str) -> int:
        """Subscribers of `topic` in this process."""
        return self._fanout.count(topic)

    async def subscriber_count(self, topic: str) -> int:
        """Redis connections subscribed to `topic` across every process: with the shared
        connection, one per process that has at least one subscriber (tests wait for this)."""
        counts = await self._redis.pubsub_numsub(self.channel(topic))
        return int(counts[0][1]) if counts else 0

    def on_reconnect(self, listener: Callable[[], None]) -> Callable[[], None]:
        """Call `listener` whenever the shared connection is back after an outage: whatever
        was published meanwhile is lost (the change feed drops its cache then). Returns the
        function that removes the listener again."""
        self._reconnect_listeners.append(listener)
        return lambda: self._reconnect_listeners.remove(listener)

    # --- the shared connection -----------------------------------------------------------------

    def _spawn(self, coroutine: Any) -> None:
        if self._closed:
            coroutine.close()
            return
        task = asyncio.get_running_loop().create_task(coroutine)
        self._pending.add(task)
        task.add_done_callback(self._pending.discard)

    async def _watch(self, topic: str) -> None:
        """Make sure the shared connection listens to `topic` (its first local subscriber)."""
        if self._reader is None and not self._closed:
            self._reader = asyncio.get_running_loop().create_task(
                self._read(), name="event-bus-reader"
            )
        if not self._connected.is_set():
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._connected.wait(), CONNECT_WAIT_SECONDS)
        channel = self.channel(topic)
        async with self._lock:
            if self._pubsub is None or channel in self._channels:
                return  # subscribed already, or the reader subscribes it when it connects
            try:
                await self._pubsub.subscribe(channel)
                self._channels.add(channel)
            except (RedisError, OSError) as exc:
                # The reader fails on the same connection, reconnects and subscribes again.
                log.warning("could not subscribe to %s: %s", channel, exc)

    async def _unwatch(self, topic: str) -> None:
        channel = self.channel(topic)
        async with self._lock:
            if self._fanout.count(topic) or self._pubsub is None or channel not in self._channels:
                return  # a new subscriber came meanwhile, or the connection is down anyway
            try:
                await self._pubsub.unsubscribe(channel)
                self._channels.discard(channel)
            except (RedisError, OSError) as exc:
                log.warning("could not unsubscribe from %s: %s", channel, exc)

    async def _connect(self) -> PubSub:
        pubsub = self._redis.pubsub()
        async with self._lock:
            try:
                channels = {self.channel(topic) for topic in self._fanout.topics()}
                if channels:
                    await pubsub.subscribe(*channels)
                else:
                    await pubsub.connect()
            except BaseException:
                with contextlib.suppress(Exception):
                    await pubsub.aclose()
                raise
            self._pubsub, self._channels = pubsub, channels
        self._connected.set()
        return pubsub

    async def _disconnect(self, pubsub: PubSub) -> None:
        self._connected.clear()
        async with self._lock:
            if self._pubsub is pubsub:
                self._pubsub, self._channels = None, set()
        with contextlib.suppress(Exception):
            await pubsub.aclose()

    async def _read(self) -> None:
        """The reader task: (re)connect, then hand every message to the local subscribers."""
        outage = False
        while True:
            pubsub: PubSub | None = None
            try:
                pubsub = await self._connect()
                if outage:
                    log.info("event bus reconnected to Redis")
                    for listener in list(self._reconnect_listeners):
                        listener()
                    outage = False
                await self._pump(pubsub)
            except asyncio.CancelledError:
                raise
            except Exception as exc:  # whatever broke, the subscribers must not hang on it
                if not outage:
                    log.warning(
                        "event bus lost Redis (%s: %s); retrying every %.0f s",
                        type(exc).__name__,
                        exc,
                        self._retry_seconds,
                    )
                outage = True
            finally:
                if pubsub is not None:
                    await self._disconnect(pubsub)
            await asyncio.sleep(self._retry_seconds)

    async def _pump(self, pubsub: PubSub) -> None:
        silent_pings = 0
        while True:
            message = await pubsub.get_message(timeout=self._ping_seconds)
            if message is None:
                if silent_pings >= 3:
                    raise ConnectionError("Redis stopped answering pings")
                silent_pings += 1
                async with self._lock:
                    await pubsub.ping()
                continue
            silent_pings = 0
            if message.get("type") != "message":
                continue  # (un)subscribe confirmations and pongs
            topic = self._topic(message.get("channel") or b"")
            try:
                payload = json.loads(message["data"])
            except (TypeError, ValueError):
                log.warning("dropping a malformed event on %s", message.get("channel"))
                continue
            if topic is not None and isinstance(payload, dict):
                self._fanout.deliver(topic, payload)

    async def aclose(self) -> None:
        self._closed = True
        tasks = [*self._pending, *([self._reader] if self._reader else [])]
        for task in tasks:
            task.cancel()
        for task in tasks:
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await task
        if self._pubsub is not None:
            with contextlib.suppress(Exception):
                await self._pubsub.aclose()
        await self._redis.aclose()
