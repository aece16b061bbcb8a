"""Migration 0005 (publisher invitations, finding 6) upgrades a database that already holds
data, on SQLite and PostgreSQL: the existing rows survive, and the new table keeps one open
invitation per publisher and user."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from tortoise import Tortoise
from tortoise.backends.base.executor import EXECUTOR_CACHE
from tortoise.exceptions import IntegrityError, OperationalError
from tortoise.migrations.api import migrate as migrate_api

from domain.actor import Actor
from domain.database import apply_migrations, tortoise_config
from domain.models import (
    Package,
    Publisher,
    PublisherInvitation,
    PublisherMember,
    User,
)
from domain.services import members
from tests.fixtures.services import create_postgres_database, drop_postgres_database

BEFORE = "models.0004_object_claims"
MIGRATED_AT = datetime(2026, 1, 1, tzinfo=UTC)


@pytest.fixture(params=["sqlite", "postgres"])
async def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[str]:
    if request.param == "sqlite":
        yield f"sqlite://{tmp_path / 'old.sqlite3'}"
        return
    url = await create_postgres_database()
    try:
        yield url
    finally:
        await drop_postgres_database(url)


async def connect(url: str) -> None:
    EXECUTOR_CACHE.clear()  # compiled statements are per dialect (see tests/fixtures/stack.py)
    await Tortoise.init(config=tortoise_config(url))


async def insert_old_package(publisher_id: str, name: str) -> None:
    """A package row as the schema before 0006 holds it (the model has columns since)."""
    columns = {
        "name": name,
        "name_key": name.lower(),
        "display_name": "",
        "package_type": "mod",
        "visibility": "public",
        "publisher_id": publisher_id,
        "description": "",
        "readme": "",
        "homepage": "",
        "repository": "",
        "license": "",
        "keywords": "[]",
        "search_text": name.lower(),
        "latest_version": "",
        "total_downloads": 0,
        "created_at": MIGRATED_AT,
        "updated_at": MIGRATED_AT,
    }
    connection = Tortoise.get_connection("default")
    postgres = connection.capabilities.dialect == "postgres"
    marks = [f"${i}" if postgres else "?" for i in range(1, len(columns) + 1)]
    if postgres:
        marks[list(columns).index("keywords")] += "::jsonb"
    names = ", ".join(f'"{c}"' for c in columns)
    await connection.execute_query(
        f'INSERT INTO "packages" ({names}) VALUES ({", ".join(marks)})', list(columns.values())
    )


async def test_existing_data_survives_and_invitations_work(database_url: str) -> None:
    await migrate_api(config=tortoise_config(database_url), target=BEFORE)
    await Tortoise.close_connections()
    await connect(database_url)
    try:
        for user_id in ("owner", "guest"):
            await User.create(id=user_id, username=f"user-{user_id}")
        publisher = await Publisher.create(name="old", display_name="Old", email="o@example.com")
        await PublisherMember.create(publisher=publisher, user_id="owner", role="owner")
        await insert_old_package(publisher.id, "Kept")
        with pytest.raises(OperationalError):
            await PublisherInvitation.all().count()  # not there before 0005
    finally:
        await Tortoise.close_connections()

    await apply_migrations(database_url)
    await apply_migrations(database_url)  # idempotent, as every web process may run it
    await connect(database_url)
    try:
        assert await Publisher.filter(name="old").count() == 1
        assert await PublisherMember.filter(publisher__name="old", role="owner").count() == 1
        assert await Package.filter(name="Kept", publisher__name="old").exists()

        owner = Actor(user_id="owner")
        invitation = await members.invite_member(owner, "old", user_id="guest")
        with pytest.raises(IntegrityError):  # one open invitation per publisher and user
            await PublisherInvitation.create(
                publisher_id=publisher.id,
                user_id="guest",
                pending_key=f"{publisher.id}:guest",
                expires_at=invitation.expires_at,
            )
        accepted = await members.accept_invitation(Actor(user_id="guest"), invitation.id)
        assert accepted.state == "accepted"
        assert await PublisherMember.filter(publisher_id=publisher.id).count() == 2
        assert (await PublisherInvitation.get(id=invitation.id)).pending_key is None
    finally:
        await Tortoise.close_connections()
