"""Downloads per day, week or month (domain/services/download_stats.py, which GraphQL's
`downloadStats` fields answer from too):

- `GET /api/v1/packages/{name}/stats/downloads?from=&to=&granularity=`: a package's.
- `GET /api/v1/artifacts/{name}/stats/downloads?from=&to=&granularity=&version=&platform=
  &architecture=`: an artifact's builds', all of them or those the filters select.

`from`/`to` are UTC dates (YYYY-MM-DD; default: the 30 days up to today), at most 1096 days
apart; `granularity` is day (default), week or month. Whoever may see the package's detail
may see its stats, anyone else gets its 404 (artifacts are public; an unknown one is a 404).
Bad input is a 400 `{"detail"}`.
Not cached in shared caches: the counts move every few seconds and a private package's must
stay private."""

from __future__ import annotations

from datetime import date
from typing import Any

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from domain.services import download_stats
from domain.services.download_stats import (
    ArtifactDownloads,
    BuildFilter,
    Granularity,
    PackageDownloads,
)
from registry.auth import optional_actor
from registry.rest import shapes
from registry.rest.encode import encode


def _series(stats: PackageDownloads | ArtifactDownloads) -> dict[str, Any]:
    """The `shapes.DownloadSeries` fields of either statistics."""
    return {
        "from_": stats.start.isoformat(),
        "to": stats.end.isoformat(),
        "granularity": stats.granularity.value,
        "total": stats.total,
        "periods": [
            shapes.DownloadPeriod(start=p.start.isoformat(), downloads=p.downloads)
            for p in stats.periods
        ],
        "versions": [
            shapes.VersionDownloadCount(version=v.version, downloads=v.downloads)
            for v in stats.versions
        ],
    }


def stats_shape(stats: PackageDownloads) -> shapes.DownloadStats:
    return shapes.DownloadStats(package=stats.package, **_series(stats))


def artifact_stats_shape(stats: ArtifactDownloads) -> shapes.ArtifactDownloadStats:
    return shapes.ArtifactDownloadStats(
        artifact=stats.artifact,
        builds=[
            shapes.BuildDownloadCount(
                version=b.version,
                platform=b.platform,
                architecture=b.architecture,
                downloads=b.downloads,
            )
            for b in stats.builds
        ],
        **_series(stats),
    )


def _range(request: Request) -> tuple[date | None, date | None, Granularity]:
    """from, to and granularity, parsed (and refused) before anything is looked up."""
    query = request.query_params
    return (
        download_stats.parse_day(query.get("from"), "from"),
        download_stats.parse_day(query.get("to"), "to"),
        download_stats.parse_granularity(query.get("granularity")),
    )


def _private_json(shape: shapes.Shape) -> Response:
    return Response(
        encode(shape),
        media_type="application/json",
        headers={"Cache-Control": "private, no-cache"},
    )


async def package_download_stats(request: Request) -> Response:
    start, end, granularity = _range(request)
    actor = await optional_actor(request)
    stats = await download_stats.package_downloads(
        actor, request.path_params["name"], start, end, granularity
    )
    return _private_json(stats_shape(stats))


async def artifact_download_stats(request: Request) -> Response:
    start, end, granularity = _range(request)
    query = request.query_params
    only = BuildFilter.parse(query.get("version"), query.get("platform"), query.get("architecture"))
    stats = await download_stats.artifact_downloads(
        request.path_params["name"], start, end, granularity, only
    )
    return _private_json(artifact_stats_shape(stats))


routes = [
    Route("/packages/{name}/stats/downloads", package_download_stats, methods=["GET"]),
    Route("/artifacts/{name}/stats/downloads", artifact_download_stats, methods=["GET"]),
]
