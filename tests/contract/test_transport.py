"""Transport rules of §1: health, JSON errors, no redirects, Retry-After, "" instead of null."""

from __future__ import annotations

import os
from collections.abc import AsyncIterator
from dataclasses import replace
from typing import Any

import httpx
import pytest

from registry.app import create_app
from storage.errors import StorageError
from tests.contract.client import ContractClient, module_zip
from tests.contract.schema_check import TIMESTAMP
from tests.contract.world import World
from tests.fixtures.stack import Stack

# §1.5: the only keys of package, publisher and version objects that may be null.
NULLABLE_KEYS = {
    "publisher_id",
    "scopes",
    "verification_request",
    "check_result",
    "scan_report",
    "max_package_bytes",
    "storage_quota_bytes",
}
TIMESTAMP_KEYS = {"created_at", "updated_at", "published_at", "released_at", "submitted_at"}


async def test_health_get_head_and_root(api: ContractClient) -> None:
    for path in ("/api/v1/health", "/health"):
        response = await api.get(path)
        assert response.status_code == 200 and response.json() == {"status": "healthy"}
        head = await api.request("HEAD", path)
        assert head.status_code == 200 and head.content == b""


async def test_routing_errors_are_json_and_never_redirect(
    api: ContractClient, world: World
) -> None:
    for method, path, status in (
        ("GET", "/api/v1/nothing-here", 404),
        ("PUT", "/api/v1/packages", 405),
        ("DELETE", "/api/v1/search", 405),
        ("GET", "/api/v1/packages/", 404),
        ("GET", "/api/v1/search/", 404),
        ("GET", "/api/v1/auth/me/", 404),
        ("POST", "/api/v1/resolve/", 404),
        ("GET", "/api", 404),
    ):
        response = await api.http.request(method, path)
        assert response.status_code == status, (method, path)
        assert isinstance(response.json()["detail"], str)
    owner = await world.publisher("t1", "err-team")
    bad_json = await api.post(
        "/api/v1/packages",
        token=owner.token,
        content=b"{not json",
        headers={"Content-Type": "application/json"},
    )
    assert bad_json.status_code == 400
    wrong_type = await api.post("/api/v1/resolve", json={"requirements": "App"})
    assert wrong_type.status_code == 400  # never 422
    bad_query = await api.get("/api/v1/packages", params={"page": "first"})
    assert bad_query.status_code == 400


async def test_upload_over_the_limit_is_413_json(api: ContractClient, world: World) -> None:
    owner = await world.publisher("t2", "big-team")
    await world.package(owner, "Big")
    ctx = world.stack.ctx
    original = ctx.policy
    ctx.policy = replace(original, max_upload_bytes=64 * 1024)
    try:
        response = await api.multipart(
            "/api/v1/packages/Big/versions",
            {"version": "1.0.0"},
            module_zip("Big", "1.0.0", padding=os.urandom(3 * 1024 * 1024)),
            token=owner.token,
        )
    finally:
        ctx.policy = original
    assert response.status_code == 413 and "maximum" in response.json()["detail"]


async def test_rate_limit_429_has_integer_retry_after(stack: Stack, openapi_document: dict) -> None:
    limited = replace(stack.settings, rate_limit_enabled=True, rate_limit_read=(3, 60))
    app = create_app(limited, runtime=stack.runtime)
    client = ContractClient(httpx.ASGITransport(app=app), openapi_document)
    try:
        statuses = [(await client.get("/api/v1/packages")).status_code for _ in range(5)]
        assert statuses[:3] == [200, 200, 200] and statuses[3:] == [429, 429]
        response = await client.get("/api/v1/publishers")
        assert response.status_code == 429
        assert 1 <= int(response.headers["retry-after"]) <= 60
        # Liveness stays exempt, so monitoring keeps working under load.
        assert (await client.get("/api/v1/health")).status_code == 200
    finally:
        await client.aclose()
        await app.state.rate_limiter.aclose()


async def test_storage_outage_is_503_with_retry_after(
    api: ContractClient, world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    owner = await world.publisher("t3", "outage-team")
    await world.package(owner, "Fragile")
    await world.version(owner, "Fragile", "1.0.0")
    detail = (await api.get("/api/v1/packages/Fragile/versions/1.0.0")).json()

    async def unavailable(key: str, **_: Any) -> AsyncIterator[bytes]:
        raise StorageError("connection refused")
        yield b""  # pragma: no cover - makes this an async generator

    monkeypatch.setattr(world.stack.ctx.storage.primary, "open", unavailable)
    response = await api.download(detail["download_url"])
    assert response.status_code == 503
    assert response.headers["retry-after"] == "1"  # the client sleeps it, then retries


def _no_nulls(value: Any, where: str = "$") -> list[str]:
    problems: list[str] = []
    if isinstance(value, dict):
        for key, item in value.items():
            if item is None and key not in NULLABLE_KEYS:
                problems.append(f"{where}.{key} is null")
            if key in TIMESTAMP_KEYS and isinstance(item, str) and not TIMESTAMP.fullmatch(item):
                problems.append(f"{where}.{key} = {item!r} is not ...Z")
            problems += _no_nulls(item, f"{where}.{key}")
    elif isinstance(value, list):
        for index, item in enumerate(value):
            problems += _no_nulls(item, f"{where}[{index}]")
    return problems


async def test_text_fields_are_empty_strings_and_timestamps_end_in_z(
    api: ContractClient, world: World
) -> None:
    owner = await world.publisher("t4", "bare-team")
    # The bare minimum: no description, readme, homepage, license, changelog, ...
    created = await api.post("/api/v1/packages", token=owner.token, json={"name": "Bare"})
    assert created.status_code == 201
    await world.version(owner, "Bare", "1.0.0")
    bodies = [created.json()]
    for url, params in (
        ("/api/v1/packages/Bare", {}),
        ("/api/v1/packages/Bare/versions", {}),
        ("/api/v1/packages/Bare/versions/1.0.0", {}),
        ("/api/v1/search", {"q": ""}),
        ("/api/v1/packages", {}),
        (f"/api/v1/publishers/{owner.name}", {}),
        ("/api/v1/publishers", {}),
    ):
        response = await api.get(url, params=params)
        assert response.status_code == 200, url
        bodies.append(response.json())
    for path in ("/api/v1/auth/publisher", "/api/v1/auth/me"):
        bodies.append((await api.get(path, token=owner.token)).json())
    problems = [p for body in bodies for p in _no_nulls(body)]
    assert not problems, problems
    detail = bodies[1]
    for key in ("description", "readme", "homepage", "repository", "license"):
        assert detail[key] == "", key
    assert detail["keywords"] == [] and detail["display_name"] == "Bare"
    version = bodies[3]
    assert version["changelog"] == "" and version["yank_reason"] == ""
