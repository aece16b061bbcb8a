"""Verification jobs: check a submitted proof, and periodically re-check verified ones.

Scheduling of the re-check: `recheck_verified` is listed in `workers.tasks.PERIODIC` (hourly),
so arq runs it as a cron job in `tb-registry worker` and the in-process runner on a timer in the
embedded default. It only re-checks publishers whose last check is older than
`VERIFY_RECHECK_INTERVAL`, so running it often is cheap.
"""

from __future__ import annotations

import logging
from typing import Any

from domain.jobs import RECHECK_PUBLISHER, RECHECK_VERIFIED, VERIFY_PUBLISHER, JobQueue, Retry
from domain.services import verification
from domain.services.verification import (
    CheckTarget,
    Match,
    ProbeOutcome,
    VerificationConfig,
    find_match,
)
from workers.functions import runs
from workers.outbound import GuardedTransport
from workers.proof_fetch import Prober

log = logging.getLogger("registry.verification")


def _config(ctx: dict[str, Any]) -> VerificationConfig:
    return ctx["registry"].policy.verification


async def _probe(target: CheckTarget, ctx: dict[str, Any]) -> tuple[ProbeOutcome, Match | None]:
    policy = ctx["registry"].policy
    prober = Prober(
        policy.verification,
        lambda text: verification.is_proof(target, text),
        GuardedTransport(policy.outbound),
    )
    outcome = await prober.run(target.method, target.subject)
    return outcome, find_match(target, outcome)


def _attempt(ctx: dict[str, Any]) -> int:
    return int(ctx.get("job_try") or 1)


@runs(VERIFY_PUBLISHER)
async def verify_publisher(ctx: dict[str, Any], request_id: int) -> str | None:
    """Check one submitted github/domain proof; transient failures are retried, and after the
    last attempt the request is rejected with the errors met."""
    target = await verification.load_check(request_id)
    if target is None:
        return None
    config = _config(ctx)
    outcome, match = await _probe(target, ctx)
    attempt = _attempt(ctx)
    if match is None and outcome.transient and attempt < config.max_check_attempts:
        log.info(
            "verification request %s: transient failure (%s), retrying",
            request_id,
            "; ".join(outcome.errors),
        )
        raise Retry(config.retry_delay_seconds * attempt)
    status = await verification.apply_check(target, outcome, match, attempts=attempt)
    log.info(
        "verification request %s (%s %s): %s",
        request_id,
        target.method,
        target.subject,
        status or "superseded",
    )
    return status


@runs(RECHECK_PUBLISHER)
async def recheck_publisher(ctx: dict[str, Any], publisher_id: str) -> str:
    """Re-check one automatically verified publisher. Only a definite absence withdraws the
    verification: an outage at GitHub or the publisher's host never does."""
    target = await verification.load_recheck(publisher_id)
    if target is None:
        return "skipped"
    config = _config(ctx)
    outcome, match = await _probe(target, ctx)
    if match is not None:
        await verification.record_recheck_ok(target, match)
        return "ok"
    if outcome.transient:
        if _attempt(ctx) < config.max_check_attempts:
            raise Retry(config.retry_delay_seconds * _attempt(ctx))
        log.warning(
            "re-check of publisher %s inconclusive: %s", publisher_id, "; ".join(outcome.errors)
        )
        return "inconclusive"
    withdrawn = await verification.withdraw_verification(target, outcome)
    if withdrawn:
        log.warning(
            "publisher %s lost its verification: %s", publisher_id, "; ".join(outcome.errors)
        )
    return "withdrawn" if withdrawn else "skipped"


@runs(RECHECK_VERIFIED)
async def recheck_verified(ctx: dict[str, Any]) -> int:
    """Fan out one `recheck_publisher` job per publisher due for a re-check."""
    due = await verification.due_for_recheck(_config(ctx).recheck_interval_seconds)
    jobs: JobQueue = ctx["registry"].jobs
    for publisher_id in due:
        await jobs.enqueue(RECHECK_PUBLISHER, publisher_id)
    return len(due)
