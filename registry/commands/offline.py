"""What a one-off command (`migrate`, `admin`, `reconcile`, `rescan`, `export`, `import`,
`serve --dev`'s set-up) runs inside: the database opened for the command, the registry's
storage, and both with its policy, an in-process job queue and its event bus."""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any

from domain.context import RegistryContext, StorageSet
from domain.database import close_database, init_database
from registry.config import Settings
from registry.redis_event_bus import RedisEventBus
from registry.runtime import event_bus_for, in_process_queue, open_storage, policy_from


@contextlib.asynccontextmanager
async def open_database(settings: Settings, *, migrate: bool = False) -> AsyncIterator[None]:
    """The database open for the block, migrated first when `migrate` (the embedded SQLite
    default always is: it migrates itself wherever it is opened)."""
    await init_database(settings.database_url, migrate=migrate or settings.is_sqlite)
    try:
        yield
    finally:
        await close_database()


async def with_database(settings: Settings, action: Callable[[], Awaitable[None]]) -> None:
    """Run `action` with the database open (the embedded SQLite default migrated first)."""
    async with open_database(settings):
        await action()


@contextlib.asynccontextmanager
async def opened_storage(settings: Settings) -> AsyncIterator[StorageSet]:
    """The registry's storage backends, closed when the block ends."""
    storage = await open_storage(settings)
    try:
        yield storage
    finally:
        for store in storage.all:
            await store.aclose()


@contextlib.asynccontextmanager
async def offline_context(settings: Settings) -> AsyncIterator[RegistryContext]:
    """The registry's storage and policy with an in-process job queue and the registry's event
    bus (through Redis when it is configured, so that what the command changes reaches the
    servers' subscribers), for a one-off command inside `with_database`; the jobs it queued
    have run when the block ends normally."""
    async with opened_storage(settings) as storage:
        job_ctx: dict[str, Any] = {}
        queue = in_process_queue(job_ctx)
        events = event_bus_for(settings)
        ctx = RegistryContext(
            storage=storage, jobs=queue, policy=policy_from(settings), events=events
        )
        job_ctx["registry"] = ctx
        try:
            yield ctx
            await queue.aclose()
        finally:
            if isinstance(events, RedisEventBus):
                await events.aclose()
