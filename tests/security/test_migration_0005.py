"""Migration 0005 (publisher invitations, finding 6) upgrades a database that already holds
data, on SQLite and PostgreSQL: the existing rows survive, and the new table keeps one open
invitation per publisher and user."""

from __future__ import annotations

import pytest
from tortoise import Tortoise
from tortoise.exceptions import IntegrityError, OperationalError

from domain.actor import Actor
from domain.database import apply_migrations
from domain.models import (
    Package,
    Publisher,
    PublisherInvitation,
    PublisherMember,
    User,
)
from domain.services import members
from tests.fixtures.old_schema import connect, insert_package_row, migrate_to

BEFORE = "models.0004_object_claims"


async def test_existing_data_survives_and_invitations_work(old_database_url: str) -> None:
    await migrate_to(old_database_url, BEFORE)
    try:
        for user_id in ("owner", "guest"):
            await User.create(id=user_id, username=f"user-{user_id}")
        publisher = await Publisher.create(name="old", display_name="Old", email="o@example.com")
        await PublisherMember.create(publisher=publisher, user_id="owner", role="owner")
        await insert_package_row(publisher.id, "Kept")
        with pytest.raises(OperationalError):
            await PublisherInvitation.all().count()  # not there before 0005
    finally:
        await Tortoise.close_connections()

    await apply_migrations(old_database_url)
    await apply_migrations(old_database_url)  # idempotent, as every web process may run it
    await connect(old_database_url)
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
