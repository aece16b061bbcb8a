"""Import every job module so the job table is complete, and declare the periodic jobs.

Periodic jobs are declared once and scheduled two ways: as arq cron jobs in `tb-registry
worker`, and as timers of the in-process runner on the embedded default.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from arq import cron

from domain.jobs import (
    PRUNE_DOWNLOAD_STATS,
    PRUNE_WEBHOOK_LOG,
    RECHECK_VERIFIED,
    RECONCILE_STORAGE,
    REQUEUE_PENDING_WORK,
    Job,
    declared_jobs,
)
from workers import (
    download_stats,  # noqa: F401 - implements the retention of the download statistics
    pending_work,  # noqa: F401 - implements the sweep of pending work
    replication,  # noqa: F401 - implements the mirror replication and reconciliation jobs
    scan,  # noqa: F401 - implements the scan jobs
    storage_jobs,  # noqa: F401 - implements the object lifecycle jobs
    verification,  # noqa: F401 - implements the verification jobs
    webhooks,  # noqa: F401 - implements the webhook delivery and log retention jobs
)
from workers.functions import JOBS, JobFunction

_unimplemented = sorted(name for name, job in declared_jobs().items() if job not in JOBS)
if _unimplemented:  # a job the domain may schedule that no runner could run
    raise RuntimeError(f"jobs without an implementation in workers/: {_unimplemented}")


@dataclass(frozen=True)
class Periodic:
    job: Job[[]]
    every_minutes: int

    @property
    def function(self) -> JobFunction:
        return JOBS[self.job]


# The sweep of pending work runs every minute (and at every worker (re)connect, as arq's
# `run_at_startup`): after Redis comes back empty, everything pending is queued again within
# a minute.
PERIODIC: list[Periodic] = [
    Periodic(REQUEUE_PENDING_WORK, 1),
    Periodic(RECHECK_VERIFIED, 60),
    Periodic(RECONCILE_STORAGE, 10),
    Periodic(PRUNE_DOWNLOAD_STATS, 60),
    Periodic(PRUNE_WEBHOOK_LOG, 60),
]


def cron_jobs() -> list[Any]:
    return [
        cron(
            p.function,
            name=f"cron:{p.function.__name__}",
            minute=set(range(0, 60, p.every_minutes)),
            run_at_startup=True,
            unique=True,
        )
        for p in PERIODIC
    ]
