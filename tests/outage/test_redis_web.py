"""Issue #17, web side of a Redis outage: two `tb-registry serve` processes on one PostgreSQL
database and a private Redis, which is killed (SIGKILL) for a few seconds and started again
empty on the same port.

- Requests keep being served: reads, uploads and changes answer 2xx on both processes (an
  upload's scan cannot be queued; the worker's sweep picks it up later, not tested here).
- The rate limiter counts in each process's memory meanwhile: a caller past the budget gets
  429 with Retry-After, not an unlimited pass and not a 5xx.
- `/api/v1/health` answers 200 throughout; `/api/v1/ready` names Redis while it is down.
- Cache invalidation falls back to the TTL while Redis is down, and recovers without a
  restart: once the event bus is back, the other process drops what it cached during the
  outage and hears every later change again.
"""

from __future__ import annotations

import threading
import time
import uuid
from collections import Counter
from pathlib import Path

import httpx

from tests.fixtures.stack import JWT_SECRET, bearer
from tests.outage.processes import RedisServer
from tests.outage.support import Loops, upload_until
from tests.process.rest_setup import publisher_and_package
from tests.process.server import ServerProcess, run_cli

PACKAGE = "Steady"
SEARCH_BUDGET = 5  # per 30 s: the limiter check below spends it
RECONNECTED = "event bus reconnected to Redis"


class Traffic(Loops):
    """Reads on both processes and uploads on the first, until stopped; every status kept."""

    def __init__(self, first: str, second: str) -> None:
        super().__init__()
        self.statuses: Counter[tuple[str, int | str]] = Counter()
        self.lock = threading.Lock()
        self.loop(self._reads, first)
        self.loop(self._reads, second)
        self.loop(upload_until, self.stopping, first, PACKAGE, "3.0", self._uploaded, 0.1)

    def _note(self, kind: str, status: int | str) -> None:
        with self.lock:
            self.statuses[(kind, status)] += 1

    def _uploaded(self, version: str, status: int | str) -> None:
        self._note("upload", status)

    def _reads(self, base: str) -> None:
        token = bearer("p1")
        with httpx.Client(base_url=base, timeout=30) as client:
            while not self.stopping.is_set():
                for kind, headers in (("read", token), ("read-anonymous", {})):
                    try:
                        response = client.get(f"/api/v1/packages/{PACKAGE}", headers=headers)
                    except httpx.HTTPError as exc:
                        self._note(kind, type(exc).__name__)
                        continue
                    self._note(kind, response.status_code)
                self._note("health", _status(client, "/api/v1/health"))
                time.sleep(0.05)


def _status(client: httpx.Client, path: str) -> int | str:
    try:
        return client.get(path).status_code
    except httpx.HTTPError as exc:
        return type(exc).__name__


def _describe(base: str, text: str) -> None:
    response = httpx.patch(
        f"{base}/api/v1/packages/{PACKAGE}", headers=bearer("p1"), json={"description": text}
    )
    assert response.status_code == 200, response.text


def _description(base: str) -> str:
    response = httpx.get(f"{base}/api/v1/packages/{PACKAGE}")  # anonymous: cached
    assert response.status_code == 200, response.text
    description: str = response.json()["description"]
    return description


def _eventually(check: object, timeout: float) -> bool:
    assert callable(check)
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if check():
            return True
        time.sleep(0.1)
    return False


def _spend_search_budget(base: str) -> list[httpx.Response]:
    token = bearer("limited")  # a budget of its own, charged to this user only
    with httpx.Client(base_url=base, timeout=30) as client:
        return [
            client.get("/api/v1/search", params={"q": "steady"}, headers=token)
            for _ in range(SEARCH_BUDGET + 2)
        ]


def test_redis_outage_on_the_web_side(tmp_path: Path, postgres_database: str) -> None:
    redis = RedisServer(tmp_path / "redis")
    redis.start()
    env = {
        "DATABASE_URL": postgres_database,
        "REDIS_URL": redis.url,
        "ARQ_QUEUE_NAME": f"outage-web-{uuid.uuid4().hex[:8]}",
        "CLOUDM_JWT_SECRET": JWT_SECRET,
        "ADMIN_USERS": "",
        "STORAGE_DIR": str(tmp_path / "blobs"),  # shared by both processes
        # Long enough that only an announcement (or the reconnect) can explain a fresh answer.
        "PACKAGE_CACHE_TTL": "300",
        "RATE_LIMIT_SEARCH": f"{SEARCH_BUDGET}/30",
    }
    assert run_cli(["migrate"], env, tmp_path).returncode == 0
    first = ServerProcess(tmp_path / "first", env, log_path=tmp_path / "first.log")
    second = ServerProcess(tmp_path / "second", env, log_path=tmp_path / "second.log")
    first.start()
    second.start()
    try:
        publisher_and_package(first.url, PACKAGE, description="before")
        # Changes travel between the processes while Redis is up.
        assert _description(second.url) == "before"
        _describe(first.url, "while up")
        assert _eventually(lambda: _description(second.url) == "while up", 5)

        with Traffic(first.url, second.url) as traffic:
            time.sleep(2)
            redis.kill()
            outage_started = time.monotonic()
            time.sleep(1)
            ready = httpx.get(f"{second.url}/api/v1/ready")
            assert ready.status_code == 503 and "redis" in ready.json()["detail"], ready.text
            # The limiter counts in memory: the budget holds, past it 429 with Retry-After.
            spent = _spend_search_budget(second.url)
            statuses = [r.status_code for r in spent]
            assert statuses == [200] * SEARCH_BUDGET + [429, 429], statuses
            assert int(spent[-1].headers["retry-after"]) >= 1
            # A change while Redis is down: the other process's cached answer may stay until
            # its TTL (nothing can tell it), which is the documented fallback.
            assert _description(second.url) == "while up"
            _describe(first.url, "during the outage")
            assert _description(first.url) == "during the outage"  # its own write: at once
            time.sleep(max(0.0, 5 - (time.monotonic() - outage_started)))
            redis.start()  # same port, empty
            returned = time.monotonic()
            second_log = tmp_path / "second.log"
            assert _eventually(lambda: RECONNECTED in second_log.read_text(), 15)
            reconnected_after = time.monotonic() - returned
            time.sleep(2)
        print(f"statuses: {dict(traffic.statuses)}")
        bad = {key: n for key, n in traffic.statuses.items() if key[1] not in (200, 201)}
        assert not bad, dict(traffic.statuses)
        assert traffic.statuses[("upload", 201)] > 0

        # After the reconnect the other process dropped its cache, and hears changes again.
        assert _description(second.url) == "during the outage"
        _describe(first.url, "after")
        assert _eventually(lambda: _description(second.url) == "after", 5)
        assert httpx.get(f"{second.url}/api/v1/ready").status_code == 200
        # Shared counts again: in this process's memory the limited user is still over the
        # budget (the 30 s window is open), in the emptied Redis their window starts afresh.
        again = _spend_search_budget(second.url)
        assert [r.status_code for r in again] == [200] * SEARCH_BUDGET + [429, 429]
        print(f"event bus reconnected {reconnected_after:.1f} s after Redis returned")
    finally:
        first.stop()
        second.stop()
        redis.kill()
    for log in ("first.log", "second.log"):
        text = (tmp_path / log).read_text(errors="replace")
        assert "unhandled error" not in text, text[-5000:]
