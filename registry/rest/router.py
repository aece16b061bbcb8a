"""All REST routes under /api/v1, gathered from their single-purpose modules."""

from __future__ import annotations

from starlette.routing import BaseRoute

from registry.rest import (
    admin_versions,
    artifacts,
    audit,
    auth,
    files,
    health,
    openapi,
    packages,
    publishers,
    resolve,
    search,
    tokens,
)


def api_routes() -> list[BaseRoute]:
    # Routes are matched in order. The package detail, the client's most frequent call, comes
    # first (it shadows nothing). Publisher routes come before the other package routes:
    # their admin routes also live under /packages/admin/...
    return [packages.detail_route, *health.routes, *auth.routes, *publishers.routes,
            *tokens.routes, *audit.routes, *packages.routes, *files.routes, *search.routes,
            *resolve.routes, *artifacts.routes, *admin_versions.routes, *openapi.routes]
