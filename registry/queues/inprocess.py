"""In-process job runner for the embedded default (no Redis): same job code, asyncio tasks.

It runs whatever job table it is given: the composition root (registry/runtime.py) hands it
the functions of workers/, so this module does not import them.
"""

from __future__ import annotations

import asyncio
import contextvars
import logging
from collections.abc import Awaitable, Callable, Iterable, Mapping
from typing import Any, ParamSpec

from domain.jobs import Job, Retry
from registry.logs import JOB_ID
from registry.metrics import in_process_job_done, in_process_job_queued, observe_job

P = ParamSpec("P")

log = logging.getLogger("registry.jobs")

JobFunction = Callable[..., Awaitable[Any]]


class InProcessQueue:
    """Runs jobs as tasks of the server's own event loop, with arq-like retry semantics: each
    job gets the attempts its handle declares (`Job.max_tries`), as under arq."""

    def __init__(self, ctx: dict[str, Any], jobs: Mapping[Job[Any], JobFunction]) -> None:
        self.ctx = ctx
        self.jobs = jobs
        self._running: dict[str, asyncio.Task[None]] = {}
        self._tasks: set[asyncio.Task[None]] = set()
        self._timers: set[asyncio.Task[None]] = set()

    async def enqueue(self, job: Job[P], *args: P.args, **kwargs: P.kwargs) -> None:
        function = self.jobs[job]  # every handle has one (workers/tasks.py checks on import)
        job_id = job.job_id(*args, **kwargs)
        if job_id in self._running:
            return  # like arq's _job_id: one live job per id
        # The job's log lines name it (registry/logs.py), and the request that queued it.
        context = contextvars.copy_context()
        context.run(JOB_ID.set, job_id)
        task = asyncio.create_task(
            self._run(function, job.max_tries, args, kwargs), context=context
        )
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)
        in_process_job_queued()  # the queue's depth, for /metrics
        task.add_done_callback(lambda _: in_process_job_done())
        self._running[job_id] = task
        task.add_done_callback(lambda _: self._running.pop(job_id, None))

    async def _run(
        self, function: JobFunction, max_tries: int, args: tuple[Any, ...], kwargs: dict[str, Any]
    ) -> None:
        name = function.__name__
        for attempt in range(1, max_tries + 1):
            try:
                await observe_job(function, {**self.ctx, "job_try": attempt}, *args, **kwargs)
                return
            except Retry as retry:
                if attempt == max_tries:
                    log.error("job %s%r gave up after %d tries", name, args, attempt)
                    return
                await asyncio.sleep(retry.defer_seconds)
            except asyncio.CancelledError:
                raise
            except Exception:
                log.exception("job %s%r failed", name, args)
                return

    def start_periodic(self, schedule: Iterable[tuple[Job[[]], int]]) -> None:
        """Run each (job, every_minutes) now and then every so many minutes."""
        for job, every_minutes in schedule:
            task = asyncio.create_task(self._every(job, every_minutes * 60.0))
            self._timers.add(task)

    async def _every(self, job: Job[[]], seconds: float) -> None:
        while True:
            await self.enqueue(job)
            await asyncio.sleep(seconds)

    async def drain(self, timeout: float = 30.0) -> None:
        """Wait for every queued job (tests, graceful shutdown)."""
        deadline = asyncio.get_running_loop().time() + timeout
        while self._tasks:
            remaining = deadline - asyncio.get_running_loop().time()
            if remaining <= 0:
                break
            await asyncio.wait(set(self._tasks), timeout=remaining)

    async def aclose(self) -> None:
        for timer in self._timers:
            timer.cancel()
        self._timers.clear()
        await self.drain(timeout=10.0)
        for task in list(self._tasks):
            task.cancel()
