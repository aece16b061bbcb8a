"""`tb-registry worker`: an arq worker running the registry's jobs from Redis.

The job functions are shared with the in-process runner (`registry/queues/inprocess.py`) and raise
`domain.jobs.Retry` for transient errors. arq only retries its own `arq.Retry`, so every
function is wrapped here to translate one into the other; together with the same number of
tries and job ids that only block while a job is queued or running (no kept results), both
runners treat a job the same way.
"""

from __future__ import annotations

import asyncio
import dataclasses
import functools
import logging
import os
from typing import Any

from arq import Retry as ArqRetry
from arq import func
from arq.connections import RedisSettings
from arq.cron import CronJob

from domain.jobs import MAX_TRIES, Retry
from registry.config import Settings
from registry.logs import JOB_ID
from registry.metrics import observe_job
from registry.runtime import Runtime
from registry.worker_supervisor import RedisOutage, WorkerSupervisor
from workers import tasks
from workers.functions import JOBS, JobFunction

log = logging.getLogger("registry.worker")

JOB_TIMEOUT_SECONDS = 600
CRON_KEEP_RESULT_SECONDS = 3600


def for_arq(function: JobFunction) -> JobFunction:
    """The job function as arq runs it: our Retry becomes arq's Retry with the same delay."""

    @functools.wraps(function)
    async def run(ctx: dict[str, Any], *args: Any) -> Any:
        job_id = JOB_ID.set(ctx.get("job_id"))  # the job's log lines name it (registry/logs.py)
        try:
            return await observe_job(function, ctx, *args)  # counted for /metrics
        except Retry as retry:
            raise ArqRetry(defer=retry.defer_seconds) from retry
        finally:
            JOB_ID.reset(job_id)

    return run


def _cron_for_arq(cron_job: CronJob, queue_name: str) -> CronJob:
    # A unique cron job's id names one scheduled run (name:timestamp); keeping its result is
    # what stops a second worker from starting that same run once the first has finished.
    # arq's job ids share one namespace per Redis: the queue name keeps two registries on one
    # Redis from skipping each other's runs.
    return dataclasses.replace(
        cron_job,
        name=f"{queue_name}:{cron_job.name}",
        coroutine=for_arq(cron_job.coroutine),
        keep_result_s=CRON_KEEP_RESULT_SECONDS,
    )


def worker_options(settings: Settings, runtime: Runtime | None = None) -> dict[str, Any]:
    """Keyword arguments for arq's Worker; tests build workers from the same options.

    Without `runtime` the worker starts (and stops) its own; with one, it runs its jobs on that
    already started runtime (a worker inside a process that hosts the registry, e.g. a test).
    """
    assert settings.redis_url is not None

    async def on_startup(ctx: dict[str, Any]) -> None:
        if runtime is not None:
            ctx["registry"] = runtime.ctx
            return
        own = Runtime(settings)
        await own.start(migrate=False)
        ctx["runtime"] = own
        ctx["registry"] = own.ctx

    async def on_shutdown(ctx: dict[str, Any]) -> None:
        if "runtime" in ctx:
            await ctx["runtime"].stop()

    return {
        # Each under its function's name (what ArqQueue enqueues), with its handle's tries.
        "functions": [
            func(for_arq(function), name=function.__name__, max_tries=job.max_tries)
            for job, function in JOBS.items()
        ],
        "cron_jobs": [
            _cron_for_arq(cron_job, settings.queue_name) for cron_job in tasks.cron_jobs()
        ],
        "on_startup": on_startup,
        "on_shutdown": on_shutdown,
        "redis_settings": RedisSettings.from_dsn(settings.redis_url),
        "queue_name": settings.queue_name,
        "retry_jobs": True,
        "max_tries": MAX_TRIES,
        # No kept results: a job id only blocks a second enqueue while the job is queued or
        # running, as in the in-process runner. Otherwise a scan that gave up could not be
        # re-enqueued by the sweep of pending work (nor an object deleted again) for an hour.
        "keep_result": 0,
        "max_jobs": 8,
        "job_timeout": JOB_TIMEOUT_SECONDS,
    }


def run_worker(settings: Settings) -> None:
    """`tb-registry worker`: arq's worker under the supervisor that outlives Redis outages
    and drains on SIGTERM (registry/worker_supervisor.py)."""
    supervisor = WorkerSupervisor(settings, worker_options)
    with asyncio.Runner() as runner:
        try:
            runner.run(supervisor.run())
        except RedisOutage as exc:
            raise SystemExit(f"tb-registry worker: giving up: {exc}") from exc
        if supervisor.cut_off:
            # A cut-off job may still occupy a thread (a scan runs in asyncio.to_thread), which
            # nothing can interrupt; closing the loop, and the interpreter's exit, would wait
            # for it and break the shutdown bound. Its job is queued again and its row still
            # says pending: exit without it.
            log.warning(
                "exiting without waiting for the threads of %d cut-off jobs", supervisor.cut_off
            )
            logging.shutdown()
            os._exit(0)
