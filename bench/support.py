"""What several benches share: a throw-away PostgreSQL database on the machine's server."""

from __future__ import annotations

import asyncio
import contextlib
import os
import uuid
from collections.abc import AsyncIterator, Iterator

import asyncpg

POSTGRES = {
    "host": os.environ.get("TEST_POSTGRES_HOST", "127.0.0.1"),
    "port": int(os.environ.get("TEST_POSTGRES_PORT", "5432")),
    "user": os.environ.get("TEST_POSTGRES_USER", "postgres"),
}


@contextlib.asynccontextmanager
async def postgres_database() -> AsyncIterator[str]:
    """A new, uniquely named database (URL in Tortoise's form), dropped afterwards."""
    name = f"tbr_bench_{uuid.uuid4().hex[:10]}"
    admin = await asyncpg.connect(database="postgres", **POSTGRES)
    try:
        await admin.execute(f'CREATE DATABASE "{name}"')
    finally:
        await admin.close()
    try:
        yield f"postgres://{POSTGRES['user']}@{POSTGRES['host']}:{POSTGRES['port']}/{name}"
    finally:
        admin = await asyncpg.connect(database="postgres", **POSTGRES)
        try:
            await admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        finally:
            await admin.close()


@contextlib.contextmanager
def postgres_database_sync(*, migrate: bool = True) -> Iterator[str]:
    """The same for code outside an event loop, migrated unless asked not to. (Driving the
    async generator above across `asyncio.run` calls would drop the database early: each
    run finalizes pending async generators.)"""

    async def admin(sql: str) -> None:
        conn = await asyncpg.connect(database="postgres", **POSTGRES)
        try:
            await conn.execute(sql)
        finally:
            await conn.close()

    name = f"tbr_bench_{uuid.uuid4().hex[:10]}"
    asyncio.run(admin(f'CREATE DATABASE "{name}"'))
    url = f"postgres://{POSTGRES['user']}@{POSTGRES['host']}:{POSTGRES['port']}/{name}"
    try:
        if migrate:
            from domain.database import apply_migrations

            asyncio.run(apply_migrations(url))
        yield url
    finally:
        asyncio.run(admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
