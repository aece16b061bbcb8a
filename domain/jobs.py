"""The job queue seen from the domain: arq with Redis, or the in-process runner (workers/)."""

from __future__ import annotations

from typing import Protocol


class JobQueue(Protocol):
    async def enqueue(self, function: str, *args: object, job_id: str | None = None,
                      defer_seconds: float = 0) -> None:
        """Schedule `function(ctx, *args)`; a `job_id` already queued or running is not re-added."""
        ...
