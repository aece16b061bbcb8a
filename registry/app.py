"""The Starlette application: REST under /api/v1, GraphQL at /graphql, health at the root."""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator

from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.routing import Mount, Route

from registry.api_docs import api_docs_routes
from registry.config import Settings, load_settings
from registry.cors import cors_middleware
from registry.errors import EXCEPTION_HANDLERS
from registry.graphql.view import graphql_routes
from registry.metrics_http import metrics_routes
from registry.middleware import EdgeMiddleware, RequestTextGuardMiddleware
from registry.ratelimit import build_limiter
from registry.ratelimit_middleware import RateLimitMiddleware
from registry.rest import files, health
from registry.rest.router import api_routes
from registry.routing import PathIndexedRouter
from registry.runtime import Runtime
from registry.web_ui import web_ui_routes


def create_app(settings: Settings | None = None, *, runtime: Runtime | None = None) -> Starlette:
    """Build the app. A `runtime` passed in is owned by the caller (tests start it themselves)."""
    settings = settings or load_settings()
    owns_runtime = runtime is None
    runtime = runtime or Runtime(settings)
    limiter = build_limiter(settings)

    @contextlib.asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        if owns_runtime:
            await runtime.start()
        try:
            yield
        finally:
            await limiter.aclose()
            if owns_runtime:
                await runtime.stop()

    app = Starlette(
        debug=False,  # tracebacks never reach clients; DEBUG only raises log verbosity
        routes=[
            # The client never follows redirects: no trailing-slash redirects anywhere (§1.3).
            Mount("/api/v1", app=PathIndexedRouter(api_routes(), redirect_slashes=False)),
            Route("/health", health.health, methods=["GET", "HEAD"]),
            *files.root_routes,
            *graphql_routes(settings),
            *api_docs_routes(),  # /api/docs: the REST reference (Swagger UI, self-hosted)
            *metrics_routes(settings),  # /metrics: Prometheus (registry/metrics.py)
            *web_ui_routes(),  # last: its catch-all serves the UI's index.html
        ],
        middleware=[
            # First, in one layer: the real client address (TRUSTED_PROXIES) for everything
            # below, the request id, security headers, metrics and the access line.
            Middleware(EdgeMiddleware, trusted_proxies=settings.trusted_proxies),
            # Before the rate limits: a preflight is answered, a refusal carries CORS headers.
            *cors_middleware(settings.cors_allow_origins),
            Middleware(RateLimitMiddleware, limiter=limiter),
            # GraphQL documents over GET keep their line breaks.
            Middleware(RequestTextGuardMiddleware, free_text_query_paths=frozenset({"/graphql"})),
        ],
        exception_handlers=EXCEPTION_HANDLERS,
        lifespan=lifespan,
    )
    # The top level's routes too are tried only where their pattern matches the path (a
    # dozen, /graphql fifth): the same answers as Starlette's router (registry/routing.py).
    app.router = PathIndexedRouter(app.router.routes, redirect_slashes=False, lifespan=lifespan)
    app.state.settings = settings
    app.state.runtime = runtime
    app.state.rate_limiter = limiter
    return app
