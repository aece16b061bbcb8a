"""CORS for other frontends: pages on the origins in `CORS_ALLOW_ORIGINS` may call /graphql and
/api/v1 from a browser (Starlette's CORSMiddleware, limited to those paths).

Credentials are never allowed: the registry authenticates with a bearer token the page sends
itself (`Authorization`), never with cookies, so no page can act with a visitor's ambient
credentials. Preflight requests (`OPTIONS` with `Access-Control-Request-Method`) are answered
here, before rate limits and routes; a refused origin gets no CORS header at all (a preflight
from it: 400). With no origins configured nothing is added. The WebSocket at /graphql admits
the same origins (registry/graphql/view.py).
"""

from __future__ import annotations

from starlette.middleware import Middleware
from starlette.middleware.cors import CORSMiddleware
from starlette.types import ASGIApp, Receive, Scope, Send

# What the REST routes and /graphql use; simple headers (Accept, Content-Type as a form) need
# no listing, the rest does.
ALLOW_METHODS = ("GET", "HEAD", "POST", "PATCH", "DELETE")
ALLOW_HEADERS = ("Authorization", "Content-Type", "If-None-Match", "X-Request-ID")
EXPOSE_HEADERS = ("ETag", "Retry-After", "Location", "Content-Disposition", "X-Request-ID")
# Seconds a browser may reuse a preflight answer.
PREFLIGHT_MAX_AGE = 600
CORS_PATHS = ("/graphql", "/api/v1")


def _covered(path: str) -> bool:
    return any(path == prefix or path.startswith(prefix + "/") for prefix in CORS_PATHS)


class PathCORSMiddleware:
    """CORSMiddleware for the paths under `CORS_PATHS`; other paths pass untouched."""

    def __init__(self, app: ASGIApp, origins: tuple[str, ...]) -> None:
        self.app = app
        self.cors = CORSMiddleware(
            app,
            allow_origins=list(origins),
            allow_methods=list(ALLOW_METHODS),
            allow_headers=list(ALLOW_HEADERS),
            expose_headers=list(EXPOSE_HEADERS),
            allow_credentials=False,
            max_age=PREFLIGHT_MAX_AGE,
        )

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and _covered(scope["path"]):
            await self.cors(scope, receive, send)
        else:
            await self.app(scope, receive, send)


def cors_middleware(origins: tuple[str, ...]) -> list[Middleware]:
    """The middleware for `CORS_ALLOW_ORIGINS` (none when it is empty)."""
    return [Middleware(PathCORSMiddleware, origins=origins)] if origins else []
