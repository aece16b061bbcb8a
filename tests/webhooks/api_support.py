"""What the webhook API tests (tests/webhooks/test_api_*.py) share: a registry on both stacks
whose outbound requests may reach loopback only (deliveries are sent at once, to a loopback
port that refuses them, so no test request leaves the machine), a publisher with an owner, a
plain member and an owner of another publisher, and deliveries made and failed by the domain's
own outbox functions."""

from __future__ import annotations

import asyncio
import socket
import time
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from ipaddress import ip_network

import pytest

from domain.changes import write_transaction
from domain.enums import WebhookEvent
from domain.models import Webhook, WebhookAttempt
from domain.services import webhook_outbox
from domain.services.webhook_outbox import AttemptOutcome, Claimed, WebhookConfig
from tests.fixtures.stack import STACKS, Stack, bearer, start_stack, stop_stack
from tests.helpers import make_publisher
from tests.publishers.support import join_publisher

OWNER, MEMBER, STRANGER = "hook-owner", "hook-member", "hook-stranger"
# How long a delivery's first attempt may take to be logged (a refused connection: at once).
FIRST_ATTEMPT_SECONDS = 20
# One attempt is the last: a failed one finishes the delivery (it may then be redelivered).
ONE_ATTEMPT = WebhookConfig(
    timeout_seconds=1.0,
    response_limit_bytes=1024,
    max_attempts=1,
    retry_base_seconds=60.0,
    retry_max_seconds=60.0,
    disable_after=1000,
    log_retention_days=30,
)


# Bound for the whole run and never listening: a connection to it is refused at once.
_REFUSING = socket.socket()
_REFUSING.bind(("127.0.0.1", 0))
HOOK_URL = f"http://127.0.0.1:{_REFUSING.getsockname()[1]}/hook"


@pytest.fixture(scope="module", params=STACKS)
async def module_stack(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> AsyncIterator[Stack]:
    """tests.fixtures.stack's registry, with loopback allowed for outbound requests."""
    s3 = request.getfixturevalue("seaweed_s3") if request.param == "production" else None
    tmp = tmp_path_factory.mktemp(f"hooks-{request.param}")
    stack, pg_url = await start_stack(
        request.param, tmp, s3, outbound_allow_networks=(ip_network("127.0.0.0/8"),)
    )
    try:
        yield stack
    finally:
        await stop_stack(stack, pg_url)


async def team(stack: Stack) -> None:
    """alpha: owned by OWNER, with MEMBER as a plain member; beta: owned by STRANGER."""
    await make_publisher(OWNER, "alpha")
    await make_publisher(STRANGER, "beta")
    await join_publisher(stack.client, OWNER, "alpha", MEMBER)


async def owner_token(stack: Stack) -> dict[str, str]:
    """An API token of OWNER (every scope a publisher's CI would have)."""
    created = await stack.client.post(
        "/api/v1/tokens",
        headers=bearer(OWNER),
        json={"name": "ci", "scopes": ["publish-new", "publish-update", "yank"]},
    )
    assert created.status_code == 201, created.text
    return {"Authorization": f"Bearer {created.json()['token']}"}


async def emit(publisher_slug: str) -> list[int]:
    """A version.published event for the publisher's hooks, written as the domain writes it.
    The registry sends each delivery once the event commits; this returns their ids once each
    first attempt is in the log (to the refusing port: no answer, retried later; to a name
    the outbound rules refuse: failed)."""
    hook = await Webhook.filter(publisher__name=publisher_slug).first()
    assert hook is not None
    async with write_transaction() as conn:
        ids = await webhook_outbox.emit(
            WebhookEvent.VERSION_PUBLISHED, hook.publisher_id, using_db=conn
        )
    deadline = time.monotonic() + FIRST_ATTEMPT_SECONDS
    while await WebhookAttempt.filter(delivery_id__in=ids).count() < len(ids):
        assert time.monotonic() < deadline, "the deliveries were not attempted"
        await asyncio.sleep(0.02)
    return ids


async def fail_delivery(delivery_id: int) -> None:
    """A failed attempt (HTTP 503 in 12 ms), its delivery's last: it is then `failed`. Claimed
    as if the retry after the registry's own first attempt were due."""
    due = datetime.now(UTC) + timedelta(days=1)
    claimed = await webhook_outbox.claim(delivery_id, ONE_ATTEMPT, now=due)
    assert isinstance(claimed, Claimed), claimed
    outcome = AttemptOutcome(status_code=503, duration_ms=12, error="HTTP 503")
    assert await webhook_outbox.record_attempt(claimed, outcome, ONE_ATTEMPT, now=due) is None
