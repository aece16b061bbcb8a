"""What a one-off command (`migrate`, `admin`, `reconcile`, `rescan`, `serve --dev`'s set-up)
runs inside: the database opened for the command, and the registry's storage and policy with
an in-process job queue."""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any

from domain.context import RegistryContext
from domain.database import close_database, init_database
from registry.config import Settings
from registry.runtime import in_process_queue, open_storage, policy_from


async def with_database(settings: Settings, action: Callable[[], Awaitable[None]]) -> None:
    """Run `action` with the database open (the embedded SQLite default migrated first)."""
    await init_database(settings.database_url, migrate=settings.is_sqlite)
    try:
        await action()
    finally:
        await close_database()


@contextlib.asynccontextmanager
async def offline_context(settings: Settings) -> AsyncIterator[RegistryContext]:
    """The registry's storage and policy with an in-process job queue, for a one-off command
    (inside `with_database`); the jobs it queued have run when the block ends normally."""
    storage = await open_storage(settings)
    job_ctx: dict[str, Any] = {}
    queue = in_process_queue(job_ctx)
    ctx = RegistryContext(storage=storage, jobs=queue, policy=policy_from(settings))
    job_ctx["registry"] = ctx
    try:
        yield ctx
        await queue.aclose()
    finally:
        for store in storage.all:
            await store.aclose()
