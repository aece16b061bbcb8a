"""The report's GraphQL types and enums (the domain's, with their documentation)."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

import strawberry
from strawberry import relay

from domain import models
from domain.enums import ReportAction, ReportReason, ReportState
from domain.services import reports
from schema.core.context import Info
from schema.core.enums import graphql_enum
from schema.core.pagination import CountableConnection

graphql_enum(
    ReportReason,
    "Why a package or version is reported.",
    {
        ReportReason.MALWARE: "It contains malicious code.",
        ReportReason.ABUSE: "Abusive or harmful content.",
        ReportReason.SPAM: "Spam or junk.",
        ReportReason.COPYRIGHT: "It infringes copyright.",
        ReportReason.IMPERSONATION: "It poses as someone else's package or publisher.",
        ReportReason.OTHER: "Anything else (say what in the details).",
    },
)

graphql_enum(
    ReportState,
    "Where a report stands.",
    {
        ReportState.OPEN: "Waiting in the admin queue.",
        ReportState.RESOLVED: "An admin dismissed it or quarantined the reported version.",
    },
)

graphql_enum(
    ReportAction,
    "What the admin who resolved a report did.",
    {
        ReportAction.QUARANTINED: "Quarantined the reported version.",
        ReportAction.DISMISSED: "Dismissed the report without acting on the package.",
    },
)


@strawberry.type(description="A report of a package or version to the admins.")
class AbuseReport(relay.Node):
    pk: relay.NodeID[str]
    package: str = strawberry.field(description="Canonical name of the reported package.")
    version: str | None = strawberry.field(
        description="The reported version; null: the package as a whole."
    )
    reason: ReportReason = strawberry.field(description="Why it was reported.")
    details: str = strawberry.field(description="What the reporter wrote.")
    state: ReportState = strawberry.field(description="Open or resolved.")
    action: ReportAction | None = strawberry.field(description="What resolved it; null while open.")
    reporter_id: str = strawberry.field(description="User id of the reporter.")
    created_at: datetime = strawberry.field(description="When it was filed.")
    resolved_at: datetime | None = strawberry.field(description="When it was resolved.")
    resolved_by: str | None = strawberry.field(
        description="User id of the admin who resolved it (admins only; null otherwise)."
    )
    resolution_note: str = strawberry.field(description="The admin's note, or empty.")

    @classmethod
    def from_model(cls, row: models.AbuseReport, *, for_admin: bool) -> AbuseReport:
        return cls(
            pk=str(row.id),
            package=row.package.name,
            version=row.version or None,
            reason=ReportReason(row.reason),
            details=row.details,
            state=ReportState(row.state),
            action=ReportAction(row.action) if row.action else None,
            reporter_id=row.reporter_id,
            created_at=row.created_at,
            resolved_at=row.resolved_at,
            resolved_by=reports.shown_resolver(row, for_admin=for_admin),
            resolution_note=row.resolution_note,
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
    ) -> list[AbuseReport | None]:
        """Admins see any report by id, reporters their own; anyone else gets null."""
        ids = list(node_ids)
        actor = info.context.actor
        numbers = [reports.report_number(i) for i in ids]
        rows = await reports.visible_reports(actor, [n for n in numbers if n])
        return [
            cls.from_model(rows[n], for_admin=actor.acts_as_admin) if n in rows else None
            for n in numbers
        ]


@strawberry.type(description="A page of reports, newest first.")
class AbuseReportConnection(CountableConnection[AbuseReport]):
    pass
