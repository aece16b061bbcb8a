"""CORS (registry/cors.py): the origins in CORS_ALLOW_ORIGINS may call /graphql and /api/v1
from a browser, preflight included; any other origin gets no CORS header; credentials never."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from dataclasses import replace

import httpx
import pytest
import websockets

from registry.app import create_app
from registry.config import ConfigError, load_settings
from tests.fixtures.stack import Stack
from tests.graphiql.server import serve_on_free_port

ALLOWED = "https://mods.example.com"
REFUSED = "https://evil.example.net"


@pytest.fixture
async def cors_client(stack: Stack) -> AsyncIterator[httpx.AsyncClient]:
    settings = replace(stack.settings, cors_allow_origins=(ALLOWED, "http://localhost:5173"))
    app = create_app(settings, runtime=stack.runtime)
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as client:
        yield client


def _preflight(origin: str, method: str = "POST") -> dict[str, str]:
    return {
        "Origin": origin,
        "Access-Control-Request-Method": method,
        "Access-Control-Request-Headers": "authorization, content-type",
    }


@pytest.mark.parametrize("path", ["/graphql", "/api/v1/packages"])
async def test_preflight_from_an_allowed_origin_is_answered(
    cors_client: httpx.AsyncClient, path: str
) -> None:
    response = await cors_client.options(path, headers=_preflight(ALLOWED))
    assert response.status_code == 200
    assert response.headers["access-control-allow-origin"] == ALLOWED
    assert "POST" in response.headers["access-control-allow-methods"]
    allowed_headers = response.headers["access-control-allow-headers"].lower()
    assert "authorization" in allowed_headers
    assert "content-type" in allowed_headers
    assert "access-control-allow-credentials" not in response.headers


@pytest.mark.parametrize("path", ["/graphql", "/api/v1/packages"])
async def test_a_refused_origin_gets_no_cors_header(
    cors_client: httpx.AsyncClient, path: str
) -> None:
    preflight = await cors_client.options(path, headers=_preflight(REFUSED))
    assert preflight.status_code == 400
    assert "access-control-allow-origin" not in preflight.headers
    response = await cors_client.get(path, headers={"Origin": REFUSED})
    assert response.status_code == 200
    # (Starlette lists the exposed headers on every answer; without Allow-Origin a browser
    # lets the page read none of it.)
    assert "access-control-allow-origin" not in response.headers
    assert "access-control-allow-credentials" not in response.headers


async def test_an_allowed_origin_reads_graphql_and_rest(cors_client: httpx.AsyncClient) -> None:
    graphql = await cors_client.post(
        "/graphql", json={"query": "{ __typename }"}, headers={"Origin": ALLOWED}
    )
    assert graphql.json() == {"data": {"__typename": "Query"}}
    assert graphql.headers["access-control-allow-origin"] == ALLOWED
    assert "access-control-allow-credentials" not in graphql.headers
    assert "Origin" in graphql.headers["vary"]
    # A GET answer a CDN may keep varies on Origin even for a request without one.
    shared = await cors_client.get("/graphql", params={"query": "{ __typename }"})
    assert shared.headers["cache-control"] == "public, max-age=10"
    assert "Origin" in shared.headers["vary"]
    rest = await cors_client.get("/api/v1/packages", headers={"Origin": ALLOWED})
    assert rest.status_code == 200
    assert rest.headers["access-control-allow-origin"] == ALLOWED
    assert "ETag" in rest.headers["access-control-expose-headers"]
    # An error answer is readable too, so the page can show it.
    missing = await cors_client.get("/api/v1/packages/no-such-package", headers={"Origin": ALLOWED})
    assert missing.status_code == 404
    assert missing.headers["access-control-allow-origin"] == ALLOWED


async def test_other_paths_and_the_default_have_no_cors(
    stack: Stack, cors_client: httpx.AsyncClient
) -> None:
    health = await cors_client.get("/health", headers={"Origin": ALLOWED})
    assert "access-control-allow-origin" not in health.headers
    # Default: no origin is allowed, and OPTIONS stays what it was.
    default = await stack.client.options("/graphql", headers=_preflight(ALLOWED))
    assert default.status_code == 405
    assert "access-control-allow-origin" not in default.headers


@pytest.mark.parametrize(
    "value",
    [
        "*",
        "mods.example.com",
        "https://mods.example.com/path",
        "https://mods.example.com?x=1",
        "ftp://x",
        "https://x:port",
        "null",
    ],
)
def test_only_exact_origins_are_accepted(value: str) -> None:
    with pytest.raises(ConfigError, match="CORS_ALLOW_ORIGINS"):
        load_settings({"CORS_ALLOW_ORIGINS": value})


def test_origins_are_parsed() -> None:
    settings = load_settings(
        {"CORS_ALLOW_ORIGINS": "https://Mods.Example.com, http://localhost:5173"}
    )
    assert settings.cors_allow_origins == ("https://mods.example.com", "http://localhost:5173")


async def test_the_websocket_admits_the_same_origins(stack: Stack) -> None:
    settings = replace(stack.settings, cors_allow_origins=(ALLOWED,))
    async with serve_on_free_port(create_app(settings, runtime=stack.runtime)) as url:
        ws_url = url.replace("http://", "ws://") + "/graphql"
        async with websockets.connect(
            ws_url, subprotocols=["graphql-transport-ws"], origin=websockets.Origin(ALLOWED)
        ) as socket:
            await socket.send(json.dumps({"type": "connection_init", "payload": {}}))
            async with asyncio.timeout(10):
                assert json.loads(await socket.recv())["type"] == "connection_ack"
        with pytest.raises(websockets.InvalidStatus) as refused:
            async with websockets.connect(
                ws_url, subprotocols=["graphql-transport-ws"], origin=websockets.Origin(REFUSED)
            ):
                pass
        assert refused.value.response.status_code == 403
