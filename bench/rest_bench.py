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
versions and dependencies). Servers and load come from bench/http_load.py: the registry as
`tb-registry serve` runs it (without the access log), the load generator `wrk` when installed
(Debian package), else a small keep-alive HTTP/1.1 client in a child process. Server CPU is
sampled with psutil to show who was the bottleneck. Exit status 1 when PostgreSQL reaches less
than 50% of the ceiling.

    uv run python bench/rest_bench.py [--duration 8] [--connections 16] [--loader auto]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

REPO_ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO_ROOT))

import httpx  # noqa: E402

from bench.http_load import (  # noqa: E402
    LoadResult,
    RegistryServer,
    Request,
    load,
    loader_for,
    mod_archive,
    registry_env,
    token,
    use_uvloop,
)
from bench.support import postgres_database_sync as postgres_database  # noqa: E402

ADMIN_ID = "bench-admin"
OWNER_ID = "bench-owner"
PACKAGE = "BenchMod"
DETAIL = Request("GET", f"/api/v1/packages/{PACKAGE}")
TARGET_RATIO = 0.5
CEILING_JSON_ENV = "BENCH_CEILING_JSON"


# --- the ceiling's own process -----------------------------------------------------------


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


async def serve_ceiling(port: int, body: dict[str, Any]) -> None:
    """The ceiling with the registry's uvicorn options: one process, no access log."""
    import uvicorn

    config = uvicorn.Config(
        ceiling_app(body), host="127.0.0.1", port=port, access_log=False, log_level="warning"
    )
    await uvicorn.Server(config).serve()


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


# --- orchestration -------------------------------------------------------------------------


def measure(server: RegistryServer, args: argparse.Namespace) -> LoadResult:
    return load(
        server.base_url,
        DETAIL,
        loader=args.loader,
        duration=args.duration,
        connections=args.connections,
        warmup=args.warmup,
        server=server,
    )


def measure_registry(
    name: str, database_url: str, workdir: Path, args: argparse.Namespace, **extra_env: str
) -> tuple[LoadResult, dict[str, Any]]:
    env = registry_env(workdir / name / "data", database_url, admin_id=ADMIN_ID) | extra_env
    server = RegistryServer.start(name, env, workdir / f"{name}.log")
    try:
        versions = [f"1.{minor}.0" for minor in range(args.versions)]
        detail = seed(server.base_url, PACKAGE, versions, dependencies=["CloudM>=1.0.0"])
        return measure(server, args), detail
    finally:
        server.stop()


def main() -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
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
    parser.add_argument("--serve-ceiling", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--port", type=int, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.serve_ceiling:
        use_uvloop()  # as uvicorn's own command line does when uvloop is installed
        body = json.loads(Path(os.environ[CEILING_JSON_ENV]).read_text())
        asyncio.run(serve_ceiling(args.port, body))
        return 0
    args.loader = loader_for(args.loader)
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
        server = RegistryServer.start(
            "ceiling",
            {CEILING_JSON_ENV: str(ceiling_file)},
            workdir / "ceiling.log",
            command=[sys.executable, __file__, "--serve-ceiling"],
            ready_path=DETAIL.path,
        )
        try:
            results["ceiling"] = measure(server, args)
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
