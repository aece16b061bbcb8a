"""Domain events (package published, version status changed) for live subscribers.

The in-memory bus serves one process; with Redis configured the registry swaps in a bus that
crosses processes via Redis pub/sub (workers/events.py). Both have the same interface.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator
from typing import Any, Protocol

PACKAGE_PUBLISHED = "package_published"
VERSION_STATUS_CHANGED = "version_status_changed"


class EventBus(Protocol):
    async def publish(self, topic: str, payload: dict[str, Any]) -> None: ...

    def subscribe(self, topic: str) -> AsyncIterator[dict[str, Any]]: ...


class InMemoryEventBus:
    def __init__(self, queue_size: int = 256) -> None:
        self._queues: dict[str, set[asyncio.Queue[dict[str, Any]]]] = {}
        self._queue_size = queue_size

    async def publish(self, topic: str, payload: dict[str, Any]) -> None:
        for queue in list(self._queues.get(topic, ())):
            # A slow subscriber loses events rather than blocking publishers.
            with contextlib.suppress(asyncio.QueueFull):
                queue.put_nowait(payload)

    async def subscribe(self, topic: str) -> AsyncIterator[dict[str, Any]]:
        queue: asyncio.Queue[dict[str, Any]] = asyncio.Queue(self._queue_size)
        self._queues.setdefault(topic, set()).add(queue)
        try:
            while True:
                yield await queue.get()
        finally:
            self._queues[topic].discard(queue)
