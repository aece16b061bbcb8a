"""The audit log, read back: admins see everything (with filters), publishers their own.

Events are written by domain/services/audit.py.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from tortoise.expressions import Q
from tortoise.queryset import QuerySet

from domain.actor import Actor
from domain.enums import TokenScope
from domain.exceptions import InvalidInput, PermissionDenied
from domain.models import AuditEvent, fits
from domain.services.publishers import get_publisher


@dataclass(frozen=True)
class AuditFilter:
    """Every field narrows the result; `action` ending in `.*` or `*` matches a prefix
    (`publisher.*`)."""

    actor: str | None = None
    action: str | None = None
    target: str | None = None
    target_type: str | None = None
    publisher: str | None = None  # id or slug
    since: datetime | None = None
    until: datetime | None = None


@dataclass(frozen=True)
class AuditPage:
    events: list[AuditEvent]
    total: int
    # False for publishers' own view: their colleagues' IP addresses are not theirs to see.
    shows_ip: bool


async def _publisher_id(name_or_id: str) -> str:
    return (await get_publisher(name_or_id)).id


def _matching(base: QuerySet[AuditEvent], field: str, value: str) -> QuerySet[AuditEvent]:
    """Events whose `field` equals `value`; none when the value is longer than the column."""
    wanted: dict[str, Any] = {field: value} if fits(AuditEvent, field, value) else {"id__in": []}
    return base.filter(**wanted)


async def query(actor: Actor, filters: AuditFilter, *, page: int, per_page: int) -> AuditPage:
    """Admins see every event. Anyone else sees events of the publishers they belong to, plus
    their own actions; a caller with neither gets 403. Newest first.

    A token limited by package globs gets 403 (admin or not): the log is about whole
    publishers and accounts (members, tokens, profiles, verification), most events name no
    package, and version events name theirs in more than one form, so a glob-filtered log
    would be partial in ways nobody could rely on. Such a token's holder reads the log with a
    session or an unrestricted token."""
    user_id = actor.require_user()
    if actor.package_globs:
        raise PermissionDenied("A token limited to package globs cannot read the audit log")
    is_admin_view = actor.acts_as_admin
    if is_admin_view:
        base = AuditEvent.all()
    else:
        if not actor.has_scope(TokenScope.READ_PRIVATE):
            raise PermissionDenied("Reading the audit log needs the read-private scope")
        if not actor.publisher_ids:
            raise PermissionDenied("Only admins and publishers can read the audit log")
        base = AuditEvent.filter(
            Q(publisher_id__in=list(actor.publisher_ids)) | Q(actor_id=user_id)
        )
    if filters.action and filters.action.endswith("*"):
        base = base.filter(action__startswith=filters.action.rstrip("*"))
    elif filters.action:
        base = _matching(base, "action", filters.action)
    for field, value in (
        ("actor_id", filters.actor),
        ("target_id", filters.target),
        ("target_type", filters.target_type),
    ):
        if value:
            base = _matching(base, field, value)
    if filters.publisher:
        base = base.filter(publisher_id=await _publisher_id(filters.publisher))
    if filters.since and filters.until and filters.since > filters.until:
        raise InvalidInput("since must not be after until", field="since")
    if filters.since:
        base = base.filter(created_at__gte=filters.since)
    if filters.until:
        base = base.filter(created_at__lte=filters.until)
    total = await base.count()
    events = await base.order_by("-created_at", "-id").offset((page - 1) * per_page).limit(per_page)
    return AuditPage(events, total, shows_ip=is_admin_view)
