"""dismissReport (admin): resolve a report without acting on the package.

The rule and the audit event (`report.dismissed`) are the domain's
(domain.services.reports.dismiss), exactly as for REST POST /admin/reports/{id}/dismiss.
"""

from __future__ import annotations

import strawberry

from domain.services import reports
from schema.core.context import Info
from schema.core.errors import UserError, returns_user_errors
from schema.reports.mutations.arguments import ReportIdArgument, ResolutionNote, report_number_of
from schema.reports.types import AbuseReport


@strawberry.type(description="Result of dismissReport.")
class DismissReportPayload:
    report: AbuseReport | None = strawberry.field(
        default=None, description="The report, now resolved."
    )
    errors: list[UserError] = strawberry.field(
        default_factory=list, description="Why it was refused, if it was."
    )


@returns_user_errors(DismissReportPayload)
async def dismiss_report(
    info: Info, id: ReportIdArgument, note: ResolutionNote = ""
) -> DismissReportPayload | None:
    row = await reports.dismiss(info.context.actor, report_number_of(id), note)
    return DismissReportPayload(report=AbuseReport.from_model(row, for_admin=True))
