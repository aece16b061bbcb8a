"""In-process job runner for the embedded default (no Redis): same job code, asyncio tasks."""

from __future__ import annotations

import asyncio
import logging
from typing import Any

from workers.functions import JOBS, Retry

log = logging.getLogger("registry.jobs")


class InProcessQueue:
    """Runs jobs as tasks of the server's own event loop, with arq-like retry semantics."""

    def __init__(self, ctx: dict[str, Any], *, max_tries: int = 5) -> None:
        self.ctx = ctx
        self.max_tries = max_tries
        self._running: dict[str, asyncio.Task[None]] = {}
        self._tasks: set[asyncio.Task[None]] = set()
        self._timers: set[asyncio.Task[None]] = set()

    async def enqueue(self, function: str, *args: object, job_id: str | None = None,
                      defer_seconds: float = 0) -> None:
        if function not in JOBS:
            raise KeyError(f"unknown job {function!r}")
        if job_id is not None and job_id in self._running:
            return  # like arq's _job_id: one live job per id
        task = asyncio.create_task(self._run(function, args, job_id, defer_seconds))
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)
        if job_id is not None:
            self._running[job_id] = task

    async def _run(self, function: str, args: tuple[object, ...], job_id: str | None,
                   defer_seconds: float) -> None:
        try:
            if defer_seconds:
                await asyncio.sleep(defer_seconds)
            for attempt in range(1, self.max_tries + 1):
                try:
                    await JOBS[function]({**self.ctx, "job_try": attempt}, *args)
                    return
                except Retry as retry:
                    if attempt == self.max_tries:
                        log.error("job %s%r gave up after %d tries", function, args, attempt)
                        return
                    await asyncio.sleep(retry.defer_seconds)
                except asyncio.CancelledError:
                    raise
                except Exception:
                    log.exception("job %s%r failed", function, args)
                    return
        finally:
            if job_id is not None:
                self._running.pop(job_id, None)

    def start_periodic(self, periodic: list[Any]) -> None:
        """Run each periodic job now and then every `every_minutes` (embedded default)."""
        for item in periodic:
            task = asyncio.create_task(self._every(item.function, item.every_minutes * 60.0))
            self._timers.add(task)

    async def _every(self, function: str, seconds: float) -> None:
        while True:
            await self.enqueue(function, job_id=f"cron:{function}")
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
