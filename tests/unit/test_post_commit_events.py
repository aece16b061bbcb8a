"""Events published after a write committed are best effort (issue #17): a bus that cannot
publish (Redis down or silent) must neither fail the request or job whose write stands nor
skip its follow-up. The rule lives in `domain.events.publish_committed`."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator
from dataclasses import replace
from pathlib import Path
from typing import Any, ParamSpec

import pytest

from domain.context import RegistryContext, StorageSet
from domain.enums import VersionStatus
from domain.events import (
    PACKAGE_PUBLISHED,
    VERSION_STATUS_CHANGED,
    InMemoryEventBus,
    publish_committed,
)
from domain.jobs import REPLICATE_OBJECT, Job
from domain.models import AuditEvent, PackageVersion
from domain.services import quarantine
from storage.local import LocalBlobStore
from tests.fixtures.stack import Stack, start_stack, stop_stack
from tests.graphql.support import actor, add_package, add_version
from tests.helpers import make_publisher

P = ParamSpec("P")


class UnreachableBus(InMemoryEventBus):
    """A bus whose Redis is gone: every publish raises, as redis-py does."""

    def __init__(self) -> None:
        super().__init__()
        self.attempted: list[str] = []

    async def publish(self, topic: str, payload: dict[str, Any]) -> None:
        self.attempted.append(topic)
        raise ConnectionError("Error 111 connecting to 127.0.0.1:6379. Connection refused.")


class RecordingQueue:
    """A job queue that keeps what it was given."""

    def __init__(self) -> None:
        self.queued: list[tuple[Job[Any], tuple[Any, ...]]] = []

    async def enqueue(self, job: Job[P], *args: P.args, **kwargs: P.kwargs) -> None:
        self.queued.append((job, args))


@pytest.fixture
async def stack(tmp_path: Path) -> AsyncIterator[Stack]:
    started, _ = await start_stack("embedded", tmp_path, None)
    try:
        yield started
    finally:
        await stop_stack(started, None)


async def test_release_stands_and_replicates_when_events_cannot_be_published(
    stack: Stack, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    package = await add_package(await make_publisher("owner", "team"), "Risky")
    row = await add_version(package, "1.0.0", status="quarantined")
    mirror = LocalBlobStore(tmp_path / "mirror", "mirror")
    bus, queue = UnreachableBus(), RecordingQueue()
    ctx: RegistryContext = replace(
        stack.ctx,
        events=bus,
        jobs=queue,
        storage=StorageSet(primary=stack.ctx.storage.primary, mirrors=[mirror]),
    )
    admin = await actor("root", admin=True)
    try:
        with caplog.at_level(logging.WARNING, logger="domain.events"):
            released = await quarantine.release_version(
                admin, ctx, "Risky", "1.0.0", "reviewed: false positive"
            )
    finally:
        await mirror.aclose()

    assert released.status == VersionStatus.PUBLISHED
    assert (await PackageVersion.get(id=row.id)).status == VersionStatus.PUBLISHED
    assert await AuditEvent.filter(action="version.release").count() == 1
    # Both events were tried, and the follow-up between them still ran: the copy to the mirror.
    assert bus.attempted == [VERSION_STATUS_CHANGED, PACKAGE_PUBLISHED]
    assert queue.queued == [(REPLICATE_OBJECT, (row.blob_key, "mirror"))]
    warnings = [r.getMessage() for r in caplog.records if r.name == "domain.events"]
    assert len(warnings) == 2
    assert all("ConnectionError" in message for message in warnings)


async def test_a_cancelled_publish_is_not_swallowed() -> None:
    """Only failures are best effort: a request or job being cancelled stays cancelled."""

    class StuckBus(InMemoryEventBus):
        async def publish(self, topic: str, payload: dict[str, Any]) -> None:
            await asyncio.Event().wait()

    task = asyncio.create_task(publish_committed(StuckBus(), PACKAGE_PUBLISHED, {}))
    await asyncio.sleep(0)
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
