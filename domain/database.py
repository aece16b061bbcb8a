"""Database lifecycle: Tortoise configuration, migrations and connection checks."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from tortoise import Tortoise, connections
from tortoise.migrations.api import migrate as migrate_api
from tortoise.migrations.executor import MigrationExecutor

MODELS_MODULE = "domain.models"
MIGRATIONS_MODULE = "domain.migrations"


# SQLite's page cache per connection, in KiB (SQLite's default: 2,000). A search reads the
# rows of every hit at random: with 100,000 packages the default cache holds a sliver of
# the table, and each hit costs a read from the OS (common-word search p50 43 -> 35 ms).
# The cache grows only as pages are read.
SQLITE_CACHE_KIB = 65536


def _connection_url(database_url: str) -> str:
    """The URL with SQLite's cache size as a pragma (Tortoise runs each query parameter of
    a SQLite URL as `PRAGMA key=value`), unless the URL sets one."""
    if not database_url.startswith("sqlite:") or "cache_size=" in database_url:
        return database_url
    separator = "&" if "?" in database_url else "?"
    return f"{database_url}{separator}cache_size=-{SQLITE_CACHE_KIB}"


def tortoise_config(database_url: str) -> dict[str, Any]:
    return {
        "connections": {"default": _connection_url(database_url)},
        "apps": {
            "models": {
                "models": [MODELS_MODULE],
                "default_connection": "default",
                "migrations": MIGRATIONS_MODULE,
            }
        },
        "use_tz": True,
        "timezone": "UTC",
    }


def sqlite_file(database_url: str) -> Path | None:
    """The SQLite database's file; None for another backend or an in-memory database."""
    if not database_url.startswith("sqlite:"):
        return None
    path = database_url.split("://", 1)[1].split("?", 1)[0]
    return Path(path) if path and path != ":memory:" else None


def ensure_sqlite_parent(database_url: str) -> None:
    """SQLite creates the file, but not its folder: make the folder for the embedded default."""
    path = sqlite_file(database_url)
    if path is not None:
        path.parent.mkdir(parents=True, exist_ok=True)


async def apply_migrations(database_url: str) -> None:
    """Apply every checked-in migration; safe to run repeatedly and from several processes."""
    ensure_sqlite_parent(database_url)
    await migrate_api(config=tortoise_config(database_url))
    await Tortoise.close_connections()


async def init_database(database_url: str, *, migrate: bool = False) -> None:
    if migrate:
        await apply_migrations(database_url)
    ensure_sqlite_parent(database_url)
    await Tortoise.init(config=tortoise_config(database_url))
    # Fail at start, not on the first request, when the database cannot be reached.
    await connections.get("default").execute_query("SELECT 1")


async def close_database() -> None:
    await Tortoise.close_connections()


async def database_ok() -> tuple[bool, str]:
    try:
        await connections.get("default").execute_query("SELECT 1")
    except Exception as exc:  # readiness reports any backend failure as text
        return False, f"{type(exc).__name__}: {exc}"
    return True, "ok"


def describe_database(database_url: str) -> str:
    """A log-safe description of the database URL (never the password)."""
    parts = urlsplit(database_url)
    if parts.scheme == "sqlite":
        return database_url
    return f"{parts.scheme}://{parts.hostname}:{parts.port or 5432}{parts.path}"


@dataclass(frozen=True)
class MigrationStatus:
    """What the open database holds against the migrations checked in with this release."""

    pending: list[str]  # not applied yet, in the order `migrate` would apply them
    unknown: list[str]  # applied, but not part of this release (a newer release migrated it)


async def migration_status(database_url: str) -> MigrationStatus:
    """Read-only: the migration plan `apply_migrations` would run now, from the open
    connection (the recorder's table is read, never created)."""
    apps = tortoise_config(database_url)["apps"]
    executor = MigrationExecutor(connections.get("default"), apps)
    steps = await executor.plan()
    applied = await executor.recorder.applied_migrations()
    known = set(executor.loader.graph.nodes)
    return MigrationStatus(
        pending=[step.migration.name for step in steps if not step.backward],
        unknown=[key.name for key in applied if key not in known],
    )
