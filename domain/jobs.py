"""Jobs as the domain sees them: the handles it schedules by, and the queue that runs them.

The domain names a job by its `Job` handle, declared here because the domain cannot import
workers/: workers/ implements each handle with one function (`workers.functions.runs`, which
checks that the function takes the handle's arguments), and the queues of registry/ run that
function, arq under the function's own name. No job is wired by a string.

A handle holds what everyone scheduling or running the job must agree on: its job id, built
from the job's arguments in this one place (one live job per id: both runners drop a second
enqueue of an id still queued or running), and how many attempts a runner gives it.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Generic, ParamSpec, Protocol

log = logging.getLogger("registry.jobs")

P = ParamSpec("P")

# Attempts per job on both runners, unless a job declares otherwise.
MAX_TRIES = 5


@dataclass(frozen=True, eq=False)
class Job(Generic[P]):
    """A job the registry runs. `id_of` builds the job id from the job's arguments."""

    id_of: Callable[P, str]
    max_tries: int = MAX_TRIES

    def job_id(self, *args: P.args, **kwargs: P.kwargs) -> str:
        return self.id_of(*args, **kwargs)


# Follow-ups of a committed change, scheduled by the services.
SCAN_VERSION: Job[[int]] = Job(lambda version_id: f"scan:{version_id}")
REPLICATE_OBJECT: Job[[str, str]] = Job(lambda key, backend: f"replicate:{backend}:{key}")
DELETE_OBJECT: Job[[str]] = Job(lambda key: f"delete:{key}")
VERIFY_PUBLISHER: Job[[int]] = Job(lambda request_id: f"verify:{request_id}")
RECHECK_PUBLISHER: Job[[str]] = Job(lambda publisher_id: f"recheck:{publisher_id}")
# One webhook delivery: each attempt, and a short wait before the next one (a Retry), is a try
# of the job; the delivery's row decides when it is finished (domain/services/webhook_outbox.py),
# so this is only a bound past every WEBHOOK_MAX_ATTEMPTS, after which the sweep takes over.
DELIVER_WEBHOOK: Job[[int]] = Job(lambda delivery_id: f"webhook:{delivery_id}", max_tries=100)
# Periodic sweeps (workers/tasks.py says how often); one run at a time.
# Every kind of pending work (domain/services/pending_work.py), after a queue lost its jobs.
REQUEUE_PENDING_WORK: Job[[]] = Job(lambda: "cron:requeue_pending_work")
RECHECK_VERIFIED: Job[[]] = Job(lambda: "cron:recheck_verified")
RECONCILE_STORAGE: Job[[]] = Job(lambda: "cron:reconcile_storage")
PRUNE_DOWNLOAD_STATS: Job[[]] = Job(lambda: "cron:prune_download_stats")
PRUNE_WEBHOOK_LOG: Job[[]] = Job(lambda: "cron:prune_webhook_log")


class Retry(Exception):  # mirrors arq.Retry's name on purpose
    """Raised by a job for an infrastructure error that deserves another attempt. Declared
    with the handles, so that workers/ raising it and the runners of registry/ catching it
    need not import each other."""

    def __init__(self, defer_seconds: float = 5.0) -> None:
        super().__init__(f"retry in {defer_seconds}s")
        self.defer_seconds = defer_seconds


def declared_jobs() -> dict[str, Job[Any]]:
    """Every handle declared in this module, by name: workers/ must implement each one
    (workers/tasks.py checks it on import)."""
    return {name: value for name, value in globals().items() if isinstance(value, Job)}


class JobQueue(Protocol):
    async def enqueue(self, job: Job[P], *args: P.args, **kwargs: P.kwargs) -> None:
        """Schedule the function implementing `job` with these arguments; a job whose id is
        already queued or running is not added again."""
        ...


async def enqueue_committed(
    queue: JobQueue, job: Job[P], recovered_by: str, *args: P.args, **kwargs: P.kwargs
) -> None:
    """Schedule the follow-up of a change that has already committed.

    When the queue cannot take it (Redis down), the change stands and the periodic sweep
    `recovered_by` does the work later: failing the request now would only make the client
    retry a write that succeeded (and get a 409 for its trouble).
    """
    try:
        await queue.enqueue(job, *args, **kwargs)
    except Exception as exc:  # any queue failure; the sweep recovers it
        log.warning(
            "could not queue %s: %s; %s will pick it up",
            job.job_id(*args, **kwargs),
            exc,
            recovered_by,
        )
