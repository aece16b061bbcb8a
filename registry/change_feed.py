"""Committed writes across processes: each one is published on the event bus, and every
process's cache is invalidated when one arrives (its own included).

Without Redis there is one process and the local announcement is enough. With Redis a
web process also hears about writes committed by other web processes and by workers (a scan
verdict, a verification re-check). Pub/sub is fire-and-forget: while the subscription is down
nothing arrives, so the cache is invalidated whenever the subscription (re)starts, and its
TTL bounds the rest.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Callable

from domain import changes
from domain.events import EventBus

log = logging.getLogger("registry.changes")

TOPIC = "registry_changed"
RETRY_SECONDS = 1.0


class ChangeFeed:
    def __init__(self, bus: EventBus | None, on_change: Callable[[], None]) -> None:
        """`bus` None: this process is alone; only its own writes count."""
        self._bus = bus
        self._on_change = on_change
        self._unsubscribe: Callable[[], None] | None = None
        self._forget_reconnect: Callable[[], None] | None = None
        self._listener: asyncio.Task[None] | None = None
        self._pending: set[asyncio.Task[None]] = set()

    def start(self) -> None:
        self._unsubscribe = changes.subscribe(self._committed_here)
        if self._bus is not None:
            # The bus shares one Redis connection and reconnects by itself, so the
            # subscription below never sees an outage: the bus says when events were lost.
            self._forget_reconnect = self._bus.on_reconnect(self._on_change)
            self._listener = asyncio.create_task(self._listen(), name="change-feed")

    async def stop(self) -> None:
        if self._unsubscribe is not None:
            self._unsubscribe()
        if self._forget_reconnect is not None:
            self._forget_reconnect()
            self._forget_reconnect = None
        tasks = [*self._pending, *([self._listener] if self._listener else [])]
        for task in tasks:
            task.cancel()
        for task in tasks:
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await task

    def _committed_here(self) -> None:
        self._on_change()
        if self._bus is not None:
            task = asyncio.get_running_loop().create_task(self._publish())
            self._pending.add(task)
            task.add_done_callback(self._pending.discard)

    async def _publish(self) -> None:
        assert self._bus is not None
        try:
            await self._bus.publish(TOPIC, {})
        except Exception as exc:  # other processes fall back on their TTL
            log.warning("could not announce a change to other processes: %s", exc)

    async def _listen(self) -> None:
        assert self._bus is not None
        while True:
            # Whatever was announced while we were not listening is unknown: start afresh
            # (a write committed while the subscription is being set up is left to the TTL).
            self._on_change()
            try:
                async for _ in self._bus.subscribe(TOPIC):
                    self._on_change()
            except asyncio.CancelledError:
                raise
            except Exception as exc:
                log.warning("change feed interrupted (%s); retrying in %.0f s", exc, RETRY_SECONDS)
            await asyncio.sleep(RETRY_SECONDS)
