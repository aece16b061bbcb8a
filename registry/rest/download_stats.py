"""`GET /api/v1/packages/{name}/stats/downloads?from=&to=&granularity=`: a package's
downloads per day, week or month (domain/services/download_stats.py, which GraphQL's
`downloadStats` answers from too).

`from`/`to` are UTC dates (YYYY-MM-DD; default: the 30 days up to today), at most 1096 days
apart; `granularity` is day (default), week or month. Whoever may see the package's detail
may see its stats, anyone else gets its 404. Bad input is a 400 `{"detail"}`.
Not cached in shared caches: the counts move every few seconds and a private package's must
stay private."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from domain.services import download_stats
from domain.services.download_stats import PackageDownloads
from registry.auth import optional_actor
from registry.rest import shapes
from registry.rest.encode import encode


def stats_shape(stats: PackageDownloads) -> shapes.DownloadStats:
    return shapes.DownloadStats(
        package=stats.package,
        from_=stats.start.isoformat(),
        to=stats.end.isoformat(),
        granularity=stats.granularity.value,
        total=stats.total,
        periods=[
            shapes.DownloadPeriod(start=p.start.isoformat(), downloads=p.downloads)
            for p in stats.periods
        ],
        versions=[
            shapes.VersionDownloadCount(version=v.version, downloads=v.downloads)
            for v in stats.versions
        ],
    )


async def package_download_stats(request: Request) -> Response:
    query = request.query_params
    # Parsed (and refused) before anything is looked up.
    start = download_stats.parse_day(query.get("from"), "from")
    end = download_stats.parse_day(query.get("to"), "to")
    granularity = download_stats.parse_granularity(query.get("granularity"))
    actor = await optional_actor(request)
    stats = await download_stats.package_downloads(
        actor, request.path_params["name"], start, end, granularity
    )
    return Response(
        encode(stats_shape(stats)),
        media_type="application/json",
        headers={"Cache-Control": "private, no-cache"},
    )


routes = [Route("/packages/{name}/stats/downloads", package_download_stats, methods=["GET"])]
