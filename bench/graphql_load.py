"""GraphQL and resolve throughput under load (issue 14): requests/s with 32 keep-alive
connections against one uvicorn process, anonymous and authenticated.

The registry runs in its own process (bench/http_load.py: `tb-registry serve`'s way, runtime
started, then uvicorn, one worker, no access log) on the embedded default (SQLite + local
folder) or on a temporary PostgreSQL database, seeded in that process through the ORM
(bench/support.py `seed_orm`) before it listens, with the issue's shape: 200 packages,
399 versions, one package with 10 versions (the package page) and a 4-package dependency
chain (`chain-a` -> `chain-b` -> `chain-c` -> `chain-d`). Each operation is loaded for
`--duration` seconds after a warm-up (`wrk` when installed, else bench/http_load.py's Python
client); each answer is checked once beforehand (no `errors`).

Operations (GraphQL over POST; the `auth` variants send a bearer token, so they are never
answered from the anonymous response cache):

- `name`: `{ package(name) { name } }`
- `page`: the package page, package fields, publisher and 10 versions
- `list`: `packages(first: 20)` with each package's latest version and publisher
- `resolve`: REST `POST /api/v1/resolve` of the chain's head (anonymous repeats may be
  answered from memory; the authenticated run resolves every time, over the kept package
  universe, domain/services/resolution_cache.py)

    uv run python bench/graphql_load.py [--duration 8] [--connections 32] [--postgres]
        [--only name,page,...] [--loader auto|wrk|python]
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
from pathlib import Path
from typing import Any

REPO_ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO_ROOT))

import httpx  # noqa: E402

from bench.http_load import (  # noqa: E402
    RegistryServer,
    Request,
    load,
    loader_for,
    registry_env,
    token,
)
from bench.support import OrmPackage, postgres_database_sync, seed_orm  # noqa: E402

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


# --- the catalogue, written in the server's process before it listens ---------------------


def catalogue() -> list[OrmPackage]:
    """10 + 4 + 190 x 2 + 5 x 1 = 399 versions in 1 + 4 + 195 = 200 packages."""
    packages = [OrmPackage(PAGE_PACKAGE, 10)]
    packages += [
        OrmPackage(name, 1, (CHAIN[i + 1],) if i + 1 < len(CHAIN) else ())
        for i, name in enumerate(CHAIN)
    ]
    packages += [OrmPackage(f"bench-mod-{i:03d}", 2 if i < 190 else 1) for i in range(195)]
    return packages


async def seed() -> None:
    await seed_orm(catalogue())


# --- the load --------------------------------------------------------------------------------


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
        url = database_url or f"sqlite://{workdir}/data/registry.sqlite3"
        env = registry_env(workdir / "data", url, admin_id="bench-admin")
        server = RegistryServer.start(
            label, env, workdir / "server.log", seed="bench.graphql_load:seed"
        )
        try:
            print(
                f"\n{label}: {args.connections} keep-alive connections, {args.duration:g} s each\n"
            )
            print("| operation | caller | req/s | p50 | p99 | errors | target |")
            print("|---|---|---|---|---|---|---|")
            for name in args.only:
                path, body = OPERATIONS[name]
                callers = [("anonymous", None)]
                if name in AUTH_TARGETS or name in AUTH_ONLY_MEASURED:
                    callers.append(("authenticated", bearer))
                for caller, credential in callers:
                    check(server.base_url, path, body, credential)
                    headers = {"Content-Type": "application/json"}
                    if credential:
                        headers["Authorization"] = f"Bearer {credential}"
                    result = load(
                        server.base_url,
                        Request("POST", path, json.dumps(body).encode(), headers),
                        loader=args.loader,
                        duration=args.duration,
                        connections=args.connections,
                        warmup=args.warmup,
                    )
                    target = (AUTH_TARGETS if credential else TARGETS).get(name)
                    ok = (target is None or result.rps >= target) and not result.errors
                    if not ok:
                        failures.append(f"{label} {name} {caller}")
                    verdict = "-" if target is None else f"{'>=' if ok else 'MISSED <'} {target:,}"
                    print(
                        f"| {name} | {caller} | {result.rps:,.0f} | {result.p50_ms:.1f} ms | "
                        f"{result.p99_ms:.1f} ms | {result.errors} | {verdict} |",
                        flush=True,
                    )
        finally:
            server.stop()
    return failures


def main() -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--duration", type=float, default=8.0)
    parser.add_argument("--warmup", type=float, default=2.0)
    parser.add_argument("--connections", type=int, default=32)
    parser.add_argument("--loader", choices=("auto", "wrk", "python"), default="auto")
    parser.add_argument("--postgres", action="store_true", help="also run on PostgreSQL")
    parser.add_argument("--only", default=",".join(OPERATIONS))
    args = parser.parse_args()
    args.loader = loader_for(args.loader)
    args.only = [name.strip() for name in args.only.split(",") if name.strip()]
    failures = measure("embedded (SQLite)", None, args)
    if args.postgres:
        with postgres_database_sync() as url:
            failures += measure("PostgreSQL", url, args)
    if failures:
        print("\nbelow target: " + ", ".join(failures))
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
