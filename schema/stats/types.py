"""GraphQL types of the download statistics."""

from __future__ import annotations

from datetime import date
from typing import Any

import strawberry

from domain.services.download_stats import (
    ArtifactDownloads,
    Granularity,
    PackageDownloads,
)
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


@strawberry.type(description="Downloads over a range of days.")
class DownloadSeries:
    """What a package's and an artifact's statistics both answer (not in the schema itself:
    each type lists these fields, then its own)."""

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


def _series(stats: PackageDownloads | ArtifactDownloads) -> dict[str, Any]:
    """The `DownloadSeries` fields of either statistics."""
    return {
        "from_": stats.start,
        "to": stats.end,
        "granularity": stats.granularity,
        "total": BigInt(stats.total),
        "periods": [
            DownloadPeriod(start=p.start, downloads=BigInt(p.downloads)) for p in stats.periods
        ],
        "versions": [
            VersionDownloadCount(version=v.version, downloads=BigInt(v.downloads))
            for v in stats.versions
        ],
    }


@strawberry.type(description="A package's downloads over a range of days.")
class DownloadStats(DownloadSeries):
    package: str = strawberry.field(description="Canonical package name.")

    @classmethod
    def from_domain(cls, stats: PackageDownloads) -> DownloadStats:
        return cls(package=stats.package, **_series(stats))


@strawberry.type(description="Downloads of one artifact build within the asked range.")
class BuildDownloadCount:
    version: str = strawberry.field(description="The version the build belongs to.")
    platform: str = strawberry.field(description="Canonical platform (all = any).")
    architecture: str = strawberry.field(description="Canonical architecture (all = any).")
    downloads: BigInt = strawberry.field(description="Its downloads within the asked range.")


@strawberry.type(
    description="An artifact's build downloads over a range of days: every count is of the "
    "builds the filters select (all by default)."
)
class ArtifactDownloadStats(DownloadSeries):
    artifact: str = strawberry.field(description="Canonical artifact name.")
    builds: list[BuildDownloadCount] = strawberry.field(
        description="Downloads per build within the range, most first; builds without any "
        "are left out."
    )

    @classmethod
    def from_domain(cls, stats: ArtifactDownloads) -> ArtifactDownloadStats:
        return cls(
            artifact=stats.artifact,
            builds=[
                BuildDownloadCount(
                    version=b.version,
                    platform=b.platform,
                    architecture=b.architecture,
                    downloads=BigInt(b.downloads),
                )
                for b in stats.builds
            ],
            **_series(stats),
        )
