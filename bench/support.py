"""What several benches share: a throw-away PostgreSQL database on the machine's server."""

from __future__ import annotations

import contextlib
import os
import uuid
from collections.abc import AsyncIterator

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
