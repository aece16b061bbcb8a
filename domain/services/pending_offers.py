"""The state machine publisher invitations (members.py) and package transfers
(package_transfers.py) share: an offer waits, pending, for an answer until it expires.

- A pending offer past its expiry is expired, whether or not a write has marked it yet.
- While pending, the offer holds a unique `pending_key` (one open offer per invitee or per
  package); one left to expire gives its key up at the next offer for the same key.
- Closing (accept, decline, cancel) is conditional on the offer still being open, so two
  answers cannot both win, and gives the key up.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any, TypeVar

from domain.enums import InvitationState, TransferState
from domain.models import PackageTransfer, PublisherInvitation

OfferState = TypeVar("OfferState", InvitationState, TransferState)
OfferRow = PublisherInvitation | PackageTransfer


def current_state(row: OfferRow, now: datetime, states: type[OfferState]) -> OfferState:
    """The offer's state as of `now`: a pending one past its expiry is expired."""
    if row.state == states.PENDING and row.expires_at <= now:
        return states.EXPIRED
    return states(row.state)


async def key_is_held(
    model: type[OfferRow], key: str, now: datetime, states: type[OfferState], conn: Any
) -> bool:
    """Whether an open offer holds `key`, after an expired one gives it up (marked expired).
    Inside the caller's transaction; the unique key still decides between concurrent offers."""
    await (
        model.filter(pending_key=key, expires_at__lte=now)
        .using_db(conn)
        .update(state=states.EXPIRED, pending_key=None)
    )
    return bool(await model.filter(pending_key=key).using_db(conn).exists())


async def close_open(
    model: type[OfferRow],
    row_id: str,
    state: OfferState,
    now: datetime,
    conn: Any,
    **changes: Any,
) -> bool:
    """Close the offer as `state` (with `changes`) only if it is still open; False if it was
    answered, cancelled or expired meanwhile."""
    closed = await (
        model.filter(id=row_id, state=type(state).PENDING, expires_at__gt=now)
        .using_db(conn)
        .update(state=state, pending_key=None, responded_at=now, **changes)
    )
    return bool(closed)
