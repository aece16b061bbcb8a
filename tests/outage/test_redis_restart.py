"""Issue #17's acceptance: Redis killed (SIGKILL) and restarted empty under a steady mix of
uploads, package reads and resolves, through one `tb-registry serve` process and one
`tb-registry worker` process on PostgreSQL, with blobs and a mirror in folders.

Every upload answered 201 ends published (or quarantined) within 120 s, the worker is still
running with no restart by hand, and a database check at the end finds every version's
verdict, every replica and every audit event exactly once."""

from __future__ import annotations

import asyncio
import re
import time
import uuid
from collections import Counter
from pathlib import Path

import asyncpg
import httpx

from tests.fixtures.services import (
    POSTGRES_HOST,
    POSTGRES_PORT,
    POSTGRES_USER,
)
from tests.fixtures.stack import JWT_SECRET
from tests.outage.processes import SWEEP_RAN, RedisServer, WorkerProcess
from tests.outage.support import Loops, upload_until
from tests.process.rest_setup import publisher_and_package
from tests.process.server import ServerProcess, run_cli

PACKAGE = "Steady"
SETTLE_SECONDS = 120


async def _query(url: str, sql: str) -> list[asyncpg.Record]:
    conn = await asyncpg.connect(
        host=POSTGRES_HOST, port=POSTGRES_PORT, user=POSTGRES_USER, database=url.rsplit("/", 1)[1]
    )
    try:
        return list(await conn.fetch(sql))
    finally:
        await conn.close()


def query(url: str, sql: str) -> list[asyncpg.Record]:
    return asyncio.run(_query(url, sql))


class SteadyLoad(Loops):
    """Uploads one version after another, and reads and resolves the package, until stopped."""

    def __init__(self, base: str) -> None:
        super().__init__()
        self.base = base
        self.accepted: list[str] = []  # versions answered 201
        self.upload_statuses: Counter[int | str] = Counter()
        self.read_statuses: Counter[int | str] = Counter()
        self.loop(upload_until, self.stopping, base, PACKAGE, "1.0", self._uploaded, 0.05)
        self.loop(self._read)

    def _uploaded(self, version: str, status: int | str) -> None:
        self.upload_statuses[status] += 1
        if status == 201:
            self.accepted.append(version)

    def _read(self) -> None:
        with httpx.Client(base_url=self.base, timeout=30) as client:
            while not self.stopping.is_set():
                for method, path, body in (
                    ("GET", f"/api/v1/packages/{PACKAGE}", None),
                    ("POST", "/api/v1/resolve", {"requirements": [PACKAGE]}),
                ):
                    try:
                        response = client.request(method, path, json=body)
                    except httpx.HTTPError as exc:
                        self.read_statuses[type(exc).__name__] += 1
                        continue
                    self.read_statuses[response.status_code] += 1
                time.sleep(0.05)


def _unsettled(url: str, accepted: list[str]) -> list[str]:
    """What is still to do: versions not yet judged, objects not yet on both backends."""
    rows = query(url, "SELECT version, status FROM package_versions")
    status = {row["version"]: row["status"] for row in rows}
    problems = [
        f"{version}: {status.get(version)}"
        for version in accepted
        if status.get(version) not in ("published", "quarantined")
    ]
    copies = query(
        url,
        "SELECT k.key, c.backend, c.state FROM ("
        " SELECT blob_key AS key FROM package_versions"
        " UNION SELECT icon_key FROM package_versions WHERE icon_key <> '') k"
        " LEFT JOIN stored_copies c ON c.blob_key = k.key",
    )
    present: dict[str, set[str]] = {}
    for row in copies:
        if row["state"] == "present":
            present.setdefault(row["key"], set()).add(row["backend"])
        else:
            present.setdefault(row["key"], set())
    problems += [
        f"{key}: on {sorted(b)}" for key, b in present.items() if b != {"primary", "backup"}
    ]
    return problems


def test_redis_killed_and_restarted_empty_loses_nothing(
    tmp_path: Path, postgres_database: str
) -> None:
    redis = RedisServer(tmp_path / "redis")
    redis.start()
    env = {
        "DATABASE_URL": postgres_database,
        "REDIS_URL": redis.url,
        "ARQ_QUEUE_NAME": f"outage-{uuid.uuid4().hex[:8]}",
        "CLOUDM_JWT_SECRET": JWT_SECRET,
        "ADMIN_USERS": "",
        "STORAGE_MIRRORS": "backup",
        "MIRROR_BACKUP_PATH": str(tmp_path / "mirror"),
    }
    migrated = run_cli(["migrate"], env, tmp_path)
    assert migrated.returncode == 0, migrated.stderr
    server = ServerProcess(tmp_path / "data", env, log_path=tmp_path / "server.log")
    worker = WorkerProcess(tmp_path, env, tmp_path / "worker.log")
    server.start()
    worker.start()
    try:
        worker.wait_for_log(SWEEP_RAN, timeout=90)  # started, connected, swept once
        publisher_and_package(server.url, PACKAGE)
        with SteadyLoad(server.url) as load:
            time.sleep(5)
            before_outage = len(load.accepted)
            redis.kill()
            worker.wait_for_log("lost the connection to Redis", timeout=30)
            time.sleep(6)
            redis.start()  # same port, empty
            returned = time.monotonic()
            worker.wait_for_log("Redis is back after", timeout=30)
            time.sleep(6)
        accepted = list(load.accepted)
        print(
            f"uploads: {dict(load.upload_statuses)}, reads: {dict(load.read_statuses)}, "
            f"accepted before the outage: {before_outage}, in all: {len(accepted)}"
        )
        assert before_outage > 0 and len(accepted) > before_outage
        deadline = returned + SETTLE_SECONDS
        while (
            unsettled := _unsettled(postgres_database, accepted)
        ) and time.monotonic() < deadline:
            time.sleep(1)
        print(f"settled {time.monotonic() - returned:.1f} s after Redis returned")
        assert not unsettled, f"{len(unsettled)} left, e.g. {unsettled[:5]}\n{worker.log[-5000:]}"
        assert worker.running(), "the worker exited"

        # The database check: each fact exactly once.
        uploads = query(
            postgres_database,
            "SELECT target_id, count(*) AS n FROM audit_events"
            " WHERE action = 'version.upload' GROUP BY target_id",
        )
        audited = {row["target_id"]: row["n"] for row in uploads}
        assert {f"{PACKAGE}=={v}" for v in accepted} <= set(audited)
        assert all(n == 1 for n in audited.values()), audited
        duplicates = query(
            postgres_database,
            "SELECT blob_key, backend, count(*) AS n FROM stored_copies"
            " GROUP BY blob_key, backend HAVING count(*) > 1",
        )
        assert duplicates == []
        # One verdict per version: the worker logs each recorded verdict once.
        verdicts = Counter(re.findall(rf"scan {PACKAGE}==(\S+): ", worker.log))
        assert set(accepted) <= set(verdicts), set(accepted) - set(verdicts)
        assert all(n == 1 for n in verdicts.values()), {v: n for v, n in verdicts.items() if n > 1}
        assert worker.stop() == 0, worker.log[-3000:]
    finally:
        worker.kill()
        server.stop()
        redis.kill()
