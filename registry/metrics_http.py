"""HTTP side of the metrics: the per-request count and the `GET /metrics` route.

The count is on every request's path, so it does as little as it can: the edge middleware's
two clock reads and `send` wrapper (registry/middleware.py, shared with the access line), and
a tally in plain dicts (registry/metrics.py, RequestTally). The route template is the path
pattern of the route that answered (`/api/v1/packages/{name}`), never the raw path:
`registry/routing.py` leaves the matched route on `scope["route"]`, and the template of each
route is computed once from the app's route table. Anything that no
route answered (404s, requests refused before routing: 400 text guard, 429 rate limit) is
counted under `UNMATCHED`; methods outside the standard ones under `OTHER`.

`/metrics` is open to loopback and private-network clients when METRICS_TOKEN is unset (a
scraper on the same host or network; not the public internet behind a proxy, whose client
address registry/proxies.py restores), else to whoever sends that token as a bearer
(compared in constant time). It is not part of the REST API, so not in the OpenAPI document.
"""

from __future__ import annotations

import asyncio
import hmac
import ipaddress
from typing import Any

from prometheus_client import CONTENT_TYPE_LATEST, REGISTRY, CollectorRegistry, generate_latest
from prometheus_client.multiprocess import MultiProcessCollector
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Mount, Route, WebSocketRoute
from starlette.types import Scope

from registry import metrics
from registry.config import ConfigError, Settings
from registry.errors import error_response
from registry.metrics_scrape import take_snapshot

METRICS_PATH = "/metrics"
UNMATCHED = "unmatched"
OTHER = "other"
_METHODS = frozenset({"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"})


def route_templates(routes: list[BaseRoute], prefix: str = "") -> dict[int, str]:
    """The path template of every route, by the route object's id; a mount's own entry
    (reached when none of its routes matched) is `UNMATCHED`, a mount of a plain app (static
    files) its prefix with `{path:path}`."""
    templates: dict[int, str] = {}
    for route in routes:
        if isinstance(route, Mount):
            children = route.routes
            if children:
                templates[id(route)] = UNMATCHED
                templates.update(route_templates(list(children), prefix + route.path))
            else:
                templates[id(route)] = prefix + route.path + "/{path:path}"
        elif isinstance(route, Route | WebSocketRoute):
            templates[id(route)] = prefix + route.path
    return templates


class RequestCounter:
    """Counts an HTTP request by route template, method and status, and its duration; called
    once per request by `registry.middleware.EdgeMiddleware`, which times it."""

    def __init__(self) -> None:
        self._templates: dict[int, str] | None = None  # from the app's routes, on first use
        self._add = metrics.REQUEST_TALLY.add

    def __call__(self, scope: Scope, status: int, seconds: float) -> None:
        route = scope.get("route")
        if route is None:
            template = UNMATCHED
        else:
            templates = self._templates
            if templates is None:
                templates = self._templates = route_templates(scope["app"].router.routes)
            template = templates.get(id(route), UNMATCHED)
        method = scope["method"]
        self._add(template, method if method in _METHODS else OTHER, status, seconds)


# --- GET /metrics -------------------------------------------------------------------------------


class _ThisProcess:
    """The process's own registry, as a collector of the scrape's registry."""

    def collect(self) -> Any:
        return REGISTRY.collect()


def _exposition(snapshot: Any) -> bytes:
    registry = CollectorRegistry(auto_describe=False)
    if metrics.multiprocess_dir() is not None:
        MultiProcessCollector(registry)  # the sum over every process's files
    else:
        registry.register(_ThisProcess())
    registry.register(snapshot)
    return generate_latest(registry)


def _is_local(client: str | None) -> bool:
    if client is None:
        return False
    try:
        address = ipaddress.ip_address(client)
    except ValueError:
        return False
    return address.is_loopback or address.is_private


def _refusal(request: Request, token: str | None) -> Response | None:
    if token is None:
        if _is_local(request.client.host if request.client else None):
            return None
        return error_response(
            403, "/metrics is open to local and private networks only; set METRICS_TOKEN"
        )
    scheme, _, given = request.headers.get("authorization", "").partition(" ")
    if scheme.lower() == "bearer" and hmac.compare_digest(given.encode(), token.encode()):
        return None
    return error_response(
        401, "A valid metrics bearer token is required", headers={"WWW-Authenticate": "Bearer"}
    )


def metrics_routes(settings: Settings) -> list[BaseRoute]:
    """`GET /metrics` in Prometheus' text format."""
    if settings.prometheus_multiproc_dir != metrics.multiprocess_dir():
        # prometheus-client reads the variable on import, from the process environment only.
        raise ConfigError(
            f"PROMETHEUS_MULTIPROC_DIR: the setting ({settings.prometheus_multiproc_dir}) and "
            f"the process environment ({metrics.multiprocess_dir()}) differ; prometheus-client "
            "reads only the environment, so set it there (not only in the .env file)"
        )
    token = settings.metrics_token

    async def serve_metrics(request: Request) -> Response:
        refusal = _refusal(request, token)
        if refusal is not None:
            return refusal
        snapshot = await take_snapshot(request.app.state.runtime)
        metrics.REQUEST_TALLY.flush()  # this process's latest requests included
        # Reading every process's files and formatting them is blocking work.
        body = await asyncio.to_thread(_exposition, snapshot)
        return Response(body, media_type=CONTENT_TYPE_LATEST, headers={"Cache-Control": "no-store"})

    return [Route(METRICS_PATH, serve_metrics, methods=["GET"], include_in_schema=False)]
