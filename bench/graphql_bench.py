"""GraphQL package page vs the REST list endpoint: median latency and SQL statements per
request, measured in the same run on the same registry.

The registry runs in this process (its ASGI app driven through httpx's ASGI transport, so the
figures are the server's own work: routing, auth, SQL, serialisation; no socket). It is seeded
with 100 public packages of one verified publisher, 3 versions each with 2 dependencies. Each
round sends, alternately:

- `graphql`: `packages(first: 100)` with every field REST's package summary has, the
  publisher, and each package's versions (version, publishedAt, yanked, downloads);
- `rest`: `GET /api/v1/packages?per_page=100` (summaries with publisher name and id, no
  versions: REST needs one more request per package for those);
- `rest+details` (fewer rounds): that list plus `GET /api/v1/packages/{name}` for each of the
  100 packages, which is what it takes to get the same data over REST.

Rate limiting is switched off (it would measure the limiter, not the endpoint), and so are the
anonymous answer caches (`PACKAGE_CACHE_TTL=0`: every request does its work). Exit status 1
when the package page (the issue's query: 100 items with versions and publisher) takes more
than 2x what REST needs for the same data. The stricter comparison of the summaries alone with
the REST list is printed beside it (informational: it is at about 2x).

    uv run python bench/graphql_bench.py [--rounds 40] [--postgres]
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import logging
import statistics
import sys
import tempfile
import time
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import httpx
from tortoise import connections
from tortoise.backends.base.executor import EXECUTOR_CACHE

from bench.support import OrmPackage, postgres_database, seed_orm
from domain.database import apply_migrations
from registry.app import create_app
from registry.config import load_settings
from registry.runtime import Runtime

PACKAGES = 100
TARGET_RATIO = 2.0

# Exactly what a REST list item holds (REST_CONTRACT §3 package summary).
SUMMARY_QUERY = """query PackageSummaries {
  packages(first: 100, sort: NAME) {
    totalCount
    edges { node {
      name displayName packageType description latestVersion visibility totalDownloads
      updatedAt
      publisher { databaseId name verificationStatus }
    } }
  }
}"""

# The package page of a frontend: the summaries plus every package's versions.
PAGE_QUERY = """query PackagePage {
  packages(first: 100, sort: NAME) {
    totalCount
    edges { node {
      name displayName packageType description latestVersion visibility totalDownloads
      updatedAt
      publisher { databaseId name verificationStatus }
      versions { version publishedAt yanked downloads }
    } }
  }
}"""


class StatementCounter:
    """Counts SQL statements sent through Tortoise's default connection."""

    def __init__(self) -> None:
        self.count = 0

    @contextlib.contextmanager
    def counting(self) -> Iterator[None]:
        cls = type(connections.get("default"))
        names = ("execute_query", "execute_query_dict", "execute_insert", "execute_many")
        originals = {name: getattr(cls, name) for name in names}

        def wrap(original: Any) -> Any:
            async def counted(client: Any, *args: Any, **kwargs: Any) -> Any:
                self.count += 1
                return await original(client, *args, **kwargs)

            return counted

        for name, original in originals.items():
            setattr(cls, name, wrap(original))
        try:
            yield
        finally:
            for name, original in originals.items():
                setattr(cls, name, original)


def catalogue() -> list[OrmPackage]:
    """100 packages of 3 versions, each depending on the next two packages."""
    names = [f"bench-mod-{index:03d}" for index in range(PACKAGES)]
    return [
        OrmPackage(name, 3, (names[(i + 1) % PACKAGES], names[(i + 2) % PACKAGES]), f"Mod {i}")
        for i, name in enumerate(names)
    ]


@contextlib.asynccontextmanager
async def registry(database_url: str | None) -> AsyncIterator[httpx.AsyncClient]:
    with tempfile.TemporaryDirectory(prefix="tbr-graphql-bench-") as tmp:
        # The anonymous answer caches off (GraphQL, REST list and detail): this bench compares
        # the work of answering, which a repeat served from memory would skip (see
        # bench/graphql_load.py for the cached figures).
        env = {"DATA_DIR": tmp, "RATE_LIMIT_ENABLED": "false", "PACKAGE_CACHE_TTL": "0"}
        if database_url:
            env["DATABASE_URL"] = database_url
        settings = load_settings(env)
        # Tortoise caches compiled statements per connection name ("default" for both runs):
        # a PostgreSQL run after the SQLite one must not reuse `?` placeholders.
        EXECUTOR_CACHE.clear()
        await apply_migrations(settings.database_url)
        runtime = Runtime(settings)
        await runtime.start(migrate=False)
        try:
            await seed_orm(catalogue())
            transport = httpx.ASGITransport(app=create_app(settings, runtime=runtime))
            async with httpx.AsyncClient(transport=transport, base_url="http://bench") as client:
                yield client
        finally:
            await runtime.stop()


async def _graphql(client: httpx.AsyncClient, query: str) -> dict[str, Any]:
    response = await client.post("/graphql", json={"query": query})
    body = response.json()
    assert response.status_code == 200 and "errors" not in body, body
    assert len(body["data"]["packages"]["edges"]) == PACKAGES
    return body


async def graphql_summaries(client: httpx.AsyncClient) -> None:
    await _graphql(client, SUMMARY_QUERY)


async def graphql_page(client: httpx.AsyncClient) -> None:
    body = await _graphql(client, PAGE_QUERY)
    assert len(body["data"]["packages"]["edges"][0]["node"]["versions"]) == 3


async def rest_list(client: httpx.AsyncClient) -> list[str]:
    response = await client.get("/api/v1/packages", params={"per_page": PACKAGES})
    assert response.status_code == 200, response.text
    names = [p["name"] for p in response.json()["packages"]]
    assert len(names) == PACKAGES
    return names


async def rest_with_details(client: httpx.AsyncClient) -> None:
    for name in await rest_list(client):
        detail = await client.get(f"/api/v1/packages/{name}")
        assert detail.status_code == 200 and len(detail.json()["versions"]) == 3


Call = Callable[[httpx.AsyncClient], Awaitable[Any]]


async def timed(call: Call, client: httpx.AsyncClient) -> float:
    started = time.perf_counter()
    await call(client)
    return (time.perf_counter() - started) * 1000


async def statements_of(call: Call, client: httpx.AsyncClient) -> int:
    counter = StatementCounter()
    with counter.counting():
        await call(client)
    return counter.count


async def measure(label: str, database_url: str | None, rounds: int) -> list[float]:
    async with registry(database_url) as client:
        calls: dict[str, Call] = {
            "graphql summaries": graphql_summaries,
            "rest list": rest_list,
            "graphql page": graphql_page,
        }
        for call in calls.values():  # warm-up: caches, first connections, parsed documents
            for _ in range(5):
                await call(client)
        samples: dict[str, list[float]] = {name: [] for name in calls}
        for _ in range(rounds):  # interleaved, so drift on a shared machine hits all alike
            for name, call in calls.items():
                samples[name].append(await timed(call, client))
        samples["rest list + details"] = [
            await timed(rest_with_details, client) for _ in range(max(3, rounds // 8))
        ]
        calls["rest list + details"] = rest_with_details
        statements = {name: await statements_of(call, client) for name, call in calls.items()}
    median = {name: statistics.median(values) for name, values in samples.items()}
    requests = {"rest list + details": PACKAGES + 1}
    print(f"\n{label}: {PACKAGES} packages x 3 versions, {rounds} rounds\n")
    print("| request | median | p90 | HTTP requests | SQL statements |")
    print("|---|---|---|---|---|")
    for name, values in samples.items():
        p90 = statistics.quantiles(values, n=10)[-1] if len(values) >= 10 else max(values)
        print(
            f"| {name} | {median[name]:.1f} ms | {p90:.1f} ms | {requests.get(name, 1)} | "
            f"{statements[name]} |"
        )
    same_list = median["graphql summaries"] / median["rest list"]
    same_page = median["graphql page"] / median["rest list + details"]
    print(
        f"\npage with versions:          graphql / rest list + details = {same_page:.2f}x "
        f"(target <= {TARGET_RATIO:.0f}x)"
    )
    print(
        f"same data as the REST list:  graphql / rest = {same_list:.2f}x (stricter, informational)"
    )
    print(
        f"page with versions vs the bare REST list (less data): "
        f"{median['graphql page'] / median['rest list']:.2f}x"
    )
    return [same_page]


async def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rounds", type=int, default=40)
    parser.add_argument(
        "--postgres", action="store_true", help="also run on a temporary PostgreSQL database"
    )
    args = parser.parse_args()
    # The seeded versions have no files: background reconciliation would log about them.
    logging.getLogger("registry").setLevel(logging.CRITICAL)
    ratios = await measure("embedded (SQLite)", None, args.rounds)
    if args.postgres:
        async with postgres_database() as url:
            ratios += await measure("PostgreSQL", url, args.rounds)
    return 0 if all(r <= TARGET_RATIO for r in ratios) else 1


if __name__ == "__main__":
    sys.exit(asyncio.run(main()))
