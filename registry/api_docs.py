"""The REST API reference page at `/api/docs`: Swagger UI rendering `/api/v1/openapi.json`.

Swagger UI is vendored in registry/static/apidocs (swagger-ui-dist from npm, fetched and
integrity-checked by infra/apidocs/fetch.sh, its license and version note beside it), so the page
loads nothing from a CDN. Swagger UI is started by a script file (apidocs-init.js), not an inline
script, so the page runs under the web UI's Content-Security-Policy, without 'unsafe-inline'.

- `/api/docs`: the page (no-cache: it names the assets by content hash).
- `/api/docs/static/*`: the assets, cached for a year (their URLs change with their content).

The page and its assets use relative URLs, so a reverse proxy's path prefix is kept.
"""

from __future__ import annotations

import hashlib
import html
from functools import cache
from pathlib import Path
from string import Template

from starlette.requests import Request
from starlette.responses import HTMLResponse, Response
from starlette.routing import BaseRoute, Mount, Route

from registry.web_ui import INDEX_CACHE_CONTROL, SECURITY_HEADERS
from schema.graphiql.static_files import LongCachedStaticFiles

STATIC_DIR = Path(__file__).resolve().parent / "static" / "apidocs"
PAGE_PATH = "/api/docs"
STATIC_PATH = f"{PAGE_PATH}/static"
# Relative to PAGE_PATH ("/api/docs" -> "/api/v1/openapi.json"; "docs/..." -> "/api/docs/...").
SPEC_URL = "v1/openapi.json"
STATIC_URL = "docs/static"
# In the order the page loads them; the init script runs after the bundle (both deferred).
STYLESHEETS = ("swagger-ui.css", "apidocs.css")
SCRIPTS = ("swagger-ui-bundle.js", "apidocs-init.js")

_PAGE = Template("""<!doctype html>
<html lang="en">
  <head>
    <meta charset="utf-8" />
    <meta name="viewport" content="width=device-width, initial-scale=1" />
    <meta name="referrer" content="no-referrer" />
    <title>TB Registry REST API</title>
    <!-- An empty data: icon stops the browser asking the server for /favicon.ico. -->
    <link rel="icon" href="data:," />
$stylesheets
  </head>
  <body>
    <p class="apidocs-intro">
      REST reference generated from <a href="$spec_url">$spec_url</a>.
      GraphQL: <a href="../graphql">/graphql</a> (GraphiQL).
    </p>
    <div id="swagger-ui" data-spec-url="$spec_url">Loading the API reference…</div>
    <noscript>This page needs JavaScript; the document itself is at $spec_url.</noscript>
$scripts
  </body>
</html>
""")


def _asset_url(file_name: str) -> str:
    digest = hashlib.sha256((STATIC_DIR / file_name).read_bytes()).hexdigest()[:16]
    return html.escape(f"{STATIC_URL}/{file_name}?v={digest}")


@cache
def page_html() -> str:
    """The page, rendered once: the assets do not change while the process runs."""
    return _PAGE.substitute(
        spec_url=html.escape(SPEC_URL),
        stylesheets="\n".join(
            f'    <link rel="stylesheet" href="{_asset_url(name)}" />' for name in STYLESHEETS
        ),
        scripts="\n".join(
            f'    <script src="{_asset_url(name)}" defer></script>' for name in SCRIPTS
        ),
    )


async def api_docs_page(request: Request) -> Response:
    return HTMLResponse(
        page_html(), headers={**SECURITY_HEADERS, "Cache-Control": INDEX_CACHE_CONTROL}
    )


def api_docs_routes() -> list[BaseRoute]:
    """The page and its assets; put them before the web UI's catch-all."""
    return [
        Mount(STATIC_PATH, app=LongCachedStaticFiles(directory=STATIC_DIR, check_dir=True)),
        Route(PAGE_PATH, api_docs_page, methods=["GET", "HEAD"]),
    ]
