"""Download statistics (issue #18 part 3): exact daily counts across two web processes and a
restart, and what counting costs the download path.

1. Exactness (always). Two real `tb-registry serve` processes (`python -m registry serve`)
   share one PostgreSQL database and one blob folder (STORAGE_DIR; each has its own DATA_DIR).
   N downloads of two versions of one package (`--downloads`, default 100,000) are split
   across both: the first half on both, then a quarter on B while A is stopped with SIGTERM
   (its counter flushes at shutdown) and started again, then the last quarter on both. After
   both are stopped with SIGTERM, the daily rows must sum to exactly N (per version, too),
   `packages.total_downloads` and `package_versions.downloads` likewise, and a fresh process's
   REST `GET /packages/{name}/stats/downloads` must report N. Exit status 1 otherwise.
2. CPU per download, in process (`--cpu-calls`, default 20,000): `count_version` called that
   many times, then one flush, timed with time.process_time, for this checkout's
   DownloadCounter and the one at `--baseline-rev` (its source, from git, loaded beside it),
   on a throw-away SQLite database; best of 5 rounds each.
3. Throughput side by side (`--throughput-seconds`, default 10; 0 skips): one server of this
   checkout and one of a worktree of `--baseline-rev` (bench/http_load.py `checkout`), each on
   its own PostgreSQL database, loaded with GETs of the version file; req/s, the server's CPU
   seconds per 1,000 downloads, and the ratios.

    uv run python bench/download_stats_bench.py [--downloads 100000] [--concurrency 16]
        [--baseline-rev d27ad47^|none] [--cpu-calls 20000] [--throughput-seconds 10]
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import itertools
import os
import signal
import subprocess
import sys
import tempfile
import threading
import time
import types
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
)
from bench.support import POSTGRES, postgres_database_sync  # noqa: E402

PACKAGE = "statsmod"
VERSIONS = ("1.0.0", "1.1.0")
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


async def _download(
    urls: list[str], count: int, concurrency: int, sent: Counter[str], retried: Counter[str]
) -> None:
    """`count` downloads, alternating over `urls` (servers) and VERSIONS, `concurrency` at a
    time; each must answer 200 with the whole body. Counts each completed one in `sent`."""
    jobs = iter(
        (urls[i % len(urls)], VERSIONS[(i // len(urls)) % len(VERSIONS)]) for i in range(count)
    )
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
            for base, version in jobs:  # one shared iterator: each job is taken once
                await fetch(base + file_path(version))
                sent[version] += 1

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
            "SELECT v.version, d.day, d.downloads FROM version_download_days d "
            "JOIN package_versions v ON v.id = d.version_id ORDER BY d.day, v.version"
        )
        versions = await conn.fetch("SELECT version, downloads FROM package_versions")
        total = await conn.fetchval(
            "SELECT total_downloads FROM packages WHERE name_key = $1", PACKAGE
        )
    finally:
        await conn.close()
    per_version: Counter[str] = Counter()
    for row in daily:
        per_version[row["version"]] += row["downloads"]
    return {
        "daily_rows": len(daily),
        "days": sorted({str(row["day"]) for row in daily}),
        "daily_per_version": dict(per_version),
        "version_totals": {row["version"]: row["downloads"] for row in versions},
        "package_total": total,
    }


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
    rest_bench.seed(a.url, PACKAGE, list(VERSIONS))
    b = server("b").start()
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
    stored = asyncio.run(_stored_counts(database_url))
    # A fresh process answers the statistics from the rows the others wrote.
    reader = server("reader").start()
    try:
        to = time.strftime("%Y-%m-%d", time.gmtime())
        stats = httpx.get(
            f"{reader.url}/api/v1/packages/{PACKAGE}/stats/downloads",
            params={"to": to},
            timeout=30,
        ).json()
    finally:
        reader.stop()
    expected = dict(sent)
    exact = (
        sum(sent.values()) == downloads
        and stored["daily_per_version"] == expected
        and stored["version_totals"] == expected
        and stored["package_total"] == downloads
        and stats.get("total") == downloads
        and restart["exit_status"] == 0
        and exits == {"a": 0, "b": 0}
    )
    return {
        "downloads": downloads,
        "sent_per_version": expected,
        "download_seconds": round(seconds, 1),
        "downloads_per_second": round(downloads / seconds) if seconds else 0,
        "retried_before_any_response": retried["requests"],
        "restart": restart,
        "exit_status": exits,
        **stored,
        "rest_stats_total": stats.get("total"),
        "exact": exact,
    }


# --- CPU per download, in process ------------------------------------------------------------


def _baseline_counter(rev: str) -> type[Any]:
    """The DownloadCounter class as `rev` wrote it, loaded from git beside this one's."""
    source = subprocess.run(
        ["git", "-C", str(ROOT), "show", f"{rev}:domain/download_counts.py"],
        check=True,
        capture_output=True,
        text=True,
    ).stdout
    module = types.ModuleType("baseline_download_counts")
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


def cpu_per_download(rev: str | None, calls: int, rounds: int = 5) -> dict[str, Any]:
    from domain.download_counts import DownloadCounter

    counters: dict[str, type[Any]] = {"current": DownloadCounter}
    if rev:
        counters["baseline"] = _baseline_counter(rev)
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


def throughput(rev: str, seconds: float, workdir: Path, rounds: int = 2) -> dict[str, Any]:
    """Baseline and current alternately, `rounds` times each; the best of each."""
    runs: dict[str, list[dict[str, Any]]] = {"baseline": [], "current": []}
    with checkout(rev) as baseline_root:
        for index in range(rounds):
            for label, root in (("baseline", baseline_root), ("current", ROOT)):
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
    parser.add_argument("--cpu-calls", type=int, default=20_000)
    parser.add_argument("--throughput-seconds", type=float, default=10.0)
    args = parser.parse_args(argv)
    rev = None if args.baseline_rev.lower() in ("", "none") else args.baseline_rev
    if args.downloads < 4:
        parser.error("--downloads: at least 4 (a half and two quarters)")
    failed = False
    with workdir() as folder:
        result = exactness(args.downloads, args.concurrency, folder)
        print("exactness:", result, flush=True)
        failed |= not result["exact"]
        if args.cpu_calls > 0:
            print("cpu per download (us):", cpu_per_download(rev, args.cpu_calls), flush=True)
        if rev and args.throughput_seconds > 0:
            print("throughput:", throughput(rev, args.throughput_seconds, folder), flush=True)
    print("FAILED: counts are not exact" if failed else "OK: every download counted once")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
