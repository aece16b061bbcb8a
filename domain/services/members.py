"""Publisher members: the registering user is the owner; owners add and remove members.

Members publish and manage the publisher's packages (`access.is_member`); only owners change
who belongs. A publisher always keeps at least one owner.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from tortoise.exceptions import IntegrityError

from domain.actor import Actor
from domain.changes import write_transaction
from domain.exceptions import Conflict, InvalidInput, NotFound, PermissionDenied
from domain.models import Publisher, PublisherMember, User, fits
from domain.services import audit
from domain.services.publishers import get_publisher, require_owner

ROLES = ("owner", "member")


@dataclass(frozen=True)
class Member:
    user_id: str
    username: str
    role: str
    added_at: datetime


def _role(value: object) -> str:
    if value is None or value == "":
        return "member"
    if not isinstance(value, str) or value not in ROLES:
        raise InvalidInput(f"Invalid role {value!r}: expected one of {', '.join(ROLES)}",
                           field="role")
    return value


async def _find_user(user_id: object, username: object) -> User:
    """By registry user id, or by username when exactly one user has it."""
    if isinstance(user_id, str) and user_id.strip():
        user = (await User.get_or_none(id=user_id.strip())
                if fits(User, "id", user_id.strip()) else None)
        if user is None:
            raise NotFound(f"User not found: {user_id} (users appear after their first login)")
        return user
    if isinstance(username, str) and username.strip():
        users = (await User.filter(username=username.strip()).limit(2)
                 if fits(User, "username", username.strip()) else [])
        if len(users) != 1:
            raise NotFound(f"No single user named {username!r}; give the user_id instead")
        return users[0]
    raise InvalidInput("Give the new member's user_id (or username)", field="user_id")


async def list_members(actor: Actor, name_or_id: str) -> list[Member]:
    """Members see their colleagues; admins see everyone's."""
    publisher = await get_publisher(name_or_id)
    actor.require_user()
    if not (actor.acts_as_admin or publisher.id in actor.publisher_ids):
        raise PermissionDenied(f"Only members of publisher {publisher.name} may list members")
    rows = await (PublisherMember.filter(publisher_id=publisher.id).order_by("id")
                  .prefetch_related("user"))
    return [Member(row.user.id, row.user.username, row.role, row.created_at) for row in rows]


async def add_member(actor: Actor, name_or_id: str, *, user_id: object = None,
                     username: object = None, role: object = "member") -> Member:
    publisher = await get_publisher(name_or_id)
    await require_owner(actor, publisher, "add members")
    wanted = _role(role)
    user = await _find_user(user_id, username)
    if await PublisherMember.exists(publisher_id=publisher.id, user_id=user.id):
        raise Conflict(f"{user.username} is already a member of {publisher.name}")
    try:
        async with write_transaction() as conn:
            row = await PublisherMember.create(publisher_id=publisher.id, user_id=user.id,
                                               role=wanted, using_db=conn)
            await audit.record(actor, "publisher.member_add", target_type="user",
                               target_id=user.id, publisher_id=publisher.id,
                               details={"role": wanted, "username": user.username},
                               using_db=conn)
    except IntegrityError:
        raise Conflict(f"{user.username} is already a member of {publisher.name}") from None
    return Member(user.id, user.username, row.role, row.created_at)


async def remove_member(actor: Actor, name_or_id: str, user_id: object) -> None:
    """Owners remove anyone (themselves included) as long as another owner remains."""
    publisher: Publisher = await get_publisher(name_or_id)
    await require_owner(actor, publisher, "remove members")
    if not isinstance(user_id, str) or not user_id.strip():
        raise InvalidInput("Give the member's user_id", field="user_id")
    row = await PublisherMember.get_or_none(publisher_id=publisher.id, user_id=user_id.strip())
    if row is None:
        raise NotFound(f"{user_id} is not a member of {publisher.name}")
    async with write_transaction() as conn:
        # Removals from one publisher queue on its row, so two owners removing each other at
        # once cannot both pass the last-owner check below.
        await Publisher.select_for_update(no_key=True).using_db(conn).get(id=publisher.id)
        if row.role == "owner":
            owners = await PublisherMember.filter(publisher_id=publisher.id,
                                                  role="owner").using_db(conn).count()
            if owners <= 1:
                raise InvalidInput(f"{publisher.name} must keep at least one owner")
        if not await PublisherMember.filter(id=row.id).using_db(conn).delete():
            raise NotFound(f"{user_id} is not a member of {publisher.name}")  # removed meanwhile
        await audit.record(actor, "publisher.member_remove", target_type="user",
                           target_id=row.user_id,  # type: ignore[attr-defined]
                           publisher_id=publisher.id, details={"role": row.role},
                           using_db=conn)
