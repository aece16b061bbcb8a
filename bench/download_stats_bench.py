"""Download statistics (issue #18 part 3): exact daily counts across two web processes and a
restart, and what counting costs the download path.

1. Exactness (always). Two real `tb-registry serve` processes (`python -m registry serve`)
   share one PostgreSQL database and one blob folder (STORAGE_DIR; each has its own DATA_DIR).
   N downloads (`--downloads`, default 100,000), taken in turn from two versions of one
   package (the version file route) and two builds of one artifact (the build file route), are
   split across both: the first half on both, then a quarter on B while A is stopped with
   SIGTERM (its counter flushes at shutdown) and started again, then the last quarter on both.
   After both are stopped with SIGTERM, the daily rows must hold exactly what was sent to each
   version and build, on the UTC days the run spanned only; `package_versions.downloads`,
   `artifact_builds.downloads` and `packages.total_downloads` likewise; and a fresh process's
   REST `GET /packages/{name}/stats/downloads` and `GET /artifacts/{name}/stats/downloads`
   must report the package's and the artifact's shares. Exit status 1 otherwise.
2. CPU per download, in process (`--cpu-calls`, default 20,000; 0 skips): `count_version`
   called that many times, then one flush, timed with time.process_time, for the
   DownloadCounter of this checkout (or of `--current-rev`) and the one at `--baseline-rev`
   (their source, from git, loaded beside it), on a throw-away SQLite database; best of 5
   rounds each.
3. Throughput side by side (`--throughput-seconds`, default 10; 0 skips): one server of this
   checkout (or of a worktree of `--current-rev`) and one of a worktree of `--baseline-rev`
   (bench/http_load.py `checkout`), each on its own PostgreSQL database, alternately
   `--throughput-rounds` times (default 2), loaded with GETs of the version file; req/s, the
   server's CPU seconds per 1,000 downloads, and the ratios of the best rounds.
   `--current-rev d27ad47 --baseline-rev d27ad47^` isolates the counter change; without
   `--current-rev` the "current" side is this working tree with everything since the baseline.

    uv run python bench/download_stats_bench.py [--downloads 100000 (0 skips part 1)]
        [--concurrency 16] [--baseline-rev d27ad47^|none] [--current-rev REV]
        [--cpu-calls 20000] [--throughput-seconds 10] [--throughput-rounds 2]
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import io
import itertools
import os
import signal
import subprocess
import sys
import tempfile
import threading
import time
import types
import zipfile
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

REPO_ROOT = Path(__file__).resolve().parents[1]
if str(REPO_ROOT) not in sys.path:
    sys.path.insert(0, str(REPO_ROOT))

import asyncpg  # noqa: E402
import httpx  # noqa: E402

from bench import rest_bench  # noqa: E402  # its REST seeding (publisher, package, versions)
from bench.http_load import (  # noqa: E402
    REPO_ROOT as ROOT,
)
from bench.http_load import (  # noqa: E402
    RegistryServer,
    Request,
    checkout,
    free_port,
    load,
    loader_for,
    migrate,
    python_of,
    registry_env,
    token,
)
from bench.support import POSTGRES, postgres_database_sync  # noqa: E402

PACKAGE = "statsmod"
VERSIONS = ("1.0.0", "1.1.0")
ARTIFACT = "statsapp"
ARTIFACT_VERSION = "1.0.0"
BUILDS = (("linux", "x64"), ("windows", "x64"))  # (platform, architecture)
# The commit before the statistics (the DownloadCounter that only kept totals).
DEFAULT_BASELINE = "d27ad47^"


# --- the servers ----------------------------------------------------------------------------


@dataclass
class Serve:
    """`python -m registry serve` of the code at `root`, stopped with SIGTERM."""

    name: str
    env: dict[str, str]
    log: Path
    root: Path = ROOT
    process: subprocess.Popen[bytes] | None = None
    port: int = 0

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self, timeout: float = 120) -> Serve:
        self.port = free_port()
        env = {**os.environ, **self.env, "SERVER_HOST": "127.0.0.1", "SERVER_PORT": str(self.port)}
        with self.log.open("ab") as log:
            self.process = subprocess.Popen(
                [python_of(self.root), "-m", "registry", "serve"],
                cwd=self.root,
                env=env,
                stdout=log,
                stderr=subprocess.STDOUT,
            )
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"{self.name} exited: {self.tail()}")
            with contextlib.suppress(httpx.HTTPError):
                if httpx.get(self.url + "/api/v1/health", timeout=2).status_code == 200:
                    return self
            time.sleep(0.2)
        self.stop()
        raise RuntimeError(f"{self.name} did not start: {self.tail()}")

    def stop(self) -> int:
        """SIGTERM, then wait: the shutdown flushes the download counter. The exit status."""
        assert self.process is not None
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=60)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
                raise RuntimeError(f"{self.name} ignored SIGTERM: {self.tail()}") from None
        return self.process.returncode

    def tail(self, chars: int = 3000) -> str:
        return self.log.read_text(errors="replace")[-chars:]


# --- the downloads ---------------------------------------------------------------------------


def file_path(version: str) -> str:
    return f"/api/v1/packages/{PACKAGE}/versions/{version}/file"


def build_path(platform: str, architecture: str) -> str:
    return (
        f"/api/v1/artifacts/{ARTIFACT}/versions/{ARTIFACT_VERSION}/builds/"
        f"{platform}/{architecture}/file"
    )


def build_label(platform: str, architecture: str) -> str:
    return f"{ARTIFACT} {platform}/{architecture}"


# What the downloads fetch, in turn: label (a version, or the artifact and its build) -> path.
TARGETS = {
    **{version: file_path(version) for version in VERSIONS},
    **{build_label(p, a): build_path(p, a) for p, a in BUILDS},
}
ARTIFACT_LABELS = frozenset(build_label(p, a) for p, a in BUILDS)


def seed_artifact(base_url: str, publisher_id: str) -> None:
    """The admin lets the bench's publisher (rest_bench.seed's) publish artifacts; its owner
    creates ARTIFACT and uploads one ZIP build (accepted for every desktop platform) per
    BUILDS entry."""
    owner = {"Authorization": f"Bearer {token(rest_bench.OWNER_ID)}"}
    admin = {"Authorization": f"Bearer {token(rest_bench.ADMIN_ID)}"}
    with httpx.Client(base_url=base_url, timeout=120) as client:
        client.patch(
            f"/api/v1/publishers/admin/{publisher_id}",
            headers=admin,
            json={"can_publish_artifacts": True},
        ).raise_for_status()
        created = client.post(
            "/api/v1/artifacts",
            headers=owner,
            json={"name": ARTIFACT, "artifact_type": "cli_executable", "description": "bench"},
        )
        assert created.status_code == 201, created.text
        for platform, architecture in BUILDS:
            archive = io.BytesIO()
            with zipfile.ZipFile(archive, "w") as zipped:
                zipped.writestr(f"{platform}-{architecture}.bin", os.urandom(2048))
            uploaded = client.post(
                f"/api/v1/artifacts/{ARTIFACT}/builds",
                headers=owner,
                data={
                    "version": ARTIFACT_VERSION,
                    "platform": platform,
                    "architecture": architecture,
                },
                files={"file": ("statsapp.zip", archive.getvalue(), "application/zip")},
            )
            assert uploaded.status_code == 201, uploaded.text


async def _download(
    urls: list[str], count: int, concurrency: int, sent: Counter[str], retried: Counter[str]
) -> None:
    """`count` downloads, alternating over `urls` (servers) and TARGETS, `concurrency` at a
    time; each must answer 200 with the whole body. Counts each completed one in `sent`."""
    labels = list(TARGETS)
    jobs = iter((urls[i % len(urls)], labels[(i // len(urls)) % len(labels)]) for i in range(count))
    limits = httpx.Limits(max_connections=concurrency, max_keepalive_connections=concurrency)
    async with httpx.AsyncClient(limits=limits, timeout=60) as client:

        async def fetch(url: str) -> None:
            # A keep-alive connection the server closed (its idle timeout, when this loaded
            # client was slow to reuse it) fails before any response: the request was not
            # served, so it is sent again. A failure after the headers is not retried (the
            # server may have counted it) and fails the run.
            for attempt in itertools.count(1):
                headers_seen = False
                try:
                    async with client.stream("GET", url) as response:
                        headers_seen = True
                        body = await response.aread()
                except (httpx.ReadError, httpx.RemoteProtocolError, httpx.ConnectError):
                    if headers_seen or attempt == 5:
                        raise
                    retried["requests"] += 1
                    continue
                if response.status_code != 200 or not body:
                    raise RuntimeError(f"{url}: {response.status_code} {body[:200]!r}")
                return

        async def worker() -> None:
            for base, label in jobs:  # one shared iterator: each job is taken once
                await fetch(base + TARGETS[label])
                sent[label] += 1

        await asyncio.gather(*(worker() for _ in range(concurrency)))


def download(
    urls: list[str], count: int, concurrency: int, sent: Counter[str], retried: Counter[str]
) -> float:
    began = time.monotonic()
    asyncio.run(_download(urls, count, concurrency, sent, retried))
    return time.monotonic() - began


async def _stored_counts(database_url: str) -> dict[str, Any]:
    name = database_url.rsplit("/", 1)[1]
    conn = await asyncpg.connect(database=name, **POSTGRES)
    try:
        daily = await conn.fetch(
            "SELECT v.version AS label, d.day, d.downloads FROM version_download_days d "
            "JOIN package_versions v ON v.id = d.version_id "
            "UNION ALL "
            "SELECT $1 || ' ' || b.platform || '/' || b.architecture, d.day, d.downloads "
            "FROM build_download_days d JOIN artifact_builds b ON b.id = d.build_id",
            ARTIFACT,
        )
        totals = await conn.fetch(
            "SELECT version AS label, downloads FROM package_versions UNION ALL "
            "SELECT $1 || ' ' || platform || '/' || architecture, downloads FROM artifact_builds",
            ARTIFACT,
        )
        package_total = await conn.fetchval(
            "SELECT total_downloads FROM packages WHERE name_key = $1", PACKAGE
        )
    finally:
        await conn.close()
    per_target: Counter[str] = Counter()
    for row in daily:
        per_target[row["label"]] += row["downloads"]
    return {
        "daily_rows": len(daily),
        "days": sorted({str(row["day"]) for row in daily}),
        "daily_per_target": dict(per_target),
        "target_totals": {row["label"]: row["downloads"] for row in totals},
        "package_total": package_total,
    }


def _utc_day() -> str:
    return time.strftime("%Y-%m-%d", time.gmtime())


def exactness(
    downloads: int, concurrency: int, workdir: Path, database_url: str | None = None
) -> dict[str, Any]:
    """Part 1 on `database_url` (migrated; default: a throw-away database); returns the
    figures and whether every count is exact."""
    with contextlib.ExitStack() as stack:
        if database_url is None:
            database_url = stack.enter_context(postgres_database_sync())
        return _exactness(downloads, concurrency, workdir, database_url)


def _exactness(
    downloads: int, concurrency: int, workdir: Path, database_url: str
) -> dict[str, Any]:
    blobs = workdir / "blobs"
    started: list[Serve] = []

    def server(name: str) -> Serve:
        env = registry_env(workdir / name, database_url, admin_id=rest_bench.ADMIN_ID)
        env |= {"STORAGE_DIR": str(blobs)}
        started.append(Serve(name, env, workdir / f"{name}.log"))
        return started[-1]

    try:
        return _count_across_a_restart(downloads, concurrency, database_url, server)
    finally:
        for process in started:  # what an error left running
            if process.process is not None and process.process.poll() is None:
                process.process.kill()
                process.process.wait()


def _count_across_a_restart(
    downloads: int, concurrency: int, database_url: str, server: Callable[[str], Serve]
) -> dict[str, Any]:

    a = server("a").start()
    detail = rest_bench.seed(a.url, PACKAGE, list(VERSIONS))
    seed_artifact(a.url, detail["publisher_id"])
    b = server("b").start()
    first_day = _utc_day()
    sent: Counter[str] = Counter()
    retried: Counter[str] = Counter()
    half, quarter = downloads // 2, downloads // 4
    rest = downloads - half - quarter
    seconds = download([a.url, b.url], half, concurrency, sent, retried)
    # A quarter on B while A stops (SIGTERM: its shutdown flushes) and starts again.
    restart: dict[str, Any] = {}

    def restart_a() -> None:
        began = time.monotonic()
        restart["exit_status"] = a.stop()
        a.start()
        restart["seconds"] = round(time.monotonic() - began, 1)

    restarter = threading.Thread(target=restart_a)
    restarter.start()
    seconds += download([b.url], quarter, concurrency, sent, retried)
    restarter.join()
    seconds += download([a.url, b.url], rest, concurrency, sent, retried)
    exits = {"a": a.stop(), "b": b.stop()}
    last_day = _utc_day()
    stored = asyncio.run(_stored_counts(database_url))
    # A fresh process answers the statistics from the rows the others wrote.
    reader = server("reader").start()
    try:
        stats = {
            route: httpx.get(
                f"{reader.url}/api/v1/{route}/stats/downloads",
                params={"to": last_day},
                timeout=30,
            ).json()
            for route in (f"packages/{PACKAGE}", f"artifacts/{ARTIFACT}")
        }
    finally:
        reader.stop()
    expected = dict(sent)
    artifact_sent = sum(n for label, n in sent.items() if label in ARTIFACT_LABELS)
    package_sent = downloads - artifact_sent
    # Every row on a day the run spanned (one, unless it crossed midnight UTC).
    run_days = {first_day, last_day}
    exact = (
        sum(sent.values()) == downloads
        and stored["daily_per_target"] == expected
        and stored["target_totals"] == expected
        and stored["package_total"] == package_sent
        and set(stored["days"]) <= run_days
        and stats[f"packages/{PACKAGE}"].get("total") == package_sent
        and stats[f"artifacts/{ARTIFACT}"].get("total") == artifact_sent
        and restart["exit_status"] == 0
        and exits == {"a": 0, "b": 0}
    )
    return {
        "downloads": downloads,
        "sent_per_target": expected,
        "download_seconds": round(seconds, 1),
        "downloads_per_second": round(downloads / seconds) if seconds else 0,
        "retried_before_any_response": retried["requests"],
        "restart": restart,
        "exit_status": exits,
        "run_days": sorted(run_days),
        **stored,
        "rest_package_total": stats[f"packages/{PACKAGE}"].get("total"),
        "rest_artifact_total": stats[f"artifacts/{ARTIFACT}"].get("total"),
        "exact": exact,
    }


# --- CPU per download, in process ------------------------------------------------------------


def _counter_at(rev: str) -> type[Any]:
    """The DownloadCounter class as `rev` wrote it, loaded from git beside this one's."""
    source = subprocess.run(
        ["git", "-C", str(ROOT), "show", f"{rev}:domain/download_counts.py"],
        check=True,
        capture_output=True,
        text=True,
    ).stdout
    module = types.ModuleType(f"download_counts_at_{rev}")
    exec(compile(source, f"{rev}:domain/download_counts.py", "exec"), module.__dict__)
    return module.DownloadCounter  # type: ignore[no-any-return]


async def _cpu_rounds(counters: dict[str, type[Any]], calls: int, rounds: int) -> dict[str, Any]:
    from domain.database import apply_migrations, close_database, init_database
    from domain.models import Package, PackageVersion, Publisher

    with tempfile.TemporaryDirectory() as folder:
        url = f"sqlite://{folder}/cpu.sqlite3"
        await apply_migrations(url)
        await init_database(url)
        try:
            publisher = await Publisher.create(name="cpu", display_name="cpu", email="c@e.x")
            package = await Package.create(name="cpu", name_key="cpu", publisher_id=publisher.id)
            version = await PackageVersion.create(
                package_id=package.id,
                version="1.0.0",
                version_key="1.0.0",
                blob_key="k",
                sha256="0" * 64,
                size_bytes=1,
            )
            best: dict[str, dict[str, float]] = {}
            for _, (label, cls) in itertools.product(range(rounds), counters.items()):
                counter = cls(flush_interval=3600)
                count = counter.count_version
                began = time.process_time()
                for _ in range(calls):
                    count(package.id, version.id)
                counted = time.process_time()
                await counter.flush()
                flushed = time.process_time()
                row = {
                    "count_us": (counted - began) / calls * 1e6,
                    "flush_ms": (flushed - counted) * 1e3,
                }
                row["total_us"] = (flushed - began) / calls * 1e6
                previous = best.get(label)
                if previous is None or row["total_us"] < previous["total_us"]:
                    best[label] = row
        finally:
            await close_database()
    return {label: {k: round(v, 3) for k, v in row.items()} for label, row in best.items()}


def cpu_per_download(
    rev: str | None, calls: int, rounds: int = 5, current_rev: str | None = None
) -> dict[str, Any]:
    from domain.download_counts import DownloadCounter

    counters: dict[str, type[Any]] = {
        "current": _counter_at(current_rev) if current_rev else DownloadCounter
    }
    if rev:
        counters["baseline"] = _counter_at(rev)
    result = asyncio.run(_cpu_rounds(counters, calls, rounds))
    if rev:
        result["ratio_total"] = round(
            result["current"]["total_us"] / result["baseline"]["total_us"], 3
        )
    return result


# --- throughput side by side ------------------------------------------------------------------


def _throughput_of(root: Path, label: str, seconds: float, workdir: Path) -> dict[str, Any]:
    with postgres_database_sync(migrate=False) as database_url:
        migrate(database_url, root)
        env = registry_env(workdir / label, database_url, admin_id=rest_bench.ADMIN_ID)
        server = RegistryServer.start(label, env, workdir / f"{label}.log", root=root)
        try:
            rest_bench.seed(server.base_url, PACKAGE, list(VERSIONS))
            result = load(
                server.base_url,
                Request("GET", file_path(VERSIONS[0])),
                loader=loader_for("auto"),
                duration=seconds,
                connections=16,
                server=server,
            )
        finally:
            server.stop()
    cpu_per_request = result.server_cpu_percent / 100 / result.rps if result.rps else 0.0
    return {
        "rps": round(result.rps),
        "errors": result.errors,
        "p50_ms": round(result.p50_ms, 2),
        "server_cpu_ms_per_download": round(cpu_per_request * 1000, 3),
    }


def throughput(
    rev: str, seconds: float, workdir: Path, rounds: int = 2, current_rev: str | None = None
) -> dict[str, Any]:
    """Baseline and current (this checkout, or a worktree of `current_rev`) alternately,
    `rounds` times each; the best of each."""
    runs: dict[str, list[dict[str, Any]]] = {"baseline": [], "current": []}
    with contextlib.ExitStack() as trees:
        baseline_root = trees.enter_context(checkout(rev))
        current_root = trees.enter_context(checkout(current_rev)) if current_rev else ROOT
        for index in range(rounds):
            for label, root in (("baseline", baseline_root), ("current", current_root)):
                runs[label].append(_throughput_of(root, f"{label}{index}", seconds, workdir))
    best = {label: max(results, key=lambda r: r["rps"]) for label, results in runs.items()}
    return {
        **best,
        "rps_ratio": round(best["current"]["rps"] / best["baseline"]["rps"], 3),
        "cpu_ratio": round(
            best["current"]["server_cpu_ms_per_download"]
            / best["baseline"]["server_cpu_ms_per_download"],
            3,
        ),
        "all_runs": runs,
    }


# --- main ---------------------------------------------------------------------------------------


@contextlib.contextmanager
def workdir() -> Iterator[Path]:
    with tempfile.TemporaryDirectory(prefix="download-stats-bench-") as folder:
        yield Path(folder)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--downloads", type=int, default=100_000)
    parser.add_argument("--concurrency", type=int, default=16)
    parser.add_argument("--baseline-rev", default=DEFAULT_BASELINE)
    parser.add_argument("--current-rev", default=None)
    parser.add_argument("--cpu-calls", type=int, default=20_000)
    parser.add_argument("--throughput-seconds", type=float, default=10.0)
    parser.add_argument("--throughput-rounds", type=int, default=2)
    args = parser.parse_args(argv)
    rev = None if args.baseline_rev.lower() in ("", "none") else args.baseline_rev
    if 0 < args.downloads < 4 * len(TARGETS):
        parser.error(
            f"--downloads: 0, or at least {4 * len(TARGETS)} (each quarter reaches every target)"
        )
    failed = False
    with workdir() as folder:
        if args.downloads > 0:
            result = exactness(args.downloads, args.concurrency, folder)
            print("exactness:", result, flush=True)
            failed |= not result["exact"]
        if args.cpu_calls > 0:
            cpu = cpu_per_download(rev, args.cpu_calls, current_rev=args.current_rev)
            print("cpu per download (us):", cpu, flush=True)
        if rev and args.throughput_seconds > 0:
            side_by_side = throughput(
                rev,
                args.throughput_seconds,
                folder,
                rounds=args.throughput_rounds,
                current_rev=args.current_rev,
            )
            print("throughput:", side_by_side, flush=True)
    if args.downloads > 0:
        print("FAILED: counts are not exact" if failed else "OK: every download counted once")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
