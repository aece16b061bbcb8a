"""With REDIS_URL: the arq queue's depth is read from Redis at scrape time, and jobs run by an
arq worker (`registry/worker.py`'s `for_arq`) are counted like the in-process runner's."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from registry.queues.arq_queue import ArqQueue
from tests.fixtures.stack import STACKS, Stack, start_stack, stop_stack
from tests.helpers import upload_version
from tests.metrics.test_metrics import scrape, value
from tests.pipeline.support import OWNER, benign_mod, make_owner_package
from tests.pipeline.test_arq import run_worker
from tests.scanning.helpers import MOD


@pytest.fixture(params=STACKS)
async def arq_stack(
    request: pytest.FixtureRequest, tmp_path: Path, redis_url: str
) -> AsyncIterator[Stack]:
    s3 = request.getfixturevalue("seaweed_s3") if request.param == "production" else None
    queue_name = f"tbr-test-{uuid.uuid4().hex[:12]}"
    stack, pg_url = await start_stack(
        request.param, tmp_path, s3, redis_url=redis_url, queue_name=queue_name
    )
    try:
        yield stack
    finally:
        queue = stack.runtime.queue
        assert isinstance(queue, ArqQueue)
        await queue.pool.delete(queue.queue_name)
        await stop_stack(stack, pg_url)


async def test_arq_queue_depth_and_worker_jobs(arq_stack: Stack) -> None:
    stack = arq_stack
    queue = stack.runtime.queue
    assert isinstance(queue, ArqQueue)
    await make_owner_package(stack.client)
    uploaded = await upload_version(stack.client, OWNER, MOD, "1.0.0", benign_mod())
    assert uploaded.status_code == 201, uploaded.text

    queued = await scrape(stack.client)
    assert value(queued, "registry_metrics_source_up", source="redis") == 1
    assert value(queued, "registry_arq_queue_depth", queue=queue.queue_name) >= 1

    await run_worker(stack)
    done = await scrape(stack.client)
    assert value(done, "registry_arq_queue_depth", queue=queue.queue_name) == 0
    ran = ("registry_jobs_total", {"job": "scan_version", "outcome": "ok"})
    assert value(done, ran[0], **ran[1]) - value(queued, ran[0], **ran[1]) == 1
    verdict = {"verdict": "published"}
    assert (
        value(done, "registry_scan_verdicts_total", **verdict)
        - value(queued, "registry_scan_verdicts_total", **verdict)
        == 1
    )
