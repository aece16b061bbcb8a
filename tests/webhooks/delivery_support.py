"""What the delivery tests (tests/webhooks/test_delivery*.py) share: a registry on both stacks
whose outbound requests may reach loopback (the tests' receivers) and whose retries wait
milliseconds, and an owned publisher with a hook."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from ipaddress import ip_network
from typing import Any

import pytest

from domain.actor import Actor
from domain.enums import DeliveryState, WebhookEvent
from domain.models import PublisherMember, WebhookDelivery
from domain.services import webhooks
from tests.fixtures.stack import STACKS, Stack, start_stack, stop_stack
from tests.helpers import make_publisher

OWNER = "hook-owner"
OTHER = "other-owner"
ADMIN = Actor(user_id="site-admin", username="site-admin", is_admin=True)
PUBLIC_BASE_URL = "https://registry.example"
# Milliseconds between attempts, doubling up to RETRY_MAX; a hook disabled after 20 failures.
RETRY_BASE = 0.02
RETRY_MAX = 0.16
FAST_RETRIES: dict[str, Any] = {
    "outbound_allow_networks": (ip_network("127.0.0.0/8"),),
    "webhook_retry_base_seconds": RETRY_BASE,
    "webhook_retry_max_seconds": RETRY_MAX,
    "webhook_max_attempts": 25,
    "webhook_timeout_seconds": 5.0,
    "public_base_url": PUBLIC_BASE_URL,
}


@pytest.fixture(scope="module", params=STACKS)
async def module_stack(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> AsyncIterator[Stack]:
    s3 = request.getfixturevalue("seaweed_s3") if request.param == "production" else None
    tmp = tmp_path_factory.mktemp(f"delivery-{request.param}")
    stack, pg_url = await start_stack(request.param, tmp, s3, **FAST_RETRIES)
    try:
        yield stack
    finally:
        await stop_stack(stack, pg_url)


async def settled(stack: Stack, timeout: float = 15.0) -> None:
    """Until no delivery is pending (deliveries are queued just after their event commits,
    so draining the queue at once could miss them)."""
    async with asyncio.timeout(timeout):
        while True:
            await asyncio.sleep(0.02)
            await stack.drain_jobs()
            if not await WebhookDelivery.exists(state=DeliveryState.PENDING):
                return


def owner(user_id: str = OWNER) -> Actor:
    """The user's CloudM session (hook management looks its ownership up)."""
    return Actor(user_id=user_id, username=f"user-{user_id}")


async def member(user_id: str = OWNER) -> Actor:
    """The user's session with its publishers, as the HTTP layer builds it (package rights
    read them from the actor)."""
    ids = await PublisherMember.filter(user_id=user_id).values_list("publisher_id", flat=True)
    return Actor(
        user_id=user_id, username=f"user-{user_id}", publisher_ids=frozenset(map(str, ids))
    )


async def hooked_publisher(
    stack: Stack,
    url: str,
    events: list[WebhookEvent] | None = None,
    *,
    slug: str = "alpha",
    user_id: str = OWNER,
    format: str = "json",
) -> webhooks.CreatedWebhook:
    """A verified publisher owned by `user_id`, with one hook on `url`."""
    await make_publisher(user_id, slug)
    return await webhooks.create_webhook(
        stack.ctx, owner(user_id), slug, url, list(events or WebhookEvent), format=format
    )
