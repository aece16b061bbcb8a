"""Report queries (the caller's own reports; the admin queue) and mutations."""

from __future__ import annotations

from typing import Annotated

import strawberry

from domain.enums import ReportState
from domain.services import reports
from schema.core.arguments import After, First
from schema.core.context import Info
from schema.core.pagination import PAGE, connection_from_pairs, offset_window
from schema.core.permissions import IsAdmin, IsAuthenticated
from schema.reports.mutations.dismiss_report import dismiss_report
from schema.reports.mutations.quarantine_reported_version import quarantine_reported_version
from schema.reports.mutations.report_package import report_package
from schema.reports.types import AbuseReport, AbuseReportConnection


@strawberry.type(description="Report queries.")
class ReportQueries:
    @strawberry.field(
        description="Your own reports, newest first (never anyone else's).",
        permission_classes=[IsAuthenticated],
    )
    async def my_reports(
        self, info: Info, first: First = PAGE.default, after: After = None
    ) -> AbuseReportConnection:
        actor = info.context.actor

        async def fetch(page: int, per_page: int) -> tuple[list, int]:
            result = await reports.list_mine(actor, page=page, per_page=per_page)
            return result.reports, result.total

        pairs, total, has_next = await offset_window(
            fetch, ordering="my-reports", first=first, after=after
        )
        return connection_from_pairs(
            AbuseReportConnection,
            pairs,
            total=total,
            has_next=has_next,
            after=after,
            node_of=lambda row: AbuseReport.from_model(row, for_admin=False),
        )

    @strawberry.field(
        description="Admin: the report queue, newest first.",
        permission_classes=[IsAdmin],
    )
    async def abuse_reports(
        self,
        info: Info,
        state: Annotated[
            ReportState | None,
            strawberry.argument(description="Only reports in this state; null: every one."),
        ] = None,
        first: First = PAGE.default,
        after: After = None,
    ) -> AbuseReportConnection:
        actor = info.context.actor

        async def fetch(page: int, per_page: int) -> tuple[list, int]:
            result = await reports.list_queue(actor, state=state, page=page, per_page=per_page)
            return result.reports, result.total

        pairs, total, has_next = await offset_window(
            fetch, ordering=f"abuse-reports:{state or ''}", first=first, after=after
        )
        return connection_from_pairs(
            AbuseReportConnection,
            pairs,
            total=total,
            has_next=has_next,
            after=after,
            node_of=lambda row: AbuseReport.from_model(row, for_admin=True),
        )


@strawberry.type(description="Report mutations.")
class ReportMutations:
    report_package = strawberry.mutation(
        resolver=report_package,
        description="Report a package or one of its versions to the admins (signed in; "
        f"at most {reports.REPORTS_PER_DAY} reports per 24 hours, one open report per "
        "target); audited.",
    )
    dismiss_report = strawberry.mutation(
        resolver=dismiss_report,
        description="Admin: resolve a report without acting on the package; audited.",
    )
    quarantine_reported_version = strawberry.mutation(
        resolver=quarantine_reported_version,
        description="Admin: quarantine the reported version (or the one named) and resolve "
        "every open report on it; audited.",
    )
