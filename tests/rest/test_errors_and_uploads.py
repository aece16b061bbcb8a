"""Bad input never yields a 500: JSON `detail` strings with the right 4xx (REST_CONTRACT §1.7)."""

from __future__ import annotations

import io
import os
import zipfile
from dataclasses import replace

import pytest

from domain.models import PackageVersion, StoredCopy
from tests.fixtures.stack import Stack, bearer
from tests.helpers import create_package, make_publisher, mod_zip, upload_version


async def _assert_detail(response, status: int) -> str:
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith("application/json")
    detail = response.json()["detail"]
    assert isinstance(detail, str) and detail
    return detail


async def test_routing_errors_are_json(stack: Stack) -> None:
    client = stack.client
    await _assert_detail(await client.get("/api/v1/nope"), 404)
    await _assert_detail(await client.put("/api/v1/packages"), 405)
    await _assert_detail(await client.get("/api/v1/packages/x/diff/1.0.0/2.0.0/download"), 404)
    assert (await client.get("/api/v1/packages/")).status_code == 404  # no slash redirects


async def test_authentication_errors(stack: Stack) -> None:
    client = stack.client
    response = await client.post("/api/v1/packages", json={"name": "X"})
    assert await _assert_detail(response, 401) == "Not authenticated"
    assert response.headers["www-authenticate"] == "Bearer"
    response = await client.post(
        "/api/v1/packages", json={"name": "X"}, headers={"Authorization": "Bearer garbage"}
    )
    assert await _assert_detail(response, 401) == "Invalid or expired token"
    refresh = bearer("u1", type="refresh")
    assert (
        await client.post("/api/v1/packages", json={"name": "X"}, headers=refresh)
    ).status_code == 401
    # Public routes treat a bad token as anonymous.
    assert (
        await client.get("/api/v1/packages", headers={"Authorization": "Bearer garbage"})
    ).status_code == 200


@pytest.mark.parametrize("body", [b"{", b"[]", b'"text"', b"", b"\xff\xfe"])
async def test_malformed_json_bodies(stack: Stack, body: bytes) -> None:
    await make_publisher("u1")
    response = await stack.client.post(
        "/api/v1/packages",
        content=body,
        headers={**bearer("u1"), "content-type": "application/json"},
    )
    await _assert_detail(response, 400)


@pytest.mark.parametrize(
    "payload",
    [
        {"name": "bad name"},
        {"name": ""},
        {"name": 5},
        {"name": "admin"},
        {"name": "ok", "package_type": "virus"},
        {"name": "ok", "visibility": "secret"},
        {"name": "ok", "keywords": "a" * 60},
        {"name": "ok", "description": "x" * 501},
        {"name": "ok", "homepage": "javascript:alert(1)"},
        {"name": "x" * 101},
    ],
)
async def test_invalid_package_fields(stack: Stack, payload: dict) -> None:
    await make_publisher("u1")
    await _assert_detail(
        await stack.client.post("/api/v1/packages", json=payload, headers=bearer("u1")), 400
    )


async def test_non_publisher_gets_403(stack: Stack) -> None:
    response = await create_package(stack.client, "nobody", "Mine")
    await _assert_detail(response, 403)


async def test_bad_uploads(stack: Stack) -> None:
    client = stack.client
    await make_publisher("u1")
    assert (await create_package(client, "u1", "Mod")).status_code == 201
    good = mod_zip("Mod", "1.0.0")
    cases = [
        (await upload_version(client, "u1", "Mod", "1.0", good), 400),
        (await upload_version(client, "u1", "Mod", "1.0.0-foo", good), 400),
        (await upload_version(client, "u1", "Mod", "", good), 400),
        (await upload_version(client, "u1", "Mod", "1.0.0", b"not a zip" * 300), 400),
        (
            await upload_version(
                client, "u1", "Mod", "1.0.0", mod_zip("Other", "1.0.0", layout="package")
            ),
            400,
        ),
        (await upload_version(client, "u1", "Missing", "1.0.0", good), 404),
        (await upload_version(client, "stranger", "Mod", "1.0.0", good), 403),
        (
            await client.post(
                "/api/v1/packages/Mod/versions", headers=bearer("u1"), data={"version": "1.0.0"}
            ),
            400,
        ),
        (
            await client.post(
                "/api/v1/packages/Mod/versions",
                headers={**bearer("u1"), "content-type": "multipart/form-data; boundary=xyz"},
                content=b'--xyz\r\nContent-Disposition: form-data; name="file"; '
                b'filename="a.zip"\r\n\r\ntruncated',
            ),
            400,
        ),
    ]
    for response, status in cases:
        await _assert_detail(response, status)
    assert await PackageVersion.all().count() == 0
    assert await StoredCopy.filter(state="writing").count() == 0


async def test_lookups_longer_than_any_stored_value_are_not_found(stack: Stack) -> None:
    # Exact lookups with values longer than their column: the ORM refuses to send those,
    # so every service must answer "not found" itself.
    await make_publisher("u1", "team")
    assert (await create_package(stack.client, "u1", "Mod")).status_code == 201
    long_name, long_version = "a" * 101, "1." * 60 + "0"
    client = stack.client
    for path in (
        f"/api/v1/packages/{long_name}",
        f"/api/v1/packages/Mod/versions/{long_version}",
        f"/api/v1/packages/{long_name}/versions/1.0.0/download",
        f"/api/v1/artifacts/{long_name}",
        f"/api/v1/artifacts/{long_name}/versions/1.0.0/download",
        f"/api/v1/publishers/{'p' * 300}",
    ):
        await _assert_detail(await client.get(path), 404)
    response = await client.get("/api/v1/versions", params={"names": [long_name, "Mod"]})
    assert response.status_code == 200 and response.json() == {"versions": {"Mod": None}}
    response = await client.post("/api/v1/updates", json={"items": [{"name": long_name}]})
    assert response.status_code == 200, response.text
    response = await client.post("/api/v1/resolve", json={"packages": [long_name]})
    assert response.status_code < 500, response.text
    response = await client.post(
        "/api/v1/publishers/team/members", headers=bearer("u1"), json={"username": "u" * 200}
    )
    await _assert_detail(response, 404)


async def test_json_bodies_that_json_loads_chokes_on_are_400_and_big_ones_413(stack: Stack) -> None:
    client = stack.client
    json_headers = {"content-type": "application/json"}
    deep = "[" * 100_000 + "]" * 100_000
    for body, problem in (
        (deep, "nested too deeply"),
        ('{"x": ' + "9" * 5000 + "}", "digits"),
        (b'{"name": "\xff"}', "utf-8"),
    ):
        response = await client.post("/api/v1/resolve", content=body, headers=json_headers)
        assert problem in await _assert_detail(response, 400)
    big = b'{"packages": ["' + b"a" * (2 * 1024 * 1024) + b'"]}'
    await _assert_detail(
        await client.post("/api/v1/resolve", content=big, headers=json_headers), 413
    )

    async def streamed():  # no Content-Length: refused while it streams
        yield b'{"packages": ["'
        for _ in range(64):
            yield b"a" * 65536
        yield b'"]}'

    await _assert_detail(
        await client.post("/api/v1/resolve", content=streamed(), headers=json_headers), 413
    )


@pytest.mark.parametrize(
    ("manifest", "expected"),
    [
        ("version: [unclosed", "manifest"),
        ("version: 1.0.0\ndescription: \x0c\n", "not valid yaml"),  # the reader refuses it
    ],
)
async def test_broken_manifest_is_400(stack: Stack, manifest: str, expected: str) -> None:
    await make_publisher("u1")
    assert (await create_package(stack.client, "u1", "Mod")).status_code == 201
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("Mod/tbConfig.yaml", manifest)
        archive.writestr("Mod/__init__.py", "")
    response = await upload_version(stack.client, "u1", "Mod", "1.0.0", buffer.getvalue())
    assert expected in (await _assert_detail(response, 400)).lower()


async def test_upload_limit_413_before_reading_and_while_streaming(stack: Stack) -> None:
    client = stack.client
    await make_publisher("u1")
    assert (await create_package(client, "u1", "Big")).status_code == 201
    original = stack.runtime.context.policy
    stack.runtime.context.policy = replace(original, max_upload_bytes=4096)
    try:
        payload = mod_zip("Big", "1.0.0", extra={"Big/blob.bin": os.urandom(100_000)})
        await _assert_detail(await upload_version(client, "u1", "Big", "1.0.0", payload), 413)

        async def chunked():  # no Content-Length: enforced while streaming
            yield b'--b\r\nContent-Disposition: form-data; name="version"\r\n\r\n1.0.0\r\n'
            yield b'--b\r\nContent-Disposition: form-data; name="file"; filename="f"\r\n\r\n'
            for _ in range(64):
                yield b"x" * 4096

        response = await client.post(
            "/api/v1/packages/Big/versions",
            content=chunked(),
            headers={**bearer("u1"), "content-type": "multipart/form-data; boundary=b"},
        )
        await _assert_detail(response, 413)
    finally:
        stack.runtime.context.policy = original
    assert await PackageVersion.all().count() == 0


async def test_concurrent_duplicate_versions_exactly_one_wins(stack: Stack) -> None:
    import asyncio

    await make_publisher("u1")
    assert (await create_package(stack.client, "u1", "Race")).status_code == 201
    payloads = [mod_zip("Race", "1.0.0", extra={f"Race/{i}.py": b"x"}) for i in range(4)]
    responses = await asyncio.gather(
        *(upload_version(stack.client, "u1", "Race", "1.0.0", p) for p in payloads)
    )
    assert sorted(r.status_code for r in responses) == [201, 409, 409, 409]
    assert await PackageVersion.all().count() == 1
    await stack.drain_jobs()
    assert await StoredCopy.filter(state="writing").count() == 0


async def test_one_step_publish_with_metadata(stack: Stack) -> None:
    import json

    client = stack.client
    await make_publisher("u1")
    data = mod_zip("isaa", "0.2.0", layout="root")
    response = await client.post(
        "/api/v1/packages",
        headers=bearer("u1"),
        data={
            "metadata": json.dumps(
                {
                    "name": "isaa",
                    "version": "0.2.0",
                    "description": "agents",
                    "author": "me",
                    "license": "MIT",
                    "keywords": ["ai"],
                }
            )
        },
        files={"file": ("tmpq1w2e3.zip", data, "application/zip")},
    )
    assert response.status_code == 201, response.text
    body = response.json()
    assert body["package"] == "isaa" and body["version"] == "0.2.0"
    assert body["upload_sha256"] != body["checksum_sha256"]  # re-rooted under isaa/
    await stack.drain_jobs()
    download = await client.get(body["download_url"])
    names = zipfile.ZipFile(io.BytesIO(download.content)).namelist()
    assert all(name.startswith("isaa/") for name in names)
    lookup = await client.get(f"/api/v1/files/{body['upload_sha256'].upper()}")
    assert lookup.status_code == 200 and lookup.json()["package"] == "isaa"
    bad = await client.post(
        "/api/v1/packages",
        headers=bearer("u1"),
        data={"metadata": "{not json"},
        files={"file": ("x.zip", data, "application/zip")},
    )
    await _assert_detail(bad, 400)
