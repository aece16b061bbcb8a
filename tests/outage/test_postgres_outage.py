"""Issue #17's acceptance, web side: PostgreSQL stopped (`pg_ctl -m immediate`, as in a crash)
for 6 s under a steady mix of uploads, package reads, resolves and GraphQL queries through one
`tb-registry serve` process (blobs in a folder, no Redis), then started again on the same port.

- During the outage every request is answered: successfully, or REST 503 with a JSON `detail`
  and `Retry-After`, or GraphQL `SERVICE_UNAVAILABLE`; never another 5xx, never a reset.
- `/api/v1/health` answers 200 throughout; `/api/v1/ready` answers 503 naming the database.
- Within 5 s of the database's return, reads and `/ready` answer 200 again, and stay so (the
  pool replaced its dead connections: none is reused).
- At the end the database holds nothing half-written: every version has its blob (present,
  with its checksum), its stored copy and its audit event; every upload answered 201 is there;
  the upload spool holds no leftovers.
"""

from __future__ import annotations

import contextlib
import hashlib
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx

from tests.fixtures.stack import JWT_SECRET, bearer
from tests.helpers import mod_zip
from tests.outage.pg_cluster import PostgresCluster
from tests.process.rest_setup import publisher_and_package, upload, wait_published
from tests.process.server import ServerProcess, run_cli

PACKAGE = "Steady"
OUTAGE_SECONDS = 6
RECOVERY_SECONDS = 5  # the bound: reads and /ready are 200 again within this
DATABASE = "registry"
GRAPHQL_QUERY = (
    "query Steady($name: String!) { package(name: $name) { name latestVersion totalDownloads"
    " publisher { name } } }"
)


@dataclass
class Answer:
    at: float  # time.monotonic() when the answer arrived
    kind: str
    status: int | None  # None: no HTTP answer at all (reset, refused, timeout)
    verdict: str  # "ok", "unavailable" (a well-formed 503 / SERVICE_UNAVAILABLE) or "bad: ..."


@dataclass
class Load:
    """A few concurrent clients (each its own keep-alive connection) until stopped."""

    base: str
    stopping: threading.Event = field(default_factory=threading.Event)
    answers: list[Answer] = field(default_factory=list)
    accepted: list[str] = field(default_factory=list)  # versions answered 201
    lock: threading.Lock = field(default_factory=threading.Lock)

    def record(self, kind: str, status: int | None, verdict: str) -> None:
        with self.lock:
            self.answers.append(Answer(time.monotonic(), kind, status, verdict))

    def run(self, kind: str, call: Callable[[httpx.Client], httpx.Response], judge: Any) -> None:
        with httpx.Client(base_url=self.base, timeout=30) as client:
            while not self.stopping.is_set():
                try:
                    response = call(client)
                except httpx.HTTPError as exc:
                    self.record(kind, None, f"bad: {type(exc).__name__}: {exc}")
                    continue
                self.record(kind, response.status_code, judge(response))
                time.sleep(0.05)

    def threads(self) -> list[threading.Thread]:
        token = bearer("p1")
        number = iter(range(1, 100_000))

        def upload(client: httpx.Client) -> httpx.Response:
            version = f"2.0.{next(number)}"
            response = client.post(
                f"/api/v1/packages/{PACKAGE}/versions",
                headers=token,
                data={"version": version},
                files={"file": ("s.zip", mod_zip(PACKAGE, version))},
            )
            if response.status_code == 201:
                with self.lock:
                    self.accepted.append(version)
            return response

        def graphql(headers: dict[str, str]) -> Callable[[httpx.Client], httpx.Response]:
            body = {"query": GRAPHQL_QUERY, "variables": {"name": PACKAGE}}
            return lambda client: client.post("/graphql", json=body, headers=headers)

        calls: list[tuple[str, Callable[[httpx.Client], httpx.Response], Any]] = [
            ("upload", upload, rest_verdict),
            # With a token: never from the anonymous answer cache, so it reaches the database.
            ("read", lambda c: c.get(f"/api/v1/packages/{PACKAGE}", headers=token), rest_verdict),
            ("read-anonymous", lambda c: c.get(f"/api/v1/packages/{PACKAGE}"), rest_verdict),
            (
                "resolve",
                lambda c: c.post("/api/v1/resolve", json={"requirements": [PACKAGE]}),
                rest_verdict,
            ),
            ("graphql", graphql(token), graphql_verdict),
            ("graphql-anonymous", graphql({}), graphql_verdict),
            ("health", lambda c: c.get("/api/v1/health"), health_verdict),
            ("ready", lambda c: c.get("/api/v1/ready"), ready_verdict),
        ]
        return [
            threading.Thread(target=self.run, args=call, daemon=True, name=call[0])
            for call in calls
        ]


def _json(response: httpx.Response) -> Any:
    try:
        return response.json()
    except ValueError:
        return None


def rest_verdict(response: httpx.Response) -> str:
    if response.status_code in (200, 201):
        return "ok"
    body = _json(response)
    if (
        response.status_code == 503
        and isinstance(body, dict)
        and isinstance(body.get("detail"), str)
        and response.headers.get("retry-after", "").isdigit()
    ):
        return "unavailable"
    return f"bad: {response.status_code} {response.text[:300]}"


def graphql_verdict(response: httpx.Response) -> str:
    body = _json(response)
    if not isinstance(body, dict):
        return f"bad: {response.status_code} {response.text[:300]}"
    errors = body.get("errors") or []
    if response.status_code == 200 and not errors and (body.get("data") or {}).get("package"):
        return "ok"
    codes = {(e.get("extensions") or {}).get("code") for e in errors}
    if errors and codes == {"SERVICE_UNAVAILABLE"} and response.status_code in (200, 503):
        return "unavailable"
    return f"bad: {response.status_code} {response.text[:300]}"


def health_verdict(response: httpx.Response) -> str:
    ok = response.status_code == 200 and _json(response) == {"status": "healthy"}
    return "ok" if ok else f"bad: {response.status_code} {response.text[:300]}"


def ready_verdict(response: httpx.Response) -> str:
    body = _json(response)
    if response.status_code == 200 and isinstance(body, dict) and body.get("status") == "ready":
        return "ok"
    if (
        response.status_code == 503
        and isinstance(body, dict)
        and body.get("details", {}).get("database") is False
        and "database" in str(body.get("detail"))
    ):
        return "unavailable"
    return f"bad: {response.status_code} {response.text[:300]}"


def _spooled(data_dir: Path) -> list[Path]:
    """Upload spool files (the scratch areas' lock files, named after their process, stay)."""
    spool = data_dir / "spool"
    return [p for p in spool.rglob("*") if p.is_file() and not p.name.endswith(".lock")]


def _largest_spooled(data_dir: Path) -> int:
    sizes = [0]
    for path in _spooled(data_dir):
        with contextlib.suppress(FileNotFoundError):  # another upload's, finished meanwhile
            sizes.append(path.stat().st_size)
    return max(sizes)


class UploadInFlight:
    """An upload whose body stops halfway until `finish`: its request was admitted (token,
    package) while the database was up, and it reaches the database after it went down."""

    def __init__(self, base: str) -> None:
        self.resume = threading.Event()
        self.verdict = "no answer yet"
        encoded = httpx.Request(
            "POST",
            f"{base}/api/v1/packages/{PACKAGE}/versions",
            headers=bearer("p1"),
            data={"version": "9.9.9"},
            # Past the spool's 1 MiB write-behind: its first half is on disk while it waits.
            files={"file": ("s.zip", mod_zip(PACKAGE, "9.9.9") + bytes(3 * 1024 * 1024))},
        )
        self.body = encoded.read()
        self.url = str(encoded.url)
        self.headers = dict(encoded.headers)
        self.thread = threading.Thread(target=self._send, daemon=True)

    def _chunks(self) -> Iterator[bytes]:
        half = len(self.body) // 2
        yield self.body[:half]
        self.resume.wait(60)
        yield self.body[half:]

    def _send(self) -> None:
        try:
            response = httpx.post(
                self.url, content=self._chunks(), headers=self.headers, timeout=60
            )
        except httpx.HTTPError as exc:
            self.verdict = f"bad: {type(exc).__name__}: {exc}"
            return
        self.verdict = rest_verdict(response)

    def start(self) -> None:
        self.thread.start()

    def finish(self) -> None:
        self.resume.set()
        self.thread.join(timeout=60)


def _setup(base: str) -> None:
    publisher_and_package(base, PACKAGE)
    upload(base, PACKAGE, "1.0.0")
    # Reads and resolves need a published version: the in-process scan publishes it.
    wait_published(base, PACKAGE, 60)


def _half_written(cluster: PostgresCluster, blobs: Path) -> list[str]:
    """Versions missing any part their upload's transaction writes, or their blob."""
    rows = cluster.query(
        DATABASE,
        "SELECT v.version, v.blob_key, v.sha256, v.size_bytes,"
        " (SELECT count(*) FROM audit_events a WHERE a.action = 'version.upload'"
        "   AND a.target_id = p.name || '==' || v.version) AS audits,"
        " (SELECT count(*) FROM stored_copies c WHERE c.blob_key = v.blob_key"
        "   AND c.backend = 'primary' AND c.state = 'present') AS copies"
        " FROM package_versions v JOIN packages p ON p.id = v.package_id",
    )
    problems = []
    for row in rows:
        path = blobs / row["blob_key"]
        if not row["blob_key"] or not path.is_file():
            problems.append(f"{row['version']}: blob {row['blob_key']!r} missing")
        elif path.stat().st_size != row["size_bytes"]:
            problems.append(f"{row['version']}: blob size differs")
        elif hashlib.sha256(path.read_bytes()).hexdigest() != row["sha256"]:
            problems.append(f"{row['version']}: blob checksum differs")
        if row["audits"] != 1 or row["copies"] != 1:
            problems.append(f"{row['version']}: {row['audits']} audits, {row['copies']} copies")
    return problems


def _summary(answers: list[Answer]) -> dict[str, dict[str, int]]:
    summary: dict[str, dict[str, int]] = {}
    for answer in answers:
        verdict = answer.verdict if not answer.verdict.startswith("bad") else "bad"
        kind = summary.setdefault(answer.kind, {})
        kind[verdict] = kind.get(verdict, 0) + 1
    return summary


def test_postgres_restart_is_reported_not_crashed_on(
    tmp_path: Path, cluster: PostgresCluster
) -> None:
    env = {
        "DATABASE_URL": cluster.create_database(DATABASE),
        "CLOUDM_JWT_SECRET": JWT_SECRET,
        "ADMIN_USERS": "",
        "RATE_LIMIT_ENABLED": "false",  # the load is steady, not a test of the limits
        "REDIS_URL": "",
    }
    migrated = run_cli(["migrate"], env, tmp_path)
    assert migrated.returncode == 0, migrated.stderr
    data_dir = tmp_path / "data"
    server = ServerProcess(data_dir, env, log_path=tmp_path / "server.log")
    server.start()
    load = Load(server.url)
    threads = load.threads()
    try:
        _setup(server.url)
        for thread in threads:
            thread.start()
        in_flight = UploadInFlight(server.url)
        in_flight.start()
        time.sleep(3)
        assert _largest_spooled(data_dir) >= 1024 * 1024, "the upload in flight is not spooling"
        stopped = time.monotonic()
        cluster.stop_immediately()
        in_flight.finish()  # the rest of its body arrives while the database is down
        time.sleep(OUTAGE_SECONDS)
        assert in_flight.verdict == "unavailable", in_flight.verdict
        cluster.start()
        returned = time.monotonic()
        time.sleep(RECOVERY_SECONDS + 4)
    finally:
        load.stopping.set()
        for thread in threads:
            if thread.is_alive():
                thread.join(timeout=60)
        log = (tmp_path / "server.log").read_text(errors="replace")
        server.stop()

    answers = list(load.answers)
    during = [a for a in answers if stopped <= a.at <= returned]
    after = [a for a in answers if a.at > returned + RECOVERY_SECONDS]
    print(f"whole run: {_summary(answers)}")
    print(f"during the outage: {_summary(during)}")

    bad = [a for a in answers if a.verdict.startswith("bad")]
    assert not bad, f"{len(bad)} bad answers, e.g. {[(a.kind, a.verdict) for a in bad[:5]]}"
    # The outage was seen, and reported as such, by every kind that needs the database.
    unavailable = {a.kind for a in during if a.verdict == "unavailable"}
    assert {"upload", "read", "ready", "graphql"} <= unavailable, _summary(during)
    assert all(a.verdict == "ok" for a in answers if a.kind == "health")

    def recovered_at(kind: str) -> float:
        last_unavailable = max(
            (a.at for a in answers if a.kind == kind and a.verdict == "unavailable"), default=0.0
        )
        since = max(last_unavailable, returned)
        firsts = [a.at for a in answers if a.kind == kind and a.verdict == "ok" and a.at > since]
        assert firsts, f"{kind} never answered 200 after the outage"
        return min(firsts) - returned

    for kind in ("read", "ready", "graphql", "resolve"):
        took = recovered_at(kind)
        print(f"{kind}: 200 again {took:.2f} s after the database returned")
        assert took <= RECOVERY_SECONDS, f"{kind} took {took:.1f} s"
    # And stayed so: no dead pooled connection handed out later.
    assert after and all(a.verdict == "ok" for a in after), _summary(after)
    assert any(a.kind == "upload" and a.verdict == "ok" for a in after)

    problems = _half_written(cluster, data_dir / "blobs")
    assert not problems, problems
    versions = {
        row["version"] for row in cluster.query(DATABASE, "SELECT version FROM package_versions")
    }
    assert set(load.accepted) <= versions
    assert _spooled(data_dir) == []
    # Outages are logged as one line each, never as an unhandled error.
    assert "unhandled error" not in log, log[-5000:]
