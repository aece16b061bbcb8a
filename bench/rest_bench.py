"""Requests/s of `GET /api/v1/packages/{name}` against the framework's ceiling.

Four servers, each run by uvicorn in its own subprocess on a free 127.0.0.1 port with the same
options (one worker, no access log), and loaded from a separate process:

- `ceiling`: a bare Starlette route returning the same JSON from memory (serialised per
  request, as the registry does) — what Starlette + uvicorn can do at best on this machine;
- `embedded`: the registry on its default stack (SQLite + local folder);
- `postgres`: the registry on a temporary PostgreSQL database (created and dropped here),
  as configured by default: repeated anonymous reads come from its package-detail cache
  (registry/read_cache.py), which every committed write drops;
- `postgres-uncached`: the same with `PACKAGE_CACHE_TTL=0`, so every request reads the
  database: the cost of a miss.

The registry instances are seeded through the REST API (publisher, package with several
versions and dependencies). The load generator is `wrk` when installed (Debian package), else
a small keep-alive HTTP/1.1 client in a child process. Server CPU is sampled with psutil to
show who was the bottleneck. Exit status 1 when PostgreSQL reaches less than 50% of the ceiling.

    uv run python bench/rest_bench.py [--duration 8] [--connections 16] [--loader auto]
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
from dataclasses import dataclass
from pathlib import Path
from typing import Any

REPO_ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO_ROOT))

import httpx  # noqa: E402
import psutil  # noqa: E402

from bench.http_load import JWT_SECRET, free_port, mod_archive, token  # noqa: E402
from bench.support import postgres_database_sync as postgres_database  # noqa: E402

ADMIN_ID = "bench-admin"
OWNER_ID = "bench-owner"
PACKAGE = "BenchMod"
TARGET_RATIO = 0.5
CEILING_JSON_ENV = "BENCH_CEILING_JSON"


# --- the servers' own processes ---------------------------------------------------------------


def ceiling_app(body: dict[str, Any]) -> Any:
    """The framework's ceiling: one Starlette route answering the same JSON from memory."""
    from starlette.applications import Starlette
    from starlette.responses import JSONResponse
    from starlette.routing import Mount, Route, Router

    async def package(request: Any) -> JSONResponse:
        return JSONResponse(body)

    return Starlette(
        routes=[Mount("/api/v1", app=Router([Route("/packages/{name}", package, methods=["GET"])]))]
    )


async def serve(kind: str, port: int, ceiling_body: dict[str, Any] | None) -> None:
    """Run one server the way `tb-registry serve` does (runtime started before uvicorn), with
    the same uvicorn options for every kind: one process, no access log."""
    import uvicorn

    runtime = None
    if kind == "ceiling":
        assert ceiling_body is not None
        app = ceiling_app(ceiling_body)
    else:
        from registry.app import create_app
        from registry.config import load_settings
        from registry.runtime import Runtime

        settings = load_settings()
        runtime = Runtime(settings)
        await runtime.start()
        app = create_app(settings, runtime=runtime)
    config = uvicorn.Config(app, host="127.0.0.1", port=port, access_log=False, log_level="warning")
    try:
        await uvicorn.Server(config).serve()
    finally:
        if runtime is not None:
            await runtime.stop()


# --- servers -----------------------------------------------------------------------------


@dataclass
class Server:
    name: str
    process: subprocess.Popen[bytes]
    port: int
    log: Path

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGINT)  # graceful: lifespan shutdown runs
            try:
                self.process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()


def start_server(name: str, kind: str, env: dict[str, str], workdir: Path) -> Server:
    port = free_port()
    log = workdir / f"{name}.log"
    command = [sys.executable, __file__, "--serve", kind, "--port", str(port)]
    process = subprocess.Popen(
        command,
        cwd=REPO_ROOT,
        env={**os.environ, **env},
        stdout=log.open("wb"),
        stderr=subprocess.STDOUT,
    )
    server = Server(name, process, port, log)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"{name} server exited: {log.read_text()[-2000:]}")
        with contextlib.suppress(httpx.HTTPError):
            if httpx.get(f"{server.base_url}/api/v1/packages/{PACKAGE}", timeout=2).status_code in (
                200,
                404,
            ):
                return server
        time.sleep(0.2)
    server.stop()
    raise RuntimeError(f"{name} server did not start: {log.read_text()[-2000:]}")


def registry_env(workdir: Path, database_url: str) -> dict[str, str]:
    return {
        "DATA_DIR": str(workdir / "data"),
        "DATABASE_URL": database_url,
        "CLOUDM_JWT_SECRET": JWT_SECRET,
        "ADMIN_USERS": ADMIN_ID,
        # The default read budget (6000/min per IP) would throttle a load test from one
        # address; the limiter itself still runs on every request.
        "RATE_LIMIT_READ": "100000000/60",
        "TB_REGISTRY_ENV_FILE": str(workdir / "no.env"),
    }


# --- seeding through the REST API -----------------------------------------------------------


def seed(
    base_url: str,
    name: str,
    versions: list[str],
    *,
    dependencies: list[str] | None = None,
    padding: bytes = b"",
    timeout: float = 120,
) -> dict[str, Any]:
    """Publisher, verified by the admin; the package; its versions, published by the scan.
    Returns the package detail as an anonymous client sees it."""
    owner = {"Authorization": f"Bearer {token(OWNER_ID)}"}
    admin = {"Authorization": f"Bearer {token(ADMIN_ID)}"}
    with httpx.Client(base_url=base_url, timeout=timeout) as client:
        registered = client.post(
            "/api/v1/auth/register-publisher",
            headers=owner,
            json={"name": "bench-team", "display_name": "Bench", "email": "bench@example.com"},
        )
        if registered.status_code == 201:
            verified = client.post(
                f"/api/v1/publishers/admin/{registered.json()['id']}/verify",
                headers=admin,
                json={"notes": ""},
            )
            verified.raise_for_status()
        created = client.post(
            "/api/v1/packages",
            headers=owner,
            json={
                "name": name,
                "display_name": f"{name} (benchmark)",
                "keywords": ["bench", "rest"],
                "description": "A package with several versions, read under load",
                "license": "MIT",
                "homepage": "https://example.com/bench",
            },
        )
        assert created.status_code == 201, created.text
        for version in versions:
            response = client.post(
                f"/api/v1/packages/{name}/versions",
                headers=owner,
                data={"version": version, "changelog": f"Release {version}"},
                files={
                    "file": (
                        "tmpbench.zip",
                        mod_archive(name, version, dependencies or [], padding),
                        "application/zip",
                    )
                },
            )
            assert response.status_code == 201, response.text
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:  # the in-process scan job publishes them
            detail = client.get(f"/api/v1/packages/{name}")
            if detail.json()["latest_version"] == versions[-1] and len(
                detail.json()["versions"]
            ) == len(versions):
                return detail.json()
            time.sleep(0.2)
    raise RuntimeError(f"versions of {name} were not published in time")


# --- load --------------------------------------------------------------------------------


@dataclass
class LoadResult:
    requests: int
    seconds: float
    errors: int
    server_cpu_percent: float

    @property
    def rps(self) -> float:
        return self.requests / self.seconds if self.seconds else 0.0


def run_wrk(url: str, duration: float, connections: int) -> tuple[int, float, int]:
    output = subprocess.run(
        ["wrk", "-t1", f"-c{connections}", f"-d{int(duration)}s", url],
        check=True,
        capture_output=True,
        text=True,
    ).stdout
    requests = int(re.search(r"(\d+) requests in", output).group(1))  # type: ignore[union-attr]
    seconds_text = re.search(r"requests in ([\d.]+)(m?s)", output)
    assert seconds_text is not None, output
    seconds = float(seconds_text.group(1)) / (1000 if seconds_text.group(2) == "ms" else 1)
    bad = re.search(r"Non-2xx or 3xx responses: (\d+)", output)
    errors = re.search(
        r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", output
    )
    failed = int(bad.group(1)) if bad else 0
    if errors:
        failed += sum(int(n) for n in errors.groups())
    return requests, seconds, failed


async def _python_load(url: str, duration: float, connections: int) -> dict[str, Any]:
    """Keep-alive HTTP/1.1 GETs over raw streams: light enough to outrun one server process."""
    from urllib.parse import urlsplit

    parts = urlsplit(url)
    request = (
        f"GET {parts.path} HTTP/1.1\r\nHost: {parts.netloc}\r\nAccept: */*\r\n"
        "User-Agent: rest-bench\r\n\r\n"
    ).encode()
    counts = {"ok": 0, "bad": 0}
    stop_at = time.monotonic() + duration

    async def worker() -> None:
        reader, writer = await asyncio.open_connection(parts.hostname, parts.port)
        try:
            while time.monotonic() < stop_at:
                writer.write(request)
                head = await reader.readuntil(b"\r\n\r\n")
                length = int(re.search(rb"(?i)content-length: *(\d+)", head).group(1))  # type: ignore[union-attr]
                await reader.readexactly(length)
                counts["ok" if head.startswith(b"HTTP/1.1 200") else "bad"] += 1
        finally:
            writer.close()

    started = time.monotonic()
    await asyncio.gather(*(worker() for _ in range(connections)))
    return {
        "requests": counts["ok"] + counts["bad"],
        "errors": counts["bad"],
        "seconds": time.monotonic() - started,
    }


def run_python_loader(url: str, duration: float, connections: int) -> tuple[int, float, int]:
    output = subprocess.run(
        [
            sys.executable,
            __file__,
            "--load",
            url,
            "--duration",
            str(duration),
            "--connections",
            str(connections),
        ],
        check=True,
        capture_output=True,
        text=True,
    ).stdout
    result = json.loads(output)
    return result["requests"], result["seconds"], result["errors"]


def load(
    server: Server, loader: str, duration: float, connections: int, warmup: float
) -> LoadResult:
    url = f"{server.base_url}/api/v1/packages/{PACKAGE}"
    run = run_wrk if loader == "wrk" else run_python_loader
    run(url, warmup, connections)
    process = psutil.Process(server.process.pid)
    before = process.cpu_times()
    requests, seconds, errors = run(url, duration, connections)
    after = process.cpu_times()
    busy = (after.user - before.user) + (after.system - before.system)
    return LoadResult(requests, seconds, errors, 100 * busy / seconds)


# --- orchestration -------------------------------------------------------------------------


def measure_registry(
    name: str, database_url: str, workdir: Path, args: argparse.Namespace, **extra_env: str
) -> tuple[LoadResult, dict[str, Any]]:
    env = {**registry_env(workdir / name, database_url), **extra_env}
    server = start_server(name, "registry", env, workdir)
    try:
        versions = [f"1.{minor}.0" for minor in range(args.versions)]
        detail = seed(server.base_url, PACKAGE, versions, dependencies=["CloudM>=1.0.0"])
        return load(server, args.loader, args.duration, args.connections, args.warmup), detail
    finally:
        server.stop()


def use_uvloop() -> None:
    with contextlib.suppress(ImportError):
        import uvloop

        asyncio.set_event_loop_policy(uvloop.EventLoopPolicy())


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--duration", type=float, default=8.0)
    parser.add_argument("--warmup", type=float, default=2.0)
    parser.add_argument("--connections", type=int, default=16)
    parser.add_argument(
        "--versions", type=int, default=8, help="versions of the benchmarked package"
    )
    parser.add_argument("--loader", choices=("auto", "wrk", "python"), default="auto")
    parser.add_argument(
        "--stacks",
        default="embedded,postgres,postgres-uncached",
        help="postgres-uncached: PACKAGE_CACHE_TTL=0, every request reads the database",
    )
    parser.add_argument("--load", help=argparse.SUPPRESS)  # child mode: the python loader
    parser.add_argument("--serve", choices=("registry", "ceiling"), help=argparse.SUPPRESS)
    parser.add_argument("--port", type=int, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.serve:
        ceiling_body = (
            json.loads(Path(os.environ[CEILING_JSON_ENV]).read_text())
            if args.serve == "ceiling"
            else None
        )
        use_uvloop()  # as uvicorn's own command line does when uvloop is installed
        asyncio.run(serve(args.serve, args.port, ceiling_body))
        return 0
    if args.load:
        use_uvloop()
        print(json.dumps(asyncio.run(_python_load(args.load, args.duration, args.connections))))
        return 0
    if args.loader == "auto":
        args.loader = "wrk" if shutil.which("wrk") else "python"
    stacks = [s.strip() for s in args.stacks.split(",") if s.strip()]

    results: dict[str, LoadResult] = {}
    body: dict[str, Any] | None = None
    with tempfile.TemporaryDirectory(prefix="rest-bench-") as tmp:
        workdir = Path(tmp)
        if "embedded" in stacks:
            sqlite_url = f"sqlite://{workdir}/embedded/data/registry.sqlite3"
            results["embedded"], body = measure_registry("embedded", sqlite_url, workdir, args)
        if "postgres" in stacks:
            with postgres_database() as url:
                results["postgres"], pg_body = measure_registry("postgres", url, workdir, args)
            body = body or pg_body
        if "postgres-uncached" in stacks:
            with postgres_database() as url:
                results["postgres-uncached"], pg_body = measure_registry(
                    "postgres-uncached", url, workdir, args, PACKAGE_CACHE_TTL="0"
                )
            body = body or pg_body
        assert body is not None, "no stack measured"
        ceiling_file = workdir / "ceiling.json"
        ceiling_file.write_text(json.dumps(body))
        server = start_server("ceiling", "ceiling", {CEILING_JSON_ENV: str(ceiling_file)}, workdir)
        try:
            results["ceiling"] = load(
                server, args.loader, args.duration, args.connections, args.warmup
            )
        finally:
            server.stop()

    size = len(json.dumps(body).encode())
    print(
        f"GET /api/v1/packages/{PACKAGE} ({args.versions} versions, {size} bytes of JSON), "
        f"loader {args.loader}, {args.connections} connections, {args.duration:g} s each"
    )
    ceiling = results["ceiling"].rps
    for name in ("ceiling", *stacks):
        result = results[name]
        share = f"{100 * result.rps / ceiling:5.1f}% of ceiling" if name != "ceiling" else ""
        print(
            f"{name:>17}: {result.rps:8.0f} req/s  errors {result.errors:<4} "
            f"server CPU {result.server_cpu_percent:5.1f}%  {share}"
        )
    if "postgres" in results:
        ratio = results["postgres"].rps / ceiling
        verdict = "ok" if ratio >= TARGET_RATIO else "BELOW TARGET"
        print(f"postgres / ceiling = {ratio:.2f} (target >= {TARGET_RATIO}) -> {verdict}")
        return 0 if ratio >= TARGET_RATIO else 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
