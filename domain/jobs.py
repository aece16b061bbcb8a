"""The job queue seen from the domain: arq with Redis, or the in-process runner (workers/)."""

from __future__ import annotations

import logging
from typing import Protocol

log = logging.getLogger("registry.jobs")


class JobQueue(Protocol):
    async def enqueue(self, function: str, *args: object, job_id: str | None = None,
                      defer_seconds: float = 0) -> None:
        """Schedule `function(ctx, *args)`; a `job_id` already queued or running is not re-added."""
        ...


async def enqueue_committed(queue: JobQueue, function: str, *args: object, job_id: str,
                            recovered_by: str) -> None:
    """Schedule the follow-up of a change that has already committed.

    When the queue cannot take it (Redis down), the change stands and the periodic sweep
    `recovered_by` does the work later: failing the request now would only make the client
    retry a write that succeeded (and get a 409 for its trouble).
    """
    try:
        await queue.enqueue(function, *args, job_id=job_id)
    except Exception as exc:  # noqa: BLE001 - any queue failure; the sweep recovers it
        log.warning("could not queue %s (%s): %s; %s will pick it up", job_id, function, exc,
                    recovered_by)
