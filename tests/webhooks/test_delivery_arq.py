"""The delivery job under arq + Redis (production's runner; the in-process runner is what
tests/webhooks/test_delivery.py uses): an event's delivery waits in Redis until a worker runs
it, and a failed attempt's retry is an arq retry with the delivery's delay."""

from __future__ import annotations

import asyncio
import time
import uuid
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from domain.enums import DeliveryState, WebhookEvent
from domain.services import publishers, webhooks
from domain.webhook_signing import verify
from registry.queues.arq_queue import ArqQueue
from tests.fixtures.stack import STACKS, Stack, start_stack, stop_stack
from tests.pipeline.test_arq import run_worker
from tests.webhooks.delivery_support import ADMIN, FAST_RETRIES, hooked_publisher, owner
from tests.webhooks.receiver import receiver


@pytest.fixture(params=STACKS)
async def arq_stack(
    request: pytest.FixtureRequest, tmp_path: Path, redis_url: str
) -> AsyncIterator[Stack]:
    s3 = request.getfixturevalue("seaweed_s3") if request.param == "production" else None
    queue_name = f"tbr-test-{uuid.uuid4().hex[:12]}"
    stack, pg_url = await start_stack(
        request.param, tmp_path, s3, redis_url=redis_url, queue_name=queue_name, **FAST_RETRIES
    )
    queue = stack.runtime.queue
    assert isinstance(queue, ArqQueue)
    try:
        yield stack
    finally:
        await queue.pool.delete(queue.queue_name, f"{queue.queue_name}:health-check")
        await stop_stack(stack, pg_url)


async def test_an_arq_worker_delivers_and_retries(arq_stack: Stack) -> None:
    stack = arq_stack
    queue = stack.runtime.queue
    assert isinstance(queue, ArqQueue)
    async with receiver(status_for=lambda n: 502 if n == 0 else 204) as hook_receiver:
        created = await hooked_publisher(
            stack, hook_receiver.url, [WebhookEvent.PUBLISHER_VERIFIED]
        )
        await publishers.admin_verify(ADMIN, "alpha")
        deadline = time.monotonic() + 5
        while not await queue.pool.zcard(queue.queue_name):  # queued just after the commit
            assert time.monotonic() < deadline
            await asyncio.sleep(0.02)
        assert hook_receiver.requests == []  # nothing runs in the web process

        worker = await run_worker(stack)
        assert (worker.jobs_complete, worker.jobs_failed, worker.jobs_retried) == (1, 0, 1)
    first, second = hook_receiver.requests
    assert first.body == second.body
    assert verify(created.secret, second.headers["x-tb-signature"], second.body, time.time())
    (delivery,) = await webhooks.list_deliveries(owner(), created.webhook.id)
    assert delivery.state == DeliveryState.SUCCEEDED
    assert [a.status_code for a in delivery.attempt_log] == [502, 204]
