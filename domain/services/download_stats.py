"""Download statistics: a package's downloads per day, week or month (issue 18 part 3).

The daily rows are written by the process's DownloadCounter (domain/download_counts.py) and
pruned by `prune` after the retention (DOWNLOAD_STATS_RETENTION_DAYS). REST
`GET /api/v1/packages/{name}/stats/downloads` and GraphQL `downloadStats` both answer
`package_downloads`, so they agree by construction.

- Who may see the package may see its stats; anyone else gets the same NotFound as its detail.
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

from tortoise.functions import Sum

from domain.actor import Actor
from domain.exceptions import InvalidInput
from domain.models import BuildDownloadDay, PackageVersion, VersionDownloadDay
from domain.services import packages

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
class PackageDownloads:
    package: str
    start: date
    end: date
    granularity: Granularity
    periods: list[Period]
    versions: list[VersionDownloads]  # most downloaded first; versions without any left out

    @property
    def total(self) -> int:
        return sum(period.downloads for period in self.periods)


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
    if value is None or value == "":
        return Granularity.DAY
    try:
        return Granularity(value.lower())
    except ValueError:
        allowed = ", ".join(g.value for g in Granularity)
        raise InvalidInput(f"granularity must be one of {allowed}", field="granularity") from None


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
    daily = await rows.annotate(n=Sum("downloads")).group_by("day").values_list("day", "n")
    per_version = (
        await rows.annotate(n=Sum("downloads"))
        .group_by("version_id")
        .values_list("version_id", "n")
    )
    names = dict(
        await PackageVersion.filter(id__in=[v for v, _ in per_version]).values_list("id", "version")
    )
    versions = sorted(
        (VersionDownloads(names[v], int(n)) for v, n in per_version if v in names and n),
        key=lambda row: (-row.downloads, row.version),
    )
    return PackageDownloads(
        package=package.name,
        start=start,
        end=end,
        granularity=granularity,
        periods=bucket(((_as_date(d), int(n)) for d, n in daily), start, end, granularity),
        versions=versions,
    )


async def prune(retention_days: int, *, now: date | None = None) -> int:
    """Delete the daily rows older than `retention_days` days (versions and builds); returns
    how many. Idempotent: a second run finds nothing more to delete."""
    cutoff = (now or today()) - timedelta(days=retention_days)
    deleted = 0
    for model in (VersionDownloadDay, BuildDownloadDay):
        deleted += await model.filter(day__lt=cutoff).delete()
    return deleted
