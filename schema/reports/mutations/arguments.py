"""The arguments the admin's report resolutions (dismissReport, quarantineReportedVersion) share:
which report, and the audited note saying why."""

from __future__ import annotations

from typing import Annotated

import strawberry

from domain.services import reports
from domain.services.reports import report_number
from schema.core.ids import parse_global_id

ReportIdArgument = Annotated[
    strawberry.ID, strawberry.argument(description="The report's global id (or its REST id).")
]
ResolutionNote = Annotated[
    str,
    strawberry.argument(
        description=f"Why (optional, at most {reports.MAX_NOTE} characters; audited)."
    ),
]


def report_number_of(id: strawberry.ID) -> int:
    """The report's database id from the caller's global (or REST) id."""
    return report_number(parse_global_id(str(id), "AbuseReport"))
