"""The range arguments every `downloadStats` field takes (packages and artifacts), declared
once so both describe and default them alike."""

from __future__ import annotations

from datetime import date
from typing import Annotated

import strawberry

from domain.services.download_stats import Granularity

StatsFrom = Annotated[
    date | None,
    strawberry.argument(name="from", description="First day (default: 29 days before `to`)."),
]
StatsTo = Annotated[date | None, strawberry.argument(description="Last day (default: today, UTC).")]
StatsGranularityArgument = Annotated[
    Granularity,
    strawberry.argument(description="Days, ISO weeks (from Monday) or months."),
]
