"""The downloadStats query (the same answer as REST GET /packages/{name}/stats/downloads)."""

from __future__ import annotations

import strawberry

from domain.services import download_stats
from domain.services.download_stats import Granularity
from schema.core.arguments import PackageName
from schema.core.context import Info
from schema.stats.arguments import StatsFrom, StatsGranularityArgument, StatsTo
from schema.stats.types import DownloadStats


@strawberry.type(description="Download statistics.")
class StatsQueries:
    @strawberry.field(
        description="A package's downloads per day, week or month (UTC) over at most 1096 "
        "days; an error `not_found` when the caller may not see the package, `invalid` for "
        "a bad range."
    )
    async def download_stats(
        self,
        info: Info,
        package: PackageName,
        from_: StatsFrom = None,
        to: StatsTo = None,
        granularity: StatsGranularityArgument = Granularity.DAY,
    ) -> DownloadStats:
        stats = await download_stats.package_downloads(
            info.context.actor, package, from_, to, granularity
        )
        return DownloadStats.from_domain(stats)
