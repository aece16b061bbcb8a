"""`tb-registry doctor`: check what the registry needs and say what to fix, one line each.

Checks, in order (each one line: `ok`, `warn` or `PROBLEM`, the finding, and for a problem
what to do):

- configuration: every variable parses (a bad one stops here: nothing else can be read), and
  the settings that make a registry read-only or unsafe;
- database: reachable within a timeout, and its migrations: pending ones are a problem on
  PostgreSQL (`tb-registry migrate`; the embedded SQLite migrates itself at start), and ones
  this release does not know mean a newer release already migrated it;
- Redis, when REDIS_URL is set: reachable and answering PING;
- every storage backend (primary and mirrors): reachable, its bucket (or folder) there, and a
  probe object written, read back, compared and deleted. The probe is random bytes, so its
  content address can never be a real object's.

Doctor creates nothing a real start would not: no bucket (a missing one is reported), only
the local folders `serve` would make. Exit status 1 when any check found a problem, else 0
(warnings do not fail it).
"""

from __future__ import annotations

import asyncio
import secrets
from collections.abc import AsyncIterator, Mapping
from dataclasses import dataclass
from enum import StrEnum
from typing import TYPE_CHECKING, TextIO
from urllib.parse import urlsplit

from registry.config import ConfigError, Settings, load_settings

if TYPE_CHECKING:
    from redis.asyncio import Redis

# Seconds one check may wait for a service that does not answer.
TIMEOUT_SECONDS = 10.0
PROBE_BYTES = 64


class Level(StrEnum):
    OK = "ok"
    WARN = "warn"
    PROBLEM = "PROBLEM"


@dataclass(frozen=True)
class Finding:
    check: str
    level: Level
    detail: str
    fix: str = ""

    def line(self) -> str:
        text = f"{self.level.value:<8} {self.check}: {self.detail}"
        return f"{text} -> {self.fix}" if self.fix else text


def _ok(check: str, detail: str) -> Finding:
    return Finding(check, Level.OK, detail)


# -- configuration ----------------------------------------------------------------------------


def check_configuration(settings: Settings) -> list[Finding]:
    from registry.commands.dev import DEV_USER_ID, MIN_SECRET_LENGTH, secret_path

    found = [_ok("configuration", "every variable parses")]
    if not settings.jwt_secret:
        found.append(
            Finding(
                "auth",
                Level.WARN,
                "CLOUDM_JWT_SECRET is not set: no token is verified, the registry is read-only",
                "set it to ToolBox's TB_JWT_SECRET (or try things with `tb-registry serve --dev`)",
            )
        )
    elif len(settings.jwt_secret) < MIN_SECRET_LENGTH:
        found.append(
            Finding(
                "auth",
                Level.WARN,
                f"CLOUDM_JWT_SECRET is shorter than {MIN_SECRET_LENGTH} characters",
                "use a long random secret (HS256 wants at least 32 bytes)",
            )
        )
    if settings.jwt_secret and secret_path(settings).exists():
        found.append(
            Finding(
                "auth",
                Level.WARN,
                f"{secret_path(settings)} exists: this data dir ran `serve --dev`, whose "
                f"local admin user {DEV_USER_ID} may still be an admin",
                f"`tb-registry admin revoke {DEV_USER_ID}` and delete that file",
            )
        )
    return found


# -- database ---------------------------------------------------------------------------------


async def check_database(settings: Settings) -> list[Finding]:
    from domain.database import (
        close_database,
        describe_database,
        init_database,
        migration_status,
        sqlite_file,
    )

    where = describe_database(settings.database_url)
    path = sqlite_file(settings.database_url)
    if path is not None and not path.exists():
        return [
            _ok("database", f"{where}: not created yet (the first start creates and migrates it)")
        ]
    try:
        # asyncio.timeout, not wait_for: Tortoise keeps its connections in this task's context.
        async with asyncio.timeout(TIMEOUT_SECONDS):
            await init_database(settings.database_url)
    except Exception as exc:  # any failure to connect is the finding
        await close_database()
        return [
            Finding(
                "database",
                Level.PROBLEM,
                f"cannot connect to {where}: {_one_line(exc)}",
                "start the database, or fix DATABASE_URL (host, port, name, credentials)",
            )
        ]
    found = [_ok("database", f"{where} reachable")]
    try:
        async with asyncio.timeout(TIMEOUT_SECONDS):
            status = await migration_status(settings.database_url)
    except Exception as exc:  # a damaged migrations table is the finding
        return [
            *found,
            Finding(
                "migrations",
                Level.PROBLEM,
                f"cannot read the applied migrations: {_one_line(exc)}",
                "check the database user's rights, then run `tb-registry migrate`",
            ),
        ]
    finally:
        await close_database()
    if status.unknown:
        found.append(
            Finding(
                "migrations",
                Level.PROBLEM,
                f"applied migrations this release does not have: {', '.join(status.unknown)}",
                "run the release that applied them (a newer one); never downgrade a database",
            )
        )
    if not status.pending:
        found.append(_ok("migrations", "up to date"))
    elif settings.is_sqlite:
        found.append(_ok("migrations", f"{len(status.pending)} pending, applied at the next start"))
    else:
        found.append(
            Finding(
                "migrations",
                Level.PROBLEM,
                f"{len(status.pending)} pending: {', '.join(status.pending)}",
                "run `tb-registry migrate` before starting the web processes",
            )
        )
    return found


# -- Redis ------------------------------------------------------------------------------------


def _redis_address(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.hostname}:{parts.port or 6379}{parts.path or ''}"


async def check_redis(settings: Settings) -> list[Finding]:
    if settings.redis_url is None:
        return [_ok("redis", "not configured: jobs run inside `tb-registry serve`")]
    from redis.asyncio import Redis

    where = _redis_address(settings.redis_url)
    client = Redis.from_url(
        settings.redis_url,
        socket_connect_timeout=TIMEOUT_SECONDS,
        socket_timeout=TIMEOUT_SECONDS,
    )
    try:
        await client.ping()
        version = await _redis_version(client)
    except Exception as exc:  # connection refused, auth, TLS, timeout: all are the finding
        return [
            Finding(
                "redis",
                Level.PROBLEM,
                f"cannot reach Redis at {where}: {_one_line(exc)}",
                "start Redis, or fix REDIS_URL (host, port, password, database)",
            )
        ]
    finally:
        await client.aclose()
    return [_ok("redis", f"{where} answers (Redis {version})")]


async def _redis_version(client: Redis) -> str:
    """The server's version, for the report; managed Redis services may refuse INFO."""
    from redis.exceptions import ResponseError

    try:
        info = await client.info("server")
    except ResponseError:
        return "version not disclosed"
    return str(info.get("redis_version", "?"))


# -- storage ----------------------------------------------------------------------------------


def _variables_of(name: str, kind: str) -> str:
    """Which variables configure the backend `name` (for the fix)."""
    from registry.config import LEGACY_MIRROR_PREFIX, NAMED_MIRROR_PREFIX, PRIMARY_PREFIX

    if name == "primary":
        return f"{PRIMARY_PREFIX}_*" if kind == "s3" else "STORAGE_DIR / DATA_DIR"
    if name == "mirror" and kind == "s3":
        return f"{LEGACY_MIRROR_PREFIX}_*"
    prefix = NAMED_MIRROR_PREFIX.replace("<NAME>", name.upper().replace("-", "_"))
    return f"{prefix}_*" if kind == "s3" else f"{prefix}_PATH"


async def _chunks(data: bytes) -> AsyncIterator[bytes]:
    yield data


async def _probe(store: object) -> None:
    """Write random bytes, read them back, compare, delete, and see them gone."""
    from storage.errors import StorageError
    from storage.interface import BlobStore

    assert isinstance(store, BlobStore)
    data = secrets.token_bytes(PROBE_BYTES)
    stored = await store.put_stream(_chunks(data))
    try:
        read = b"".join([chunk async for chunk in store.open(stored.key)])
        if read != data:
            raise StorageError(f"read back {len(read)} bytes that differ from the probe")
    finally:
        await store.delete(stored.key)
    if await store.exists(stored.key):
        raise StorageError("the probe object is still there after its delete")


async def check_storage(settings: Settings) -> list[Finding]:
    from storage.factory import build_store

    found: list[Finding] = []
    for spec in (settings.primary_storage, *settings.mirrors):
        check = "storage primary" if spec.name == "primary" else f"storage mirror {spec.name}"
        variables = _variables_of(spec.name, spec.kind)
        store = build_store(spec, spool_dir=settings.spool_dir)
        try:
            found.append(await _check_store(store, spec.kind, check, variables))
        finally:
            await store.aclose()
    return found


async def _check_store(store: object, kind: str, check: str, variables: str) -> Finding:
    from storage.errors import StorageError
    from storage.interface import BlobStore

    assert isinstance(store, BlobStore)
    try:
        if kind == "local":
            # The folder is what `serve` would create; a failure here is the finding.
            async with asyncio.timeout(TIMEOUT_SECONDS):
                await store.ensure_ready()
        async with asyncio.timeout(TIMEOUT_SECONDS):
            health = await store.check()
        if not health.ok:
            missing = "missing" in health.detail
            return Finding(
                check,
                Level.PROBLEM,
                health.detail,
                "create the bucket (or start `tb-registry serve` once: it creates it when the "
                "access key may)"
                if missing
                else f"start the store, or fix {variables} (endpoint, keys, TLS)",
            )
        # Only now, with the bucket there: sets up the local scratch folder, creates nothing.
        async with asyncio.timeout(TIMEOUT_SECONDS):
            await store.ensure_ready()
            await _probe(store)
    except (StorageError, OSError, TimeoutError) as exc:
        return Finding(
            check,
            Level.PROBLEM,
            f"write/read/delete probe failed: {_one_line(exc)}",
            f"give the access key of {variables} write, read and delete rights"
            if kind == "s3"
            else "make the folder writable by this user, or free disk space",
        )
    return _ok(check, f"{health.detail}; a probe object was written, read back and deleted")


# -- the command ------------------------------------------------------------------------------


def _one_line(exc: BaseException) -> str:
    return " ".join(str(exc).split()) or type(exc).__name__


async def diagnose(settings: Settings) -> list[Finding]:
    found = check_configuration(settings)
    found += await check_database(settings)
    found += await check_redis(settings)
    found += await check_storage(settings)
    return found


async def collect(env: Mapping[str, str] | None = None) -> list[Finding]:
    """Every check's finding; `env` None reads the process environment over `.env`."""
    try:
        settings = load_settings(env)
    except ConfigError as exc:
        return [
            Finding(
                "configuration",
                Level.PROBLEM,
                str(exc),
                "fix that variable (environment or .env; see .env.example)",
            )
        ]
    return await diagnose(settings)


def report(findings: list[Finding], out: TextIO | None = None) -> int:
    """Print one line per finding and a last line; 1 when something is wrong, else 0."""
    for finding in findings:
        print(finding.line(), file=out, flush=True)
    problems = sum(finding.level == Level.PROBLEM for finding in findings)
    summary = f"doctor: {problems} problem(s)" if problems else "doctor: everything looks fine"
    print(summary, file=out, flush=True)
    return 1 if problems else 0


def run() -> int:
    """`tb-registry doctor`."""
    return report(asyncio.run(collect()))
