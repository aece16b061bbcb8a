"""`tb-registry serve` started before its PostgreSQL and its Redis (a reboot, a compose file
starting everything at once) waits for each, one log line per attempt, and then serves."""

from __future__ import annotations

import threading
import time
import uuid
from pathlib import Path

import httpx

from tests.fixtures.stack import JWT_SECRET
from tests.outage.pg_cluster import PostgresCluster
from tests.outage.processes import RedisServer
from tests.process.server import ServerProcess, run_cli


def _wait_for_line(path: Path, needle: str, timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if path.exists() and needle in path.read_text(errors="replace"):
            return
        time.sleep(0.1)
    log = path.read_text(errors="replace") if path.exists() else ""
    raise AssertionError(f"{needle!r} not logged within {timeout} s:\n{log}")


def test_serve_waits_for_the_database_and_redis(tmp_path: Path, cluster: PostgresCluster) -> None:
    redis = RedisServer(tmp_path / "redis")  # not started yet
    env = {
        "DATABASE_URL": cluster.create_database("registry"),
        "REDIS_URL": redis.url,
        "ARQ_QUEUE_NAME": f"order-{uuid.uuid4().hex[:8]}",
        "CLOUDM_JWT_SECRET": JWT_SECRET,
        "STARTUP_WAIT_SECONDS": "90",
    }
    migrated = run_cli(["migrate"], env, tmp_path)
    assert migrated.returncode == 0, migrated.stderr
    cluster.stop_immediately()
    log = tmp_path / "server.log"
    server = ServerProcess(tmp_path / "data", env, log_path=log)
    failure: list[BaseException] = []

    def start() -> None:
        try:
            server.start(timeout=150)
        except BaseException as exc:  # reported by the test below
            failure.append(exc)

    starting = threading.Thread(target=start)
    starting.start()
    try:
        _wait_for_line(log, "waiting for the database at postgres://127.0.0.1", 60)
        _wait_for_line(log, "(attempt 2,", 30)
        cluster.start()
        _wait_for_line(log, "waiting for Redis (attempt 2,", 60)
        redis.start()
        starting.join(timeout=120)
        assert not starting.is_alive() and not failure, failure or log.read_text()
        assert httpx.get(f"{server.url}/api/v1/ready").status_code == 200
        text = log.read_text()
        assert "is reachable" in text and "Traceback" not in text
    finally:
        server.stop()
        starting.join(timeout=30)
        redis.kill()
