"""`tb-registry worker --check`, the worker's liveness probe: healthy while the worker of its
queue beats, unhealthy with one line when none ran, when its heartbeat is stale (the process
stopped: SIGSTOP) or when arq's job loop is stuck; a Redis outage alone stays healthy
(WORKER_OUTAGE_LIMIT decides, registry/commands/worker_check.py says why).

Each worker runs on a migrated SQLite database in the test's folder, a queue name of its own
and a TMPDIR of its own (where the heartbeat lives, as in a container's /tmp)."""

from __future__ import annotations

import signal
import subprocess
import tempfile
import time
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from arq.connections import RedisSettings
from redis import Redis

from registry.commands.worker_check import (
    HEARTBEAT_MAX_AGE_SECONDS,
    Heartbeat,
    heartbeat_path,
    verdict,
)
from registry.config import load_settings
from registry.worker import worker_options
from registry.worker_supervisor import POLL_STALL_SECONDS, WorkerSupervisor, _BeatingWorker
from tests.fixtures.stack import JWT_SECRET
from tests.outage.processes import SWEEP_RAN, RedisServer, WorkerProcess
from tests.process.server import run_cli

CHECK = ["worker", "--check"]


def _env(tmp_path: Path, redis_url: str) -> dict[str, str]:
    tmpdir = tmp_path / "tmp"
    tmpdir.mkdir(exist_ok=True)
    return {
        "DATA_DIR": str(tmp_path / "data"),
        "REDIS_URL": redis_url,
        "ARQ_QUEUE_NAME": f"worker-check-{uuid.uuid4().hex[:8]}",
        "CLOUDM_JWT_SECRET": JWT_SECRET,
        "ADMIN_USERS": "",
        "TMPDIR": str(tmpdir),
    }


def _check(tmp_path: Path, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return run_cli(CHECK, env, tmp_path, timeout=30)


def _until(tmp_path: Path, env: dict[str, str], code: int, deadline: float) -> str:
    """Run the check until it exits `code`; its one line (stdout when healthy, else stderr)."""
    until = time.monotonic() + deadline
    while True:
        result = _check(tmp_path, env)
        lines = (result.stdout if result.returncode == 0 else result.stderr).splitlines()
        if result.returncode == code:
            assert len(lines) == 1, result
            return lines[0]
        assert time.monotonic() < until, f"check never exited {code}: {result}"
        time.sleep(1)


@pytest.fixture
def queue_keys_removed(redis_url: str) -> Iterator[list[str]]:
    """Queue names whose Redis keys the test leaves behind on the shared Redis."""
    names: list[str] = []
    yield names
    redis = Redis.from_url(redis_url)
    try:
        for name in names:
            leftover = list(redis.scan_iter(match=f"*{name}*"))
            if leftover:
                redis.delete(*leftover)
    finally:
        redis.close()


def _worker(tmp_path: Path, env: dict[str, str]) -> WorkerProcess:
    migrated = run_cli(["migrate"], env, tmp_path)
    assert migrated.returncode == 0, migrated.stderr
    return WorkerProcess(tmp_path, env, tmp_path / "worker.log")


def test_no_worker_is_unhealthy_with_one_line(tmp_path: Path, redis_url: str) -> None:
    env = _env(tmp_path, redis_url)
    result = _check(tmp_path, env)
    assert result.returncode == 1
    assert result.stdout == ""
    assert result.stderr.splitlines() == [
        f"tb-registry worker --check: unhealthy: no heartbeat at"
        f" {tmp_path / 'tmp' / ('tb-registry-worker-' + env['ARQ_QUEUE_NAME'] + '.heartbeat')}:"
        f" no worker of queue {env['ARQ_QUEUE_NAME']!r} is running here"
    ]


def test_a_bad_setting_is_unhealthy_not_docker_reserved_2(tmp_path: Path, redis_url: str) -> None:
    result = _check(tmp_path, {**_env(tmp_path, redis_url), "WORKER_OUTAGE_LIMIT": "-1"})
    assert result.returncode == 1, result
    assert result.stderr.startswith("tb-registry worker --check: configuration error:")


def test_heartbeat_verdicts(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))
    queue = "tb/odd queue"  # quoted into one file name in the temporary folder
    path = heartbeat_path(queue)
    assert path.parent == tmp_path
    now = 1_000_000.0

    Heartbeat(41, now - 3, "running").write(path)
    assert verdict(queue, now) == (True, "running, heartbeat 3 s ago (pid 41)")

    Heartbeat(41, now - 3, "reconnecting").write(path)  # Redis down: the supervisor's call
    assert verdict(queue, now)[0] is True

    stale = now - HEARTBEAT_MAX_AGE_SECONDS - 5
    Heartbeat(41, stale, "running").write(path)
    healthy, reason = verdict(queue, now)
    assert not healthy
    assert reason.startswith("last heartbeat 25 s ago (pid 41, running; at most 20 s)")

    Heartbeat(41, now, "running", "arq's job loop has not come round for 75 s").write(path)
    assert verdict(queue, now) == (
        False,
        "arq's job loop has not come round for 75 s (pid 41, running)",
    )

    path.write_text("{half a heartb", encoding="utf-8")
    assert verdict(queue, now)[0] is False
    assert list(tmp_path.iterdir()) == [path]  # no partial files left by the writes


def test_a_job_loop_that_stops_coming_round_is_unhealthy(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The supervisor's heartbeat carries the stall of arq's loop to the check."""
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))
    settings = load_settings(
        {"DATA_DIR": str(tmp_path), "REDIS_URL": "redis://127.0.0.1:9/0", "ARQ_QUEUE_NAME": "q"}
    )

    async def job(ctx: dict[str, object]) -> None:
        raise AssertionError("never run: the worker never starts")

    worker = _BeatingWorker(functions=[job], redis_settings=RedisSettings(), queue_name="q")
    supervisor = WorkerSupervisor(settings, worker_options)
    supervisor._enter("running", worker)
    assert verdict("q")[0] is True
    worker.polled_at -= POLL_STALL_SECONDS - 1
    supervisor._write_heartbeat()
    assert verdict("q")[0] is True
    worker.polled_at -= 2
    supervisor._write_heartbeat()
    healthy, reason = verdict("q")
    assert not healthy
    assert reason.startswith("arq's job loop has not come round for 61 s (pid ")
    # Reconnecting, the lost worker's loop is not looked at: the outage is the supervisor's.
    supervisor._enter("reconnecting")
    assert verdict("q")[0] is True


def test_check_follows_the_running_worker(
    tmp_path: Path, redis_url: str, queue_keys_removed: list[str]
) -> None:
    env = _env(tmp_path, redis_url)
    queue_keys_removed.append(env["ARQ_QUEUE_NAME"])
    worker = _worker(tmp_path, env)
    worker.start()
    assert worker.process is not None
    try:
        line = _until(tmp_path, env, 0, 60)
        assert line.startswith("tb-registry worker --check: healthy: ")
        assert f"(pid {worker.process.pid})" in line
        worker.wait_for_log(SWEEP_RAN, timeout=60)
        assert "healthy: running, " in _until(tmp_path, env, 0, 10)

        # Stopped (as a hung process): its heartbeat goes stale within the limit and a beat.
        worker.process.send_signal(signal.SIGSTOP)
        try:
            line = _until(tmp_path, env, 1, HEARTBEAT_MAX_AGE_SECONDS + 30)
        finally:
            worker.process.send_signal(signal.SIGCONT)
        assert "unhealthy: last heartbeat" in line
        assert "its event loop is blocked or it stopped" in line
        assert "healthy: running, " in _until(tmp_path, env, 0, 30)

        # Stopped for good: no heartbeat at once.
        assert worker.stop() == 0, worker.log
        assert "unhealthy: no heartbeat at" in _until(tmp_path, env, 1, 0)
    finally:
        worker.process.send_signal(signal.SIGCONT)
        worker.kill()


def test_a_redis_outage_stays_healthy_while_the_worker_reconnects(tmp_path: Path) -> None:
    redis = RedisServer(tmp_path / "redis")
    redis.start()
    env = _env(tmp_path, redis.url)
    worker = _worker(tmp_path, env)
    worker.start()
    try:
        worker.wait_for_log(SWEEP_RAN, timeout=60)
        redis.kill()
        lost = worker.wait_for_log("lost the connection to Redis", timeout=30)
        worker.wait_for_log("Redis unreachable (attempt 2", timeout=30, after=lost)
        time.sleep(6)  # a beat written while reconnecting
        line = _until(tmp_path, env, 0, 0)
        assert "healthy: reconnecting, heartbeat" in line, worker.log
        assert worker.stop() == 0, worker.log
    finally:
        worker.kill()
        redis.kill()
