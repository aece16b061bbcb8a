"""Publisher members: the registering user is the owner; owners invite, users consent.

Members publish and manage the publisher's packages (`access.is_member`). Nobody becomes a
member without saying so: an owner invites a user, and the invitee accepts or declines within
INVITATION_TTL. A user belongs to at most one publisher (as `register_publisher` also
requires), so accepting needs no other membership. Members may leave, and owners remove
members; a publisher always keeps at least one owner.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from tortoise.exceptions import IntegrityError

from domain.actor import Actor
from domain.changes import write_transaction
from domain.enums import InvitationState, MemberRole
from domain.exceptions import Conflict, InvalidInput, NotFound, PermissionDenied
from domain.models import Publisher, PublisherInvitation, PublisherMember, User, fits
from domain.names import choice
from domain.services import audit
from domain.services.pending_offers import close_open, current_state, key_is_held
from domain.services.publishers import get_publisher, require_owner, require_session

INVITATION_TTL = timedelta(days=14)


@dataclass(frozen=True)
class Member:
    user_id: str
    username: str
    role: str
    added_at: datetime


def _role(value: object) -> MemberRole:
    if value is None or value == "":
        return MemberRole.MEMBER
    return choice(value, MemberRole, "role", "role")


async def _find_user(user_id: object, username: object) -> User:
    """By registry user id, or by username when exactly one user has it."""
    if isinstance(user_id, str) and user_id.strip():
        user = (
            await User.get_or_none(id=user_id.strip())
            if fits(User, "id", user_id.strip())
            else None
        )
        if user is None:
            raise NotFound(f"User not found: {user_id} (users appear after their first login)")
        return user
    if isinstance(username, str) and username.strip():
        users = (
            await User.filter(username=username.strip()).limit(2)
            if fits(User, "username", username.strip())
            else []
        )
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
    rows = await (
        PublisherMember.filter(publisher_id=publisher.id).order_by("id").prefetch_related("user")
    )
    return [Member(row.user.id, row.user.username, row.role, row.created_at) for row in rows]


# --- invitations -----------------------------------------------------------------------------


@dataclass(frozen=True)
class Invitation:
    id: str
    publisher_id: str
    publisher_name: str
    user_id: str
    username: str
    role: str
    state: str  # an InvitationState
    invited_by: str  # user id of the owner (or admin) who invited
    created_at: datetime
    expires_at: datetime
    responded_at: datetime | None


def _state(row: PublisherInvitation, now: datetime) -> InvitationState:
    return current_state(row, now, InvitationState)


def _invitation(
    row: PublisherInvitation, publisher: Publisher, user: User, now: datetime | None = None
) -> Invitation:
    return Invitation(
        row.id,
        publisher.id,
        publisher.name,
        user.id,
        user.username,
        row.role,
        _state(row, now or datetime.now(UTC)),
        row.invited_by,
        row.created_at,
        row.expires_at,
        row.responded_at,
    )


def _pending_key(publisher_id: str, user_id: str) -> str:
    return f"{publisher_id}:{user_id}"


async def invite_member(
    actor: Actor,
    name_or_id: str,
    *,
    user_id: object = None,
    username: object = None,
    role: object = MemberRole.MEMBER,
) -> Invitation:
    """Owners invite a user; nothing changes for the user until they accept."""
    publisher = await get_publisher(name_or_id)
    inviter = await require_owner(actor, publisher, "invite members")
    wanted = _role(role)
    user = await _find_user(user_id, username)
    if await PublisherMember.exists(publisher_id=publisher.id, user_id=user.id):
        raise Conflict(f"{user.username} is already a member of {publisher.name}")
    invited = Conflict(f"{user.username} already has a pending invitation to {publisher.name}")
    now = datetime.now(UTC)
    key = _pending_key(publisher.id, user.id)
    try:
        async with write_transaction() as conn:
            # An invitation left to expire gives its key up, so the user can be asked again.
            if await key_is_held(PublisherInvitation, key, now, InvitationState, conn):
                raise invited
            row = await PublisherInvitation.create(
                publisher_id=publisher.id,
                user_id=user.id,
                role=wanted,
                state=InvitationState.PENDING,
                pending_key=key,
                invited_by=inviter,
                expires_at=now + INVITATION_TTL,
                using_db=conn,
            )
            await audit.record(
                actor,
                "publisher.member_invite",
                target_type="user",
                target_id=user.id,
                publisher_id=publisher.id,
                details={
                    "role": wanted,
                    "username": user.username,
                    "invitation_id": row.id,
                    "expires_at": row.expires_at.isoformat(),
                },
                using_db=conn,
            )
    except IntegrityError:  # the same user invited concurrently: the unique key decided
        raise invited from None
    return _invitation(row, publisher, user, now)


async def _open_invitations(**filters: Any) -> list[Invitation]:
    now = datetime.now(UTC)
    rows = await (
        PublisherInvitation.filter(state=InvitationState.PENDING, expires_at__gt=now, **filters)
        .order_by("created_at", "id")
        .prefetch_related("publisher", "user")
    )
    return [_invitation(row, row.publisher, row.user, now) for row in rows]


async def my_invitations(actor: Actor) -> list[Invitation]:
    """The caller's invitations that can still be answered, oldest first."""
    return await _open_invitations(user_id=actor.require_user())


async def publisher_invitations(actor: Actor, name_or_id: str) -> list[Invitation]:
    """A publisher's invitations that can still be answered; owners (and admins) only."""
    publisher = await get_publisher(name_or_id)
    await require_owner(actor, publisher, "list invitations")
    return await _open_invitations(publisher_id=publisher.id)


async def _find_invitation(invitation_id: object, **owned_by: str) -> PublisherInvitation:
    """One invitation, if it belongs to `owned_by`; anyone else's is "not found" (404), so
    invitation ids cannot be probed."""
    if (
        not isinstance(invitation_id, str)
        or not invitation_id
        or not fits(PublisherInvitation, "id", invitation_id)
    ):
        raise NotFound(f"Invitation not found: {invitation_id}")
    row = await PublisherInvitation.filter(id=invitation_id, **owned_by).first()
    if row is None:
        raise NotFound(f"Invitation not found: {invitation_id}")
    return row


def _require_open(row: PublisherInvitation, now: datetime) -> None:
    state = _state(row, now)
    if state != InvitationState.PENDING:
        raise Conflict(f"This invitation is {state} and can no longer be answered")


async def _answer(
    actor: Actor,
    row: PublisherInvitation,
    state: InvitationState,
    action: str,
    conn: Any,
    now: datetime,
) -> None:
    """Close a pending invitation (only if it is still open: two answers cannot both win)."""
    if not await close_open(PublisherInvitation, row.id, state, now, conn):
        raise Conflict("This invitation was answered, cancelled or expired meanwhile")
    row.state, row.pending_key, row.responded_at = state, None, now
    await audit.record(
        actor,
        action,
        target_type="user",
        target_id=row.user_id,
        publisher_id=row.publisher_id,
        details={"invitation_id": row.id, "role": row.role},
        using_db=conn,
    )


async def accept_invitation(actor: Actor, invitation_id: object) -> Invitation:
    """The invitee joins the publisher with the invited role, if they belong to none yet."""
    user_id = require_session(actor, "accept invitations")
    row = await _find_invitation(invitation_id, user_id=user_id)
    now = datetime.now(UTC)
    _require_open(row, now)
    publisher = await Publisher.get(id=row.publisher_id)
    try:
        async with write_transaction() as conn:
            # The user's row queues this with register_publisher and with the user's other
            # acceptances (PostgreSQL; SQLite runs one write transaction at a time), so the
            # one-publisher check below sees whichever of them committed first.
            user = await User.select_for_update(no_key=True).using_db(conn).get(id=user_id)
            current = await (
                PublisherMember.filter(user_id=user_id)
                .using_db(conn)
                .values_list("publisher__name", flat=True)
            )
            if current:
                raise Conflict(
                    f"You already belong to publisher {current[0]}: leave it "
                    f"before joining {publisher.name}"
                )
            await _answer(
                actor, row, InvitationState.ACCEPTED, "publisher.invitation_accept", conn, now
            )
            await PublisherMember.create(
                publisher_id=publisher.id, user_id=user_id, role=row.role, using_db=conn
            )
    except IntegrityError:  # a membership appeared meanwhile (the unique pair decided)
        raise Conflict(f"You already belong to publisher {publisher.name}") from None
    return _invitation(row, publisher, user, now)


async def decline_invitation(actor: Actor, invitation_id: object) -> Invitation:
    user_id = require_session(actor, "decline invitations")
    row = await _find_invitation(invitation_id, user_id=user_id)
    now = datetime.now(UTC)
    _require_open(row, now)
    async with write_transaction() as conn:
        await _answer(
            actor, row, InvitationState.DECLINED, "publisher.invitation_decline", conn, now
        )
    await row.fetch_related("publisher", "user")
    return _invitation(row, row.publisher, row.user, now)


async def cancel_invitation(actor: Actor, name_or_id: str, invitation_id: object) -> Invitation:
    """Owners withdraw an invitation that was not answered yet."""
    publisher = await get_publisher(name_or_id)
    await require_owner(actor, publisher, "cancel invitations")
    row = await _find_invitation(invitation_id, publisher_id=publisher.id)
    now = datetime.now(UTC)
    _require_open(row, now)
    async with write_transaction() as conn:
        await _answer(
            actor, row, InvitationState.CANCELLED, "publisher.invitation_cancel", conn, now
        )
    await row.fetch_related("user")
    return _invitation(row, publisher, row.user, now)


# --- leaving and removal ---------------------------------------------------------------------


async def _delete_membership(
    actor: Actor, publisher: Publisher, row: PublisherMember, action: str, last_owner: str
) -> None:
    user_id: str = row.user_id
    async with write_transaction() as conn:
        # Removals from one publisher queue on its row, so two owners removing each other (or
        # leaving) at once cannot both pass the last-owner check below.
        await Publisher.select_for_update(no_key=True).using_db(conn).get(id=publisher.id)
        if row.role == MemberRole.OWNER:
            owners = (
                await PublisherMember.filter(publisher_id=publisher.id, role=MemberRole.OWNER)
                .using_db(conn)
                .count()
            )
            if owners <= 1:
                raise InvalidInput(last_owner)
        if not await PublisherMember.filter(id=row.id).using_db(conn).delete():
            raise NotFound(f"{user_id} is not a member of {publisher.name}")  # removed meanwhile
        await audit.record(
            actor,
            action,
            target_type="user",
            target_id=user_id,
            publisher_id=publisher.id,
            details={"role": row.role},
            using_db=conn,
        )


async def leave_publisher(actor: Actor, name_or_id: str) -> None:
    """A member removes themselves; the last owner cannot (the publisher would be orphaned)."""
    user_id = require_session(actor, "leave publishers")
    publisher = await get_publisher(name_or_id)
    row = await PublisherMember.get_or_none(publisher_id=publisher.id, user_id=user_id)
    if row is None:
        raise NotFound(f"You are not a member of {publisher.name}")
    await _delete_membership(
        actor,
        publisher,
        row,
        "publisher.member_leave",
        f"You are the last owner of {publisher.name}, which must keep "
        "at least one owner: make another member an owner first",
    )


async def remove_member(actor: Actor, name_or_id: str, user_id: object) -> None:
    """Owners remove anyone as long as another owner remains; removing oneself is leaving,
    which every member may do."""
    if isinstance(user_id, str) and actor.user_id and user_id.strip() == actor.user_id:
        return await leave_publisher(actor, name_or_id)
    publisher: Publisher = await get_publisher(name_or_id)
    await require_owner(actor, publisher, "remove members")
    if not isinstance(user_id, str) or not user_id.strip():
        raise InvalidInput("Give the member's user_id", field="user_id")
    wanted = user_id.strip()
    row = (
        await PublisherMember.get_or_none(publisher_id=publisher.id, user_id=wanted)
        if fits(User, "id", wanted)
        else None
    )
    if row is None:
        raise NotFound(f"{user_id} is not a member of {publisher.name}")
    await _delete_membership(
        actor,
        publisher,
        row,
        "publisher.member_remove",
        f"{publisher.name} must keep at least one owner",
    )
