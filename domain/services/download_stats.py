"""Download statistics: a package's or an artifact's downloads per day, week or month (issue 18
part 3).

The daily rows are written by the process's DownloadCounter (domain/download_counts.py) and
pruned by `prune` after the retention (DOWNLOAD_STATS_RETENTION_DAYS). REST
`GET /api/v1/packages/{name}/stats/downloads` and GraphQL `downloadStats` both answer
`package_downloads`; REST `GET /api/v1/artifacts/{name}/stats/downloads` and GraphQL
`Artifact.downloadStats` both answer `artifact_downloads`; so each pair agrees by construction.

- Who may see the package may see its stats; anyone else gets the same NotFound as its detail.
  Artifacts are always public (domain/services/artifacts.py): an unknown one is the detail's
  NotFound. An artifact's series covers all its builds, or only those of one version,
  platform and/or architecture (exact canonical values: `all` means the builds made for every
  platform, not every build).
- Days are UTC. A WEEK starts on Monday (ISO 8601), a MONTH on its first day; every period
  from the one holding `start` to the one holding `end` is listed, zeros included, and a
  period counts only the days within [start, end] (so the first and last may be partial).
- The range is bounded (MAX_RANGE_DAYS) and `start <= end`; days before the retention hold
  nothing any more and read as zero.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from enum import StrEnum

from tortoise.expressions import Subquery
from tortoise.functions import Sum
from tortoise.queryset import QuerySet

from domain.actor import Actor
from domain.bounds import VERSION_MAX_LENGTH
from domain.exceptions import InvalidInput, NotFound
from domain.models import ArtifactBuild, BuildDownloadDay, PackageVersion, VersionDownloadDay
from domain.names import canonical_architecture, canonical_platform, choice
from domain.services import artifacts, packages

# About three years of days: the answer stays small (at most this many periods) and the
# read touches at most this many rows per version.
MAX_RANGE_DAYS = 1096
DEFAULT_RANGE_DAYS = 30  # what a request without `from` covers, ending at `to`
_MAX_DATE_CHARS = 10  # YYYY-MM-DD: anything longer is refused before it is parsed


class Granularity(StrEnum):
    DAY = "day"
    WEEK = "week"
    MONTH = "month"


@dataclass(frozen=True)
class Period:
    start: date  # the period's first day (a Monday for WEEK, the 1st for MONTH)
    downloads: int


@dataclass(frozen=True)
class VersionDownloads:
    version: str
    downloads: int  # within the asked range


@dataclass(frozen=True)
class BuildDownloads:
    version: str
    platform: str
    architecture: str
    downloads: int  # within the asked range


@dataclass(frozen=True)
class DownloadSeries:
    start: date
    end: date
    granularity: Granularity
    periods: list[Period]

    @property
    def total(self) -> int:
        return sum(period.downloads for period in self.periods)


@dataclass(frozen=True)
class PackageDownloads(DownloadSeries):
    package: str
    versions: list[VersionDownloads]  # most downloaded first; versions without any left out


@dataclass(frozen=True)
class ArtifactDownloads(DownloadSeries):
    artifact: str
    builds: list[BuildDownloads]  # most downloaded first; builds without any left out

    @property
    def versions(self) -> list[VersionDownloads]:
        """The builds' downloads summed per version, most downloaded first."""
        sums: dict[str, int] = {}
        for build in self.builds:
            sums[build.version] = sums.get(build.version, 0) + build.downloads
        return _most_first(VersionDownloads(v, n) for v, n in sums.items())


def today() -> date:
    return datetime.now(UTC).date()


def parse_day(value: str | None, field: str) -> date | None:
    """A YYYY-MM-DD date from a query parameter; None when absent, InvalidInput when not a
    calendar date."""
    if value is None or value == "":
        return None
    if len(value) != _MAX_DATE_CHARS:
        raise InvalidInput(f"{field} must be a date such as 2026-01-31 (YYYY-MM-DD)", field=field)
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise InvalidInput(
            f"{field} must be a date such as 2026-01-31 (YYYY-MM-DD)", field=field
        ) from None


def parse_granularity(value: str | None) -> Granularity:
    """A query's granularity, in any case; none given is a day."""
    if not value:
        return Granularity.DAY
    return choice(value.lower(), Granularity, "granularity", "granularity")


def date_range(start: date | None, end: date | None) -> tuple[date, date]:
    """The asked range with its defaults (the last DEFAULT_RANGE_DAYS days up to today),
    checked: start <= end, at most MAX_RANGE_DAYS days."""
    end = end or today()
    start = start or end - timedelta(days=DEFAULT_RANGE_DAYS - 1)
    if start > end:
        raise InvalidInput("from must not be after to", field="from")
    if (end - start).days + 1 > MAX_RANGE_DAYS:
        raise InvalidInput(f"from and to may span at most {MAX_RANGE_DAYS} days", field="from")
    return start, end


def period_start(day: date, granularity: Granularity) -> date:
    if granularity is Granularity.WEEK:
        return day - timedelta(days=day.weekday())
    if granularity is Granularity.MONTH:
        return day.replace(day=1)
    return day


def _next_period(start: date, granularity: Granularity) -> date:
    if granularity is Granularity.WEEK:
        return start + timedelta(days=7)
    if granularity is Granularity.MONTH:
        return (start + timedelta(days=32)).replace(day=1)
    return start + timedelta(days=1)


def bucket(
    daily: Iterable[tuple[date, int]], start: date, end: date, granularity: Granularity
) -> list[Period]:
    """Daily counts summed into every period from start's to end's, zeros included."""
    sums: dict[date, int] = {}
    for day, n in daily:
        if start <= day <= end:
            key = period_start(day, granularity)
            sums[key] = sums.get(key, 0) + n
    periods = []
    current = period_start(start, granularity)
    while current <= end:
        periods.append(Period(current, sums.get(current, 0)))
        current = _next_period(current, granularity)
    return periods


def _as_date(value: object) -> date:
    # PostgreSQL returns a date; SQLite the ISO text Tortoise stored.
    return value if isinstance(value, date) else date.fromisoformat(str(value))


def _most_first(rows: Iterable[VersionDownloads]) -> list[VersionDownloads]:
    return sorted(rows, key=lambda row: (-row.downloads, row.version))


async def _periods(
    rows: QuerySet, start: date, end: date, granularity: Granularity
) -> list[Period]:
    """The day rows (already filtered to [start, end]) summed per day, then per period."""
    daily = await rows.annotate(n=Sum("downloads")).group_by("day").values_list("day", "n")
    return bucket(((_as_date(d), int(n)) for d, n in daily), start, end, granularity)


async def _sums_by(rows: QuerySet, key: str) -> list[tuple[int, int]]:
    """(key, downloads) for each `key` (a version or build id) with any in the rows."""
    sums = await rows.annotate(n=Sum("downloads")).group_by(key).values_list(key, "n")
    return [(k, int(n)) for k, n in sums if n]


async def package_downloads(
    actor: Actor,
    name: str,
    start: date | None,
    end: date | None,
    granularity: Granularity = Granularity.DAY,
) -> PackageDownloads:
    package = await packages.get_package(actor, name)  # NotFound exactly as the detail
    start, end = date_range(start, end)
    rows = VersionDownloadDay.filter(package_id=package.id, day__gte=start, day__lte=end)
    per_version = await _sums_by(rows, "version_id")
    names = dict(
        await PackageVersion.filter(id__in=[v for v, _ in per_version]).values_list("id", "version")
    )
    return PackageDownloads(
        package=package.name,
        start=start,
        end=end,
        granularity=granularity,
        periods=await _periods(rows, start, end, granularity),
        versions=_most_first(VersionDownloads(names[v], n) for v, n in per_version if v in names),
    )


@dataclass(frozen=True)
class BuildFilter:
    """Which of an artifact's builds a series covers; None: any."""

    version: str | None = None
    platform: str | None = None
    architecture: str | None = None

    @classmethod
    def parse(
        cls, version: str | None, platform: str | None, architecture: str | None
    ) -> BuildFilter:
        """From query text: platform and architecture canonical (aliases accepted, an unknown
        one InvalidInput), a version at most VERSION_MAX_LENGTH characters; empty means any."""
        if version and len(version) > VERSION_MAX_LENGTH:
            raise InvalidInput(
                f"version must be at most {VERSION_MAX_LENGTH} characters", field="version"
            )
        return cls(
            version=version or None,
            platform=canonical_platform(platform) if platform else None,
            architecture=canonical_architecture(architecture) if architecture else None,
        )


async def artifact_downloads(
    name: str,
    start: date | None,
    end: date | None,
    granularity: Granularity = Granularity.DAY,
    only: BuildFilter | None = None,
) -> ArtifactDownloads:
    artifact = await artifacts.get_artifact(name)  # NotFound exactly as the detail
    only = only or BuildFilter()
    start, end = date_range(start, end)
    builds: dict[str, object] = {"artifact_version__artifact_id": artifact.id}
    if only.version is not None:
        version = await artifacts.find_version(artifact, only.version)
        if version is None:
            raise NotFound(f"Version not found: {artifact.name} {only.version}")
        builds["artifact_version_id"] = version.id
    if only.platform is not None:
        builds["platform"] = only.platform
    if only.architecture is not None:
        builds["architecture"] = only.architecture
    # One statement: the builds are a subquery, however many the artifact has.
    build_ids = Subquery(ArtifactBuild.filter(**builds).values("id"))
    rows = BuildDownloadDay.filter(build_id__in=build_ids, day__gte=start, day__lte=end)
    per_build = await _sums_by(rows, "build_id")
    described = {
        build_id: (version, platform, architecture)
        for build_id, version, platform, architecture in await ArtifactBuild.filter(
            id__in=[b for b, _ in per_build]
        ).values_list("id", "artifact_version__version", "platform", "architecture")
    }
    return ArtifactDownloads(
        artifact=artifact.name,
        start=start,
        end=end,
        granularity=granularity,
        periods=await _periods(rows, start, end, granularity),
        builds=sorted(
            (BuildDownloads(*described[b], n) for b, n in per_build if b in described),
            key=lambda row: (-row.downloads, row.version, row.platform, row.architecture),
        ),
    )


async def prune(retention_days: int, *, now: date | None = None) -> int:
    """Delete the daily rows older than `retention_days` days (versions and builds); returns
    how many. Idempotent: a second run finds nothing more to delete."""
    cutoff = (now or today()) - timedelta(days=retention_days)
    deleted = 0
    for model in (VersionDownloadDay, BuildDownloadDay):
        deleted += await model.filter(day__lt=cutoff).delete()
    return deleted
