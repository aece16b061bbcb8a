"""GraphQL and resolve throughput under load (issue 14): requests/s with 32 keep-alive
connections against one uvicorn process, anonymous and authenticated.

The registry runs in its own process (`tb-registry serve`'s way: runtime started, then
uvicorn, one worker, no access log) on the embedded default (SQLite + local folder) or on a
temporary PostgreSQL database, seeded through the ORM with the issue's shape: 200 packages,
399 versions, one package with 10 versions (the package page) and a 4-package dependency
chain (`chain-a` -> `chain-b` -> `chain-c` -> `chain-d`). `wrk` loads each operation for
`--duration` seconds after a warm-up; each answer is checked once beforehand (no `errors`).

Operations (GraphQL over POST; the `auth` variants send a bearer token, so they are never
answered from the anonymous response cache):

- `name`: `{ package(name) { name } }`
- `page`: the package page, package fields, publisher and 10 versions
- `list`: `packages(first: 20)` with each package's latest version and publisher
- `resolve`: REST `POST /api/v1/resolve` of the chain's head (anonymous repeats may be
  answered from memory; the authenticated run resolves every time, over the kept package
  universe, domain/services/resolution_cache.py)

    uv run python bench/graphql_load.py [--duration 8] [--connections 32] [--postgres]
        [--only name,page,...]
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

REPO_ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO_ROOT))

import httpx  # noqa: E402

from bench.rest_bench import JWT_SECRET, free_port, token, use_uvloop  # noqa: E402

PAGE_PACKAGE = "bench-page"
CHAIN = ("chain-a", "chain-b", "chain-c", "chain-d")
USER = "bench-user"

NAME_QUERY = '{ package(name: "bench-page") { name } }'
PAGE_QUERY = """query PackagePage($name: String!) {
  package(name: $name) {
    name displayName packageType description homepage repository license keywords
    latestVersion totalDownloads createdAt updatedAt visibility
    publisher { name displayName verificationStatus }
    versions(first: 10) {
      version publishedAt yanked downloads sizeBytes checksumSha256 downloadUrl
    }
  }
}"""
LIST_QUERY = """query Packages {
  packages(first: 20) {
    totalCount
    edges { node {
      name displayName description totalDownloads updatedAt
      latest { version publishedAt }
      publisher { name verificationStatus }
    } }
  }
}"""

OPERATIONS: dict[str, tuple[str, dict[str, Any]]] = {
    "name": ("/graphql", {"query": NAME_QUERY}),
    "page": ("/graphql", {"query": PAGE_QUERY, "variables": {"name": PAGE_PACKAGE}}),
    "list": ("/graphql", {"query": LIST_QUERY}),
    "resolve": ("/api/v1/resolve", {"requirements": [f"{CHAIN[0]}>=1.0.0"]}),
}
TARGETS = {"name": 3000, "page": 2000, "list": 1500, "resolve": 1090}
AUTH_TARGETS = {"name": 1731, "page": 765, "list": 597}
# Informative: an authenticated resolve is never answered from memory (only the package
# universe is reused), so it shows the cost of a resolution itself.
AUTH_ONLY_MEASURED = {"resolve"}


# --- the server's own process --------------------------------------------------------------


async def seed() -> None:
    from domain.enums import PublisherStatus, VersionStatus
    from domain.models import Dependency, Package, PackageVersion, Publisher
    from domain.services.packages import refresh_latest_version
    from storage.keys import content_key

    if await Package.exists():
        return
    publisher = await Publisher.create(
        name="bench",
        display_name="Bench",
        email="b@e.x",
        verification_status=PublisherStatus.VERIFIED,
        can_publish_public=True,
    )
    # 10 + 4 + 190 x 2 + 5 x 1 = 399 versions in 1 + 4 + 195 = 200 packages.
    shapes: list[tuple[str, int, list[str]]] = [(PAGE_PACKAGE, 10, [])]
    shapes += [(n, 1, [CHAIN[i + 1]] if i + 1 < len(CHAIN) else []) for i, n in enumerate(CHAIN)]
    shapes += [(f"bench-mod-{i:03d}", 2 if i < 190 else 1, []) for i in range(195)]
    for index, (name, count, deps) in enumerate(shapes):
        package = await Package.create(
            name=name,
            name_key=name,
            display_name=name.title(),
            publisher_id=publisher.id,
            description=f"Mod {index} for benchmarks",
            keywords=["bench"],
            search_text=name,
            total_downloads=index * 7,
        )
        for minor in range(count):
            version = f"1.{minor}.0"
            sha = f"{index:032x}{minor:032x}"
            row = await PackageVersion.create(
                package_id=package.id,
                version=version,
                version_key=version,
                status=VersionStatus.PUBLISHED,
                blob_key=content_key(sha),
                sha256=sha,
                size_bytes=1000,
                downloads=minor,
            )
            if deps:
                await Dependency.bulk_create(
                    [
                        Dependency(version_id=row.id, name=d, name_key=d, version_spec=">=1.0.0")
                        for d in deps
                    ]
                )
        await refresh_latest_version(package.id)


async def serve(port: int) -> None:
    import uvicorn

    from registry.app import create_app
    from registry.config import load_settings
    from registry.runtime import Runtime

    settings = load_settings()
    runtime = Runtime(settings)
    await runtime.start()
    await seed()
    app = create_app(settings, runtime=runtime)
    config = uvicorn.Config(app, host="127.0.0.1", port=port, access_log=False, log_level="warning")
    try:
        await uvicorn.Server(config).serve()
    finally:
        await runtime.stop()


# --- the load --------------------------------------------------------------------------------


def server_env(workdir: Path, database_url: str | None) -> dict[str, str]:
    env = {
        "DATA_DIR": str(workdir / "data"),
        "CLOUDM_JWT_SECRET": JWT_SECRET,
        # One address sends everything: the budgets are raised, the limiter still runs.
        "RATE_LIMIT_READ": "100000000/60",
        "RATE_LIMIT_SEARCH": "100000000/60",
        "TB_REGISTRY_ENV_FILE": str(workdir / "no.env"),
    }
    if database_url:
        env["DATABASE_URL"] = database_url
    return env


@contextlib.contextmanager
def running_server(workdir: Path, database_url: str | None) -> Any:
    port = free_port()
    log = workdir / "server.log"
    process = subprocess.Popen(
        [sys.executable, __file__, "--serve", "--port", str(port)],
        cwd=REPO_ROOT,
        env={**os.environ, **server_env(workdir, database_url)},
        stdout=log.open("wb"),
        stderr=subprocess.STDOUT,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 120
        while True:
            if process.poll() is not None:
                raise RuntimeError(f"server exited: {log.read_text()[-2000:]}")
            with contextlib.suppress(httpx.HTTPError):
                if httpx.get(f"{base}/api/v1/packages/{CHAIN[-1]}", timeout=2).status_code == 200:
                    break
            if time.monotonic() > deadline:
                raise RuntimeError(f"server did not start: {log.read_text()[-2000:]}")
            time.sleep(0.3)
        yield base
    finally:
        process.send_signal(signal.SIGINT)
        try:
            process.wait(15)
        except subprocess.TimeoutExpired:
            process.kill()


def wrk_script(workdir: Path, body: dict[str, Any], bearer: str | None) -> Path:
    lines = [
        'wrk.method = "POST"',
        f"wrk.body = {json.dumps(json.dumps(body))}",
        'wrk.headers["Content-Type"] = "application/json"',
    ]
    if bearer:
        lines.append(f'wrk.headers["Authorization"] = "Bearer {bearer}"')
    path = workdir / f"wrk-{abs(hash((json.dumps(body), bearer)))}.lua"
    path.write_text("\n".join(lines) + "\n")
    return path


def run_wrk(url: str, script: Path, duration: float, connections: int) -> dict[str, float]:
    output = subprocess.run(
        [
            "wrk",
            "-t1",
            f"-c{connections}",
            f"-d{max(1, int(duration))}s",
            "--latency",
            "-s",
            str(script),
            url,
        ],
        check=True,
        capture_output=True,
        text=True,
    ).stdout
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", output).group(1))  # type: ignore[union-attr]

    def ms(label: str) -> float:
        found = re.search(rf"{label}%\s+([\d.]+)(us|ms|s)", output)
        if not found:
            return float("nan")
        value, unit = float(found.group(1)), found.group(2)
        return value / 1000 if unit == "us" else value * 1000 if unit == "s" else value

    bad = re.search(r"Non-2xx or 3xx responses: (\d+)", output)
    return {
        "rps": rps,
        "p50": ms(" 50"),
        "p99": ms(" 99"),
        "errors": int(bad.group(1)) if bad else 0,
    }


def check(base: str, path: str, body: dict[str, Any], bearer: str | None) -> None:
    headers = {"Authorization": f"Bearer {bearer}"} if bearer else {}
    response = httpx.post(base + path, json=body, headers=headers, timeout=30)
    data = response.json()
    assert response.status_code == 200, (path, response.text[:500])
    if path == "/api/v1/resolve":
        assert data["success"] and len(data["resolved"]) == len(CHAIN), data
    else:
        assert "errors" not in data, (path, response.text[:500])


def measure(label: str, database_url: str | None, args: argparse.Namespace) -> list[str]:
    failures: list[str] = []
    bearer = token(USER)
    with tempfile.TemporaryDirectory(prefix="tbr-graphql-load-") as tmp:
        workdir = Path(tmp)
        with running_server(workdir, database_url) as base:
            print(f"\n{label}: 32 keep-alive connections unless told, {args.duration:g} s each\n")
            print("| operation | caller | req/s | p50 | p99 | non-2xx | target |")
            print("|---|---|---|---|---|---|---|")
            for name in args.only:
                path, body = OPERATIONS[name]
                callers = [("anonymous", None)]
                if name in AUTH_TARGETS or name in AUTH_ONLY_MEASURED:
                    callers.append(("authenticated", bearer))
                for caller, credential in callers:
                    check(base, path, body, credential)
                    script = wrk_script(workdir, body, credential)
                    run_wrk(base + path, script, args.warmup, args.connections)
                    result = run_wrk(base + path, script, args.duration, args.connections)
                    target = (AUTH_TARGETS if credential else TARGETS).get(name)
                    ok = (target is None or result["rps"] >= target) and not result["errors"]
                    if not ok:
                        failures.append(f"{label} {name} {caller}")
                    verdict = "-" if target is None else f"{'>=' if ok else 'MISSED <'} {target:,}"
                    print(
                        f"| {name} | {caller} | {result['rps']:,.0f} | {result['p50']:.1f} ms | "
                        f"{result['p99']:.1f} ms | {result['errors']} | {verdict} |",
                        flush=True,
                    )
    return failures


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--duration", type=float, default=8.0)
    parser.add_argument("--warmup", type=float, default=2.0)
    parser.add_argument("--connections", type=int, default=32)
    parser.add_argument("--postgres", action="store_true", help="also run on PostgreSQL")
    parser.add_argument("--only", default=",".join(OPERATIONS))
    parser.add_argument("--serve", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--port", type=int, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.serve:
        use_uvloop()
        asyncio.run(serve(args.port))
        return 0
    if not shutil.which("wrk"):
        print("wrk is required (Debian package `wrk`)", file=sys.stderr)
        return 2
    args.only = [name.strip() for name in args.only.split(",") if name.strip()]
    failures = measure("embedded (SQLite)", None, args)
    if args.postgres:
        from bench.rest_bench import postgres_database

        with postgres_database() as url:
            failures += measure("PostgreSQL", url, args)
    if failures:
        print("\nbelow target: " + ", ".join(failures))
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
