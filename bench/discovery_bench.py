"""Discovery under load (issue 14): REST and GraphQL hot reads, and search on 100,000 packages.

**Hot reads** (default). For each backend the registry runs in its own process
(bench/http_load.py: `tb-registry serve` without the access log; rate limits raised so one
loader address is never throttled, the limiter still runs):

- `embedded`: SQLite + local folder, no configuration (the default stack);
- `postgres`: a temporary PostgreSQL database on 127.0.0.1:5432 (user postgres), created and
  dropped by the script.

Each is seeded through the REST API with the issue's shape: 200 packages, 399 versions,
a 4-package dependency chain (DeckUi -> DeckCore -> DeckStore -> DeckBase). One verified
publisher registers; each package's first version is published as ModManager does (multipart
`POST /api/v1/packages` with a `file` and a `metadata` JSON string), later versions through
`POST /api/v1/packages/{name}/versions`; the in-process scan publishes them. About one package
in nine matches `alpha` (in its name, description or keywords). Then, per endpoint, 32
keep-alive connections for `--duration` seconds (after a 1 s warm-up):

- REST: `GET /api/v1/packages/WidgetForge` (detail, 10 versions),
  `GET /api/v1/packages?per_page=100` (list), `GET /api/v1/search?q=alpha` (search),
  `POST /api/v1/resolve` `{"requirements": ["DeckUi==1.1.0"]}` (4 packages resolved);
- GraphQL (`POST /graphql`), anonymous and with a Bearer token of a signed-in reader:
  `package(name) { name }`, the package page (package fields, publisher, 10 versions) and
  `packages(first: 20)` with each package's latest version and publisher.

Every request is checked once before it is loaded (status 200, no GraphQL `errors`, the
expected data). The table shows req/s, p50, p99 and the server process's CPU share per
endpoint and backend (with req/s per second of server CPU, steadier than req/s when other
work shares the machine), beside the issue's figures (the original server's for REST,
this registry's GraphQL figures at the time of the issue) with the ratio, and the issue's
targets. Exit status 1 when one is missed.

**Side by side with the registry before issue 14** (default; `--baseline-rev REV` names
another revision, `none` skips it): a git worktree of `3b5719b` in a temporary folder gets its
own environment (`uv sync --frozen`); on each backend its server runs beside this checkout's
(the same wrapper and settings, a database of its own migrated by its own code), is seeded
with the same data, and each endpoint is loaded on one server and at once on the other. The
table shows the baseline's req/s, p50 and the ratio beside each row. "Detail does not fall"
then means at least the baseline's detail req/s, and the Bearer GraphQL rows' target is 3x
the baseline's figure measured in the same run; list, search, resolve and the anonymous
GraphQL rows keep the issue's absolute targets. The worktree and its servers are removed at
exit.

The load generator is `wrk` when on PATH (Debian package `wrk`; one thread, a Lua script for
the method, body and headers, `--latency` for the percentiles), else a keep-alive Python
client in a child process. The machine has 2 cores: the loader's own CPU counts.

**Side by side with another server**: `--base-url URL` seeds (unless `--skip-seed`) and loads
an already running server, e.g. the original, with the same data and requests. Tokens: pass
`--jwt-secret` (CloudM HS256 secret the server trusts; owner, admin and reader tokens are
minted), or `--token` (a publisher's), `--admin-token` (verifies the publisher; optional) and
`--reader-token` (GraphQL authenticated rows). The original lacks the one-step publish: the
seeding then creates the package (`POST /packages` JSON) and uploads its versions. Endpoints
the server does not have (GraphQL) are shown as n/a. No targets apply to an external server.

**`--scale N`** (e.g. 100000): N packages are bulk-inserted (Tortoise `bulk_create` in
batches of 2,000, not HTTP) on PostgreSQL and on SQLite, with 1-3 versions each (ToolBoxV2
requirement, ModManager platforms), 1-3 curated categories, keywords, descriptions drawn
from a Zipf-distributed vocabulary, download counts and dates spread over three years, a few
unlisted/private packages; then the search index is rebuilt (when the code has a rebuild
function), the database analysed (PostgreSQL: VACUUM ANALYZE, as autovacuum would), and the
server started on it. Over one keep-alive connection, sequentially, it measures p50/p99 of:
search by word, empty search with a facet filter, list page 1, list page ~1,000
(per_page=100), facet counts (`facets=true`). Each set has up to `--scale-queries` distinct
requests, each sent twice in a row: the first is a cache miss (the engine's work), the
second a hit wherever the server caches. Then the whole round runs again. Server RSS is
sampled every 100 ms: start, peak and end are printed, and growth during the second round
(the same queries) is flagged. Target: p50 < 20 ms for each (misses). `--scale-keep DIR`
keeps the seeded databases and reuses them on the next run with the same DIR and N
(migrations applied, no reseeding): seed once, measure many times; drop them with `DROP
DATABASE tbr_bench_scale_N` and `rm -r DIR`.

    uv run python bench/discovery_bench.py [--backends embedded,postgres] [--duration 8]
        [--connections 32] [--loader auto|wrk|python] [--only detail,list,...]
        [--baseline-rev 3b5719b|none]
    uv run python bench/discovery_bench.py --base-url http://127.0.0.1:8000 --jwt-secret S
    uv run python bench/discovery_bench.py --scale 100000 [--backends postgres,embedded]
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import itertools
import json
import math
import os
import random
import statistics
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

REPO_ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO_ROOT))

import httpx  # noqa: E402

from bench.http_load import (  # noqa: E402
    JWT_SECRET,
    LoadResult,
    RegistryServer,
    Request,
    RssSampler,
    checkout,
    load,
    loader_for,
    migrate,
    mod_archive,
    percentile,
    registry_env,
    token,
)
from bench.support import postgres_database_sync  # noqa: E402

OWNER_ID = "bench-owner"
ADMIN_ID = "bench-admin"
READER_ID = "bench-reader"
PUBLISHER_SLUG = "bench-team"
BASELINE_REV = "3b5719b"  # the last commit before issue 14's work
HOT_PACKAGE = "WidgetForge"  # the detail and the GraphQL package page: 10 versions
CHAIN = ("DeckUi", "DeckCore", "DeckStore", "DeckBase")  # each depends on the next
CHAIN_ROOT_VERSION = "1.1.0"


# --- the small catalogue (the shape) ---------------------------------------------

PREFIXES = (
    "Cloud Quick Smart Data Web Task Mail Map Chat Note Code Auto Sync Pixel Sound Text Key "
    "Log Shell Time Flow Grid Node Link File Image Vault Mesh Byte Story Calendar Ticket Form "
    "Report Audit Budget Invoice Query Script Metric"
).split()
NOUNS = (
    "Tools Hub Kit Board Sync Bridge Guard Viewer Editor Forge Panel Manager Runner Tracker "
    "Builder Monitor Studio Cache Store Relay Bot Widget Scanner Helper"
).split()
VERBS = "Adds Brings Provides Offers Ships Gives".split()
THINGS = (
    "a dashboard widget;a command palette;scheduled jobs;a key-value store;markdown notes;"
    "webhook relays;an image gallery;team chat rooms;a file browser;CSV import and export;"
    "OAuth sign-in;a log viewer;metrics charts;PDF reports;a kanban board;calendar sync;"
    "an audit trail;S3 backups;a REST client;theme switching"
).split(";")
CONTEXTS = (
    "for ToolBoxV2 servers;for the desktop client;to the web frontend;for small teams;"
    "with zero configuration;for ISAA agents;on every platform;for self-hosted setups"
).split(";")
ALPHA_SENTENCES = (
    "Still in alpha: expect breaking changes.",
    "Supports alpha blending for overlays.",
    "Alpha release of the new engine.",
    "Sorts entries alpha-numerically.",
)
MOD_PLATFORMS = ("common", "server", "client", "desktop", "web")
TOOLBOX_REQUIREMENTS = ("", ">=0.1.20", ">=0.1.22", ">=0.1.24,<0.2", "~=0.1.21")


@dataclass
class PackageSpec:
    name: str
    description: str
    keywords: list[str]
    versions: list[str]
    dependencies: list[str] = field(default_factory=list)
    platforms: list[str] = field(default_factory=list)
    toolbox_version: str = ""


def small_catalogue(packages: int = 200, versions: int = 399, seed: int = 14) -> list[PackageSpec]:
    """`packages` packages with `versions` versions in all: WidgetForge has 10, the chain 2
    each, the rest 2 or 1. About one in nine mentions alpha."""
    if packages < len(CHAIN) + 2 or versions < packages + 14:
        raise SystemExit("--packages/--versions: too few for the hot package and the chain")
    rng = random.Random(seed)
    names = [f"{p}{n}" for p in PREFIXES for n in NOUNS]
    rng.shuffle(names)
    specs: list[PackageSpec] = []

    def description() -> str:
        return f"{rng.choice(VERBS)} {rng.choice(THINGS)} {rng.choice(CONTEXTS)}."

    specs.append(PackageSpec(HOT_PACKAGE, description(), ["widgets", "ui"], []))
    for index, name in enumerate(CHAIN):
        deps = [f"{CHAIN[index + 1]}>=1.0.0"] if index + 1 < len(CHAIN) else []
        specs.append(PackageSpec(name, description(), ["deck", "cards"], [], deps))
    alpha_names = [f"Alpha{n}" for n in NOUNS[:6]]
    taken = {s.name for s in specs}
    pool = [n for n in alpha_names + names if n not in taken and not n.startswith("Alpha")]
    rest = packages - len(specs)
    for index in range(rest):
        name = alpha_names[index] if index < len(alpha_names) else pool[index]
        text = description()
        keywords = rng.sample(["tools", "sync", "ui", "data", "chat", "files", "admin"], 2)
        if len(alpha_names) <= index < len(alpha_names) + 12:
            text = f"{text} {ALPHA_SENTENCES[index % len(ALPHA_SENTENCES)]}"
        elif len(alpha_names) + 12 <= index < len(alpha_names) + 16:
            keywords.append("alpha")
        specs.append(PackageSpec(name, text, keywords, []))
    # Versions: 10 for the hot package, 2 per chain package, then 2 or 1 so the sum is exact.
    counts = [10] + [2] * len(CHAIN)
    left = versions - sum(counts)
    others = packages - len(counts)
    twos = left - others  # packages with 2 versions; the others have 1
    counts += [2] * twos + [1] * (others - twos)
    if twos < 0 or twos > others:
        raise SystemExit("--versions must be between packages+14 and 2*packages+10")
    for spec, count in zip(specs, counts, strict=True):
        spec.versions = [f"1.{minor}.0" for minor in range(count)]
        spec.platforms = rng.sample(MOD_PLATFORMS, rng.randint(1, 3))
        spec.toolbox_version = rng.choice(TOOLBOX_REQUIREMENTS)
    chain = {s.name: s for s in specs if s.name in CHAIN}
    assert chain[CHAIN[0]].versions[-1] == CHAIN_ROOT_VERSION
    return specs


# --- seeding through the REST API -------------------------------------------------------


@dataclass
class Tokens:
    owner: str | None
    admin: str | None
    reader: str | None

    @classmethod
    def minted(cls, secret: str) -> Tokens:
        return cls(token(OWNER_ID, secret), token(ADMIN_ID, secret), token(READER_ID, secret))


def bearer(value: str | None) -> dict[str, str]:
    return {"Authorization": f"Bearer {value}"} if value else {}


async def seed_rest(base_url: str, specs: list[PackageSpec], tokens: Tokens) -> dict[str, int]:
    """Publisher (verified when an admin token is given), then every package and version.
    Returns how many packages went through the one-step publish and the fallback."""
    owner = bearer(tokens.owner)
    how = {"one-step publish": 0, "create + upload": 0, "already there": 0}
    async with httpx.AsyncClient(base_url=base_url, timeout=120) as client:
        registered = await client.post(
            "/api/v1/auth/register-publisher",
            headers=owner,
            json={"name": PUBLISHER_SLUG, "display_name": "Bench Team", "email": "b@example.com"},
        )
        if registered.status_code not in (201, 400, 409):
            raise SystemExit(f"register-publisher: {registered.status_code} {registered.text}")
        me = (await client.get("/api/v1/auth/me", headers=owner)).json()
        publisher_id = me.get("publisher_id") or PUBLISHER_SLUG
        if tokens.admin and not me.get("is_verified"):
            verified = await client.post(
                f"/api/v1/publishers/admin/{publisher_id}/verify",
                headers=bearer(tokens.admin),
                json={"notes": "bench"},
            )
            if verified.status_code != 200:  # another server's admin rules: try anyway
                print(f"warning: verify publisher: {verified.status_code} {verified.text[:200]}")

        async def upload(spec: PackageSpec, version: str) -> None:
            response = await client.post(
                f"/api/v1/packages/{spec.name}/versions",
                headers=owner,
                data={"version": version, "changelog": f"Release {version}"},
                files={"file": ("tmpbench.zip", archive(spec, version), "application/zip")},
            )
            if response.status_code not in (200, 201, 409):
                raise SystemExit(f"upload {spec.name} {version}: {response.text[:300]}")

        async def publish(spec: PackageSpec) -> None:
            first, *later = spec.versions
            metadata = {
                "name": spec.name,
                "version": first,
                "description": spec.description,
                "author": "Bench Team",
                "license": "MIT",
                "homepage": f"https://example.com/{spec.name.lower()}",
                "keywords": spec.keywords,
            }
            response = await client.post(
                "/api/v1/packages",
                headers=owner,
                data={"metadata": json.dumps(metadata)},
                files={"file": ("tmpa1b2c3d4.zip", archive(spec, first), "application/zip")},
            )
            if response.status_code in (200, 201):
                how["one-step publish"] += 1
            elif response.status_code == 409:
                how["already there"] += 1
                return
            elif response.status_code in (400, 404, 405, 415, 422):  # no one-step publish
                created = await client.post(
                    "/api/v1/packages",
                    headers=owner,
                    json={
                        key: value
                        for key, value in metadata.items()
                        if key not in ("version", "author")
                    }
                    | {"display_name": spec.name},
                )
                if created.status_code == 409:
                    how["already there"] += 1
                    return
                if created.status_code not in (200, 201):
                    raise SystemExit(f"create {spec.name}: {created.status_code} {created.text}")
                how["create + upload"] += 1
                await upload(spec, first)
            else:
                raise SystemExit(f"publish {spec.name}: {response.status_code} {response.text}")
            for version in later:
                await upload(spec, version)

        gate = asyncio.Semaphore(4)

        async def one(spec: PackageSpec) -> None:
            async with gate:
                await publish(spec)

        await asyncio.gather(*(one(spec) for spec in specs))
        await wait_published(client, specs)
    return how


def archive(spec: PackageSpec, version: str) -> bytes:
    return mod_archive(
        spec.name,
        version,
        spec.dependencies,
        description=spec.description,
        keywords=spec.keywords,
        platforms=spec.platforms,
        toolbox_version=spec.toolbox_version or None,
    )


async def wait_published(
    client: httpx.AsyncClient, specs: list[PackageSpec], timeout: float = 300
) -> None:
    """Until every package shows its last version as latest (the scan publishes them)."""
    pending = list(specs)
    deadline = time.monotonic() + timeout
    while pending:
        if time.monotonic() > deadline:
            raise SystemExit(f"not published in time: {[s.name for s in pending[:5]]}...")
        still = []
        for spec in pending:
            detail = await client.get(f"/api/v1/packages/{spec.name}")
            body = detail.json() if detail.status_code == 200 else {}
            if body.get("latest_version") != spec.versions[-1]:
                still.append(spec)
        pending = still
        if pending:
            await asyncio.sleep(0.5)


# --- the loaded requests ---------------------------------------------------------------

GQL_NAME = "query PackageName($name: String!) { package(name: $name) { name } }"
GQL_PAGE = """query PackagePage($name: String!) {
  package(name: $name) {
    name displayName packageType visibility description readme homepage repository license
    keywords latestVersion totalDownloads createdAt updatedAt
    publisher { name displayName verificationStatus }
    versions(first: 10) {
      version publishedAt yanked downloads sizeBytes toolboxVersion checksumSha256 downloadUrl
    }
  }
}"""
GQL_PACKAGES = """query Packages {
  packages(first: 20) {
    totalCount
    pageInfo { hasNextPage endCursor }
    edges { node {
      name displayName description packageType totalDownloads updatedAt latestVersion
      latest { version publishedAt downloads }
      publisher { name displayName verificationStatus }
    } }
  }
}"""


@dataclass(frozen=True)
class Endpoint:
    key: str
    label: str
    request: Request
    check: Callable[[Any], str | None]  # a problem with the decoded body, or None
    baseline: float  # the figure (req/s)
    baseline_of: str  # whose figure that is
    target: float  # req/s
    graphql: bool = False


def _json(body: str, **variables: Any) -> bytes:
    payload: dict[str, Any] = {"query": body}
    if variables:
        payload["variables"] = variables
    return json.dumps(payload).encode()


def _graphql_problem(body: Any) -> str | None:
    if not isinstance(body, dict) or body.get("errors") or not body.get("data"):
        return f"GraphQL errors: {str(body)[:300]}"
    return None


def endpoints(reader_token: str | None) -> list[Endpoint]:
    json_headers = {"Content-Type": "application/json"}

    def detail_ok(body: Any) -> str | None:
        return None if len(body.get("versions", [])) == 10 else "detail without its 10 versions"

    def list_ok(body: Any) -> str | None:
        return None if len(body.get("packages", [])) == 100 else "list page is not 100 long"

    def search_ok(body: Any) -> str | None:
        found = len(body.get("packages", []))
        return None if 0 < found < 100 else f"search for alpha found {found}"

    def resolve_ok(body: Any) -> str | None:
        resolved = body.get("resolved") or {}
        good = body.get("success") and len(resolved) == len(CHAIN)
        return None if good else f"resolve: {str(body)[:300]}"

    def name_ok(body: Any) -> str | None:
        return _graphql_problem(body) or (
            None if body["data"]["package"]["name"] == HOT_PACKAGE else "wrong package"
        )

    def page_ok(body: Any) -> str | None:
        problem = _graphql_problem(body)
        if problem:
            return problem
        return None if len(body["data"]["package"]["versions"]) == 10 else "page: not 10 versions"

    def packages_ok(body: Any) -> str | None:
        problem = _graphql_problem(body)
        if problem:
            return problem
        return None if len(body["data"]["packages"]["edges"]) == 20 else "packages: not 20"

    rest = [
        Endpoint(
            "detail",
            f"GET /api/v1/packages/{HOT_PACKAGE}",
            Request("GET", f"/api/v1/packages/{HOT_PACKAGE}"),
            detail_ok,
            1588,
            "original",
            8822,  # "detail does not fall": this registry's figure in the issue
        ),
        Endpoint(
            "list",
            "GET /api/v1/packages?per_page=100",
            Request("GET", "/api/v1/packages?per_page=100"),
            list_ok,
            422,
            "original",
            1270,
        ),
        Endpoint(
            "search",
            "GET /api/v1/search?q=alpha",
            Request("GET", "/api/v1/search?q=alpha"),
            search_ok,
            800,
            "original",
            2400,
        ),
        Endpoint(
            "resolve",
            "POST /api/v1/resolve (4-package chain)",
            Request(
                "POST",
                "/api/v1/resolve",
                json.dumps({"requirements": [f"{CHAIN[0]}=={CHAIN_ROOT_VERSION}"]}).encode(),
                json_headers,
            ),
            resolve_ok,
            363,
            "original",
            1090,
        ),
    ]
    graphql = []
    operations = (
        ("gql-name", "{ package(name) { name } }", _json(GQL_NAME, name=HOT_PACKAGE), name_ok, 577),
        ("gql-page", "package page (10 versions)", _json(GQL_PAGE, name=HOT_PACKAGE), page_ok, 255),
        ("gql-packages", "packages(first: 20)", _json(GQL_PACKAGES), packages_ok, 199),
    )
    anonymous_targets = {"gql-name": 3000, "gql-page": 2000, "gql-packages": 1500}
    for key, label, body, check, today in operations:
        graphql.append(
            Endpoint(
                key,
                f"GraphQL {label}",
                Request("POST", "/graphql", body, json_headers),
                check,
                today,
                "registry then",
                anonymous_targets[key],
                graphql=True,
            )
        )
    if reader_token:
        for key, label, body, check, today in operations:
            graphql.append(
                Endpoint(
                    f"{key}-auth",
                    f"GraphQL {label}, Bearer",
                    Request("POST", "/graphql", body, json_headers | bearer(reader_token)),
                    check,
                    today,
                    "registry then",
                    3 * today,
                    graphql=True,
                )
            )
    return rest + graphql


def check_endpoint(base_url: str, endpoint: Endpoint) -> str | None:
    """None when the request answers as expected; else why (a 404 route: "n/a")."""
    request = endpoint.request
    response = httpx.request(
        request.method,
        base_url + request.path,
        content=request.body or None,
        headers=request.headers,
        timeout=60,
    )
    if response.status_code in (404, 405) and endpoint.graphql:
        return "n/a"
    if response.status_code != 200:
        return f"{response.status_code}: {response.text[:300]}"
    return endpoint.check(response.json())


# --- hot reads: orchestration ----------------------------------------------------------


@dataclass
class Row:
    backend: str
    endpoint: Endpoint
    result: LoadResult | None
    note: str = ""
    judged: bool = True
    reference: LoadResult | None = None  # the baseline revision's, same run and data

    @property
    def target(self) -> float:
        """The issue's figure, but measured against the baseline revision in the same run
        where the issue compares with "today": detail does not fall, Bearer GraphQL 3×."""
        if self.reference is not None:
            if self.endpoint.key == "detail":
                return self.reference.rps
            if self.endpoint.key.endswith("-auth"):
                return 3 * self.reference.rps
        return self.endpoint.target

    @property
    def verdict(self) -> str:
        if self.result is None:
            return "n/a"
        if not self.judged:
            return "-"
        ok = self.result.rps >= self.target and self.result.errors == 0
        return "pass" if ok else "FAIL"


def seed(label: str, base_url: str, args: argparse.Namespace, tokens: Tokens) -> None:
    specs = small_catalogue(args.packages, args.versions)
    started = time.monotonic()
    how = asyncio.run(seed_rest(base_url, specs, tokens))
    summary = ", ".join(f"{count} {what}" for what, count in how.items() if count)
    print(
        f"[{label}] seeded {len(specs)} packages, {sum(len(s.versions) for s in specs)} "
        f"versions through REST in {time.monotonic() - started:.1f} s ({summary})",
        flush=True,
    )


def measure(
    label: str,
    base_url: str,
    endpoint: Endpoint,
    args: argparse.Namespace,
    server: RegistryServer | None,
) -> LoadResult | None:
    """Checks the answer once, then loads it; None when the server lacks the route."""
    problem = check_endpoint(base_url, endpoint)
    if problem == "n/a":
        return None
    if problem:
        raise SystemExit(f"[{label}] {endpoint.label}: {problem}")
    result = load(
        base_url,
        endpoint.request,
        loader=args.loader,
        duration=args.duration,
        connections=args.connections,
        warmup=args.warmup,
        server=server,
    )
    cpu = f", server CPU {result.server_cpu_percent:.0f}%" if server else ""
    print(
        f"[{label}] {endpoint.label}: {result.rps:,.0f} req/s, p50 {result.p50_ms:.1f} ms, "
        f"p99 {result.p99_ms:.1f} ms, errors {result.errors}{cpu}",
        flush=True,
    )
    return result


def selected(args: argparse.Namespace, reader_token: str | None) -> list[Endpoint]:
    return [e for e in endpoints(reader_token) if not args.only or e.key in args.only]


def load_external(args: argparse.Namespace) -> list[Row]:
    """`--base-url`: another server, seeded (unless told not to) and loaded; not judged."""
    if args.jwt_secret:
        tokens = Tokens.minted(args.jwt_secret)
    else:
        tokens = Tokens(args.token, args.admin_token, args.reader_token)
    if not tokens.owner and not args.skip_seed:
        raise SystemExit("--base-url: give --jwt-secret or --token (or --skip-seed)")
    base_url = args.base_url.rstrip("/")
    if not args.skip_seed:
        seed(args.label, base_url, args, tokens)
    rows = []
    for endpoint in selected(args, tokens.reader):
        result = measure(args.label, base_url, endpoint, args, None)
        rows.append(Row(args.label, endpoint, result, judged=False))
    return rows


def run_registry(
    backend: str, workdir: Path, args: argparse.Namespace, baseline: Path | None
) -> list[Row]:
    """This checkout's registry on `backend` and, with `baseline` (a checkout of
    `--baseline-rev`), that revision's beside it on a database of its own: both seeded
    alike, then each endpoint loaded on one and at once on the other."""
    tokens = Tokens.minted(JWT_SECRET)
    roots = [(backend, REPO_ROOT)]
    if baseline is not None:
        roots.append((f"{backend}@{args.baseline_rev}", baseline))
    servers: list[RegistryServer] = []
    with contextlib.ExitStack() as stack:
        for label, root in roots:
            folder = workdir / label
            (folder / "data").mkdir(parents=True, exist_ok=True)
            if backend == "postgres":
                url = stack.enter_context(postgres_database_sync(migrate=False))
                migrate(url, root)
            else:
                url = f"sqlite://{folder}/data/registry.sqlite3"
            env = registry_env(folder / "data", url, admin_id=ADMIN_ID)
            server = RegistryServer.start(label, env, workdir / f"{label}.log", root=root)
            stack.callback(server.stop)
            servers.append(server)
            seed(label, server.base_url, args, tokens)
        rows = []
        for endpoint in selected(args, tokens.reader):
            results = [
                measure(server.name, server.base_url, endpoint, args, server) for server in servers
            ]
            reference = results[1] if len(results) > 1 else None
            if results[0] is None:
                rows.append(Row(backend, endpoint, None, "route missing"))
            else:
                rows.append(Row(backend, endpoint, results[0], reference=reference))
        return rows


def print_table(rows: list[Row], args: argparse.Namespace) -> None:
    rev = args.baseline_rev
    print(
        f"\nloader {args.loader}, {args.connections} connections, {args.duration:g} s per "
        f"endpoint; {args.packages} packages, {args.versions} versions; "
        f"python {sys.version.split()[0]}, {os.cpu_count()} CPUs, "
        f"load average {os.getloadavg()[0]:.2f}"
        + (f"; baseline {rev} loaded beside each endpoint" if rev else "")
        + "\n"
    )
    side = f" {rev} req/s | {rev} p50 ms | ratio to {rev} |" if rev else ""
    print(
        "| endpoint | backend | req/s | p50 ms | p99 ms | errors | server CPU | req per "
        f"CPU-s |{side} issue figure | ratio | target | verdict |"
    )
    print("|---" * (12 + (3 if rev else 0)) + "|")
    for row in rows:
        e = row.endpoint
        figure = f"{e.baseline:,.0f} ({e.baseline_of})"
        target = f"≥ {row.target:,.0f}"
        if row.reference is not None and e.key == "detail":
            target += f" (no fall from {rev})"
        elif row.reference is not None and e.key.endswith("-auth"):
            target += f" (3× {rev})"
        elif e.key == "detail":
            target += " (no fall)"
        ref = row.reference
        beside = ""
        if rev:
            beside = " | | |" if ref is None else f" {ref.rps:,.0f} | {ref.p50_ms:.1f} | "
            if ref is not None and row.result is not None:
                beside += f"{row.result.rps / ref.rps:.2f}x |"
            elif ref is not None:
                beside += " |"
        if row.result is None:
            print(
                f"| {e.label} | {row.backend} | n/a | | | | | |{beside} {figure} | | "
                f"{target} | n/a |"
            )
            continue
        r = row.result
        cpu = r.server_cpu_percent
        # Requests per second of the server's own CPU time: what one fully available core
        # would do, less sensitive to other work on a shared machine than req/s.
        per_cpu = f"{r.rps / (cpu / 100):,.0f}" if cpu > 0 else "-"
        print(
            f"| {e.label} | {row.backend} | {r.rps:,.0f} | {r.p50_ms:.1f} | {r.p99_ms:.1f} | "
            f"{r.errors} | {f'{cpu:.0f}%' if cpu else '-'} | {per_cpu} |{beside} {figure} | "
            f"{r.rps / e.baseline:.2f}x | {target if row.judged else '-'} | {row.verdict} |"
        )
    print(
        "\nserver CPU: the registry process's CPU time over the run (100% = one core). Below "
        "100% it waited: for PostgreSQL (a process of its own, not counted) or for a CPU the "
        "machine's other work held. req per CPU-s = req/s / server CPU. Verdicts use req/s."
    )


def hot_reads(args: argparse.Namespace) -> int:
    rows: list[Row] = []
    if args.base_url:
        rows += load_external(args)
    with contextlib.ExitStack() as stack:
        baseline = None
        if args.baseline_rev and args.backends:
            print(f"baseline: a worktree of {args.baseline_rev}, uv sync ...", flush=True)
            baseline = stack.enter_context(checkout(args.baseline_rev))
        workdir = Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="discovery-")))
        for backend in args.backends:
            rows += run_registry(backend, workdir, args, baseline)
    print_table(rows, args)
    failed = [row for row in rows if row.verdict == "FAIL"]
    print(
        f"\ntargets: {sum(r.verdict == 'pass' for r in rows)} pass, {len(failed)} fail"
        + (f" ({', '.join(f'{r.endpoint.key}/{r.backend}' for r in failed)})" if failed else "")
    )
    return 1 if failed else 0


# --- scale: bulk-inserted catalogue ----------------------------------------------------

_WORD_TEXT = (
    "sync data tools server client web chat file notes task user admin api cache storage "
    "dashboard widget theme plugin search index report export import backup schedule queue "
    "event stream log metric alert monitor audit security auth token session key vault "
    "encrypt network proxy relay bridge mesh socket http rest graphql json yaml csv markdown "
    "editor viewer image audio video media gallery player camera scanner barcode map location "
    "calendar reminder timer clock weather email mail sms notify push webhook bot agent "
    "assistant model prompt llm vector embedding chart graph table grid form input button "
    "layout panel window desktop mobile android ios linux windows macos terminal shell "
    "command script automation workflow pipeline build deploy release version package "
    "module library framework engine runtime debug profiler test mock lint format docs "
    "translation language locale currency invoice budget finance payment shop cart order "
    "inventory ticket issue kanban board project team member role permission group share "
    "collaborate comment review vote poll survey quiz game score leaderboard avatar profile "
    "contact address phone crm lead sales marketing newsletter blog post page wiki knowledge "
    "bookmark tag folder archive compress zip cloud s3 mirror replica database sql sqlite "
    "postgres redis mongo graph network fast simple tiny smart secure modern minimal "
    "realtime offline portable custom advanced lightweight alpha beta stable"
)
WORDS = tuple(dict.fromkeys(_WORD_TEXT.split()))  # 207 distinct words
CATEGORY_FALLBACK = ("productivity", "developer-tools", "automation", "data", "utilities")
PACKAGE_TYPES = (
    ("mod", 0.78),
    ("library", 0.1),
    ("widget", 0.05),
    ("theme", 0.03),
    ("plugin", 0.03),
    ("feature", 0.01),
)
SCALE_TOOLBOX = ("", "", ">=0.1.24", ">=0.1.26", ">=0.1.25,<0.2", "~=0.1.27", ">=0.2.0")
SCALE_TOOLBOX_QUERIES = ("0.1.24", "0.1.26", "0.1.28", "0.2.1")
# Most mods are pure Python ([] = any architecture); some declare where they run.
SCALE_ARCHITECTURES: tuple[list[str], ...] = ([], [], [], ["x64"], ["x64", "arm64"], ["arm64"])


def category_slugs() -> list[str]:
    try:
        from domain.categories import DEFAULT_CATEGORIES

        return [category.slug for category in DEFAULT_CATEGORIES]
    except ImportError:
        return list(CATEGORY_FALLBACK)


class Zipf:
    """Draws items with probability ∝ 1 / rank (rank 1 = first)."""

    def __init__(self, items: list[str] | tuple[str, ...], rng: random.Random) -> None:
        self.items = list(items)
        self.rng = rng
        weights = [1 / (rank + 1) for rank in range(len(self.items))]
        total = sum(weights)
        self.cumulative = list(itertools.accumulate(w / total for w in weights))

    def draw(self, count: int = 1) -> list[str]:
        return self.rng.choices(self.items, cum_weights=self.cumulative, k=count)


def extra_version_fields(**values: Any) -> dict[str, Any]:
    """The values among these that PackageVersion has a field for (columns added lately)."""
    from domain.models import PackageVersion

    return {k: v for k, v in values.items() if k in PackageVersion._meta.fields_map}


@contextlib.contextmanager
def explicit_timestamps() -> Iterator[None]:
    """`updated_at` is auto_now: bulk_create would stamp every row with the same instant."""
    from domain.models import Package

    fields = [f for f in Package._meta.fields_map.values() if getattr(f, "auto_now", False)]
    for f in fields:
        f.auto_now = False  # type: ignore[attr-defined]
    try:
        yield
    finally:
        for f in fields:
            f.auto_now = True  # type: ignore[attr-defined]


async def bulk_seed(database_url: str, count: int, seed: int = 2026) -> dict[str, Any]:
    """`count` packages with 1-3 versions each, written with bulk_create in batches."""
    from tortoise import Tortoise, connections
    from tortoise.backends.base.executor import EXECUTOR_CACHE
    from tortoise.transactions import in_transaction

    from domain.database import apply_migrations, tortoise_config
    from domain.enums import PublisherStatus, VersionStatus
    from domain.models import Package, PackageVersion, Publisher

    EXECUTOR_CACHE.clear()  # compiled statements are per connection name: never mix dialects
    await apply_migrations(database_url)
    await Tortoise.init(config=tortoise_config(database_url))
    rng = random.Random(seed)
    words = list(WORDS)
    rng.shuffle(words)  # which words are frequent: fixed by the seed
    vocabulary = Zipf(words, rng)
    categories = category_slugs()
    category_draw = Zipf(categories, rng)
    types = [t for t, _ in PACKAGE_TYPES]
    type_weights = [w for _, w in PACKAGE_TYPES]
    now = datetime.now(UTC)
    started = time.monotonic()
    is_postgres = database_url.startswith(("postgres", "asyncpg"))
    try:
        publishers = [
            Publisher(
                id=f"pub{index:05d}",
                name=f"team-{index:03d}",
                display_name=f"Team {index}",
                email=f"team{index}@example.com",
                verification_status=(
                    PublisherStatus.VERIFIED if index % 3 else PublisherStatus.UNVERIFIED
                ),
                can_publish_public=True,
            )
            for index in range(200)
        ]
        await Publisher.bulk_create(publishers)
        version_id = 0
        batch = 2000
        stats: dict[str, Any] = {"packages": 0, "versions": 0}
        with explicit_timestamps():
            for start in range(0, count, batch):
                packages, versions = [], []
                for index in range(start, min(count, start + batch)):
                    a, b = vocabulary.draw(2)
                    name = f"{a.title()}{b.title()}{index}"
                    created = now - timedelta(days=rng.uniform(1, 3 * 365))
                    updated = created + (now - created) * rng.random()
                    roll = rng.random()
                    visibility = (
                        "private" if roll < 0.01 else "unlisted" if roll < 0.03 else "public"
                    )
                    package = Package(
                        id=index + 1,
                        name=name,
                        name_key=name.lower(),
                        display_name=f"{a.title()} {b.title()}",
                        package_type=rng.choices(types, type_weights)[0],
                        visibility=visibility,
                        publisher_id=publishers[int(rng.paretovariate(1.2)) % 200].id,
                        description=" ".join(vocabulary.draw(rng.randint(6, 16))).capitalize(),
                        keywords=sorted(set(vocabulary.draw(rng.randint(1, 4)))),
                        categories=sorted(set(category_draw.draw(rng.randint(1, 3)))),
                        license="MIT",
                        total_downloads=int(rng.paretovariate(1.1) * 10),
                        created_at=created,
                        updated_at=updated,
                    )
                    count_versions = rng.choice((1, 1, 2, 2, 3))
                    package.latest_version = f"1.{count_versions - 1}.0"
                    packages.append(package)
                    toolbox = rng.choice(SCALE_TOOLBOX)
                    platforms = sorted(set(rng.sample(MOD_PLATFORMS, rng.randint(1, 3))))
                    architectures = rng.choice(SCALE_ARCHITECTURES)
                    for minor in range(count_versions):
                        version_id += 1
                        versions.append(
                            PackageVersion(
                                id=version_id,
                                package_id=index + 1,
                                version=f"1.{minor}.0",
                                version_key=f"1.{minor}.0",
                                status=VersionStatus.PUBLISHED,
                                toolbox_version=toolbox,
                                blob_key=f"blobs/{version_id:064x}",
                                sha256=f"{version_id:064x}",
                                size_bytes=rng.randint(2_000, 2_000_000),
                                downloads=int(rng.paretovariate(1.2) * 5),
                                platforms=platforms,
                                **extra_version_fields(architectures=architectures),
                                requires="[]",
                                published_at=created + timedelta(days=minor * 7),
                                created_at=created + timedelta(days=minor * 7),
                            )
                        )
                async with in_transaction() as connection:
                    if is_postgres:  # row triggers off for the load; the rebuild follows
                        await connection.execute_script(
                            "SET LOCAL session_replication_role = replica"
                        )
                    await Package.bulk_create(packages, using_db=connection)
                    await PackageVersion.bulk_create(versions, using_db=connection)
                stats["packages"] += len(packages)
                stats["versions"] += len(versions)
        connection = connections.get("default")
        if is_postgres:
            for table in ("packages", "package_versions"):
                await connection.execute_script(
                    f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "
                    f"(SELECT max(id) FROM {table}))"
                )
        stats["insert_seconds"] = time.monotonic() - started
        # Statistics first, as autovacuum would gather them after such a load: without them
        # the planner takes the fresh tables for empty and the rebuild's joins for tiny.
        await connection.execute_script("ANALYZE")
        rebuilt = time.monotonic()
        stats["index"] = await rebuild_search_index(is_postgres)
        stats["index_seconds"] = time.monotonic() - rebuilt
        await connection.execute_script(analyse(is_postgres))
    finally:
        await Tortoise.close_connections()
    return stats


async def rebuild_search_index(is_postgres: bool) -> str:
    """The search index rebuild over existing rows that the code provides (H1's
    `domain.search_index.rebuild_search_index`), when it has one.

    On PostgreSQL the rows were loaded with row triggers off, and the rebuild runs with them
    off too (`session_replication_role = replica`): its set-based statements rebuild every
    column and table themselves, while the per-row triggers would repeat that work row by
    row (about 15 minutes at 100,000 packages on this machine, against seconds). The only
    thing those triggers add that the statements do not is the facet totals' deltas (+1 per
    public facet row), written here from the rebuilt facet rows in the same transaction."""
    import importlib

    from tortoise.transactions import in_transaction

    candidates = (
        ("domain.search_index", "rebuild_search_index"),
        ("domain.services.search_index", "rebuild_search_index"),
        ("domain.services.listing", "rebuild_search_index"),
    )
    for module_name, attribute in candidates:
        try:
            module = importlib.import_module(module_name)
        except ImportError:
            continue
        function = getattr(module, attribute, None)
        if function is None:
            continue
        name = f"{module_name}.{attribute}()"
        if not is_postgres or not await _tables_exist("package_facets", "facet_deltas"):
            await function()
            return name
        async with in_transaction() as connection:
            await connection.execute_script("SET LOCAL session_replication_role = replica")
            await function(using_db=connection)
            await connection.execute_script(
                "DELETE FROM facet_deltas; INSERT INTO facet_deltas (facet, value, delta) "
                "SELECT facet, value, count(*) FROM package_facets WHERE public "
                "GROUP BY facet, value"
            )
        return f"{name}, row triggers off, facet totals recounted"
    return "no rebuild function found (none needed if triggers keep the index)"


async def _tables_exist(*names: str) -> bool:
    from tortoise import connections

    rows = await connections.get("default").execute_query_dict(
        "SELECT count(*) AS n FROM information_schema.tables WHERE table_name IN ("
        + ", ".join(f"'{name}'" for name in names)
        + ")"
    )
    return int(rows[0]["n"]) == len(names)


@dataclass
class QuerySet:
    key: str
    label: str
    paths: list[str]


def scale_queries(count: int, per_page: int, total: int, seed: int = 7) -> list[QuerySet]:
    rng = random.Random(seed)
    words = list(WORDS)
    sorts = ("relevance", "downloads", "name", "updated", "created")
    categories = category_slugs()
    facets: list[tuple[str, str]] = (
        [("category", c) for c in categories]
        + [("platform", p) for p in MOD_PLATFORMS]
        + [("architecture", a) for a in ("x64", "arm64")]
        + [("toolbox_version", t) for t in SCALE_TOOLBOX_QUERIES]
        + [("package_type", t) for t, _ in PACKAGE_TYPES]
        + [("verified", "true")]
    )

    def search(params: dict[str, Any]) -> str:
        return "/api/v1/search?" + urlencode(params)

    word_paths = [
        search({"q": word, "per_page": per_page})
        for word in rng.sample(words, min(count, len(words)))
    ]
    facet_paths = []
    for index in range(count):
        name, value = facets[index % len(facets)]
        sort = sorts[(index // len(facets)) % len(sorts)]
        facet_paths.append(search({"q": "", name: value, "sort": sort, "per_page": per_page}))
    last_page = max(1, math.ceil(total / 100))
    list_first, list_deep = [], []
    for index in range(count):
        sort = sorts[index % len(sorts)]
        variant: dict[str, Any] = {"per_page": 100, "sort": sort}
        if index >= len(sorts):  # then each sort again with each type filter
            variant["package_type"] = PACKAGE_TYPES[(index // len(sorts) - 1) % 6][0]
        list_first.append("/api/v1/packages?" + urlencode({**variant, "page": 1}))
        deep = max(1, min(last_page, 1000) - index // len(sorts))
        list_deep.append(
            "/api/v1/packages?" + urlencode({"per_page": 100, "sort": sort, "page": deep})
        )
    facet_count_paths = []
    for index in range(count):
        if index % 2:
            name, value = facets[index % len(facets)]
            params = {"q": "", name: value, "facets": "true", "per_page": per_page}
        else:
            params = {"q": words[index % len(words)], "facets": "true", "per_page": per_page}
        facet_count_paths.append(search(params))
    return [
        QuerySet("search-word", "search by word", dedupe(word_paths)),
        QuerySet("search-facet", "empty search + facet filter", dedupe(facet_paths)),
        QuerySet("list-1", "list page 1 (per_page=100)", dedupe(list_first)),
        QuerySet("list-1000", "list page ~1,000 (per_page=100)", dedupe(list_deep)),
        QuerySet("facets", "facet counts (facets=true)", dedupe(facet_count_paths)),
    ]


def dedupe(paths: list[str]) -> list[str]:
    return list(dict.fromkeys(paths))


@dataclass
class Timing:
    misses: list[float]
    hits: list[float]
    errors: list[str]
    facets_seen: bool


def time_pairs(client: httpx.Client, paths: list[str]) -> Timing:
    """Each path twice in a row: the first answer is a cache miss (the paths are distinct),
    the second a hit wherever the server caches (asked again at once, so well within any
    TTL: `PACKAGE_CACHE_TTL` is 5 s by default)."""
    timing = Timing([], [], [], False)

    def get(path: str) -> float:
        started = time.perf_counter()
        try:
            response = client.get(path)
        except httpx.HTTPError as exc:  # a server error that dropped the connection
            timing.errors.append(f"{path}: {type(exc).__name__} {exc}")
            return (time.perf_counter() - started) * 1000
        body = response.content
        elapsed = (time.perf_counter() - started) * 1000
        if response.status_code != 200:
            timing.errors.append(f"{path}: {response.status_code} {body[:200]!r}")
        elif b'"facets"' in body:
            timing.facets_seen = True
        return elapsed

    for path in paths:
        timing.misses.append(get(path))
        timing.hits.append(get(path))
    timing.misses.sort()
    timing.hits.sort()
    return timing


async def reuse_seeded(database_url: str) -> None:
    """A kept database seeded by an earlier run: migrated to the code's schema (a new
    migration runs on the seeded rows, as it would on a registry's) and analysed."""
    from tortoise import Tortoise, connections

    from domain.database import apply_migrations, tortoise_config

    await apply_migrations(database_url)
    await Tortoise.init(config=tortoise_config(database_url))
    try:
        await connections.get("default").execute_script(analyse(database_url.startswith("post")))
    finally:
        await Tortoise.close_connections()


def analyse(is_postgres: bool) -> str:
    """After a bulk load: statistics, and on PostgreSQL the visibility map too (what
    autovacuum does after such a load; index-only scans need it)."""
    return "VACUUM ANALYZE" if is_postgres else "ANALYZE"


def seeded(label: str, database_url: str, args: argparse.Namespace) -> dict[str, Any]:
    """The catalogue's figures: seeded now, or (`--scale-keep` with an earlier run's marker
    for this scale) reused."""
    marker = Path(args.scale_keep) / f"{label}-{args.scale}.json" if args.scale_keep else None
    if marker is not None and marker.exists():
        stats: dict[str, Any] = json.loads(marker.read_text())
        asyncio.run(reuse_seeded(database_url))
        print(f"[{label}] reusing the {stats['packages']:,} packages seeded in {marker.parent}")
        return stats
    started = time.monotonic()
    stats = asyncio.run(bulk_seed(database_url, args.scale))
    print(
        f"[{label}] bulk-inserted {stats['packages']:,} packages, {stats['versions']:,} versions "
        f"in {stats['insert_seconds']:.1f} s; search index: {stats['index']} "
        f"({stats['index_seconds']:.1f} s); total {time.monotonic() - started:.1f} s",
        flush=True,
    )
    if marker is not None:
        marker.write_text(json.dumps(stats))
    return stats


def scale_backend(
    label: str, database_url: str, workdir: Path, args: argparse.Namespace
) -> list[str]:
    """Seeds (or reuses), starts the server, measures; returns the failed targets."""
    stats = seeded(label, database_url, args)
    env = registry_env(workdir / label / "data", database_url, admin_id=ADMIN_ID)
    (workdir / label).mkdir(parents=True, exist_ok=True)
    server = RegistryServer.start(label, env, workdir / f"{label}-scale.log", timeout=600)
    failed = []
    try:
        sets = scale_queries(args.scale_queries, args.scale_per_page, stats["packages"])
        timings: dict[str, Timing] = {}
        with httpx.Client(base_url=server.base_url, timeout=120) as client:
            client.get("/api/v1/search?q=warmup")  # first connection, pools
            with RssSampler(server.process.pid) as rss:
                rss_start = rss.now()
                for query_set in sets:
                    timings[query_set.key] = time_pairs(client, query_set.paths)
                rss_after_first = rss.now()
                for query_set in sets:  # the same again: memory must not grow any more
                    time_pairs(client, query_set.paths)
                rss_end = rss.now()
            peak = max(rss.samples or [rss_end])
        print(
            f"\n{label}: {stats['packages']:,} packages; one keep-alive connection, requests "
            f"one after another; each distinct query twice in a row (miss, then hit)\n"
        )
        print(
            "| request | queries | p50 misses | p99 misses | p50 hits | p99 hits | errors "
            "| target | verdict |"
        )
        print("|---|---|---|---|---|---|---|---|---|")
        for query_set in sets:
            t = timings[query_set.key]
            p50 = statistics.median(t.misses)
            ok = p50 < args.scale_target_ms and not t.errors
            if not ok:
                failed.append(f"{query_set.key}/{label}")
            note = ""
            if query_set.key == "facets" and not t.facets_seen:
                note = " (no `facets` in the answers: parameter not served yet)"
            print(
                f"| {query_set.label}{note} | {len(query_set.paths)} | {p50:.1f} ms | "
                f"{percentile(t.misses, 0.99):.1f} ms | {statistics.median(t.hits):.1f} ms | "
                f"{percentile(t.hits, 0.99):.1f} ms | {len(t.errors)} | "
                f"p50 < {args.scale_target_ms:g} ms | "
                f"{'pass' if ok else 'FAIL'} |"
            )
            for error in t.errors[:3]:
                print(f"    error: {error}")
        growth = rss_end - rss_after_first
        flat = growth <= args.rss_growth_mib
        print(
            f"\nserver RSS: start {rss_start:.1f} MiB, after the first round "
            f"{rss_after_first:.1f}, peak {peak:.1f}, end {rss_end:.1f} MiB; the second round "
            f"(the same queries) added {growth:+.1f} MiB -> {'flat' if flat else 'GROWS'} "
            f"(limit +{args.rss_growth_mib:g} MiB)"
        )
        if not flat:
            failed.append(f"rss/{label}")
    except Exception:
        print(f"[{label}] server log:\n{server.tail()}", file=sys.stderr)
        raise
    finally:
        server.stop()
    return failed


@contextlib.contextmanager
def scale_postgres(args: argparse.Namespace) -> Iterator[str]:
    """The PostgreSQL database of a scale run: throw-away, or with `--scale-keep DIR` one
    named for the scale and kept (created when missing; `postgres-N.json` in DIR marks it
    seeded)."""
    if not args.scale_keep:
        with postgres_database_sync() as url:
            yield url
        return
    import asyncpg

    from bench.support import POSTGRES

    name = f"tbr_bench_scale_{args.scale}"

    async def create() -> None:
        conn = await asyncpg.connect(database="postgres", **POSTGRES)
        try:
            if not await conn.fetchval("SELECT 1 FROM pg_database WHERE datname = $1", name):
                await conn.execute(f'CREATE DATABASE "{name}"')
        finally:
            await conn.close()

    asyncio.run(create())
    yield f"postgres://{POSTGRES['user']}@{POSTGRES['host']}:{POSTGRES['port']}/{name}"


def scale(args: argparse.Namespace) -> int:
    failed: list[str] = []
    with contextlib.ExitStack() as stack:
        if args.scale_keep:
            workdir = Path(args.scale_keep).resolve()
            workdir.mkdir(parents=True, exist_ok=True)
        else:
            workdir = Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="discovery-")))
        for backend in args.backends:
            if backend == "postgres":
                with scale_postgres(args) as url:
                    failed += scale_backend("postgres", url, workdir, args)
            elif backend == "embedded":
                url = f"sqlite://{workdir}/embedded/data/registry.sqlite3"
                (workdir / "embedded" / "data").mkdir(parents=True, exist_ok=True)
                failed += scale_backend("embedded", url, workdir, args)
    print(f"\nscale targets: {'all pass' if not failed else 'FAIL: ' + ', '.join(failed)}")
    return 1 if failed else 0


def main() -> int:
    parser = argparse.ArgumentParser(
        description=(__doc__ or "").splitlines()[0],
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument(
        "--backends",
        help="comma-separated from embedded,postgres (default: both; with --base-url: none)",
    )
    parser.add_argument("--duration", type=float, default=8.0, help="seconds per endpoint (8)")
    parser.add_argument("--warmup", type=float, default=1.0, help="seconds before each (1)")
    parser.add_argument("--connections", type=int, default=32)
    parser.add_argument("--loader", choices=("auto", "wrk", "python"), default="auto")
    parser.add_argument(
        "--only",
        help="comma-separated endpoint keys: detail,list,search,resolve,gql-name,gql-page,"
        "gql-packages and the -auth variants",
    )
    parser.add_argument("--packages", type=int, default=200)
    parser.add_argument("--versions", type=int, default=399)
    external = parser.add_argument_group("an already running server (side by side)")
    external.add_argument("--base-url", help="seed and load this server too")
    external.add_argument("--label", default="external", help="its column name (external)")
    external.add_argument("--jwt-secret", help="CloudM secret it trusts: tokens are minted")
    external.add_argument("--token", help="a publisher's Bearer token (seeding)")
    external.add_argument("--admin-token", help="an admin's token (verifies the publisher)")
    external.add_argument("--reader-token", help="a signed-in reader's token (GraphQL rows)")
    external.add_argument("--skip-seed", action="store_true", help="the data is there already")
    parser.add_argument(
        "--baseline-rev",
        default=BASELINE_REV,
        help=f"git revision whose registry runs beside this one on each backend, same data "
        f"and requests (default {BASELINE_REV}, before issue 14; 'none': the issue's figures)",
    )
    scaled = parser.add_argument_group("search at scale")
    scaled.add_argument("--scale", type=int, help="bulk-insert this many packages (100000)")
    scaled.add_argument("--scale-queries", type=int, default=60, help="distinct per set (60)")
    scaled.add_argument("--scale-per-page", type=int, default=20, help="search page size (20)")
    scaled.add_argument("--scale-target-ms", type=float, default=20.0)
    scaled.add_argument(
        "--scale-keep",
        metavar="DIR",
        help="keep the seeded databases (SQLite in DIR, PostgreSQL tbr_bench_scale_N) and "
        "reuse them in later runs with the same DIR and --scale (migrated, not reseeded)",
    )
    scaled.add_argument(
        "--rss-growth-mib",
        type=float,
        default=8.0,
        help="most RSS the second round of the same queries may add (8)",
    )
    args = parser.parse_args()
    if args.backends is None:
        args.backends = "" if args.base_url else "embedded,postgres"
    args.backends = [b.strip() for b in args.backends.split(",") if b.strip()]
    unknown = set(args.backends) - {"embedded", "postgres"}
    if unknown:
        parser.error(f"--backends: unknown {', '.join(sorted(unknown))}")
    args.only = {k.strip() for k in args.only.split(",")} if args.only else None
    if args.baseline_rev.lower() in ("", "none"):
        args.baseline_rev = None
    if args.scale:
        return scale(args)
    args.loader = loader_for(args.loader)
    print(f"loader: {args.loader}", flush=True)
    return hot_reads(args)


if __name__ == "__main__":
    sys.exit(main())
