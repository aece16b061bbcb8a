"""reportPackage: a signed-in user reports a package, or one of its versions, to the admins.

The rules (who may report what, one open report per target, the rate limit) and the audit
event (`report.created`) are the domain's (domain.services.reports.create_report), exactly as
for REST POST /packages/{name}/reports.
"""

from __future__ import annotations

from typing import Annotated

import strawberry

from domain.enums import ReportReason
from domain.services import reports
from schema.core.arguments import PackageName
from schema.core.context import Info
from schema.core.errors import UserError, returns_user_errors
from schema.reports.types import AbuseReport


@strawberry.type(description="Result of reportPackage.")
class ReportPackagePayload:
    report: AbuseReport | None = strawberry.field(default=None, description="The new report.")
    errors: list[UserError] = strawberry.field(
        default_factory=list, description="Why it was refused, if it was."
    )


@returns_user_errors(ReportPackagePayload)
async def report_package(
    info: Info,
    package: PackageName,
    reason: Annotated[ReportReason, strawberry.argument(description="Why.")],
    details: Annotated[
        str,
        strawberry.argument(
            description=f"What is wrong (required, at most {reports.MAX_DETAILS} characters)."
        ),
    ],
    version: Annotated[
        str | None,
        strawberry.argument(description="The version reported; null: the whole package."),
    ] = None,
) -> ReportPackagePayload | None:
    row = await reports.create_report(
        info.context.actor, package, reason=reason, details=details, version=version
    )
    return ReportPackagePayload(report=AbuseReport.from_model(row, for_admin=False))
