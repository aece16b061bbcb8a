"""Artifact builds are checked at upload: a file that is not a binary of its declared
platform is refused with 400 naming the rule, and nothing is stored."""

from __future__ import annotations

import httpx

from domain.models import ArtifactBuild, StoredCopy
from tests.fixtures.stack import Stack, bearer
from tests.helpers import make_publisher
from tests.pipeline.support import OWNER, elf_binary, pe_binary, sha256

APP = "DeskApp"


async def _upload(
    client: httpx.AsyncClient, version: str, platform: str, data: bytes
) -> httpx.Response:
    return await client.post(
        f"/api/v1/artifacts/{APP}/builds",
        headers=bearer(OWNER),
        data={"version": version, "platform": platform, "architecture": "x64", "changelog": ""},
        files={"file": ("setup.bin", data, "application/octet-stream")},
    )


async def test_build_must_match_its_platform(stack: Stack) -> None:
    client = stack.client
    await make_publisher(OWNER, artifacts=True)
    created = await client.post(
        "/api/v1/artifacts",
        headers=bearer(OWNER),
        json={"name": APP, "artifact_type": "tauri_app", "description": "A desktop app"},
    )
    assert created.status_code == 201, created.text

    text = b"#!/bin/sh\necho not a binary\n" * 50
    for platform, data in (
        ("linux", text),
        ("linux", pe_binary()),
        ("windows", elf_binary()),
        ("macos", elf_binary()),
        ("win", b""),
    ):
        refused = await _upload(client, "1.0.0", platform, data)
        assert refused.status_code == 400, (platform, refused.text)
        detail = refused.json()["detail"]
        assert isinstance(detail, str)
        rule = "empty_file" if not data else "type_mismatch"
        assert f"({rule})" in detail, detail
    assert await ArtifactBuild.all().count() == 0
    assert await StoredCopy.all().count() == 0, "a refused build stores nothing"

    linux, windows = elf_binary(label="linux"), pe_binary(label="windows")
    assert (await _upload(client, "1.0.0", "linux", linux)).status_code == 201
    assert (await _upload(client, "1.0.0", "win64", windows)).status_code == 201
    # `all` accepts any non-empty file: the platform says nothing about its format.
    assert (await _upload(client, "1.0.0", "all", text)).status_code == 201
    detail = (await client.get(f"/api/v1/artifacts/{APP}")).json()
    builds = {b["platform"]: b["checksum_sha256"] for b in detail["versions"][0]["builds"]}
    assert builds == {"linux": sha256(linux), "windows": sha256(windows), "all": sha256(text)}
