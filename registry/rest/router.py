"""All REST routes under /api/v1, gathered from their single-purpose modules."""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Route

from registry.rest import (
    admin_versions,
    artifacts,
    audit,
    auth,
    categories,
    download_stats,
    feeds,
    files,
    health,
    openapi,
    package_transfers,
    packages,
    pages,
    publishers,
    reports,
    resolve,
    search,
    tokens,
    webhooks,
)

Endpoint = Callable[[Request], Awaitable[Response]]


def _by_method(endpoints: dict[str, Endpoint]) -> Endpoint:
    async def endpoint(request: Request) -> Response:
        return await endpoints[request.method](request)

    return endpoint


def one_route_per_path(routes: list[BaseRoute]) -> list[BaseRoute]:
    """Routes declared per method, joined into one route per path (at the first one's place).

    Starlette answers a wrong method with the `Allow` of the FIRST route whose path matches;
    with one route per method, OPTIONS /packages would say `Allow: GET, HEAD` although POST is
    served too. One route per path makes every 405 list all the methods the path serves."""
    groups: dict[str, list[Route]] = {}
    for route in routes:
        if isinstance(route, Route):
            groups.setdefault(route.path, []).append(route)
    joined: list[BaseRoute] = []
    for route in routes:
        if not isinstance(route, Route):
            joined.append(route)
            continue
        group = groups[route.path]
        if len(group) == 1:
            joined.append(route)
        elif route is group[0]:
            endpoints = {
                method: other.endpoint for other in group for method in (other.methods or ())
            }
            joined.append(
                Route(route.path, _by_method(endpoints), methods=list(endpoints), name=route.name)
            )
    return joined


def api_routes() -> list[BaseRoute]:
    # Routes are matched in order. The package detail, the client's most frequent call, comes
    # first (it shadows nothing). Publisher routes come before the other package routes:
    # their admin routes also live under /packages/admin/...
    return one_route_per_path(
        [
            packages.detail_route,
            *health.routes,
            *auth.routes,
            *publishers.routes,
            *package_transfers.routes,
            *webhooks.routes,
            *tokens.routes,
            *audit.routes,
            *packages.routes,
            *files.routes,
            *pages.routes,
            *download_stats.routes,
            *search.routes,
            *categories.routes,
            *feeds.routes,
            *resolve.routes,
            *artifacts.routes,
            *admin_versions.routes,
            *reports.routes,
            *openapi.routes,
        ]
    )
