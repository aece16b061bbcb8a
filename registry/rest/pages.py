"""`GET /api/v1/packages/{name}/icon`: the latest version's icon (domain/pages/).

Visible to whoever may see the package's detail (404 `{"detail"}` otherwise, and when the
latest version has no icon). The bytes are a PNG the registry re-encoded itself. Caching:

* the detail's `icon_url` names the icon (`?v=<first 16 hex of its SHA-256>`): asked with
  the current `v`, a public package's icon is `public, max-age=31536000, immutable` (a new
  icon gets a new URL);
* without `v`, or with an old one, the same bytes with `public, max-age=300`, since the next
  version may change the icon behind this URL;
* a private package's icon is `private, no-cache` (only its members may see it);
* always a strong ETag (the SHA-256) and 304 on a matching `If-None-Match`.
"""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from domain.enums import Visibility
from domain.exceptions import NotFound
from domain.pages.icons import ICON_CONTENT_TYPE
from domain.services import packages, pages
from registry.auth import optional_actor
from registry.rest.blobs import etag_matches

IMMUTABLE = "public, max-age=31536000, immutable"
REVALIDATE = "public, max-age=300"
PRIVATE = "private, no-cache"


async def package_icon(request: Request) -> Response:
    actor = await optional_actor(request)
    package = await packages.get_package(actor, request.path_params["name"])
    page = await pages.latest_page(package)
    if not page.icon_key:
        raise NotFound(f"{package.name} has no icon")
    etag = f'"{page.icon_sha256}"'
    if package.visibility == Visibility.PRIVATE:
        cache = PRIVATE
    elif request.query_params.get("v") == page.icon_token:
        cache = IMMUTABLE
    else:
        cache = REVALIDATE
    headers = {
        "ETag": etag,
        "Cache-Control": cache,
        # An uploaded image: no script even if opened directly (nosniff and the framing ban
        # come with every response, registry/security_headers.py).
        "Content-Security-Policy": "default-src 'none'; sandbox",
        "Content-Disposition": 'inline; filename="icon.png"',
    }
    if etag_matches(request.headers.get("if-none-match"), etag):
        return Response(status_code=304, headers=headers)
    icon = await pages.read_icon(request.app.state.runtime.ctx, page.icon_key)
    if icon is None:
        raise NotFound(f"{package.name} has no icon")
    return Response(icon.data, media_type=ICON_CONTENT_TYPE, headers=headers)


routes = [Route("/packages/{name}/icon", package_icon, methods=["GET"])]
