"""Download failover benchmark: downloads with the primary store dead or frozen.

For each scenario, starts two SeaweedFS servers on free loopback ports (primary and mirror), a
registry on SQLite with the S3 primary and the S3 mirror, publishes a few versions (each about
256 KiB of incompressible data in a mod ZIP) and waits until the mirror holds them. Then,
driving the registry's ASGI app in process (as the tests do):

1. healthy baseline: N downloads, cycling through the versions;
2. the primary breaks: `kill` sends SIGKILL to its server (connections are refused), `freeze`
   sends SIGSTOP (connections are accepted, nothing is ever answered);
3. N consecutive downloads again: every one must answer 200 with the published checksum;
4. for comparison, a few downloads with the primary's breaker disabled (cool-down 0), i.e.
   what every download would cost without it.

Reported: the first download after the break (it pays for discovering the failure), and the
median/p95 of the N downloads after it against the baseline's. The acceptance target is a
median added latency under 50 ms; the exit status is 1 when a download fails or the target is
missed. About 60 s for both scenarios.

    uv run python bench/failover_bench.py [--downloads 100] [--versions 10]
                                          [--scenarios kill,freeze]
"""

from __future__ import annotations

import argparse
import asyncio
import hashlib
import logging
import os
import shutil
import signal
import statistics
import sys
import tempfile
import time
from dataclasses import dataclass, replace
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO_ROOT))

import httpx  # noqa: E402

from domain.database import apply_migrations  # noqa: E402
from domain.enums import CopyState  # noqa: E402
from domain.models import StoredCopy  # noqa: E402
from registry.app import create_app  # noqa: E402
from registry.config import load_settings  # noqa: E402
from registry.runtime import Runtime  # noqa: E402
from storage.factory import StorageSpec  # noqa: E402
from storage.failover import DEFAULT_COOLDOWN_SECONDS, STALL_SECONDS  # noqa: E402
from tests.fixtures.seaweed_process import SeaweedServer  # noqa: E402
from tests.fixtures.stack import JWT_SECRET, bearer  # noqa: E402
from tests.helpers import create_package, make_publisher, mod_zip, upload_version  # noqa: E402

TARGET_MS = 50.0


def s3_spec(name: str, server: SeaweedServer) -> StorageSpec:
    return StorageSpec(
        name=name,
        kind="s3",
        endpoint=server.endpoint,
        access_key=server.access_key,
        secret_key=server.secret_key,
        bucket=server.new_bucket_name("bench"),
    )


async def publish(client: httpx.AsyncClient, versions: int) -> list[tuple[str, str]]:
    """Publish `versions` versions of one mod; returns (url, sha256) per version."""
    await make_publisher("bench", "bench-team")
    response = await create_package(client, "bench", "Failover")
    assert response.status_code == 201, response.text
    published = []
    for minor in range(versions):
        version = f"1.{minor}.0"
        data = mod_zip("Failover", version, extra={"Failover/blob.bin": os.urandom(256 * 1024)})
        response = await upload_version(client, "bench", "Failover", version, data)
        assert response.status_code == 201, response.text
        published.append(
            (f"/api/v1/packages/Failover/versions/{version}/file", hashlib.sha256(data).hexdigest())
        )
    return published


async def timed_downloads(
    client: httpx.AsyncClient, published: list[tuple[str, str]], count: int
) -> tuple[list[float], int]:
    """Milliseconds per download, and how many failed (status or checksum)."""
    timings: list[float] = []
    failures = 0
    for index in range(count):
        url, sha256 = published[index % len(published)]
        started = time.perf_counter()
        response = await client.get(url, headers=bearer("reader"))
        timings.append((time.perf_counter() - started) * 1000)
        if response.status_code != 200 or hashlib.sha256(response.content).hexdigest() != sha256:
            failures += 1
            print(f"  FAILED {url}: {response.status_code} {response.text[:200]}")
    return timings, failures


def p95(values: list[float]) -> float:
    return statistics.quantiles(values, n=20)[-1]


@dataclass
class Result:
    scenario: str
    baseline: list[float]
    first: float
    after: list[float]
    without_breaker: list[float]
    failures: int

    @property
    def added(self) -> float:
        return statistics.median(self.after) - statistics.median(self.baseline)


def break_primary(server: SeaweedServer, scenario: str) -> None:
    if scenario == "kill":
        server.kill()
    else:
        # SIGSTOP: the kernel still accepts connections, the process never answers.
        assert server._process is not None  # the bench owns this server
        server._process.send_signal(signal.SIGSTOP)


async def run_scenario(args: argparse.Namespace, base: Path, scenario: str) -> Result:
    primary_server = SeaweedServer.launch(base / f"{scenario}-primary")
    mirror_server = SeaweedServer.launch(base / f"{scenario}-mirror")
    try:
        settings = load_settings(
            {"DATA_DIR": str(base / f"{scenario}-data"), "CLOUDM_JWT_SECRET": JWT_SECRET}
        )
        settings = replace(
            settings,
            primary_storage=s3_spec("primary", primary_server),
            mirrors=(s3_spec("mirror", mirror_server),),
            rate_limit_enabled=False,
        )
        await apply_migrations(settings.database_url)
        runtime = Runtime(settings)
        await runtime.start(migrate=False)
        app = create_app(settings, runtime=runtime)
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://bench") as client:
            published = await publish(client, args.versions)
            await runtime.queue.drain(timeout=120)  # scans, then replication to the mirror
            mirrored = await StoredCopy.filter(backend="mirror", state=CopyState.PRESENT).count()
            assert mirrored == args.versions, f"only {mirrored} copies on the mirror"

            await timed_downloads(client, published, 10)  # warm-up: connections, caches
            baseline, failed_before = await timed_downloads(client, published, args.downloads)
            break_primary(primary_server, scenario)
            first, failed_first = await timed_downloads(client, published, 1)
            after, failed_after = await timed_downloads(client, published, args.downloads)

            breaker = runtime.ctx.storage.breakers.get("primary")
            breaker.cooldown_seconds = 0.0  # every download now tries the primary first
            count = 20 if scenario == "kill" else 2
            without, failed_without = await timed_downloads(client, published, count)
        await runtime.stop()
    finally:
        primary_server.close()
        mirror_server.close()
    return Result(
        scenario,
        baseline,
        first[0],
        after,
        without,
        failed_before + failed_first + failed_after + failed_without,
    )


def report(result: Result, downloads: int) -> None:
    def line(label: str, values: list[float]) -> str:
        spread = f", p95 {p95(values):7.1f} ms" if len(values) >= 20 else ""
        return (
            f"  {label:<28} {len(values):>3} downloads, median "
            f"{statistics.median(values):7.1f} ms{spread}"
        )

    print(f"scenario {result.scenario}:")
    print(line("healthy", result.baseline))
    print(f"  {'first after the break':<28}   1 download,  {result.first:7.1f} ms")
    print(line("primary broken", result.after))
    print(line("primary broken, no breaker", result.without_breaker))
    verdict = "ok" if result.added < TARGET_MS else "MISSED"
    print(
        f"  median added latency after the first failure: {result.added:+.1f} ms "
        f"(target < {TARGET_MS:.0f} ms) -> {verdict}; failed downloads: {result.failures}"
    )


async def run(args: argparse.Namespace, base: Path) -> int:
    print(
        f"{args.versions} versions of ~258 KiB, S3 primary + S3 mirror (SeaweedFS), "
        f"breaker cool-down {DEFAULT_COOLDOWN_SECONDS:g} s, stall timeout {STALL_SECONDS:g} s"
    )
    status = 0
    for scenario in args.scenarios.split(","):
        result = await run_scenario(args, base, scenario)
        report(result, args.downloads)
        if result.failures or result.added >= TARGET_MS:
            status = 1
    return status


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--downloads", type=int, default=100)
    parser.add_argument("--versions", type=int, default=10)
    parser.add_argument("--scenarios", default="kill,freeze", help="comma-separated: kill, freeze")
    args = parser.parse_args()
    logging.basicConfig(level=logging.ERROR)
    base = Path(tempfile.mkdtemp(prefix="tb-failover-"))
    try:
        return asyncio.run(run(args, base))
    finally:
        shutil.rmtree(base, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
