"""GraphQL types of the download statistics."""

from __future__ import annotations

from datetime import date

import strawberry

from domain.services.download_stats import Granularity, PackageDownloads
from schema.core.enums import graphql_enum
from schema.core.scalars import BigInt

graphql_enum(
    Granularity,
    "How the download statistics group days (UTC).",
    {
        Granularity.DAY: "One period per day.",
        Granularity.WEEK: "One period per ISO week, starting on Monday.",
        Granularity.MONTH: "One period per calendar month, starting on its 1st.",
    },
    name="StatsGranularity",
)


@strawberry.type(description="Downloads in one period.")
class DownloadPeriod:
    start: date = strawberry.field(
        description="The period's first day (a Monday for WEEK, the 1st for MONTH)."
    )
    downloads: BigInt = strawberry.field(
        description="Downloads on the period's days that lie within the asked range."
    )


@strawberry.type(description="Downloads of one version within the asked range.")
class VersionDownloadCount:
    version: str = strawberry.field(description="The version string as published.")
    downloads: BigInt = strawberry.field(description="Its downloads within the asked range.")


@strawberry.type(description="A package's downloads over a range of days.")
class DownloadStats:
    package: str = strawberry.field(description="Canonical package name.")
    from_: date = strawberry.field(name="from", description="First day of the range.")
    to: date = strawberry.field(description="Last day of the range.")
    granularity: Granularity = strawberry.field(description="How the periods group days.")
    total: BigInt = strawberry.field(description="Downloads within the range.")
    periods: list[DownloadPeriod] = strawberry.field(
        description="Every period from the one holding `from` to the one holding `to`, "
        "zeros included, oldest first."
    )
    versions: list[VersionDownloadCount] = strawberry.field(
        description="Downloads per version within the range, most first; versions without "
        "any are left out."
    )

    @classmethod
    def from_domain(cls, stats: PackageDownloads) -> DownloadStats:
        return cls(
            package=stats.package,
            from_=stats.start,
            to=stats.end,
            granularity=stats.granularity,
            total=BigInt(stats.total),
            periods=[
                DownloadPeriod(start=p.start, downloads=BigInt(p.downloads)) for p in stats.periods
            ],
            versions=[
                VersionDownloadCount(version=v.version, downloads=BigInt(v.downloads))
                for v in stats.versions
            ],
        )
