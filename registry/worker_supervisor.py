"""`tb-registry worker`'s lifecycle around arq: it outlives Redis and stops gracefully.

arq's `Worker` ends with an exception as soon as one Redis command fails (arq issues #386,
#435, #498): a Redis restart took the worker down with it, and uploads then stayed pending.
So arq's loop runs under this supervisor, one `Worker` per Redis connection:

* The runtime (database, storage, queue, events) starts once, waiting for the database and
  Redis at start within STARTUP_WAIT_SECONDS (registry/runtime.py).
* When the connection is lost, the supervisor logs it, keeps the lost worker's running jobs
  going (their effects and state live in the database, so they finish or are picked up
  again), and reconnects with a capped exponential backoff. When Redis answers again it logs
  that and starts a fresh `Worker`, whose cron jobs run at once (`run_at_startup`): the sweep
  of pending work (domain/services/pending_work.py) queues again whatever an empty Redis lost.
* It exits only on SIGTERM/SIGINT, or once Redis has been gone for WORKER_OUTAGE_LIMIT
  seconds (when set), with one line saying so.
* On SIGTERM/SIGINT it stops picking jobs, lets the running ones finish within
  WORKER_SHUTDOWN_GRACE seconds, and cuts off the rest: arq puts a cancelled job back in the
  queue (`retry_jobs`), and its row still says the work is to do. Exit code 0.
* Throughout, a task on its event loop writes a heartbeat for `tb-registry worker --check`
  (registry/commands/worker_check.py): what it is doing, and a problem once arq's job loop
  stops coming round. A blocked event loop or a stopped process writes nothing.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import signal
import time
from collections.abc import Callable, Coroutine
from typing import Any

import redis.exceptions
from arq import ArqRedis, create_pool
from arq.connections import RedisSettings
from arq.worker import Worker

from registry.commands.worker_check import HEARTBEAT_INTERVAL_SECONDS, Heartbeat, heartbeat_path
from registry.config import Settings
from registry.runtime import Runtime
from registry.startup_wait import backoff_delays, is_refusal

log = logging.getLogger("registry.worker")

# Reconnect delays: 0.5 s, 1 s, 2 s, ... at most this, so a Redis that is back is seen within
# seconds (and the pending work queued again well within a minute).
RECONNECT_MAX_DELAY_SECONDS = 5.0
# The watchdog's PING: how often, and how long an answer may take before Redis counts as lost.
PING_INTERVAL_SECONDS = 5.0
PING_TIMEOUT_SECONDS = 10.0
# arq's job loop comes round every poll_delay (0.5 s), running jobs or not; longer than this
# without a round (and no lost connection seen by the watchdog) it is stuck.
POLL_STALL_SECONDS = 60.0


class RedisOutage(Exception):
    """Redis stayed unreachable for longer than WORKER_OUTAGE_LIMIT."""


def _quiet(task: asyncio.Task[Any]) -> None:
    """A lost worker's job task may end with the connection error: it is expected, and
    reading it keeps asyncio from logging 'exception was never retrieved'."""
    if not task.cancelled():
        task.exception()


class _BeatingWorker(Worker):
    """arq's Worker, stamping each round of its job loop (arq's `heart_beat` ends each)."""

    def __init__(self, **options: Any) -> None:
        super().__init__(**options)
        self.polled_at = time.monotonic()

    async def heart_beat(self) -> None:
        await super().heart_beat()
        self.polled_at = time.monotonic()

    def stall(self) -> str:
        """Why the job loop counts as stuck, or "" while it comes round.

        It comes round even while all `max_jobs` slots are busy (arq's semaphore has one
        permit more than the slots: a full worker skips picking, it does not wait)."""
        idle = time.monotonic() - self.polled_at
        if idle <= POLL_STALL_SECONDS:
            return ""
        return f"arq's job loop has not come round for {idle:.0f} s"


class WorkerSupervisor:
    def __init__(
        self,
        settings: Settings,
        options: Callable[[Settings, Runtime], dict[str, Any]],
    ) -> None:
        assert settings.redis_url is not None
        self.settings = settings
        self.options = options
        self.stopping = asyncio.Event()
        self.signal_name = ""
        # Workers whose connection was lost, kept until their running jobs have ended.
        self.lost: list[Worker] = []
        # The task running the start, while it waits for the database or Redis.
        self.starting: asyncio.Task[Any] | None = None
        # Jobs cut off at the stop (queued again): their threads may still be running.
        self.cut_off = 0
        # What the heartbeat reports: the phase, and the arq worker while one runs.
        self.state = "starting"
        self.worker: _BeatingWorker | None = None

    def _on_signal(self, signum: signal.Signals) -> None:
        if not self.stopping.is_set():
            self.signal_name = signum.name
            log.info("%s received: stopping the worker", signum.name)
        self.stopping.set()
        if self.starting is not None:
            # Still waiting for the database or Redis: nothing runs yet, stop waiting.
            self.starting.cancel()

    async def _unless_stopped(self, work: Coroutine[Any, Any, Any]) -> tuple[bool, Any]:
        """Run `work` until it ends or a stop signal arrives (then it is cancelled)."""
        task = asyncio.ensure_future(work)
        stop = asyncio.ensure_future(self.stopping.wait())
        await asyncio.wait({task, stop}, return_when=asyncio.FIRST_COMPLETED)
        stop.cancel()
        if task.done():
            return True, task.result()
        task.cancel()
        with contextlib.suppress(BaseException):
            await task
        return False, None

    def _redis_settings(self) -> RedisSettings:
        assert self.settings.redis_url is not None
        redis_settings = RedisSettings.from_dsn(self.settings.redis_url)
        redis_settings.conn_retries = 0  # the reconnect loop below retries, with backoff
        redis_settings.conn_timeout = 3
        return redis_settings

    async def run(self) -> None:
        loop = asyncio.get_running_loop()
        for signum in (signal.SIGTERM, signal.SIGINT):
            loop.add_signal_handler(signum, self._on_signal, signum)
        runtime = Runtime(self.settings)
        heartbeat = asyncio.ensure_future(self._beat())
        try:
            # Started in this task, not a child: Tortoise keeps its connections in a context
            # variable, which the worker's tasks must inherit (and `stop` must see).
            self.starting = asyncio.current_task()
            try:
                await runtime.start(migrate=False)
            except asyncio.CancelledError:
                if not self.stopping.is_set():
                    raise
                return
            finally:
                self.starting = None
            await self._supervise(runtime)
        finally:
            self._enter("stopping")
            await self._end_lost_workers(self.settings.worker_shutdown_grace_seconds)
            await runtime.stop()
            for signum in (signal.SIGTERM, signal.SIGINT):
                loop.remove_signal_handler(signum)
            heartbeat.cancel()
            await asyncio.gather(heartbeat, return_exceptions=True)
            # Gone, not stale: the check says at once that no worker runs.
            heartbeat_path(self.settings.queue_name).unlink(missing_ok=True)
        log.info("worker stopped")

    async def _beat(self) -> None:
        """The heartbeat, from this event loop: a blocked loop or a stopped process writes none.

        A Redis outage is not a problem here: the supervisor reconnects, running jobs go on,
        and WORKER_OUTAGE_LIMIT alone decides when to give up (the module's docstring of
        registry/commands/worker_check.py says why the probe must not overrule it)."""
        while True:
            self._write_heartbeat()
            await asyncio.sleep(HEARTBEAT_INTERVAL_SECONDS)

    def _write_heartbeat(self) -> None:
        path = heartbeat_path(self.settings.queue_name)
        problem = self.worker.stall() if self.state == "running" and self.worker else ""
        try:
            Heartbeat(os.getpid(), time.time(), self.state, problem).write(path)
        except OSError as exc:  # a full or read-only /tmp: the probe will say it is stale
            log.warning("cannot write the worker's heartbeat %s: %s", path, exc)

    def _enter(self, state: str, worker: _BeatingWorker | None = None) -> None:
        """A new phase, in the heartbeat at once (not only at the next beat)."""
        self.state, self.worker = state, worker
        self._write_heartbeat()

    async def _connect(self, outage_started: float | None = None) -> ArqRedis | None:
        """A pool to Redis, retried with backoff while Redis is unreachable; None once a stop
        signal arrives. Raises RedisOutage once Redis has been gone (since `outage_started`,
        the moment the connection was lost) for WORKER_OUTAGE_LIMIT seconds."""
        delays = backoff_delays(cap=RECONNECT_MAX_DELAY_SECONDS)
        attempt = 0
        limit = self.settings.worker_outage_limit_seconds
        while not self.stopping.is_set():
            attempt += 1
            try:
                # Bounded: a Redis that accepts connections but never answers (a stopped
                # process, a partition) would hang arq's connect-time PING forever.
                pool = await asyncio.wait_for(
                    create_pool(
                        self._redis_settings(), default_queue_name=self.settings.queue_name
                    ),
                    PING_TIMEOUT_SECONDS,
                )
            except Exception as exc:
                if not is_refusal(exc):
                    raise
                if outage_started is None:
                    outage_started = time.monotonic()
                down_for = time.monotonic() - outage_started
                if limit and down_for >= limit:
                    raise RedisOutage(
                        f"Redis unreachable for {down_for:.0f} s (WORKER_OUTAGE_LIMIT={limit:g}):"
                        f" {type(exc).__name__}: {exc}"
                    ) from exc
                delay = next(delays)
                log.warning(
                    "Redis unreachable (attempt %d, down for %.0f s): %s: %s; retrying in %.1f s",
                    attempt,
                    down_for,
                    type(exc).__name__,
                    " ".join(str(exc).split()) or "no answer",
                    delay,
                )
                await self._unless_stopped(asyncio.sleep(delay))
                continue
            if outage_started is not None:
                log.warning(
                    "Redis is back after %.1f s (%d attempts): the worker resumes",
                    time.monotonic() - outage_started,
                    attempt,
                )
            return pool
        return None

    async def _supervise(self, runtime: Runtime) -> None:
        lost_at: float | None = None
        while not self.stopping.is_set():
            self._enter("connecting" if lost_at is None else "reconnecting")
            pool = await self._connect(lost_at)
            if pool is None:
                return
            # Signals are the supervisor's: arq's own handlers would cancel running jobs at once.
            worker = _BeatingWorker(
                **self.options(self.settings, runtime), redis_pool=pool, handle_signals=False
            )
            self._enter("running", worker)
            main = asyncio.ensure_future(worker.main())
            stop = asyncio.ensure_future(self.stopping.wait())
            watch = asyncio.ensure_future(self._watch(pool))
            await asyncio.wait({main, stop, watch}, return_when=asyncio.FIRST_COMPLETED)
            stop.cancel()
            watch.cancel()
            if self.stopping.is_set():
                self._enter("stopping")
                await self._drain(worker, main)
                return
            if watch.done() and not watch.cancelled() and not main.done():
                main.cancel()  # hung on a silent Redis: the watchdog's error stands for it
                await asyncio.gather(main, return_exceptions=True)
                error: BaseException | None = watch.exception()
            else:
                error = main.exception()
            if error is None:  # arq's loop only returns in burst mode
                await self._close(worker)
                return
            if not is_refusal(error):
                await self._drain(worker, main)
                raise error
            running = sum(not task.done() for task in worker.tasks.values())
            log.warning(
                "lost the connection to Redis: %s: %s; %d running jobs go on, reconnecting",
                type(error).__name__,
                " ".join(str(error).split()),
                running,
            )
            self._keep_lost(worker)
            lost_at = time.monotonic()

    @staticmethod
    async def _watch(pool: ArqRedis) -> None:
        """Raise once Redis stops answering. arq's connections have no read timeout, so a
        Redis that keeps the connection open but is silent (a stopped process, a network
        partition) would hang the worker's loop instead of failing it."""
        while True:
            await asyncio.sleep(PING_INTERVAL_SECONDS)
            try:
                await asyncio.wait_for(pool.ping(), PING_TIMEOUT_SECONDS)
            except TimeoutError as exc:
                raise redis.exceptions.TimeoutError(
                    f"Redis did not answer a PING within {PING_TIMEOUT_SECONDS:.0f} s"
                ) from exc

    def _keep_lost(self, worker: Worker) -> None:
        for task in worker.tasks.values():
            task.add_done_callback(_quiet)
        self.lost.append(worker)
        # Forget the lost workers whose jobs have all ended (their pools closed quietly).
        for old in [w for w in self.lost if all(t.done() for t in w.tasks.values())]:
            self.lost.remove(old)
            asyncio.ensure_future(self._close_pool(old))

    async def _drain(self, worker: Worker, main: asyncio.Future[None]) -> None:
        """Stop picking jobs, let the running ones finish within the grace, cut off the rest
        (arq queues a cancelled job again), then close the worker."""
        worker.allow_pick_jobs = False
        grace = self.settings.worker_shutdown_grace_seconds
        running = [task for task in worker.tasks.values() if not task.done()]
        if running:
            log.info("waiting up to %.0f s for %d running jobs", grace, len(running))
            _, cut_off = await asyncio.wait(running, timeout=grace)
            if cut_off:
                log.warning(
                    "%d jobs did not finish in time: cut off and queued again", len(cut_off)
                )
                self.cut_off += len(cut_off)
                for task in cut_off:
                    task.cancel()
                await asyncio.gather(*cut_off, return_exceptions=True)
        main.cancel()
        await asyncio.gather(main, return_exceptions=True)
        await self._close(worker)

    async def _close(self, worker: Worker) -> None:
        try:
            # arq's close: the health key removed, on_shutdown run, the pool closed.
            await worker.close()
        except Exception as exc:  # Redis gone meanwhile: nothing left to tidy there
            log.info("closing the worker's Redis connection: %s", exc)
            await self._close_pool(worker)

    @staticmethod
    async def _close_pool(worker: Worker) -> None:
        with contextlib.suppress(Exception):
            await worker.pool.aclose()

    async def _end_lost_workers(self, grace: float) -> None:
        tasks = [t for w in self.lost for t in w.tasks.values() if not t.done()]
        if tasks:
            _, cut_off = await asyncio.wait(tasks, timeout=grace)
            self.cut_off += len(cut_off)
            for task in cut_off:
                task.cancel()
            await asyncio.gather(*cut_off, return_exceptions=True)
        for worker in self.lost:
            await self._close_pool(worker)
        self.lost.clear()
