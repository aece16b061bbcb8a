"""The pipeline on real arq + Redis: uploads queue scan jobs in Redis, an arq worker built from
`worker_options` runs them; a retried or killed job reaches the same verdict.

Each test gets its own registry and its own arq queue name. Periodic (cron) jobs are left out
of these workers: they are tested where they live, and one of them would reach for GitHub.
"""

from __future__ import annotations

import asyncio
import os
import signal
import sys
import time
import uuid
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
from arq.worker import Worker

from domain.jobs import REQUEUE_PENDING_WORK, SCAN_VERSION
from domain.models import PackageVersion
from domain.scanning import scan_archive
from registry.queues.arq_queue import ArqQueue
from registry.worker import worker_options
from storage.readers import BytesReader
from tests.fixtures.stack import JWT_SECRET, STACKS, Stack, start_stack, stop_stack
from tests.helpers import upload_version
from tests.pipeline.support import OWNER, attacks, benign_mod, make_owner_package
from tests.pipeline.test_jobs import FlakyReader
from tests.scanning.helpers import MOD
from workers import scan as scan_jobs

REPO = Path(__file__).resolve().parents[2]
WORKER_DEADLINE = 90.0


async def _start(
    kind: str, tmp: Path, request: pytest.FixtureRequest, redis_url: str
) -> tuple[Stack, str | None]:
    s3 = request.getfixturevalue("seaweed_s3") if kind == "production" else None
    queue_name = f"tbr-test-{uuid.uuid4().hex[:12]}"
    stack, pg_url = await start_stack(kind, tmp, s3, redis_url=redis_url, queue_name=queue_name)
    assert isinstance(stack.runtime.queue, ArqQueue)
    return stack, pg_url


@pytest.fixture(params=STACKS)
async def arq_stack(
    request: pytest.FixtureRequest, tmp_path: Path, redis_url: str
) -> AsyncIterator[Stack]:
    stack, pg_url = await _start(request.param, tmp_path, request, redis_url)
    try:
        yield stack
    finally:
        await _forget_queue(stack)
        await stop_stack(stack, pg_url)


@pytest.fixture
async def embedded_arq_stack(
    request: pytest.FixtureRequest, tmp_path: Path, redis_url: str
) -> AsyncIterator[Stack]:
    stack, pg_url = await _start("embedded", tmp_path, request, redis_url)
    try:
        yield stack
    finally:
        await _forget_queue(stack)
        await stop_stack(stack, pg_url)


async def _forget_queue(stack: Stack) -> None:
    queue = stack.runtime.queue
    assert isinstance(queue, ArqQueue)
    await queue.pool.delete(queue.queue_name, f"{queue.queue_name}:health-check")


async def run_worker(stack: Stack, **overrides: Any) -> Worker:
    """An arq worker in this process, on the stack's runtime, until its queue is empty."""
    options = {
        **worker_options(stack.settings, runtime=stack.runtime),
        "burst": True,
        "handle_signals": False,
        "cron_jobs": [],
        "poll_delay": 0.05,
        **overrides,
    }
    worker = Worker(**options)
    try:
        await asyncio.wait_for(worker.async_run(), WORKER_DEADLINE)
    finally:
        await worker.close()
    return worker


async def _queued(stack: Stack) -> int:
    queue = stack.runtime.queue
    assert isinstance(queue, ArqQueue)
    return await queue.pool.zcard(queue.queue_name)


async def _upload(stack: Stack, data: bytes, version: str) -> int:
    response = await upload_version(stack.client, OWNER, MOD, version, data)
    assert response.status_code == 201, response.text
    assert response.json()["status"] == "pending"
    return (await PackageVersion.get(version=version)).id


async def test_worker_publishes_and_quarantines(arq_stack: Stack) -> None:
    stack = arq_stack
    await make_owner_package(stack.client)
    attack = attacks()[0]
    good = await _upload(stack, benign_mod(), "1.2.3")
    bad = await _upload(stack, attack.data, "1.2.4")
    await asyncio.sleep(0.3)
    # Nothing runs in the web process: the jobs wait in Redis for a worker.
    assert await _queued(stack) == 2
    assert {r.status for r in await PackageVersion.all()} == {"pending"}
    assert (await stack.client.get(f"/api/v1/packages/{MOD}/versions/1.2.3")).status_code == 404

    worker = await run_worker(stack)
    assert (worker.jobs_complete, worker.jobs_failed, worker.jobs_retried) == (2, 0, 0)
    assert await _queued(stack) == 0
    published = await PackageVersion.get(id=good)
    quarantined = await PackageVersion.get(id=bad)
    assert published.status == "published" and published.scan_report["verdict"] == "pass"
    assert quarantined.status == "quarantined"
    assert quarantined.scan_report["rule"] == attack.rule
    download = await stack.client.get(f"/api/v1/packages/{MOD}/versions/1.2.3/file")
    assert download.status_code == 200 and download.content == benign_mod()


async def test_storage_error_is_retried_by_arq_to_the_same_verdict(
    arq_stack: Stack, monkeypatch: pytest.MonkeyPatch
) -> None:
    stack = arq_stack
    await make_owner_package(stack.client)
    store = stack.ctx.storage.primary
    original = store.reader
    opened: list[str] = []
    reads = {"count": 0}

    def fail_second_read() -> bool:
        reads["count"] += 1
        return reads["count"] == 2

    def reader(key: str) -> FlakyReader:
        opened.append(key)
        return FlakyReader(original(key), fail_second_read)

    monkeypatch.setattr(store, "reader", reader)
    monkeypatch.setattr(scan_jobs, "retry_delay", lambda job_try: 0.2)
    attack = attacks()[0]
    version_id = await _upload(stack, attack.data, "1.2.3")
    tries: list[int] = []

    async def on_job_start(ctx: dict[str, Any]) -> None:
        tries.append(ctx["job_try"])

    worker = await run_worker(stack, on_job_start=on_job_start)
    assert tries == [1, 2] and len(opened) == 2
    assert (worker.jobs_complete, worker.jobs_failed, worker.jobs_retried) == (1, 0, 1)
    row = await PackageVersion.get(id=version_id)
    assert row.status == "quarantined" and row.scan_report["rule"] == attack.rule


def _expected_report(data: bytes) -> dict[str, Any]:
    report = scan_archive(
        BytesReader(data), package_type="mod", package_name=MOD, package_version="1.2.3"
    ).to_dict()
    report.pop("duration_ms")
    return report


async def test_worker_killed_mid_scan_is_retried_to_the_same_verdict(
    embedded_arq_stack: Stack, tmp_path: Path
) -> None:
    stack = embedded_arq_stack
    await make_owner_package(stack.client)
    attack = attacks()[0]
    version_id = await _upload(stack, attack.data, "1.2.3")
    marker = tmp_path / "scan-started"
    env = {
        "PATH": os.environ.get("PATH", ""),
        "HOME": os.environ.get("HOME", str(tmp_path)),
        "PYTHONPATH": str(REPO),
        "DATA_DIR": str(stack.settings.data_dir),
        "CLOUDM_JWT_SECRET": JWT_SECRET,
        "REDIS_URL": str(stack.settings.redis_url),
        "ARQ_QUEUE_NAME": stack.settings.queue_name,
        "SLOW_SCAN_MARKER": str(marker),
    }
    log = tmp_path / "slow-worker.log"
    with log.open("wb") as output:
        process = await asyncio.create_subprocess_exec(
            sys.executable,
            "-m",
            "tests.pipeline.slow_worker",
            cwd=REPO,
            env=env,
            stdout=output,
            stderr=output,
        )
    try:
        deadline = time.monotonic() + 60
        while not marker.exists():
            assert process.returncode is None, log.read_text()[-2000:]
            assert time.monotonic() < deadline, "the worker never started the scan"
            await asyncio.sleep(0.05)
        process.kill()  # SIGKILL: no shutdown handler, no chance to finish or release
        await asyncio.wait_for(process.wait(), 10)
    finally:
        if process.returncode is None:
            process.kill()
            await asyncio.wait_for(process.wait(), 10)
    assert process.returncode == -signal.SIGKILL

    # Killed inside the scan: no verdict, the job still queued under arq's in-progress lock.
    row = await PackageVersion.get(id=version_id)
    assert row.status == "pending" and row.scan_report is None
    assert await _queued(stack) == 1
    queue = stack.runtime.queue
    assert isinstance(queue, ArqQueue)
    assert await queue.pool.exists(
        f"arq:in-progress:{queue.scoped_job_id(SCAN_VERSION.job_id(version_id))}"
    )

    tries: list[int] = []

    async def on_job_start(ctx: dict[str, Any]) -> None:
        tries.append(ctx["job_try"])

    started = time.monotonic()
    worker = await run_worker(stack, on_job_start=on_job_start)
    waited = time.monotonic() - started
    # The second worker waits for the dead one's lock to expire, then runs the same job again.
    assert tries == [2], tries
    assert (worker.jobs_complete, worker.jobs_failed) == (1, 0)
    row = await PackageVersion.get(id=version_id)
    assert row.status == "quarantined" and row.scan_report["rule"] == attack.rule
    report = dict(row.scan_report)
    report.pop("duration_ms")
    assert report == _expected_report(attack.data)
    assert waited < WORKER_DEADLINE


async def test_requeue_recovers_a_job_lost_from_redis(embedded_arq_stack: Stack) -> None:
    stack = embedded_arq_stack
    await make_owner_package(stack.client)
    version_id = await _upload(stack, benign_mod(), "1.2.3")
    queue = stack.runtime.queue
    assert isinstance(queue, ArqQueue)
    # Redis lost the job (a flush, a failover without persistence).
    await queue.pool.delete(
        queue.queue_name, f"arq:job:{queue.scoped_job_id(SCAN_VERSION.job_id(version_id))}"
    )
    await queue.enqueue(REQUEUE_PENDING_WORK)
    worker = await run_worker(stack)
    assert (worker.jobs_complete, worker.jobs_failed) == (2, 0)  # the requeue, then the scan
    assert (await PackageVersion.get(id=version_id)).status == "published"
