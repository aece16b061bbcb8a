"""The browser UI: serves the built files of web/ (web/dist, committed) at `/`.

- `/assets/*`: the bundles, with content-hashed names, cached for a year.
- The files at the top of web/dist (favicon, licence notices, persisted-operations.json): an
  hour.
- Any other GET outside the API's prefixes answers index.html (no-cache), so every client-side
  route (`/packages/NAME`, `/search?q=...`) is a URL that loads the UI, which then shows the
  page or its not-found page. Unknown paths under /api, /graphql, /graphiql, /health,
  /features and /assets stay JSON 404s, as before the UI existed.

Every UI response carries a Content-Security-Policy without 'unsafe-inline': scripts, styles,
images and connections only from the registry itself (the build has no inline script or style,
and no CDN).
"""

from __future__ import annotations

import logging
from pathlib import Path

from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import FileResponse, Response
from starlette.routing import BaseRoute, Mount, Route
from starlette.types import Message, Receive, Scope, Send

from schema.graphiql import LONG_CACHE_CONTROL
from schema.graphiql.static_files import LongCachedStaticFiles

log = logging.getLogger("registry.web_ui")

DIST_DIR = Path(__file__).resolve().parent.parent / "web" / "dist"
INDEX_FILE = "index.html"
ASSETS_DIR = "assets"

CONTENT_SECURITY_POLICY = "; ".join(
    [
        "default-src 'none'",
        "script-src 'self'",
        "style-src 'self'",
        "img-src 'self' data:",
        "font-src 'self'",
        # 'self' covers same-origin ws:/wss: (CSP 3) for graphql-transport-ws subscriptions.
        "connect-src 'self'",
        "manifest-src 'self'",
        "base-uri 'none'",
        "form-action 'self'",
        "frame-ancestors 'none'",
        "object-src 'none'",
    ]
)
# The UI's own policies; nosniff and the framing ban come with every response
# (registry/security_headers.py), which keeps these.
SECURITY_HEADERS = {
    "Content-Security-Policy": CONTENT_SECURITY_POLICY,
    "Referrer-Policy": "same-origin",
}
INDEX_CACHE_CONTROL = "no-cache"
TOP_LEVEL_CACHE_CONTROL = "public, max-age=3600"
# Not the UI's: their unknown paths keep the API's JSON 404.
API_PREFIXES = ("/api", "/graphql", "/graphiql", "/health", "/features", f"/{ASSETS_DIR}")


def _reserved(path: str) -> bool:
    return any(path == prefix or path.startswith(prefix + "/") for prefix in API_PREFIXES)


class _UiAssets(LongCachedStaticFiles):
    """The hashed bundles: a year of cache, and the UI's security headers."""

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                message["headers"] = [
                    *message.get("headers", []),
                    *((k.lower().encode(), v.encode()) for k, v in SECURITY_HEADERS.items()),
                ]
            await send(message)

        await super().__call__(scope, receive, send_with_headers)


def web_ui_routes(dist_dir: Path = DIST_DIR) -> list[BaseRoute]:
    """Routes serving the UI from `dist_dir`; put them after every other route. None (with a
    warning) when the built UI is missing, e.g. an install without the web/ folder."""
    index = dist_dir / INDEX_FILE
    if not index.is_file():
        log.warning("web UI not served: %s is missing (build it: cd web && npm run build)", index)
        return []

    async def index_page(request: Request) -> Response:
        if _reserved(request.url.path):
            raise HTTPException(404)
        return FileResponse(
            index,
            media_type="text/html; charset=utf-8",
            headers={**SECURITY_HEADERS, "Cache-Control": INDEX_CACHE_CONTROL},
        )

    def top_level_file(path: Path) -> Route:
        async def serve(request: Request) -> Response:
            return FileResponse(
                path, headers={**SECURITY_HEADERS, "Cache-Control": TOP_LEVEL_CACHE_CONTROL}
            )

        return Route(f"/{path.name}", serve, methods=["GET", "HEAD"])

    top_level = sorted(p for p in dist_dir.iterdir() if p.is_file() and p.name != INDEX_FILE)
    routes: list[BaseRoute] = [
        Mount(f"/{ASSETS_DIR}", app=_UiAssets(directory=dist_dir / ASSETS_DIR, check_dir=True)),
        *(top_level_file(path) for path in top_level),
        Route("/", index_page, methods=["GET", "HEAD"]),
        # GET and HEAD only: a route above that knows the path but not the method still
        # answers its own 405 (Starlette keeps the first partial match).
        Route("/{path:path}", index_page, methods=["GET", "HEAD"]),
    ]
    return routes


__all__ = ["CONTENT_SECURITY_POLICY", "DIST_DIR", "LONG_CACHE_CONTROL", "web_ui_routes"]
