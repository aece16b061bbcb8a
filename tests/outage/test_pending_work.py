"""The sweep of pending work (domain/services/pending_work.py): after a queue lost every job,
the rows that say work is still to do bring each job back once, and only those."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from tortoise import timezone

from domain.enums import CopyState, VersionStatus
from domain.jobs import DELETE_OBJECT, SCAN_VERSION, VERIFY_PUBLISHER, Job
from domain.models import ObjectClaim, PackageVersion, Publisher, StoredCopy, VerificationRequest
from domain.services import pending_work
from tests.fixtures.stack import Stack
from tests.helpers import create_package, make_publisher, mod_zip, upload_version

OWNER = "owner-1"


def _lose_jobs(stack: Stack, monkeypatch: pytest.MonkeyPatch) -> list[tuple[Job[Any], tuple]]:
    """Every job enqueued from now on is recorded and dropped (Redis restarted empty)."""
    lost: list[tuple[Job[Any], tuple]] = []

    async def enqueue(job: Job[Any], *args: object, **kwargs: Any) -> None:
        lost.append((job, args))

    monkeypatch.setattr(stack.ctx.jobs, "enqueue", enqueue)
    return lost


async def _unused_copy(key: str, *, idle: timedelta) -> None:
    await StoredCopy.create(
        blob_key=key, backend="primary", sha256="0" * 64, size_bytes=1, state=CopyState.PRESENT
    )
    await StoredCopy.filter(blob_key=key).update(updated_at=timezone.now() - idle)


async def _request(publisher: Publisher, method: str) -> int:
    request = await VerificationRequest.create(publisher_id=publisher.id, method=method)
    return int(request.id)


async def test_the_sweep_queues_every_kind_of_pending_work_once(
    stack: Stack, monkeypatch: pytest.MonkeyPatch
) -> None:
    publisher = await make_publisher(OWNER)
    assert (await create_package(stack.client, OWNER, "Swept")).status_code == 201
    lost = _lose_jobs(stack, monkeypatch)
    upload = await upload_version(stack.client, OWNER, "Swept", "1.0.0", mod_zip("Swept", "1.0.0"))
    assert upload.status_code == 201
    version = await PackageVersion.get(version="1.0.0")
    assert version.status == VersionStatus.PENDING
    assert [job for job, _ in lost] == [SCAN_VERSION]  # queued, and lost
    lost.clear()

    await _unused_copy("orphan-old", idle=timedelta(minutes=5))
    await _unused_copy("orphan-fresh", idle=timedelta(0))  # may be claimed again in a moment
    await _unused_copy("claimed", idle=timedelta(minutes=5))
    await ObjectClaim.create(blob_key="claimed")
    github = await _request(publisher, "github")
    await _request(publisher, "manual")  # an admin decides these: no job

    counts = await pending_work.requeue_pending(stack.ctx)

    assert sorted(lost, key=repr) == sorted(
        [
            (SCAN_VERSION, (version.id,)),
            (DELETE_OBJECT, ("orphan-old",)),
            (VERIFY_PUBLISHER, (github,)),
        ],
        key=repr,
    )
    assert counts.as_dict() == {
        "scans": 1,
        "replications": 0,
        "deletes": 1,
        "verifications": 1,
        "webhook_deliveries": 0,
    }


async def test_running_the_swept_jobs_twice_changes_nothing_the_second_time(
    stack: Stack, monkeypatch: pytest.MonkeyPatch
) -> None:
    await make_publisher(OWNER)
    assert (await create_package(stack.client, OWNER, "Twice")).status_code == 201
    with monkeypatch.context() as patch:
        _lose_jobs(stack, patch)
        upload = await upload_version(
            stack.client, OWNER, "Twice", "1.0.0", mod_zip("Twice", "1.0.0")
        )
        assert upload.status_code == 201
    # The queue works again: the sweep brings the scan back, and it runs.
    assert (await pending_work.requeue_pending(stack.ctx)).scans == 1
    await stack.drain_jobs()
    version = await PackageVersion.get(version="1.0.0")
    assert version.status == VersionStatus.PUBLISHED
    verdict = (version.status, version.published_at, version.scan_report)
    # Nothing pending any more: a second sweep queues no scan, and a stray duplicate of the
    # job (a second worker, an arq retry) leaves the verdict as it was.
    assert (await pending_work.requeue_pending(stack.ctx)).scans == 0
    await stack.ctx.jobs.enqueue(SCAN_VERSION, version.id)
    await stack.drain_jobs()
    again = await PackageVersion.get(version="1.0.0")
    # (the report holds the scan's duration: a second scan would have written another)
    assert (again.status, again.published_at, again.scan_report) == verdict
