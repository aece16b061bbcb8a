"""Admin queries (pending publishers, quarantined versions, storage backends), the audit log
and the admin mutations on versions."""

from __future__ import annotations

from typing import Annotated

import strawberry

from domain.services import audit_log, publishers, quarantine, replication
from schema.admin.mutations.delete_version import delete_version
from schema.admin.mutations.release_version import release_version
from schema.admin.storage import StorageStatus
from schema.admin.types import (
    AuditEvent,
    AuditEventConnection,
    AuditLogFilter,
    PackageVersionConnection,
)
from schema.core.arguments import After, First
from schema.core.context import Info
from schema.core.pagination import PAGE, connection_from_pairs, offset_window
from schema.core.permissions import IsAdmin, IsAuthenticated
from schema.packages.types import PackageVersion
from schema.publishers.types import Publisher, PublisherConnection


@strawberry.type(description="Admin queries.")
class AdminQueries:
    @strawberry.field(
        description="Admin: publishers awaiting a verification decision, oldest "
        "request first (see Publisher.verificationRequest).",
        permission_classes=[IsAdmin],
    )
    async def pending_publishers(
        self, info: Info, first: First = PAGE.default, after: After = None
    ) -> PublisherConnection:
        actor = info.context.actor

        async def fetch(page: int, per_page: int) -> tuple[list, int]:
            items, total, _ = await publishers.pending_publishers(
                actor, page=page, per_page=per_page
            )
            return items, total

        pairs, total, has_next = await offset_window(
            fetch, ordering="pending", first=first, after=after
        )
        return connection_from_pairs(
            PublisherConnection,
            pairs,
            total=total,
            has_next=has_next,
            after=after,
            node_of=Publisher.from_model,
        )

    @strawberry.field(
        description="Admin: versions the security scan quarantined, newest "
        "first, with their scan reports (deleted packages left "
        "out).",
        permission_classes=[IsAdmin],
    )
    async def quarantined_versions(
        self,
        info: Info,
        package: Annotated[
            str | None,
            strawberry.argument(
                description="Only versions of this package (an unknown name is an error)."
            ),
        ] = None,
        first: First = PAGE.default,
        after: After = None,
    ) -> PackageVersionConnection:
        async def fetch(page: int, per_page: int) -> tuple[list, int]:
            result = await quarantine.list_quarantined(
                info.context.actor, page=page, per_page=per_page, package=package
            )
            return result.versions, result.total

        pairs, total, has_next = await offset_window(
            fetch, ordering=f"quarantined:{package or ''}", first=first, after=after
        )
        return connection_from_pairs(
            PackageVersionConnection,
            pairs,
            total=total,
            has_next=has_next,
            after=after,
            node_of=PackageVersion.from_model,
        )

    @strawberry.field(
        description="Admin: every storage backend's state (probe and circuit "
        "breaker) and replication lag, as readiness checks see them.",
        permission_classes=[IsAdmin],
    )
    async def storage_status(
        self,
        info: Info,
        probe: Annotated[
            bool,
            strawberry.argument(
                description="Probe each backend now; false: report the breakers' view only "
                "(cheaper)."
            ),
        ] = True,
    ) -> StorageStatus:
        info.context.actor.require_admin()
        status = await replication.replication_status(info.context.registry, probe=probe)
        return StorageStatus.from_status(status)

    @strawberry.field(
        description="The audit log, newest first: admins see every event, "
        "publishers the events of their publishers and their own.",
        permission_classes=[IsAuthenticated],
    )
    async def audit_log(
        self,
        info: Info,
        filter: Annotated[
            AuditLogFilter | None,
            strawberry.argument(
                description="Conditions on actor, action, target, publisher and time."
            ),
        ] = None,
        first: First = PAGE.default,
        after: After = None,
    ) -> AuditEventConnection:
        conditions = filter or AuditLogFilter()
        filters = audit_log.AuditFilter(
            actor=conditions.actor,
            action=conditions.action,
            target=conditions.target,
            target_type=conditions.target_type,
            publisher=conditions.publisher,
            since=conditions.since,
            until=conditions.until,
        )
        shows_ip = False

        async def fetch(page: int, per_page: int) -> tuple[list, int]:
            nonlocal shows_ip
            result = await audit_log.query(
                info.context.actor, filters, page=page, per_page=per_page
            )
            shows_ip = result.shows_ip
            return result.events, result.total

        pairs, total, has_next = await offset_window(
            fetch, ordering="audit", first=first, after=after
        )
        return connection_from_pairs(
            AuditEventConnection,
            pairs,
            total=total,
            has_next=has_next,
            after=after,
            node_of=lambda e: AuditEvent.from_model(e, shows_ip=shows_ip),
        )


@strawberry.type(description="Admin mutations.")
class AdminMutations:
    release_version = strawberry.mutation(
        resolver=release_version,
        description="Admin: publish a quarantined version despite "
        "its scan (a false positive), with a reason; "
        "audited.",
    )
    delete_version = strawberry.mutation(
        resolver=delete_version,
        description="Admin: delete a version of any status (e.g. "
        "malware found after publication) and, when no "
        "other version or build uses it, its file; "
        "audited.",
    )
