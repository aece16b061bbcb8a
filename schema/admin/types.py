"""The audit log's GraphQL types."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

import strawberry
from strawberry import relay
from strawberry.scalars import JSON

from domain import models
from schema.core.context import Info
from schema.core.pagination import CountableConnection
from schema.packages.types import PackageVersion


@strawberry.type(description="One recorded action: who did what to which object, and when.")
class AuditEvent(relay.Node):
    pk: relay.NodeID[str]
    actor_id: str = strawberry.field(description="User id of whoever acted (or system:…).")
    action: str = strawberry.field(description="What happened, e.g. version.yank.")
    target_type: str = strawberry.field(description="Kind of object acted on.")
    target_id: str = strawberry.field(description="Which object.")
    publisher_id: str = strawberry.field(description="The publisher concerned, if any.")
    request_id: str = strawberry.field(description="Id of the HTTP request.")
    ip: str = strawberry.field(description="Client address (admins only; empty otherwise).")
    details: JSON = strawberry.field(description="Action-specific details.")
    created_at: datetime = strawberry.field(description="When it happened.")

    @classmethod
    def from_model(cls, row: models.AuditEvent, *, shows_ip: bool) -> AuditEvent:
        return cls(
            pk=str(row.id),
            actor_id=row.actor_id,
            action=row.action,
            target_type=row.target_type,
            target_id=row.target_id,
            publisher_id=row.publisher_id,
            request_id=row.request_id,
            ip=row.ip if shows_ip else "",
            details=JSON(row.details or {}),
            created_at=row.created_at,
        )

    @classmethod
    # One signature for strawberry's overloads on `required`: a node the caller may not
    # see is None either way (node fields are nullable).
    async def resolve_nodes(  # type: ignore[override]
        cls,
        *,
        info: Info,
        node_ids: Iterable[str],
        required: bool = False,
    ) -> list[AuditEvent | None]:
        """Single events by id are for admins; everyone else pages `auditLog`."""
        ids = list(node_ids)
        if not info.context.actor.acts_as_admin:
            return [None] * len(ids)
        rows = {
            e.id: e
            for e in await models.AuditEvent.filter(id__in=[int(i) for i in ids if i.isdigit()])
        }
        return [
            cls.from_model(rows[int(i)], shows_ip=True) if i.isdigit() and int(i) in rows else None
            for i in ids
        ]


@strawberry.input(description="Narrows the audit log; all given conditions must hold.")
class AuditLogFilter:
    actor: str | None = strawberry.field(default=None, description="Actor's user id.")
    action: str | None = strawberry.field(
        default=None, description="Exact action, or a prefix ending in * (publisher.*)."
    )
    target: str | None = strawberry.field(default=None, description="Target id.")
    target_type: str | None = strawberry.field(default=None, description="Target kind.")
    publisher: str | None = strawberry.field(default=None, description="Publisher slug or id.")
    since: datetime | None = strawberry.field(default=None, description="At or after.")
    until: datetime | None = strawberry.field(default=None, description="At or before.")


@strawberry.type(description="A page of audit events, newest first.")
class AuditEventConnection(CountableConnection[AuditEvent]):
    pass


@strawberry.type(description="A page of package versions.")
class PackageVersionConnection(CountableConnection[PackageVersion]):
    pass
