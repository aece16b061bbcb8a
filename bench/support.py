"""What several benches share: a throw-away PostgreSQL database on the machine's server, and
a catalogue written straight through the ORM."""

from __future__ import annotations

import asyncio
import contextlib
import os
import uuid
from collections.abc import AsyncIterator, Iterator, Sequence
from dataclasses import dataclass

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


@dataclass(frozen=True)
class OrmPackage:
    """A package `seed_orm` writes: `versions` published versions 1.0.0, 1.1.0, ..., each
    depending on every name of `dependencies` (>=1.0.0)."""

    name: str
    versions: int
    dependencies: tuple[str, ...] = ()
    description: str = ""


async def seed_orm(packages: Sequence[OrmPackage]) -> None:
    """One verified publisher and `packages`, straight through the ORM on the open database
    (no HTTP, no scan, no blobs): for benches of reads that need a catalogue, not uploads."""
    from domain.enums import PublisherStatus, VersionStatus
    from domain.models import Dependency, Package, PackageVersion, Publisher
    from domain.services.packages import refresh_latest_version
    from storage.keys import content_key

    publisher = await Publisher.create(
        name="bench",
        display_name="Bench",
        email="b@e.x",
        verification_status=PublisherStatus.VERIFIED,
        can_publish_public=True,
    )
    for index, spec in enumerate(packages):
        package = await Package.create(
            name=spec.name,
            name_key=spec.name,
            display_name=spec.name.title(),
            publisher_id=publisher.id,
            description=spec.description or f"Mod {index} for benchmarks",
            keywords=["bench"],
            total_downloads=index * 7,
        )
        for minor in range(spec.versions):
            version = f"1.{minor}.0"
            sha = f"{index:032x}{minor:032x}"
            row = await PackageVersion.create(
                package_id=package.id,
                version=version,
                version_key=version,
                status=VersionStatus.PUBLISHED,
                blob_key=content_key(sha),
                sha256=sha,
                size_bytes=1000,
                downloads=minor,
            )
            if spec.dependencies:
                await Dependency.bulk_create(
                    [
                        Dependency(version_id=row.id, name=d, name_key=d, version_spec=">=1.0.0")
                        for d in spec.dependencies
                    ]
                )
        await refresh_latest_version(package.id)
