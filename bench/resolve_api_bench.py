"""50-root resolves through `POST /api/v1/resolve` on PostgreSQL, next to the in-memory solver.

The registry is the one `bench/resolve_bench.py` builds (5,000 packages x 30 versions, seeded,
time-evolved dependency ranges), written into a temporary PostgreSQL database created for the
run and dropped afterwards (the rows go in with COPY, as an upload writes them: dependency
rows plus each version's compact `requires` list; the schema comes from the checked-in
migrations). The app runs in this process and is driven through httpx's ASGI transport, so a
figure is the server's whole work for one request: routing, auth, loading what the solver may
see from PostgreSQL, solving, and serialising the answer. Side by side, the same request is
solved by `domain.resolver.solve` over the same data already in memory (a fresh source per
request, as the API builds one).

Target (issue 4): median API time of a 50-root resolve < 500 ms. Exit status 1 when missed.

    uv run python bench/resolve_api_bench.py [--requests 20] [--shapes typical,conflicting]
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import logging
import os
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Iterator, Mapping, Sequence
from datetime import UTC, datetime
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO_ROOT))

import asyncpg  # noqa: E402
import httpx  # noqa: E402

from bench.resolve_bench import (  # noqa: E402
    CONFLICTING,
    TYPICAL,
    RegistryShape,
    build_registry,
    sample_requests,
)
from bench.support import postgres_database  # noqa: E402
from domain.database import apply_migrations  # noqa: E402
from domain.enums import PackageType, PublisherStatus, VersionStatus, Visibility  # noqa: E402
from domain.manifest import DependencySpec  # noqa: E402
from domain.requires import encode_requires  # noqa: E402
from domain.resolver import Candidate, InMemorySource, NoSolution, solve  # noqa: E402

TARGET_MS = 500.0
SHAPES: dict[str, RegistryShape] = {"typical": TYPICAL, "conflicting": CONFLICTING}


async def write_registry(url: str, registry: Mapping[str, Sequence[Candidate]]) -> int:
    """COPY the synthetic registry into the migrated database; returns the version count."""
    now = datetime.now(UTC)
    conn = await asyncpg.connect(url)
    try:
        publisher_id = uuid.uuid4().hex
        await conn.execute(
            "INSERT INTO publishers (id, name, display_name, email, homepage, github, "
            "verification_status, verified_by, verification_notes, notice, can_publish_public, "
            "can_publish_artifacts, created_at, updated_at) VALUES ($1, 'bench', 'Bench', "
            "'b@example.com', '', '', $3, '', '', '', true, true, $2, $2)",
            publisher_id,
            now,
            PublisherStatus.VERIFIED.value,
        )
        names = sorted(registry)
        await conn.copy_records_to_table(
            "packages",
            columns=[
                "id",
                "name",
                "name_key",
                "display_name",
                "package_type",
                "visibility",
                "publisher_id",
                "description",
                "readme",
                "homepage",
                "repository",
                "license",
                "keywords",
                "latest_version",
                "total_downloads",
                "created_at",
                "updated_at",
            ],
            records=[
                (
                    index + 1,
                    name,
                    name.lower(),
                    name,
                    PackageType.MOD.value,
                    Visibility.PUBLIC.value,
                    publisher_id,
                    "",
                    "",
                    "",
                    "",
                    "",
                    "[]",
                    registry[name][-1].version,
                    0,
                    now,
                    now,
                )
                for index, name in enumerate(names)
            ],
        )
        versions, dependencies = [], []
        for index, name in enumerate(names):
            for candidate in registry[name]:
                version_id = len(versions) + 1
                requires = encode_requires(
                    DependencySpec(d.name, d.spec, d.optional) for d in candidate.dependencies
                )
                versions.append(
                    (
                        version_id,
                        index + 1,
                        candidate.version,
                        candidate.version,
                        VersionStatus.PUBLISHED.value,
                        candidate.yanked,
                        "",
                        "",
                        "",
                        "",
                        f"blobs/{version_id:064x}",
                        f"{version_id:064x}",
                        "",
                        1000,
                        0,
                        "[]",
                        requires,
                        "[]",
                        "",
                        now,
                        now,
                    )
                )
                dependencies.extend(
                    (
                        len(dependencies) + 1,
                        version_id,
                        dep.name,
                        dep.name.lower(),
                        dep.spec,
                        dep.optional,
                    )
                    for dep in candidate.dependencies
                )
        await conn.copy_records_to_table(
            "package_versions",
            columns=[
                "id",
                "package_id",
                "version",
                "version_key",
                "status",
                "yanked",
                "yank_reason",
                "changelog",
                "toolbox_version",
                "python_version",
                "blob_key",
                "sha256",
                "upload_sha256",
                "size_bytes",
                "downloads",
                "platforms",
                "requires",
                "warnings",
                "uploaded_by",
                "created_at",
                "published_at",
            ],
            records=versions,
        )
        await conn.copy_records_to_table(
            "dependencies",
            columns=["id", "version_id", "name", "name_key", "version_spec", "optional"],
            records=dependencies,
        )
        for table in ("packages", "package_versions", "dependencies"):
            await conn.execute(
                f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "
                f"(SELECT max(id) FROM {table}))"
            )
        await conn.execute("ANALYZE")
        return len(versions)
    finally:
        await conn.close()


def in_memory(
    registry: Mapping[str, Sequence[Candidate]], roots: Sequence[tuple[str, str]]
) -> tuple[float, str]:
    """Solve over a fresh source, as the API does per request; (ms, outcome)."""
    started = time.perf_counter()
    source = InMemorySource(registry)
    result = solve(list(roots), source)
    outcome = "no solution" if isinstance(result, NoSolution) else "solved"
    return (time.perf_counter() - started) * 1000, outcome


async def through_api(
    client: httpx.AsyncClient, roots: Sequence[tuple[str, str]]
) -> tuple[float, str, int]:
    body = {"requirements": [f"{name}{'' if spec == '*' else spec}" for name, spec in roots]}
    started = time.perf_counter()
    response = await client.post("/api/v1/resolve", json=body)
    elapsed = (time.perf_counter() - started) * 1000
    if response.status_code != 200:
        raise SystemExit(f"resolve answered {response.status_code}: {response.text[:300]}")
    payload = response.json()
    outcome = "solved" if payload.get("success", not payload.get("errors")) else "no solution"
    return elapsed, outcome, len(payload.get("resolved") or [])


async def run_shape(label: str, shape: RegistryShape, args: argparse.Namespace) -> float:
    built = time.perf_counter()
    registry = build_registry(args.seed, args.packages, args.versions, shape)
    requests = sample_requests(registry, args.seed, args.requests, args.roots)
    async with postgres_database() as url:
        await apply_migrations(url)
        count = await write_registry(url, registry)
        print(
            f"\n== {label} registry: {len(registry):,} packages, {count:,} versions in "
            f"PostgreSQL (built and written in {time.perf_counter() - built:.1f} s)"
        )
        with tempfile.TemporaryDirectory(prefix="tbr-resolve-api-bench-") as tmp:
            with registry_server(url, Path(tmp)) as base_url:
                async with httpx.AsyncClient(base_url=base_url, timeout=60) as client:
                    await through_api(client, requests[0])  # warm-up: pool, caches
                    return await _measure(client, registry, requests)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@contextlib.contextmanager
def registry_server(database_url: str, workdir: Path) -> Iterator[str]:
    """`python -m registry` on the database, as an operator starts it; yields its base URL."""
    port = free_port()
    env = {
        **os.environ,
        "DATA_DIR": str(workdir / "data"),
        "DATABASE_URL": database_url,
        "SERVER_HOST": "127.0.0.1",
        "SERVER_PORT": str(port),
        "RATE_LIMIT_ENABLED": "false",
        "TB_REGISTRY_ENV_FILE": os.devnull,
    }
    log = workdir / "server.log"
    process = subprocess.Popen(
        [sys.executable, "-m", "registry"],
        cwd=REPO_ROOT,
        env=env,
        stdout=log.open("wb"),
        stderr=subprocess.STDOUT,
    )
    base_url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            if process.poll() is not None or time.monotonic() > deadline:
                raise SystemExit(f"the registry did not start: {log.read_text()[-2000:]}")
            with contextlib.suppress(httpx.HTTPError):
                if httpx.get(f"{base_url}/api/v1/health", timeout=2).status_code == 200:
                    break
            time.sleep(0.2)
        yield base_url
    finally:
        process.send_signal(signal.SIGINT)
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


async def _measure(
    client: httpx.AsyncClient,
    registry: Mapping[str, Sequence[Candidate]],
    requests: Sequence[Sequence[tuple[str, str]]],
) -> float:
    print(f"  {'#':>3}  {'api ms':>8}  {'in-memory ms':>12}  {'outcome':<11}  resolved")
    api_times, memory_times = [], []
    for number, roots in enumerate(requests, 1):
        api_ms, outcome, resolved = await through_api(client, roots)
        memory_ms, memory_outcome = in_memory(registry, roots)
        if memory_outcome != outcome:
            raise SystemExit(f"request {number}: API says {outcome}, solver says {memory_outcome}")
        api_times.append(api_ms)
        memory_times.append(memory_ms)
        print(f"  {number:>3}  {api_ms:>8.1f}  {memory_ms:>12.1f}  {outcome:<11}  {resolved}")
    api_median = statistics.median(api_times)
    print(
        f"  {len(requests)} requests of {len(requests[0])} roots. Median: API on PostgreSQL "
        f"{api_median:.1f} ms (target < {TARGET_MS:.0f} ms), in-memory solver "
        f"{statistics.median(memory_times):.1f} ms, max API {max(api_times):.1f} ms"
    )
    return api_median


async def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--seed", type=int, default=2026)
    parser.add_argument("--packages", type=int, default=5000)
    parser.add_argument("--versions", type=int, default=30)
    parser.add_argument("--requests", type=int, default=20)
    parser.add_argument("--roots", type=int, default=50)
    parser.add_argument(
        "--shapes",
        default="typical,conflicting",
        help=f"comma-separated, from: {', '.join(SHAPES)}",
    )
    args = parser.parse_args(argv)
    logging.getLogger("registry").setLevel(logging.CRITICAL)
    print(
        f"python {sys.version.split()[0]}, {os.cpu_count()} CPUs, "
        f"load average {os.getloadavg()[0]:.2f}"
    )
    medians = [await run_shape(name, SHAPES[name], args) for name in args.shapes.split(",")]
    verdict = "ok" if all(m < TARGET_MS for m in medians) else "ABOVE TARGET"
    print(
        f"\nmedian API resolve per shape: "
        f"{', '.join(f'{m:.1f} ms' for m in medians)} (target < {TARGET_MS:.0f} ms) -> {verdict}"
    )
    return 0 if verdict == "ok" else 1


if __name__ == "__main__":
    sys.exit(asyncio.run(main()))
