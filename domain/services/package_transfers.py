"""Package transfers (issue 18 part 4): a package moves to another publisher only when an owner
of the receiving publisher accepts.

An owner of the package's publisher (or an admin) offers the package to another publisher; an
owner of that publisher (or an admin) accepts or declines within TRANSFER_TTL; the offering
side may cancel while it is pending. One pending transfer per package. Like all publisher
management this needs a CloudM session (`publishers.require_session`): a leaked API token
cannot give a package away, nor accept one.

Accepting changes the package's `publisher_id` and nothing else. What a credential may do with
a package is its user's membership of the package's publisher plus the token's package globs
(`access.require_manage`), so the old publisher's tokens stop reaching the package at the
commit, and the new publisher's tokens whose globs match reach it from then on. The search
index follows in the same transaction by its triggers (`publisher_id` is a facet column, and
`verified` is the new publisher's), cached reads are dropped by `write_transaction`'s
announcement, and versions still waiting for their scan publish under the new publisher.

Refusals: an archived package is read-only and cannot be offered (un-archive it first); the
receiving publisher must be allowed to hold the package as it is (`publishers.check_can_publish`:
not suspended, and a public package only for a verified publisher allowed to publish public
ones), checked when offered and again when accepted. Both sides' audit logs record every step.

Who may see a transfer: owners of either side, and admins. For anyone else a transfer id is
"not found", so ids cannot be probed; an owner acting for the wrong side is refused
(PermissionDenied).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from enum import StrEnum
from typing import Any, cast

from tortoise.exceptions import IntegrityError
from tortoise.expressions import Q
from tortoise.functions import Sum

from domain.actor import Actor
from domain.changes import write_transaction
from domain.enums import MemberRole, TransferState, WebhookEvent
from domain.events import PACKAGE_TRANSFERRED, EventBus, publish_committed
from domain.exceptions import Conflict, InvalidInput, NotFound, PermissionDenied
from domain.models import (
    Package,
    PackageTransfer,
    PackageVersion,
    Publisher,
    PublisherMember,
    fits,
)
from domain.names import choice
from domain.services import audit, lifecycle, webhook_outbox
from domain.services.packages import get_package, lock_package
from domain.services.pending_offers import close_open, current_state, key_is_held
from domain.services.publishers import (
    check_can_publish,
    get_publisher,
    require_owner,
    require_session,
)
from domain.services.publishing import hold_quota

TRANSFER_TTL = timedelta(days=14)  # as long as a publisher invitation


class Direction(StrEnum):
    """Which of a publisher's transfers a listing shows."""

    INCOMING = "incoming"  # offered to the publisher
    OUTGOING = "outgoing"  # offered by the publisher
    BOTH = "both"


@dataclass(frozen=True)
class Transfer:
    id: str
    package: str  # the package's name
    from_publisher: str  # slugs, as they are now
    to_publisher: str
    from_publisher_id: str
    to_publisher_id: str
    state: TransferState
    requested_by: str  # user id of the owner (or admin) who offered it
    responded_by: str  # user id of whoever accepted, declined or cancelled it
    created_at: datetime
    expires_at: datetime
    responded_at: datetime | None


def _state(row: PackageTransfer, now: datetime) -> TransferState:
    return current_state(row, now, TransferState)


async def _views(rows: list[PackageTransfer], now: datetime) -> list[Transfer]:
    """The rows with their package's name and both publishers' slugs (two queries)."""
    publisher_ids = {r.from_publisher_id for r in rows} | {r.to_publisher_id for r in rows}
    slugs = dict(
        await Publisher.filter(id__in=sorted(publisher_ids)).values_list("id", "name")
        if publisher_ids
        else []
    )
    names = dict(
        await Package.filter(id__in=sorted({r.package_id for r in rows})).values_list("id", "name")
        if rows
        else []
    )
    return [
        Transfer(
            row.id,
            str(names.get(row.package_id, "")),
            str(slugs.get(row.from_publisher_id, "")),
            str(slugs.get(row.to_publisher_id, "")),
            row.from_publisher_id,
            row.to_publisher_id,
            _state(row, now),
            row.requested_by,
            row.responded_by,
            row.created_at,
            row.expires_at,
            row.responded_at,
        )
        for row in rows
    ]


async def _view(row: PackageTransfer, now: datetime) -> Transfer:
    return (await _views([row], now))[0]


async def _record(actor: Actor, action: str, row: PackageTransfer, package: str, conn: Any) -> None:
    """One audit event per side, so each publisher's audit log tells the whole story."""
    for publisher_id in (row.from_publisher_id, row.to_publisher_id):
        await audit.record(
            actor,
            action,
            target_type="package",
            target_id=package,
            publisher_id=publisher_id,
            details={
                "transfer_id": row.id,
                "from_publisher_id": row.from_publisher_id,
                "to_publisher_id": row.to_publisher_id,
            },
            using_db=conn,
        )


async def request_transfer(actor: Actor, package_name: str, to_publisher: object) -> Transfer:
    """An owner of the package's publisher offers it to `to_publisher` (slug or id)."""
    package = await get_package(actor, package_name)
    source: Publisher = package.publisher
    requester = await require_owner(actor, source, "transfer its packages")
    if to_publisher is None or (isinstance(to_publisher, str) and not to_publisher.strip()):
        raise InvalidInput("Give the receiving publisher (to_publisher)", field="to_publisher")
    if not isinstance(to_publisher, str):
        raise InvalidInput("to_publisher must be a publisher's slug or id", field="to_publisher")
    target = await get_publisher(to_publisher.strip())
    if target.id == source.id:
        raise InvalidInput(
            f"Package {package.name} already belongs to {source.name}", field="to_publisher"
        )
    if lifecycle.is_archived(package):
        raise lifecycle.archived_error(package, "it cannot be transferred")
    check_can_publish(target, package.visibility)
    pending = Conflict(f"Package {package.name} already has a pending transfer")
    now = datetime.now(UTC)
    key = str(package.id)
    try:
        async with write_transaction() as conn:
            # A transfer left to expire gives its key up, so the package can be offered again.
            if await key_is_held(PackageTransfer, key, now, TransferState, conn):
                raise pending
            row = await PackageTransfer.create(
                package_id=package.id,
                from_publisher_id=source.id,
                to_publisher_id=target.id,
                state=TransferState.PENDING,
                pending_key=key,
                requested_by=requester,
                expires_at=now + TRANSFER_TTL,
                using_db=conn,
            )
            await _record(actor, "package.transfer_request", row, package.name, conn)
    except IntegrityError:  # offered concurrently: the unique key decided
        raise pending from None
    return await _view(row, now)


async def _owned_publisher_ids(actor: Actor, publisher_ids: list[str]) -> set[str]:
    """Which of `publisher_ids` the caller owns (all of them for an admin)."""
    require_session(actor, "manage package transfers")
    if actor.is_admin:
        return set(publisher_ids)
    owned = await PublisherMember.filter(
        user_id=actor.user_id, publisher_id__in=publisher_ids, role=MemberRole.OWNER
    ).values_list("publisher_id", flat=True)
    return {str(publisher_id) for publisher_id in owned}


async def _find_for(actor: Actor, transfer_id: object, side: str, action: str) -> PackageTransfer:
    """The transfer, if the caller owns its `side` ("from" or "to"). Owners of neither side
    get "not found", like an unknown id; owners of the other side are refused."""
    unknown = NotFound(f"Transfer not found: {transfer_id}")
    if not isinstance(transfer_id, str) or not fits(PackageTransfer, "id", transfer_id):
        raise unknown
    row = await PackageTransfer.get_or_none(id=transfer_id)
    if row is None:
        raise unknown
    sides = {"from": row.from_publisher_id, "to": row.to_publisher_id}
    owned = await _owned_publisher_ids(actor, list(sides.values()))
    if not owned:
        raise unknown
    if sides[side] not in owned:
        who = "the receiving" if side == "to" else "the offering"
        raise PermissionDenied(f"Only owners of {who} publisher may {action} this transfer")
    return row


async def _close(
    actor: Actor, row: PackageTransfer, state: TransferState, conn: Any, now: datetime
) -> None:
    """Close a pending transfer (only if it is still open: two answers cannot both win)."""
    if not await close_open(PackageTransfer, row.id, state, now, conn, responded_by=actor.user_id):
        current = await PackageTransfer.filter(id=row.id).using_db(conn).first()
        shown = _state(current, now) if current is not None else "gone"
        raise Conflict(f"This transfer is {shown} and can no longer be answered")
    row.state, row.pending_key = state, None
    row.responded_at, row.responded_by = now, actor.user_id or ""


async def _stored_bytes(package_id: int, conn: Any) -> int:
    """Bytes the package's versions store, counted as `publishing.storage_used` counts them
    (every version, whatever its status)."""
    totals = await (
        PackageVersion.filter(package_id=package_id)
        .using_db(conn)
        .group_by("package_id")
        .annotate(total=Sum("size_bytes"))
        .values_list("total", flat=True)
    )
    return sum(int(total or 0) for total in cast("list[int | None]", totals))


async def accept_transfer(
    actor: Actor, transfer_id: object, *, events: EventBus | None = None
) -> Transfer:
    """An owner of the receiving publisher takes the package over. `events` (the registry's
    bus) hears PACKAGE_TRANSFERRED once the move has committed."""
    row = await _find_for(actor, transfer_id, "to", "accept")
    now = datetime.now(UTC)
    async with write_transaction() as conn:
        # The package row first, as every change of a package's versions does (lock_package):
        # an upload, yank or deletion in flight finishes before or after the move, never
        # halfway through it.
        package = await lock_package(row.package_id, using_db=conn)
        await _close(actor, row, TransferState.ACCEPTED, conn, now)
        if package is None or package.deleted_at is not None:
            raise Conflict("The package was deleted; the transfer cannot be accepted")
        if package.publisher_id != row.from_publisher_id:
            raise Conflict(f"Package {package.name} moved meanwhile; ask for a new transfer")
        if lifecycle.is_archived(package):
            raise lifecycle.archived_error(package, "it cannot be transferred")
        # The receiving publisher's storage quota holds the package's bytes as it would an
        # upload's (after the package row: the lock order uploads follow too), so a transfer
        # is no way around a quota.
        await hold_quota(row.to_publisher_id, await _stored_bytes(package.id, conn), using_db=conn)
        target = await Publisher.filter(id=row.to_publisher_id).using_db(conn).get()
        check_can_publish(target, package.visibility)
        await (
            Package.filter(id=package.id)
            .using_db(conn)
            .update(publisher_id=row.to_publisher_id, updated_at=now)
        )
        await _record(actor, "package.transfer_accept", row, package.name, conn)
        giver = await Publisher.filter(id=row.from_publisher_id).using_db(conn).get()
        # Both sides' hooks hear it: the giving publisher's owners lose the package.
        await webhook_outbox.emit(
            WebhookEvent.PACKAGE_TRANSFERRED,
            row.to_publisher_id,
            also_to=[row.from_publisher_id],
            package=package,
            details={
                "from_publisher": {"id": giver.id, "name": giver.name},
                "to_publisher": {"id": target.id, "name": target.name},
            },
            using_db=conn,
        )
    transfer = await _view(row, now)
    if events is not None:
        await publish_committed(
            events,
            PACKAGE_TRANSFERRED,
            {
                "package": transfer.package,
                "transfer_id": transfer.id,
                "from_publisher_id": transfer.from_publisher_id,
                "to_publisher_id": transfer.to_publisher_id,
                "publisher_id": transfer.to_publisher_id,  # as PACKAGE_PUBLISHED names it
            },
        )
    return transfer


async def _refuse(
    actor: Actor, transfer_id: object, side: str, state: TransferState, verb: str
) -> Transfer:
    row = await _find_for(actor, transfer_id, side, verb)
    now = datetime.now(UTC)
    async with write_transaction() as conn:
        await _close(actor, row, state, conn, now)
        name = await Package.filter(id=row.package_id).using_db(conn).values_list("name", flat=True)
        await _record(actor, f"package.transfer_{verb}", row, str(name[0]) if name else "", conn)
    return await _view(row, now)


async def decline_transfer(actor: Actor, transfer_id: object) -> Transfer:
    """An owner of the receiving publisher says no; the package stays where it is."""
    return await _refuse(actor, transfer_id, "to", TransferState.DECLINED, "decline")


async def cancel_transfer(actor: Actor, transfer_id: object) -> Transfer:
    """An owner of the offering publisher withdraws a transfer that was not answered yet."""
    return await _refuse(actor, transfer_id, "from", TransferState.CANCELLED, "cancel")


async def publisher_transfers(
    actor: Actor, name_or_id: str, direction: object = Direction.BOTH
) -> list[Transfer]:
    """A publisher's transfers that can still be answered, oldest first; owners (and admins)."""
    wanted = (
        Direction.BOTH
        if direction is None or direction == ""
        else choice(direction, Direction, "direction", "direction")
    )
    publisher = await get_publisher(name_or_id)
    await require_owner(actor, publisher, "list its package transfers")
    sides = {
        Direction.INCOMING: Q(to_publisher_id=publisher.id),
        Direction.OUTGOING: Q(from_publisher_id=publisher.id),
        Direction.BOTH: Q(to_publisher_id=publisher.id) | Q(from_publisher_id=publisher.id),
    }
    now = datetime.now(UTC)
    rows = await PackageTransfer.filter(
        sides[wanted], state=TransferState.PENDING, expires_at__gt=now
    ).order_by("created_at", "id")
    return await _views(list(rows), now)
