"""Admin queues (pending publishers, quarantined versions) and the audit log."""

from __future__ import annotations

from typing import Annotated

import strawberry

from domain.exceptions import InvalidInput
from domain.models import PackageVersion as VersionRow
from domain.services import audit, publishers
from schema.admin.types import (
    AuditEvent,
    AuditEventConnection,
    AuditLogFilter,
    PackageVersionConnection,
)
from schema.core.arguments import After, First
from schema.core.context import Info
from schema.core.pagination import (
    build_connection,
    connection_from_pairs,
    decode_cursor,
    encode_cursor,
    offset_window,
    page_size,
)
from schema.core.permissions import IsAdmin, IsAuthenticated
from schema.packages.types import PackageVersion
from schema.publishers.types import Publisher, PublisherConnection

QUARANTINE_ORDER = "quarantined"


@strawberry.type(description="Admin queries.")
class AdminQueries:
    @strawberry.field(description="Admin: publishers awaiting a verification decision, oldest "
                                  "request first (see Publisher.verificationRequest).",
                      permission_classes=[IsAdmin])
    async def pending_publishers(self, info: Info, first: First = 20, after: After = None
                                 ) -> PublisherConnection:
        actor = info.context.actor

        async def fetch(page: int, per_page: int) -> tuple[list, int]:
            items, total, _ = await publishers.pending_publishers(actor, page=page,
                                                                  per_page=per_page)
            return items, total

        pairs, total, has_next = await offset_window(fetch, ordering="pending", first=first,
                                                     after=after)
        return connection_from_pairs(PublisherConnection, pairs, total=total,
                                     has_next=has_next, after=after,
                                     node_of=Publisher.from_model)

    @strawberry.field(description="Admin: versions the security scan quarantined, newest "
                                  "first, with their scan reports.",
                      permission_classes=[IsAdmin])
    async def quarantined_versions(self, info: Info, first: First = 20, after: After = None
                                   ) -> PackageVersionConnection:
        info.context.actor.require_admin()
        limit = page_size(first)
        query = VersionRow.filter(status="quarantined")
        total = await query.count()
        if after is not None:
            (last_id,) = decode_cursor(after, QUARANTINE_ORDER, 1)
            if isinstance(last_id, bool) or not isinstance(last_id, int):
                raise InvalidInput("Invalid cursor", field="after")
            query = query.filter(id__lt=last_id)
        rows = await query.order_by("-id").limit(limit + 1)
        return build_connection(PackageVersionConnection, rows, limit=limit,
                                cursor_of=lambda r: encode_cursor(QUARANTINE_ORDER, [r.id]),
                                node_of=PackageVersion.from_model, total=total, after=after)

    @strawberry.field(description="The audit log, newest first: admins see every event, "
                                  "publishers the events of their publishers and their own.",
                      permission_classes=[IsAuthenticated])
    async def audit_log(
        self, info: Info,
        filter: Annotated[AuditLogFilter | None, strawberry.argument(
            description="Conditions on actor, action, target, publisher and time.")] = None,
        first: First = 20,
        after: After = None,
    ) -> AuditEventConnection:
        conditions = filter or AuditLogFilter()
        filters = audit.AuditFilter(
            actor=conditions.actor, action=conditions.action, target=conditions.target,
            target_type=conditions.target_type, publisher=conditions.publisher,
            since=conditions.since, until=conditions.until)
        shows_ip = False

        async def fetch(page: int, per_page: int) -> tuple[list, int]:
            nonlocal shows_ip
            result = await audit.query(info.context.actor, filters, page=page,
                                       per_page=per_page)
            shows_ip = result.shows_ip
            return result.events, result.total

        pairs, total, has_next = await offset_window(fetch, ordering="audit", first=first,
                                                     after=after)
        return connection_from_pairs(
            AuditEventConnection, pairs, total=total, has_next=has_next, after=after,
            node_of=lambda e: AuditEvent.from_model(e, shows_ip=shows_ip))
