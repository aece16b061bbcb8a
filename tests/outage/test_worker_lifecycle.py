"""`tb-registry worker` as a process against its own Redis: it waits for Redis at start, gives
up after STARTUP_WAIT_SECONDS with one line, outlives a Redis restart (or gives up after
WORKER_OUTAGE_LIMIT), and on SIGTERM lets its current job finish or queues it again (exit 0).

The worker runs on an SQLite database in the test's folder (migrated first), which a web
process shares where a test needs uploads."""

from __future__ import annotations

import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx
import pytest

from tests.fixtures.stack import JWT_SECRET
from tests.outage.processes import SWEEP_RAN, RedisServer, WorkerProcess
from tests.process.rest_setup import publisher_and_package, upload, wait_published
from tests.process.server import ServerProcess, run_cli


def _env(tmp_path: Path, redis: RedisServer, **extra: str) -> dict[str, str]:
    return {
        "DATA_DIR": str(tmp_path / "data"),
        "REDIS_URL": redis.url,
        "ARQ_QUEUE_NAME": f"outage-{uuid.uuid4().hex[:8]}",
        "CLOUDM_JWT_SECRET": JWT_SECRET,
        "ADMIN_USERS": "",
        **extra,
    }


def _migrated(tmp_path: Path, env: dict[str, str]) -> None:
    result = run_cli(["migrate"], env, tmp_path)
    assert result.returncode == 0, result.stderr


def _worker(tmp_path: Path, env: dict[str, str], module: str = "registry") -> WorkerProcess:
    return WorkerProcess(tmp_path, env, tmp_path / f"worker-{uuid.uuid4().hex[:6]}.log", module)


@contextmanager
def _swept_worker(tmp_path: Path, **extra: str) -> Iterator[tuple[RedisServer, WorkerProcess]]:
    """Redis up, the database migrated, a worker started and past its first sweep of pending
    work; both are killed at the end, whatever the test did to them."""
    redis = RedisServer(tmp_path / "redis")
    redis.start()
    env = _env(tmp_path, redis, **extra)
    _migrated(tmp_path, env)
    worker = _worker(tmp_path, env)
    worker.start()
    try:
        worker.wait_for_log(SWEEP_RAN, timeout=60)
        yield redis, worker
    finally:
        worker.kill()
        redis.kill()


def test_worker_started_before_redis_waits_then_runs(tmp_path: Path) -> None:
    redis = RedisServer(tmp_path / "redis")
    env = _env(tmp_path, redis, STARTUP_WAIT_SECONDS="60")
    _migrated(tmp_path, env)
    worker = _worker(tmp_path, env)
    worker.start()
    try:
        worker.wait_for_log("waiting for Redis (attempt 2", timeout=30)
        assert worker.running()
        redis.start()
        up = worker.wait_for_log("Redis is reachable", timeout=30)
        worker.wait_for_log(SWEEP_RAN, timeout=30, after=up)
        assert worker.stop() == 0, worker.log
    finally:
        worker.kill()
        redis.kill()
    assert "Traceback" not in worker.log


def test_worker_gives_up_after_startup_wait_with_one_line(tmp_path: Path) -> None:
    redis = RedisServer(tmp_path / "redis")  # never started
    env = _env(tmp_path, redis, STARTUP_WAIT_SECONDS="2")
    _migrated(tmp_path, env)
    result = run_cli(["worker"], env, tmp_path)
    assert result.returncode == 1
    # The log (stdout) has one line per attempt; stderr the one-line failure.
    assert "Traceback" not in result.stdout + result.stderr
    attempts = [line for line in result.stdout.splitlines() if "waiting for Redis" in line]
    assert len(attempts) >= 2, result.stdout
    assert "attempt 1," in attempts[0] and "attempt 2," in attempts[1]
    lines = [line for line in result.stderr.splitlines() if line.strip()]
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith("tb-registry: cannot start: ConnectionError:"), result.stderr
    assert str(redis.port) in lines[0]


def test_worker_outlives_a_redis_restart(tmp_path: Path) -> None:
    with _swept_worker(tmp_path) as (redis, worker):
        redis.kill()
        lost = worker.wait_for_log("lost the connection to Redis", timeout=30)
        worker.wait_for_log("Redis unreachable (attempt 2", timeout=30, after=lost)
        time.sleep(2)
        assert worker.running()
        redis.start()
        back = worker.wait_for_log("Redis is back after", timeout=30, after=lost)
        # A fresh arq worker runs the sweep of pending work at once.
        worker.wait_for_log(SWEEP_RAN, timeout=30, after=back)
        assert worker.running()
        assert worker.stop() == 0, worker.log


def test_worker_treats_a_silent_redis_as_lost(tmp_path: Path) -> None:
    with _swept_worker(tmp_path) as (redis, worker):
        try:
            redis.pause()  # open connections, no answers: arq alone would hang here
            lost = worker.wait_for_log("lost the connection to Redis: TimeoutError", timeout=40)
            worker.wait_for_log("Redis unreachable (attempt 1", timeout=30, after=lost)
            redis.resume()
            back = worker.wait_for_log("Redis is back after", timeout=40, after=lost)
            worker.wait_for_log(SWEEP_RAN, timeout=30, after=back)
            assert worker.stop() == 0, worker.log
        finally:
            redis.resume()


def test_worker_gives_up_after_the_outage_limit(tmp_path: Path) -> None:
    with _swept_worker(tmp_path, WORKER_OUTAGE_LIMIT="3") as (redis, worker):
        redis.kill()
        assert worker.process is not None
        assert worker.process.wait(timeout=60) == 1, worker.log
    last = [line for line in worker.log.splitlines() if line.strip()][-1]
    assert last.startswith("tb-registry worker: giving up: Redis unreachable for"), worker.log
    assert "WORKER_OUTAGE_LIMIT=3" in last


@pytest.mark.parametrize("cut_off", [False, True], ids=["finishes", "cut-off"])
def test_sigterm_lets_the_job_finish_or_queues_it_again(tmp_path: Path, cut_off: bool) -> None:
    redis = RedisServer(tmp_path / "redis")
    redis.start()
    marker = tmp_path / "scan-started"
    env = _env(
        tmp_path,
        redis,
        SLOW_SCAN_MARKER=str(marker),
        SLOW_SCAN_SECONDS="60" if cut_off else "3",
        WORKER_SHUTDOWN_GRACE="1" if cut_off else "45",
    )
    server = ServerProcess(tmp_path / "data", env, log_path=tmp_path / "server.log")
    server.start()
    worker = _worker(tmp_path, env, module="tests.outage.slow_scan_worker")
    worker.start()
    try:
        publisher_and_package(server.url, "Slow")
        upload(server.url, "Slow", "1.0.0")
        deadline = time.monotonic() + 60
        while not marker.exists():
            assert time.monotonic() < deadline, worker.log
            assert worker.running(), worker.log
            time.sleep(0.05)
        started = time.monotonic()
        assert worker.stop(timeout=90) == 0, worker.log
        stopped_after = time.monotonic() - started
        if not cut_off:
            # It waited for the scan (3 s) and the verdict is in.
            assert "jobs did not finish in time" not in worker.log
            wait_published(server.url, "Slow", 5, version="1.0.0", every=0.3)
            return
        # Cut off after the 1 s grace, long before the scan's 60 s: queued again, still pending.
        assert stopped_after < 30, worker.log
        assert "1 jobs did not finish in time: cut off and queued again" in worker.log
        assert "cancelled, will be run again" in worker.log
        queued = redis.client().zrange(env["ARQ_QUEUE_NAME"], 0, -1)
        # (next to the cron jobs' next runs)
        assert f"{env['ARQ_QUEUE_NAME']}:scan:1" in [job.decode() for job in queued]
        assert httpx.get(f"{server.url}/api/v1/packages/Slow").json()["latest_version"] in (
            None,
            "",
        )
        # A worker with the ordinary scan picks the queued job up.
        normal = _worker(tmp_path, env)
        normal.start()
        try:
            wait_published(server.url, "Slow", 60, version="1.0.0", every=0.3)
            assert normal.stop() == 0, normal.log
        finally:
            normal.kill()
    finally:
        worker.kill()
        server.stop()
        redis.kill()
