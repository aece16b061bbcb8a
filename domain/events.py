"""Domain events (package published, version status changed) for live subscribers.

The in-memory bus serves one process; with Redis configured the registry swaps in a bus that
crosses processes via Redis pub/sub (registry/redis_event_bus.py). Both have the same interface,
and both hand events to their local subscribers through one `LocalFanout`.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator, Callable
from typing import Any, Protocol

PACKAGE_PUBLISHED = "package_published"
VERSION_STATUS_CHANGED = "version_status_changed"
# A package moved to another publisher (domain/services/package_transfers.py).
PACKAGE_TRANSFERRED = "package_transferred"

log = logging.getLogger("domain.events")


class EventBus(Protocol):
    async def publish(self, topic: str, payload: dict[str, Any]) -> None: ...

    def subscribe(self, topic: str) -> AsyncIterator[dict[str, Any]]: ...

    def local_subscribers(self, topic: str) -> int: ...

    def on_reconnect(self, listener: Callable[[], None]) -> Callable[[], None]:
        """Have `listener` called when events may have been lost (a cross-process bus that
        lost its connection); returns the function that removes it again."""
        ...


async def publish_committed(bus: EventBus, topic: str, payload: dict[str, Any]) -> None:
    """Tell live subscribers about a change that has already committed. Best effort: events
    are fire-and-forget anyway (a subscriber that is not connected misses them), so a bus that
    cannot publish (Redis down or silent) is logged and otherwise ignored. Raising would fail a
    request or job whose write stands, and skip its follow-up (replication, its own log line);
    readers see the change on their next query and cached pages expire by their TTL."""
    try:
        await bus.publish(topic, payload)
    except Exception as exc:  # whatever the transport raised; the write has committed
        log.warning(
            "could not publish %s event (%s: %s); live subscribers miss it",
            topic,
            type(exc).__name__,
            exc,
        )


class LocalFanout:
    """The subscribers of this process: one bounded queue each, grouped by topic."""

    def __init__(self, queue_size: int = 256) -> None:
        self._queues: dict[str, set[asyncio.Queue[dict[str, Any]]]] = {}
        self._queue_size = queue_size

    def add(self, topic: str) -> asyncio.Queue[dict[str, Any]]:
        queue: asyncio.Queue[dict[str, Any]] = asyncio.Queue(self._queue_size)
        self._queues.setdefault(topic, set()).add(queue)
        return queue

    def remove(self, topic: str, queue: asyncio.Queue[dict[str, Any]]) -> bool:
        """Forget one subscriber; True when it was the topic's last one."""
        queues = self._queues.get(topic)
        if queues is None:
            return False
        queues.discard(queue)
        if queues:
            return False
        del self._queues[topic]
        return True

    def deliver(self, topic: str, payload: dict[str, Any]) -> None:
        for queue in list(self._queues.get(topic, ())):
            # A slow subscriber loses events rather than blocking publishers.
            with contextlib.suppress(asyncio.QueueFull):
                queue.put_nowait(payload)

    def count(self, topic: str) -> int:
        return len(self._queues.get(topic, ()))

    def topics(self) -> list[str]:
        return list(self._queues)


class InMemoryEventBus:
    def __init__(self, queue_size: int = 256) -> None:
        self._fanout = LocalFanout(queue_size)

    async def publish(self, topic: str, payload: dict[str, Any]) -> None:
        self._fanout.deliver(topic, payload)

    async def subscribe(self, topic: str) -> AsyncIterator[dict[str, Any]]:
        queue = self._fanout.add(topic)
        try:
            while True:
                yield await queue.get()
        finally:
            self._fanout.remove(topic, queue)

    def local_subscribers(self, topic: str) -> int:
        """Subscribers of `topic` in this process (tests wait for this)."""
        return self._fanout.count(topic)

    def on_reconnect(self, listener: Callable[[], None]) -> Callable[[], None]:
        """One process never loses an event in transit: `listener` is never called."""
        return lambda: None
