"""Domain events across processes: the event bus over Redis pub/sub.

With Redis configured, scans run in `tb-registry worker` processes while subscribers sit on
WebSocket connections of the web processes; publishing to a Redis channel per topic reaches
every subscriber of every process. Same interface as `domain.events.InMemoryEventBus`.
Like the in-memory bus this is fire-and-forget: a subscriber that is not connected when an
event is published does not receive it later.
"""

from __future__ import annotations

import json
import logging
from collections.abc import AsyncIterator
from typing import Any

from redis.asyncio import Redis

log = logging.getLogger("registry.events")

DEFAULT_PREFIX = "tb-registry:events:"


class RedisEventBus:
    def __init__(self, redis: Redis, *, prefix: str = DEFAULT_PREFIX) -> None:
        self._redis = redis
        self.prefix = prefix

    @classmethod
    def from_url(cls, url: str, *, prefix: str = DEFAULT_PREFIX) -> RedisEventBus:
        return cls(Redis.from_url(url), prefix=prefix)

    def channel(self, topic: str) -> str:
        return f"{self.prefix}{topic}"

    async def publish(self, topic: str, payload: dict[str, Any]) -> None:
        await self._redis.publish(self.channel(topic), json.dumps(payload, default=str))

    async def subscribe(self, topic: str) -> AsyncIterator[dict[str, Any]]:
        """Events of `topic` from now on, until the consumer stops iterating."""
        pubsub = self._redis.pubsub(ignore_subscribe_messages=True)
        channel = self.channel(topic)
        await pubsub.subscribe(channel)
        try:
            async for message in pubsub.listen():
                if message.get("type") != "message":
                    continue
                try:
                    payload = json.loads(message["data"])
                except (TypeError, ValueError):
                    log.warning("dropping a malformed event on %s", channel)
                    continue
                if isinstance(payload, dict):
                    yield payload
        finally:
            await pubsub.unsubscribe(channel)
            await pubsub.aclose()

    async def subscriber_count(self, topic: str) -> int:
        """Subscribers of `topic` across every process (tests wait for this)."""
        counts = await self._redis.pubsub_numsub(self.channel(topic))
        return int(counts[0][1]) if counts else 0

    async def aclose(self) -> None:
        await self._redis.aclose()
