"""`/api/v1/health` p99 while 16 connections send the worst inputs of issue #12, finding 1.

Starts `python -m registry` in its own process on a free 127.0.0.1 port (the embedded default,
SQLite + a local folder; `--postgres` uses a temporary PostgreSQL database instead), seeds one
public package with a few versions and dependencies through the REST API, then runs one
scenario after another. In each, a separate load process (tests/security/dos_load.py) keeps 16
connections busy sending one kind of request, with no pause, while this process probes
`/api/v1/health` every 20 ms on a new connection and records each answer's latency:

- `idle`: no load, for reference;
- `REST over-cap`: the audit's requests (`"a x" + 40,000 spaces + "y"`, 80,000 spaces,
  4,000 `1.0.x||` alternatives) and other over-limit texts, 501 requirements;
- `REST largest allowed`: 500 requirements per request at the limits (specifiers of ~200
  characters with ~20 comparators, or 32 alternatives), new texts in every request so that
  no parse is served from the cache;
- `GraphQL resolve`: the same two kinds through the GraphQL `resolve` field;
- `GraphQL heaviest by cost`: the most expensive documents the cost limit
  (schema/core/cost.py, `GRAPHQL_MAX_COST`) still accepts: one `checkUpdates` of 500 items on
  the seeded package, 50 aliases of `checkUpdates` of 11 items each, and a `resolve` of 500
  requirements;
- `everything`: all of the above mixed.

The rate limiter is off (`RATE_LIMIT_ENABLED=false`) so that every request reaches the
parser: the budgets are a separate defence. Exit status 1 when a scenario's p99 reaches 100 ms.

    uv run python bench/dos_bench.py [--seconds 8] [--connections 16] [--postgres]
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import os
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

REPO_ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO_ROOT))

import httpx  # noqa: E402

from bench.http_load import JWT_SECRET, free_port  # noqa: E402
from bench.rest_bench import ADMIN_ID, seed  # noqa: E402
from bench.support import postgres_database  # noqa: E402
from domain import bounds  # noqa: E402
from domain.ranges import parse_requirement  # noqa: E402
from tests.security.dos_load import LoadProcess, probe_health  # noqa: E402

TARGET_P99 = 0.100
PACKAGE = "BenchMod"

RESOLVE = (
    "query($r: [String!]!) { resolve(requirements: $r) { success installOrder "
    "conflict { errors } } }"
)
CHECK_UPDATES = (
    "query($i: [UpdateQueryInput!]!) { checkUpdates(items: $i) { found name "
    "latestVersion updateAvailable checksumSha256 } }"
)


# --- what the load processes send ---------------------------------------------------------


def over_cap_requirements() -> list[str]:
    """The audit's three requests and their relatives, each over a limit."""
    return [
        "a x" + " " * 40_000 + "y",
        " " * 80_000,
        "a x" + " " * 80_000 + "y",
        "a " + "||".join(["1.0.x"] * 4_000),
        "a " + " - " * 30_000,
        "a " + "!=1 " * 20_000,
        "x" * 101,
        "a " + "||".join(["1.x"] * 33),
    ]


def _longest_spec(parts: list[str], separator: str) -> str:
    """As many `parts` as fit in a specifier once `__N__` is a number of up to 7 digits."""
    spec = parts[0]
    for part in parts[1:]:
        longer = spec + separator + part
        if len(longer.replace("__N__", "9" * 7)) > bounds.SPEC_MAX_LENGTH:
            break
        spec = longer
    return spec


def largest_allowed_batches() -> list[list[str]]:
    """500 requirements at the limits; `__N__` becomes a number unique to each request.
    Every 50th names the seeded package, so some of them have candidates to match."""
    names = [PACKAGE if i % 50 == 0 else f"p{i}" for i in range(bounds.MAX_RESOLVE_REQUIREMENTS)]
    comparators = [
        f"{name} " + _longest_spec([f"!=__N__.{i}.{k}" for k in range(bounds.MAX_COMPARATORS)], " ")
        for i, name in enumerate(names)
    ]
    alternatives = [
        f"{name} " + _longest_spec([f"__N__.{k}" for k in range(bounds.MAX_ALTERNATIVES)], "||")
        for name in names
    ]
    for text in comparators + alternatives:  # within every limit, so the server parses them
        parse_requirement(text.replace("__N__", "9" * 7))
    return [comparators, alternatives]


def rest_over_cap() -> list[dict[str, Any]]:
    too_many = [f"p{i}" for i in range(bounds.MAX_RESOLVE_REQUIREMENTS + 1)]
    return [
        {"path": "/api/v1/resolve", "json": {"requirements": [text]}}
        for text in over_cap_requirements()
    ] + [{"path": "/api/v1/resolve", "json": {"requirements": too_many}}]


def rest_largest() -> list[dict[str, Any]]:
    return [
        {"path": "/api/v1/resolve", "json": {"requirements": batch}, "vary": True}
        for batch in largest_allowed_batches()
    ]


def graphql_resolve() -> list[dict[str, Any]]:
    refused = [
        {"path": "/graphql", "json": {"query": RESOLVE, "variables": {"r": [text]}}}
        for text in over_cap_requirements()
    ]
    allowed = [
        {"path": "/graphql", "json": {"query": RESOLVE, "variables": {"r": batch}}, "vary": True}
        for batch in largest_allowed_batches()
    ]
    return refused + allowed


def graphql_heaviest() -> list[dict[str, Any]]:
    """The most expensive documents the cost limit lets through (checked by `verify_costs`)."""
    item = {"name": PACKAGE, "version": "1.0.0"}
    aliases = " ".join(
        f"c{n}: checkUpdates(items: $i) {{ found name latestVersion }}" for n in range(50)
    )
    return [
        {
            "path": "/graphql",
            "json": {"query": CHECK_UPDATES, "variables": {"i": [item] * bounds.MAX_UPDATE_ITEMS}},
        },
        {
            "path": "/graphql",
            "json": {
                "query": f"query($i: [UpdateQueryInput!]!) {{ {aliases} }}",
                "variables": {"i": [item] * 11},
            },
        },
        {
            "path": "/graphql",
            "json": {"query": RESOLVE, "variables": {"r": largest_allowed_batches()[0]}},
            "vary": True,
        },
    ]


SCENARIOS = {
    "idle": list,
    "REST over-cap": rest_over_cap,
    "REST largest allowed": rest_largest,
    "GraphQL resolve": graphql_resolve,
    "GraphQL heaviest by cost": graphql_heaviest,
    "everything": lambda: rest_over_cap() + rest_largest() + graphql_resolve() + graphql_heaviest(),
}


# --- the server ---------------------------------------------------------------------------


@dataclass
class Server:
    process: subprocess.Popen[bytes]
    url: str
    log: Path

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()


@contextlib.contextmanager
def registry(workdir: Path, database_url: str | None) -> Iterator[Server]:
    """`python -m registry` as deployed (its own logging, access log included), output to a
    file so that a full pipe can never be what stalls it."""
    port = free_port()
    env = {
        **os.environ,
        "DATA_DIR": str(workdir / "data"),
        "SERVER_HOST": "127.0.0.1",
        "SERVER_PORT": str(port),
        "CLOUDM_JWT_SECRET": JWT_SECRET,
        "ADMIN_USERS": ADMIN_ID,
        "RATE_LIMIT_ENABLED": "false",
        "TB_REGISTRY_ENV_FILE": str(workdir / "no.env"),
    }
    if database_url:
        env["DATABASE_URL"] = database_url
    log = workdir / "server.log"
    process = subprocess.Popen(
        [sys.executable, "-m", "registry"],
        cwd=workdir,
        env=env,
        stdout=log.open("wb"),
        stderr=subprocess.STDOUT,
    )
    server = Server(process, f"http://127.0.0.1:{port}", log)
    try:
        deadline = time.monotonic() + 60
        while True:
            if process.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"the server did not start: {log.read_text()[-2000:]}")
            with contextlib.suppress(httpx.HTTPError):
                if httpx.get(f"{server.url}/api/v1/health", timeout=2).status_code == 200:
                    break
            time.sleep(0.2)
        yield server
    finally:
        server.stop()


def verify_costs(url: str) -> list[str]:
    """The GraphQL documents of the heaviest scenario are accepted by the cost limit (each
    answers without a cost error), and one item more is refused: the load is the ceiling."""
    notes = []
    with httpx.Client(base_url=url, timeout=120) as client:
        for payload in graphql_heaviest():
            body = client.post(
                "/graphql",
                json={
                    "query": payload["json"]["query"],
                    "variables": _numbered(payload["json"]["variables"], 1),
                },
            ).json()
            codes = [e.get("extensions", {}).get("code") for e in body.get("errors") or []]
            assert not codes, (payload["json"]["query"][:60], body["errors"][:1])
        more = {"i": [{"name": PACKAGE}] * (bounds.MAX_UPDATE_ITEMS + 56)}
        refused = client.post("/graphql", json={"query": CHECK_UPDATES, "variables": more})
        notes.append(
            f"checkUpdates of {bounds.MAX_UPDATE_ITEMS + 56} items: "
            f"{refused.json()['errors'][0]['message'][:90]}"
        )
    return notes


def _numbered(value: Any, number: int) -> Any:
    if isinstance(value, str):
        return value.replace("__N__", str(number))
    if isinstance(value, list):
        return [_numbered(item, number) for item in value]
    if isinstance(value, dict):
        return {key: _numbered(item, number) for key, item in value.items()}
    return value


# --- measuring ----------------------------------------------------------------------------


@dataclass
class Row:
    scenario: str
    probes: list[float]
    statuses: dict[str, int]

    def percentile(self, share: float) -> float:
        ordered = sorted(self.probes)
        return ordered[min(len(ordered) - 1, int(len(ordered) * share))]

    @property
    def passed(self) -> bool:
        return self.percentile(0.99) < TARGET_P99


def run_scenario(url: str, name: str, seconds: float, connections: int) -> Row:
    payloads = SCENARIOS[name]()
    if not payloads:
        return Row(name, probe_health(url, seconds - 2), {})
    load = LoadProcess(url, seconds, connections, payloads)
    load.start()
    time.sleep(1.5)  # the load process is up and its connections are busy
    probes = probe_health(url, seconds - 2)
    return Row(name, probes, load.result())


def table(rows: list[Row], connections: int) -> str:
    lines = [
        f"| scenario ({connections} connections) | requests answered | /health probes "
        "| p50 | p99 | max | p99 < 100 ms |",
        "|---|---|---|---|---|---|---|",
    ]
    for row in rows:
        answered = (
            ", ".join(f"{count} x {status}" for status, count in sorted(row.statuses.items()))
            or "-"
        )
        lines.append(
            f"| {row.scenario} | {answered} | {len(row.probes)} "
            f"| {statistics.median(row.probes) * 1000:.1f} ms "
            f"| {row.percentile(0.99) * 1000:.1f} ms | {max(row.probes) * 1000:.1f} ms "
            f"| {'pass' if row.passed else 'FAIL'} |"
        )
    return "\n".join(lines)


async def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=8.0)
    parser.add_argument("--connections", type=int, default=16)
    parser.add_argument(
        "--postgres", action="store_true", help="run the server on a temporary PostgreSQL database"
    )
    parser.add_argument("--scenarios", default=",".join(SCENARIOS))
    args = parser.parse_args()
    names = args.scenarios.split(",")
    async with contextlib.AsyncExitStack() as stack:
        database_url = None
        if args.postgres:
            from domain.database import apply_migrations

            database_url = await stack.enter_async_context(postgres_database())
            await apply_migrations(database_url)
        workdir = Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="dos-bench-")))
        server = stack.enter_context(registry(workdir, database_url))
        loop = asyncio.get_running_loop()
        await loop.run_in_executor(
            None, lambda: seed(server.url, PACKAGE, ["0.9.0", "1.0.0", "1.1.0"], dependencies=[])
        )
        notes = await loop.run_in_executor(None, verify_costs, server.url)
        backend = "PostgreSQL" if args.postgres else "embedded (SQLite + folder)"
        print(
            f"python {sys.version.split()[0]}, {os.cpu_count()} CPUs, load average "
            f"{os.getloadavg()[0]:.2f}; server: {backend}; {args.seconds:.0f} s per scenario"
        )
        for note in notes:
            print(f"cost limit: {note}")
        rows = []
        for name in names:
            rows.append(
                await loop.run_in_executor(
                    None, run_scenario, server.url, name, args.seconds, args.connections
                )
            )
            print(f"  {name}: p99 {rows[-1].percentile(0.99) * 1000:.1f} ms", flush=True)
    print()
    print(table(rows, args.connections))
    failed = [row.scenario for row in rows if not row.passed]
    verdict = f"FAIL: {', '.join(failed)}" if failed else "ok"
    print(f"\n/health p99 < 100 ms in every scenario -> {verdict}")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(asyncio.run(main()))
