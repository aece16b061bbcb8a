"""The registry with its own rate-limit settings, driven from chosen client IP addresses."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from dataclasses import replace
from typing import Any

import httpx
from starlette.applications import Starlette

from registry.app import create_app
from tests.fixtures.stack import Stack

Clients = Callable[[str], httpx.AsyncClient]


@asynccontextmanager
async def limited(stack: Stack, **settings: Any) -> AsyncIterator[tuple[Starlette, Clients]]:
    """The registry with its own rate-limit settings, and clients from chosen IP addresses.
    A caller's window starts at their first request, so a test's burst shorter than the
    window (60 s in these tests) is charged against one budget, on the real clock."""
    app = create_app(replace(stack.settings, **settings), runtime=stack.runtime)
    opened: list[httpx.AsyncClient] = []

    def client_from(ip: str) -> httpx.AsyncClient:
        client = httpx.AsyncClient(
            transport=httpx.ASGITransport(app=app, client=(ip, 40000)), base_url="http://testserver"
        )
        opened.append(client)
        return client

    try:
        yield app, client_from
    finally:
        for client in opened:
            await client.aclose()
        await app.state.rate_limiter.aclose()


def assert_429(response: httpx.Response) -> None:
    """A rate-limit refusal as the client needs it: JSON, whole-second Retry-After <= 60."""
    assert response.status_code == 429, response.text
    assert response.headers["content-type"] == "application/json"
    retry_after = response.headers["retry-after"]
    assert retry_after.isdigit() and 1 <= int(retry_after) <= 60
    assert response.headers["x-ratelimit-remaining"] == "0"
    assert int(response.headers["x-ratelimit-reset"]) >= 1
    body = response.json()
    if "errors" in body:  # a GraphQL operation over its budget
        [error] = body["errors"]
        assert error["extensions"]["code"] == "rate_limited"
        assert error["extensions"]["retryAfter"] == int(retry_after)
        assert body.get("data") is None
    else:
        assert isinstance(body["detail"], str)
