"""registry/routing.PathIndexedRouter answers every request as Starlette's Router does, over
the registry's own REST route table (same patterns, methods and order), and keeps a bounded
number of paths in memory."""

from __future__ import annotations

import httpx
import pytest
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import BaseRoute, Route, Router

from registry.rest.router import api_routes
from registry.routing import PathIndexedRouter


def probe_routes() -> list[BaseRoute]:
    """The registry's routes, each answering which route it is and its path parameters."""

    def probe(index: int) -> object:
        async def endpoint(request: Request) -> JSONResponse:
            return JSONResponse({"route": index, "params": request.path_params})

        return endpoint

    routes = api_routes()
    assert all(isinstance(route, Route) for route in routes)
    return [
        Route(route.path, probe(index), methods=route.methods)  # type: ignore[attr-defined]
        for index, route in enumerate(routes)
    ]


PROBES = [
    ("GET", "/packages/WidgetForge"),
    ("HEAD", "/packages/WidgetForge"),
    ("GET", "/packages"),
    ("POST", "/packages"),
    ("DELETE", "/packages"),  # served for other methods: 405 listing them
    ("GET", "/packages/admin/pending"),  # static, after the /packages/{name} pattern
    ("GET", "/search"),
    ("PUT", "/search"),
    ("GET", "/search/suggest"),
    ("POST", "/resolve"),
    ("GET", "/resolve"),
    ("GET", "/packages/WidgetForge/versions/1.0.0"),
    ("GET", "/packages/WidgetForge/versions/1.0.0/download"),
    ("GET", "/publishers/bench-team/members/u1"),
    ("GET", "/no/such/route"),  # 404
    ("GET", "/search/"),  # no trailing-slash redirect: 404
    ("GET", "/"),
]


async def _answer(router: Router, method: str, path: str) -> tuple[int, str, str]:
    transport = httpx.ASGITransport(app=router)
    async with httpx.AsyncClient(transport=transport, base_url="http://test") as client:
        response = await client.request(method, path)
    return response.status_code, response.headers.get("allow", ""), response.text


@pytest.mark.parametrize(("method", "path"), PROBES)
async def test_same_answer_as_starlette(method: str, path: str) -> None:
    routes = probe_routes()
    plain = Router(routes, redirect_slashes=False)
    indexed = PathIndexedRouter(routes, redirect_slashes=False)
    expected = await _answer(plain, method, path)
    assert await _answer(indexed, method, path) == expected  # candidates found
    assert await _answer(indexed, method, path) == expected  # candidates remembered


async def test_memory_is_bounded() -> None:
    router = PathIndexedRouter(probe_routes(), redirect_slashes=False, max_paths=8)
    for number in range(50):
        status, _, body = await _answer(router, "GET", f"/packages/mod{number}")
        assert status == 200 and f'"name":"mod{number}"' in body
        assert len(router._candidates) <= 8


async def test_a_route_added_later_is_found() -> None:
    router = PathIndexedRouter(probe_routes(), redirect_slashes=False)
    assert (await _answer(router, "GET", "/late"))[0] == 404

    async def late(request: Request) -> JSONResponse:
        return JSONResponse({"late": True})

    router.routes.append(Route("/late", late))
    assert await _answer(router, "GET", "/late") == (200, "", '{"late":true}')
