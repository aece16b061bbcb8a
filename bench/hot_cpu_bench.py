"""CPU per request of the discovery hot reads, in process: what the registry's own code costs,
without uvicorn, the socket, the load generator or the rest of a shared machine.

The registry is seeded as bench/discovery_bench.py seeds it (200 packages, 399 versions, the
chain; through the REST API of a server in its own process, which is then stopped). Then, in
this process, the same app (`create_app` on a started `Runtime`, the same settings: rate
limiter on with raised budgets) is called directly as an ASGI application with each of
discovery_bench's requests (the same `Request`s and answer checks): REST detail, list,
search, resolve, and GraphQL name, package page and `packages(first: 20)`, anonymous and with
a reader's Bearer token. Per request it reports

- CPU ms: `time.process_time()` over `--requests` calls in 7 batches, the best batch (CPU time
  is what another process cannot inflate much; the best batch drops the rest of the noise);
- Python calls: function calls counted by cProfile over 500 calls (deterministic, a proxy
  for interpreter work that a loaded machine does not change).

Anonymous repeats are answered from the registry's answer caches, as under load.
`--profile KEY` prints cProfile's top functions for that endpoint. Logging is left
unconfigured (as bench/http_load.py serves: no access line) unless `--log-format text|json`
configures it as `tb-registry serve` does, onto /dev/null: each request then writes its access
line (a write and a flush, as to a pipe or file).

    uv run python bench/hot_cpu_bench.py [--backends embedded,postgres] [--requests 3500]
        [--only search,detail,...] [--profile search] [--sort tottime|cumulative]
        [--log-format text|json]
"""

from __future__ import annotations

import argparse
import asyncio
import cProfile
import json
import os
import pstats
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

REPO_ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO_ROOT))

from bench.discovery_bench import (  # noqa: E402
    ADMIN_ID,
    Endpoint,
    Tokens,
    endpoints,
    seed,
)
from bench.http_load import JWT_SECRET, RegistryServer, registry_env, use_uvloop  # noqa: E402
from bench.support import postgres_database_sync  # noqa: E402

BATCHES = 7
PROFILED_CALLS = 500


class Caller:
    """Calls an ASGI app with one request, as uvicorn would hand it over."""

    def __init__(self, app: Any, endpoint: Endpoint) -> None:
        request = endpoint.request
        path, _, query = request.path.partition("?")
        headers = [(b"host", b"127.0.0.1:8000"), (b"user-agent", b"hot-cpu-bench")]
        headers += [(k.lower().encode(), v.encode()) for k, v in request.headers.items()]
        if request.body:
            headers.append((b"content-length", str(len(request.body)).encode()))
        self.app = app
        self.body = request.body
        self.scope = {
            "type": "http",
            "asgi": {"version": "3.0"},
            "http_version": "1.1",
            "method": request.method,
            "scheme": "http",
            "path": path,
            "raw_path": path.encode(),
            "root_path": "",
            "query_string": query.encode(),
            "headers": headers,
            "client": ("127.0.0.1", 50000),
            "server": ("127.0.0.1", 8000),
        }

    async def __call__(self) -> list[dict[str, Any]]:
        sent = False

        async def receive() -> dict[str, Any]:
            nonlocal sent
            if not sent:
                sent = True
                return {"type": "http.request", "body": self.body, "more_body": False}
            await asyncio.Event().wait()  # the client never disconnects
            raise AssertionError("unreachable")

        messages: list[dict[str, Any]] = []

        async def send(message: dict[str, Any]) -> None:
            messages.append(message)

        await self.app({**self.scope, "state": {}}, receive, send)
        return messages


async def measure(
    label: str, env: dict[str, str], args: argparse.Namespace, reader: str
) -> list[tuple[str, str, float, float, int]]:
    from tortoise.backends.base.executor import EXECUTOR_CACHE

    from registry.app import create_app
    from registry.config import load_settings
    from registry.runtime import Runtime

    # Tortoise keeps each model's compiled INSERT/DELETE per connection name ("default" for
    # every backend): a PostgreSQL run after the SQLite one must not reuse `?` placeholders.
    EXECUTOR_CACHE.clear()
    settings = load_settings(env)
    runtime = Runtime(settings)
    await runtime.start()
    rows = []
    try:
        app = create_app(settings, runtime=runtime)
        for endpoint in endpoints(reader):
            if args.only and endpoint.key not in args.only:
                continue
            call = Caller(app, endpoint)
            messages = await call()
            body = b"".join(m.get("body", b"") for m in messages[1:])
            problem = None if messages[0]["status"] == 200 else f"{messages[0]['status']}"
            problem = problem or endpoint.check(json.loads(body))
            if problem:
                raise SystemExit(f"[{label}] {endpoint.label}: {problem}: {body[:300]!r}")
            for _ in range(200):  # warm: caches filled, code paths compiled
                await call()
            per_batch = max(1, args.requests // BATCHES)
            best = float("inf")
            for _ in range(BATCHES):
                started = time.process_time()
                for _ in range(per_batch):
                    await call()
                best = min(best, (time.process_time() - started) / per_batch)
            profile = cProfile.Profile()
            profile.enable()
            for _ in range(PROFILED_CALLS):
                await call()
            profile.disable()
            stats = pstats.Stats(profile)
            calls = stats.total_calls / PROFILED_CALLS  # type: ignore[attr-defined]
            if endpoint.key == args.profile:
                stats.sort_stats(args.sort).print_stats(30)
            rows.append((endpoint.label, label, best * 1000, calls, len(body)))
            print(f"[{label}] {endpoint.label}: {best * 1000:.3f} ms CPU, {calls:.0f} calls")
    finally:
        await runtime.stop()
    return rows


def run_backend(label: str, workdir: Path, url: str, args: argparse.Namespace) -> list[Any]:
    env = registry_env(workdir / label / "data", url, admin_id=ADMIN_ID)
    (workdir / label / "data").mkdir(parents=True, exist_ok=True)
    tokens = Tokens.minted(JWT_SECRET)
    server = RegistryServer.start(label, env, workdir / f"{label}.log")
    try:
        seed(label, server.base_url, args, tokens)
    finally:
        server.stop()
    assert tokens.reader is not None
    if args.log_format:
        from registry.logs import configure_logging

        configure_logging(args.log_format, stream=open(os.devnull, "w"))
    return asyncio.run(measure(label, env, args, tokens.reader))


def main() -> int:
    parser = argparse.ArgumentParser(
        description=(__doc__ or "").splitlines()[0],
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--backends", default="embedded", help="embedded,postgres")
    parser.add_argument("--requests", type=int, default=3500, help="timed calls each (3500)")
    parser.add_argument("--only", help="comma-separated endpoint keys (discovery_bench's)")
    parser.add_argument("--profile", help="an endpoint key: print its cProfile top 30")
    parser.add_argument("--sort", default="tottime", choices=("tottime", "cumulative"))
    parser.add_argument(
        "--log-format", choices=("text", "json"), help="write access lines (to /dev/null)"
    )
    parser.add_argument("--packages", type=int, default=200)
    parser.add_argument("--versions", type=int, default=399)
    args = parser.parse_args()
    args.only = {k.strip() for k in args.only.split(",")} if args.only else None
    use_uvloop()
    rows = []
    with tempfile.TemporaryDirectory(prefix="hot-cpu-") as tmp:
        workdir = Path(tmp)
        for backend in (b.strip() for b in args.backends.split(",") if b.strip()):
            if backend == "embedded":
                url = f"sqlite://{workdir}/embedded/data/registry.sqlite3"
                rows += run_backend("embedded", workdir, url, args)
            elif backend == "postgres":
                with postgres_database_sync() as url:
                    rows += run_backend("postgres", workdir, url, args)
            else:
                parser.error(f"--backends: unknown {backend}")
    print("\n| endpoint | backend | CPU ms / request | Python calls / request | body bytes |")
    print("|---|---|---|---|---|")
    for label, backend, cpu_ms, calls, size in rows:
        print(f"| {label} | {backend} | {cpu_ms:.3f} | {calls:.0f} | {size:,} |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
