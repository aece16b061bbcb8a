"""dismissReport (admin): resolve a report without acting on the package.

The rule and the audit event (`report.dismissed`) are the domain's
(domain.services.reports.dismiss), exactly as for REST POST /admin/reports/{id}/dismiss.
"""

from __future__ import annotations

from typing import Annotated

import strawberry

from domain.services import reports
from schema.core.context import Info
from schema.core.errors import UserError, returns_user_errors
from schema.core.ids import parse_global_id
from schema.reports.types import AbuseReport, report_number


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
    info: Info,
    id: Annotated[
        strawberry.ID, strawberry.argument(description="The report's global id (or its REST id).")
    ],
    note: Annotated[
        str,
        strawberry.argument(
            description=f"Why (optional, at most {reports.MAX_NOTE} characters; audited)."
        ),
    ] = "",
) -> DismissReportPayload | None:
    number = report_number(parse_global_id(str(id), "AbuseReport"))
    row = await reports.dismiss(info.context.actor, number, note)
    return DismissReportPayload(report=AbuseReport.from_model(row, for_admin=True))
