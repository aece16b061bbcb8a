"""Scan jobs: thin wrappers over domain.services.scans.

A verdict (published or quarantined) is final and never retried; only infrastructure errors
(the object store failing or missing the object) ask the runner for another attempt, with an
exponential backoff. After the runner's last attempt the version stays `pending`, invisible,
and the sweep of pending work (`requeue_pending_work`, every minute) queues it again.
"""

from __future__ import annotations

import logging
from typing import Any

from domain.jobs import SCAN_VERSION, Retry
from domain.services import scans
from storage.errors import StorageError
from workers.functions import runs

log = logging.getLogger("registry.scan")

RETRY_BASE_SECONDS = 5.0
RETRY_MAX_SECONDS = 300.0


def retry_delay(job_try: int) -> float:
    """5 s, 10 s, 20 s, ... capped at 5 minutes."""
    return min(RETRY_BASE_SECONDS * 2 ** max(job_try - 1, 0), RETRY_MAX_SECONDS)


@runs(SCAN_VERSION)
async def scan_version(ctx: dict[str, Any], version_id: int) -> str | None:
    try:
        return await scans.scan_version(ctx["registry"], version_id)
    except (StorageError, OSError) as exc:
        # Infrastructure, not a verdict: try again later.
        delay = retry_delay(int(ctx.get("job_try") or 1))
        log.warning(
            "scan of version %s hit a storage error, retry in %.0f s: %s", version_id, delay, exc
        )
        raise Retry(defer_seconds=delay) from exc
