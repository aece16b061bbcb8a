"""Users come from CloudM tokens: created on first sight, refreshed on each later token."""

from __future__ import annotations

from collections.abc import Collection
from functools import cache

from tortoise import connections
from tortoise.exceptions import IntegrityError

from domain.actor import Actor
from domain.exceptions import NotFound
from domain.models import PublisherMember, User


async def upsert_user(
    user_id: str, username: str, email: str, *, admins: Collection[str] = ()
) -> User:
    """The user, created on first sight: as an admin when `admins` (the operator's
    ADMIN_USERS) names it."""
    user = await User.get_or_none(id=user_id)
    if user is None:
        try:
            user = await User.create(
                id=user_id, username=username, email=email, is_admin=user_id in admins
            )
        except IntegrityError:  # a concurrent first request created it
            user = await User.get(id=user_id)
    if user.username != username or (email and user.email != email):
        user.username = username
        user.email = email or user.email
        await user.save(update_fields=["username", "email", "last_seen_at"])
    return user


async def publisher_ids_of(user_id: str) -> frozenset[str]:
    rows = await PublisherMember.filter(user_id=user_id).values_list("publisher_id", flat=True)
    return frozenset(str(r) for r in rows)


async def actor_for_user(
    user: User,
    *,
    request_id: str = "",
    ip: str = "",
    scopes: tuple[str, ...] | None = None,
    package_globs: tuple[str, ...] = (),
    token_id: str | None = None,
) -> Actor:
    return Actor(
        user_id=user.id,
        username=user.username,
        is_admin=user.is_admin,
        scopes=scopes,
        package_globs=package_globs,
        token_id=token_id,
        request_id=request_id,
        ip=ip,
        publisher_ids=await publisher_ids_of(user.id),
    )


async def actor_from_claims(
    user_id: str,
    username: str,
    email: str,
    *,
    request_id: str = "",
    ip: str = "",
    admins: Collection[str] = (),
) -> Actor:
    # The common case, a known user whose token says nothing new, in one query: the user
    # and its publishers (every authenticated request comes through here).
    conn = connections.get("default")
    _, rows = await conn.execute_query(_known_user_sql(conn.capabilities.dialect), [user_id])
    if rows:
        stored_username, stored_email, is_admin = rows[0][0], rows[0][1], rows[0][2]
        if stored_username == username and (not email or stored_email == email):
            return Actor(
                user_id=user_id,
                username=stored_username,
                is_admin=bool(is_admin),
                request_id=request_id,
                ip=ip,
                publisher_ids=frozenset(str(row[3]) for row in rows if row[3] is not None),
            )
    user = await upsert_user(user_id, username, email, admins=admins)
    return await actor_for_user(user, request_id=request_id, ip=ip)


@cache
def _known_user_sql(dialect: str) -> str:
    """A user's name, email and admin flag with each publisher it belongs to (one row per
    membership, one row with a null publisher when it has none)."""
    users = User._meta.db_table
    members = PublisherMember._meta.db_table
    parameter = "$1" if dialect == "postgres" else "?"
    return (
        f'SELECT u."username", u."email", u."is_admin", m."publisher_id" FROM "{users}" u '
        f'LEFT JOIN "{members}" m ON m."user_id" = u."id" WHERE u."id" = {parameter}'
    )


async def set_admin(user_id: str, is_admin: bool, *, username: str | None = None) -> User:
    """Grant or revoke admin (CLI). Unknown users are created when a username is given."""
    user = await User.get_or_none(id=user_id)
    if user is None:
        if username is None:
            raise NotFound(f"User not found: {user_id}")
        user = await User.create(id=user_id, username=username, is_admin=is_admin)
        return user
    user.is_admin = is_admin
    await user.save(update_fields=["is_admin"])
    return user
