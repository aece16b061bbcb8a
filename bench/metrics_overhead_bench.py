"""CPU the request metrics (registry/metrics_http.py, counted by registry/middleware.py's
EdgeMiddleware) add per request, in process.

Two measurements, each `time.process_time()` over `--requests` calls, best of 3 rounds:

- middleware alone: the edge middleware around a trivial ASGI app that answers at once,
  without and with the count (what counting costs, without the rest of the stack's noise);
- end to end: a cached anonymous REST package detail (`GET /api/v1/packages/{name}`, answered
  from the package cache) through httpx's ASGI transport, on the embedded stack, with the app
  as `create_app` builds it and with the count left out of its edge middleware.

Set PROMETHEUS_MULTIPROC_DIR to an empty directory to measure multiprocess mode.

    uv run python bench/metrics_overhead_bench.py [--requests 20000]
"""

from __future__ import annotations

import argparse
import asyncio
import sys
import tempfile
import time
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

REPO_ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO_ROOT))

import httpx  # noqa: E402
from starlette.middleware import Middleware  # noqa: E402
from starlette.routing import Route  # noqa: E402

from registry.app import create_app  # noqa: E402
from registry.metrics import multiprocess_dir  # noqa: E402
from registry.middleware import EdgeMiddleware  # noqa: E402
from tests.fixtures.stack import start_stack, stop_stack  # noqa: E402
from tests.helpers import upload_version  # noqa: E402
from tests.pipeline.support import OWNER, benign_mod, make_owner_package  # noqa: E402
from tests.scanning.helpers import MOD  # noqa: E402

ROUNDS = 3


async def best_per_call(call: Callable[[], Awaitable[Any]], count: int) -> float:
    """Microseconds of CPU per call, the best of ROUNDS rounds."""
    best = float("inf")
    for _ in range(ROUNDS):
        started = time.process_time()
        for _ in range(count):
            await call()
        best = min(best, (time.process_time() - started) / count)
    return best * 1e6


async def middleware_alone(count: int) -> tuple[float, float]:
    route = Route("/api/v1/packages/{name}", lambda request: None)

    class App:  # what the middleware reads the route table from
        class router:  # Starlette's attribute name
            routes = [route]

    async def answer(scope: Any, receive: Any, send: Any) -> None:
        scope["route"] = route  # as registry/routing.py leaves it
        await send({"type": "http.response.start", "status": 200, "headers": []})
        await send({"type": "http.response.body", "body": b"{}"})

    async def send(message: Any) -> None:
        pass

    async def receive() -> Any:
        return {"type": "http.request"}

    scope = {
        "type": "http",
        "method": "GET",
        "app": App(),
        "path": "/api/v1/packages/x",
        "headers": [],
    }
    uncounted = EdgeMiddleware(answer, trusted_proxies=(), count_requests=False)
    counted = EdgeMiddleware(answer, trusted_proxies=())
    bare = await best_per_call(lambda: uncounted(dict(scope), receive, send), count)
    wrapped = await best_per_call(lambda: counted(dict(scope), receive, send), count)
    return bare, wrapped


async def end_to_end(count: int) -> tuple[float, float]:
    stack, pg_url = await start_stack(
        "embedded",
        Path(tempfile.mkdtemp()),
        None,
        rate_limit_enabled=False,
        prometheus_multiproc_dir=multiprocess_dir(),  # the environment's, as serve reads it
    )
    try:
        await make_owner_package(stack.client)
        uploaded = await upload_version(stack.client, OWNER, MOD, "1.0.0", benign_mod())
        assert uploaded.status_code == 201, uploaded.text
        await stack.drain_jobs()
        clients = {}
        for label, keep in (("without", False), ("with", True)):
            app = create_app(stack.settings, runtime=stack.runtime)
            if not keep:
                uncounted = Middleware(
                    EdgeMiddleware,
                    trusted_proxies=stack.settings.trusted_proxies,
                    count_requests=False,
                )
                app.user_middleware = [
                    uncounted if m.cls is EdgeMiddleware else m for m in app.user_middleware
                ]
            clients[label] = httpx.AsyncClient(
                transport=httpx.ASGITransport(app=app), base_url="http://testserver"
            )
        path = f"/api/v1/packages/{MOD}"

        async def get(client: httpx.AsyncClient) -> None:
            response = await client.get(path)
            assert response.status_code == 200

        results: dict[str, float] = {}
        for label in ("without", "with", "without", "with"):  # interleaved against drift
            took = await best_per_call(lambda c=clients[label]: get(c), count)
            results[label] = min(results.get(label, float("inf")), took)
        for client in clients.values():
            await client.aclose()
        return results["without"], results["with"]
    finally:
        await stop_stack(stack, pg_url)


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=20_000)
    count = parser.parse_args().requests
    bare, wrapped = await middleware_alone(count * 5)
    print(f"middleware alone: {bare:.2f} us -> {wrapped:.2f} us (+{wrapped - bare:.2f} us)")
    without, with_metrics = await end_to_end(count)
    print(
        f"cached REST detail via httpx: {without:.1f} us -> {with_metrics:.1f} us "
        f"(+{with_metrics - without:.1f} us)"
    )


if __name__ == "__main__":
    asyncio.run(main())
