"""Routing: Starlette's router, without matching every route's pattern on every request."""

from __future__ import annotations

from starlette._utils import get_route_path
from starlette.routing import BaseRoute, Match, Mount, Route, Router, WebSocketRoute
from starlette.types import Receive, Scope, Send


class PathIndexedRouter(Router):
    """Starlette's Router, trying for each path only the routes whose pattern matches it.

    Starlette matches every route's regex in turn; /api/v1 has about fifty, so a route near
    the end (search, resolve) paid ~50 regex matches per request, more than the cached answer
    itself. Here a path's candidates (the routes, in order, whose `path_regex` matches it: the
    others would answer `Match.NONE`) are found once and remembered, for up to `max_paths`
    paths (then forgotten all at once: unbounded paths cannot grow memory). The first FULL
    match wins, else the first PARTIAL (405), as in Starlette; no candidate: Starlette's own
    handling (404), unchanged."""

    def __init__(self, *args: object, max_paths: int = 4096, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        self.max_paths = max_paths
        self._candidates: dict[str, list[BaseRoute]] = {}
        self._indexed = len(self.routes)

    def _routes_for(self, path: str) -> list[BaseRoute]:
        if self._indexed != len(self.routes):  # a route added since: start over
            self._candidates.clear()
            self._indexed = len(self.routes)
        found = self._candidates.get(path)
        if found is None:
            found = [
                route
                for route in self.routes
                # Host and custom routes match on more than the path: always tried.
                if not isinstance(route, (Route, WebSocketRoute, Mount))
                or route.path_regex.match(path)
            ]
            if len(self._candidates) >= self.max_paths:
                self._candidates.clear()
            self._candidates[path] = found
        return found

    async def app(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "lifespan":
            await super().app(scope, receive, send)
            return
        if "router" not in scope:
            scope["router"] = self
        partial = partial_scope = None
        for route in self._routes_for(get_route_path(scope)):
            match, child_scope = route.matches(scope)
            if match is Match.FULL:
                scope["route"] = route
                scope.update(child_scope)
                await route.handle(scope, receive, send)
                return
            if match is Match.PARTIAL and partial is None:
                partial, partial_scope = route, child_scope
        if partial is not None and partial_scope is not None:
            scope["route"] = partial
            scope.update(partial_scope)
            await partial.handle(scope, receive, send)
            return
        await super().app(scope, receive, send)
