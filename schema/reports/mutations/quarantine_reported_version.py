"""quarantineReportedVersion (admin): quarantine the version a report names (or the one the
admin names) and resolve every open report on it.

The rules, the audit events (`version.quarantine`, `report.quarantined`) and the status event
are the domain's (domain.services.reports.quarantine), exactly as for REST
POST /admin/reports/{id}/quarantine.
"""

from __future__ import annotations

from typing import Annotated

import strawberry

from domain.services import reports
from schema.core.context import Info
from schema.core.errors import UserError, returns_user_errors
from schema.packages.types import PackageVersion
from schema.reports.mutations.arguments import ReportIdArgument, ResolutionNote, report_number_of
from schema.reports.types import AbuseReport


@strawberry.type(description="Result of quarantineReportedVersion.")
class QuarantineReportedVersionPayload:
    report: AbuseReport | None = strawberry.field(
        default=None, description="The report acted on, now resolved."
    )
    version: PackageVersion | None = strawberry.field(
        default=None, description="The version, now quarantined."
    )
    newly_quarantined: bool | None = strawberry.field(
        default=None, description="False: the version was quarantined already."
    )
    resolved_count: int | None = strawberry.field(
        default=None, description="How many reports this resolved (the one acted on included)."
    )
    errors: list[UserError] = strawberry.field(
        default_factory=list, description="Why it was refused, if it was."
    )


@returns_user_errors(QuarantineReportedVersionPayload)
async def quarantine_reported_version(
    info: Info,
    id: ReportIdArgument,
    note: ResolutionNote = "",
    version: Annotated[
        str | None,
        strawberry.argument(
            description="The version to quarantine; null: the reported one (required when "
            "the report names none)."
        ),
    ] = None,
) -> QuarantineReportedVersionPayload | None:
    outcome = await reports.quarantine(
        info.context.actor, info.context.registry, report_number_of(id), note, version=version
    )
    return QuarantineReportedVersionPayload(
        report=AbuseReport.from_model(outcome.report, for_admin=True),
        version=PackageVersion.from_model(outcome.version, package_row=outcome.report.package),
        newly_quarantined=outcome.newly_quarantined,
        resolved_count=len(outcome.resolved),
    )
