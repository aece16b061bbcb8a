"""Import every job module so the job table is complete, and declare the periodic jobs.

Periodic jobs are declared once and scheduled two ways: as arq cron jobs in `tb-registry
worker`, and as timers of the in-process runner on the embedded default.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from arq import cron

from workers import (
    replication,  # noqa: F401 - registers the mirror replication and reconciliation jobs
    scan,  # noqa: F401 - registers the scan jobs
    storage_jobs,  # noqa: F401 - registers the object lifecycle jobs
    verification,  # noqa: F401 - registers the verification jobs
)
from workers.functions import JOBS


@dataclass(frozen=True)
class Periodic:
    function: str
    every_minutes: int


PERIODIC: list[Periodic] = [
    Periodic("requeue_stuck_scans", 5),
    Periodic("recheck_verified", 60),
    Periodic("reconcile_storage", 10),
]


def cron_jobs() -> list[Any]:
    return [
        cron(JOBS[p.function], name=f"cron:{p.function}",
             minute=set(range(0, 60, p.every_minutes)), run_at_startup=True, unique=True)
        for p in PERIODIC
    ]
