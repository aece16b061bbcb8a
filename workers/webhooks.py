"""Webhook jobs: send one delivery (each attempt a try of the job), and prune the log.

The delivery's row decides everything (domain/services/webhook_outbox.py): this module only
makes the HTTP call, outside any transaction, through the outbound guard (a URL whose host
resolves to an address the registry may not reach is refused before any connection, and that
refusal is final). The POST carries the stored body byte for byte, signed now
(domain/webhook_signing.py); at most WEBHOOK_RESPONSE_LIMIT bytes of the answer are read, the
whole attempt gets WEBHOOK_TIMEOUT, and redirects are not followed (a 3xx is a failure: the
receiver should give its final URL).
"""

from __future__ import annotations

import logging
import time
from typing import Any

import anyio
import httpx

from domain.jobs import DELIVER_WEBHOOK, PRUNE_WEBHOOK_LOG, Retry
from domain.outbound import OutboundRules
from domain.services import webhook_outbox
from domain.services.webhook_outbox import AttemptOutcome, Claimed, NotDue, WebhookConfig
from domain.webhook_signing import SIGNATURE_HEADER, sign
from workers.functions import runs
from workers.outbound import GuardedTransport, OutboundRefused, outbound_client

log = logging.getLogger("registry.webhooks")

USER_AGENT = "TB-Registry-Webhooks/1"
EVENT_HEADER = "X-TB-Event"
DELIVERY_HEADER = "X-TB-Delivery"
# A not-yet-due delivery's job waits at least this long before looking again.
MIN_DEFER_SECONDS = 0.05
# The longest wait a job takes on itself (a Retry). A longer one is left to the pending-work
# sweep, which runs every minute and queues each delivery once it is due: no runner holds a
# job (and the in-process runner an asyncio task) for the hours a backoff can reach.
HELD_WAIT_MAX_SECONDS = 30.0


def _wait(seconds: float) -> None:
    """Try again in `seconds`: as a retry of this job if the wait is short, else by the sweep."""
    if seconds <= HELD_WAIT_MAX_SECONDS:
        raise Retry(max(seconds, MIN_DEFER_SECONDS))


def transport_for(rules: OutboundRules) -> GuardedTransport:
    """The guarded transport deliveries connect through (tests inject a resolver here)."""
    return GuardedTransport(rules)


def request_headers(claimed: Claimed, timestamp: int) -> dict[str, str]:
    return {
        "Content-Type": "application/json",
        "User-Agent": USER_AGENT,
        EVENT_HEADER: claimed.event,
        DELIVERY_HEADER: str(claimed.delivery_id),
        SIGNATURE_HEADER: sign(claimed.secret, timestamp, claimed.body),
    }


async def send(
    claimed: Claimed, config: WebhookConfig, transport: GuardedTransport
) -> AttemptOutcome:
    """One POST of the delivery; what came of it (never raises for a network failure)."""
    headers = request_headers(claimed, int(time.time()))
    started = time.monotonic()

    def elapsed_ms() -> int:
        return round((time.monotonic() - started) * 1000)

    try:
        async with outbound_client(transport, timeout=config.timeout_seconds) as client:
            # httpx's timeout bounds each read; this bounds the whole attempt (a receiver
            # dripping its answer a byte at a time cannot hold the worker).
            with anyio.fail_after(config.timeout_seconds):
                async with client.stream(
                    "POST", claimed.url, content=claimed.body, headers=headers
                ) as response:
                    read = 0
                    async for chunk in response.aiter_raw():
                        read += len(chunk)
                        if read >= config.response_limit_bytes:
                            break  # the status is all that counts; the rest is dropped
                    status = response.status_code
    except OutboundRefused as exc:
        return AttemptOutcome(None, elapsed_ms(), f"Refused: {exc}", final=True)
    except (TimeoutError, httpx.TimeoutException):
        return AttemptOutcome(
            None, elapsed_ms(), f"Timed out after {config.timeout_seconds:g} seconds"
        )
    except httpx.HTTPError as exc:
        return AttemptOutcome(None, elapsed_ms(), f"{type(exc).__name__}: {exc}")
    outcome = AttemptOutcome(status, elapsed_ms())
    if not outcome.succeeded:
        return AttemptOutcome(status, outcome.duration_ms, f"HTTP {status}")
    return outcome


@runs(DELIVER_WEBHOOK)
async def deliver_webhook(ctx: dict[str, Any], delivery_id: int) -> str | None:
    """Attempt one delivery if it is due; a failed attempt with attempts left waits for the
    next (a Retry of this job when it is soon, else the sweep)."""
    policy = ctx["registry"].policy
    config: WebhookConfig = policy.webhooks
    claimed = await webhook_outbox.claim(delivery_id, config)
    if claimed is None:
        return None
    if isinstance(claimed, NotDue):
        _wait(claimed.seconds)
        return None
    outcome = await send(claimed, config, transport_for(policy.outbound))
    delay = await webhook_outbox.record_attempt(claimed, outcome, config)
    log.info(
        "webhook delivery %s attempt %d: %s",
        delivery_id,
        claimed.attempt,
        "ok" if outcome.succeeded else outcome.error,
    )
    if delay is not None:
        _wait(delay)
        return "retry due later"
    return "succeeded" if outcome.succeeded else "finished"


@runs(PRUNE_WEBHOOK_LOG)
async def prune_webhook_log(ctx: dict[str, Any]) -> int:
    retention = ctx["registry"].policy.webhooks.log_retention_days
    deleted = await webhook_outbox.prune_log(retention)
    if deleted:
        log.info("webhook log: %d deliveries older than %d days deleted", deleted, retention)
    return deleted
