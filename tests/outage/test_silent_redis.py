"""Issue #17: a Redis that stays connected but stops answering (SIGSTOP, as a partition or a
hung host would) must not hang web requests. One `tb-registry serve` on SQLite with a private
Redis, which is stopped after the setup:

- an upload answers 201 within a bound: its scan cannot be queued (the enqueue gives up after
  the bounded read timeout of registry/redis_pool.py) and is left to the worker's sweep, so the
  version stays pending;
- reads answer 200, `/api/v1/ready` answers 503 naming Redis, both within the bound;
- once Redis answers again (SIGCONT) the same process uses it again: ready is 200 and a next
  upload's scan is queued (in Redis's queue, with no log line about a failed enqueue).
"""

from __future__ import annotations

import time
import uuid
from pathlib import Path

import httpx

from tests.fixtures.stack import JWT_SECRET, bearer
from tests.helpers import mod_zip
from tests.outage.processes import RedisServer
from tests.process.rest_setup import publisher_and_package
from tests.process.server import ServerProcess, run_cli

PACKAGE = "Hushed"
# Each request while Redis is silent: the limiter's 1 s, the enqueue's 2 s answer timeout (and
# the 3 s to connect), and a loaded machine's slack. Without any bound it would never answer.
BOUND_SECONDS = 10.0
NOT_QUEUED = "could not queue scan:"


def _timed(send: object) -> tuple[httpx.Response, float]:
    assert callable(send)
    started = time.monotonic()
    response = send()
    assert isinstance(response, httpx.Response)
    return response, time.monotonic() - started


def _upload(client: httpx.Client, version: str) -> tuple[httpx.Response, float]:
    return _timed(
        lambda: client.post(
            f"/api/v1/packages/{PACKAGE}/versions",
            headers=bearer("p1"),
            data={"version": version},
            files={"file": ("s.zip", mod_zip(PACKAGE, version))},
        )
    )


def _status_of(client: httpx.Client, version: str) -> str:
    response = client.get(f"/api/v1/packages/{PACKAGE}/versions/{version}", headers=bearer("p1"))
    assert response.status_code == 200, response.text
    status: str = response.json()["status"]
    return status


def test_a_silent_redis_does_not_hang_requests(tmp_path: Path) -> None:
    redis = RedisServer(tmp_path / "redis")
    redis.start()
    queue_name = f"silent-{uuid.uuid4().hex[:8]}"
    env = {
        "DATABASE_URL": f"sqlite://{tmp_path}/registry.sqlite3",
        "REDIS_URL": redis.url,
        "ARQ_QUEUE_NAME": queue_name,
        "CLOUDM_JWT_SECRET": JWT_SECRET,
        "ADMIN_USERS": "",
        "STORAGE_DIR": str(tmp_path / "blobs"),
    }
    assert run_cli(["migrate"], env, tmp_path).returncode == 0
    log_path = tmp_path / "serve.log"
    server = ServerProcess(tmp_path / "data", env, log_path=log_path)
    server.start()
    timings: dict[str, float] = {}
    try:
        publisher_and_package(server.url, PACKAGE)
        # A client timeout well past the bound: a hang shows as a slow answer, not an error.
        with httpx.Client(base_url=server.url, timeout=60) as client:
            redis.pause()
            try:
                for version in ("1.0.0", "1.0.1"):
                    uploaded, timings[f"upload {version}"] = _upload(client, version)
                    assert uploaded.status_code == 201, uploaded.text
                for path in (f"/api/v1/packages/{PACKAGE}", f"/api/v1/packages/{PACKAGE}/versions"):
                    read, timings[path] = _timed(lambda p=path: client.get(p, headers=bearer("p1")))
                    assert read.status_code == 200, read.text
                ready, timings["ready"] = _timed(lambda: client.get("/api/v1/ready"))
                assert ready.status_code == 503 and "redis" in ready.json()["detail"], ready.text
                slow = {what: round(took, 1) for what, took in timings.items()}
                assert all(took < BOUND_SECONDS for took in timings.values()), slow
                # Committed, not queued: the sweep of a worker picks them up later.
                assert [_status_of(client, v) for v in ("1.0.0", "1.0.1")] == ["pending"] * 2
                assert log_path.read_text(errors="replace").count(NOT_QUEUED) == 2
            finally:
                redis.resume()

            deadline = time.monotonic() + 15
            while client.get("/api/v1/ready").status_code != 200:
                assert time.monotonic() < deadline, "not ready again after Redis answered"
                time.sleep(0.2)
            uploaded, _ = _upload(client, "1.0.2")
            assert uploaded.status_code == 201, uploaded.text
        # Only the last upload's scan is in Redis's queue: the others wait for the sweep.
        queued = redis.client().zrange(queue_name, 0, -1)
        assert len([job for job in queued if job.startswith(f"{queue_name}:scan:".encode())]) == 1
        assert log_path.read_text(errors="replace").count(NOT_QUEUED) == 2
        print(f"answers while Redis was stopped (s): {slow}")
    finally:
        server.stop()
        redis.kill()
    text = log_path.read_text(errors="replace")
    assert "unhandled error" not in text, text[-5000:]
