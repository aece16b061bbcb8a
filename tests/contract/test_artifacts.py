"""§4.0 rows for artifacts: create, upload builds, get, and the two-step download."""

from __future__ import annotations

import hashlib
import os
import struct

from tests.contract.client import ContractClient, token_for
from tests.contract.world import World


def elf_binary(size: int) -> bytes:
    """A Linux executable as far as the upload check looks (ELF magic)."""
    return b"\x7fELF\x02\x01\x01" + os.urandom(size - 7)


def pe_binary(size: int) -> bytes:
    """A Windows executable as far as the upload check looks (MZ header pointing at PE)."""
    header = b"MZ" + bytes(0x3A) + struct.pack("<I", 0x80) + bytes(0x80 - 0x40)
    return header + b"PE\x00\x00" + os.urandom(size - len(header) - 4)


async def _upload(
    api: ContractClient,
    token: str,
    name: str,
    version: str,
    platform: str,
    architecture: str,
    data: bytes,
) -> int:
    # The client always sends changelog (possibly ""), never checksum or size.
    fields = {
        "version": version,
        "platform": platform,
        "architecture": architecture,
        "changelog": "",
    }
    response = await api.multipart(
        f"/api/v1/artifacts/{name}/builds",
        fields,
        data,
        token=token,
        content_type="application/octet-stream",
    )
    return response.status_code


async def test_artifact_lifecycle(api: ContractClient, world: World) -> None:
    owner = await world.publisher("a1", "app-team")
    other = await world.publisher("a2", "other-team")
    payload = {
        "name": "simple-core",
        "artifact_type": "tauri_app",
        "description": "The desktop app",
    }
    assert (
        await api.post("/api/v1/artifacts", token=token_for("nobody"), json=payload)
    ).status_code == 403
    created = await api.post("/api/v1/artifacts", token=owner.token, json=payload)
    assert created.status_code == 201
    assert (await api.post("/api/v1/artifacts", token=owner.token, json=payload)).status_code == 409

    linux = elf_binary(20_000)
    windows = pe_binary(30_000)
    assert (
        await _upload(api, owner.token, "simple-core", "1.0.0", "linux", "x86_64", linux) == 201
    )  # aliases accepted, stored canonically
    assert await _upload(api, owner.token, "simple-core", "1.1.0", "win", "amd64", windows) == 201
    assert await _upload(api, owner.token, "simple-core", "1.1.0", "windows", "x64", windows) == 409
    assert await _upload(api, other.token, "simple-core", "1.2.0", "linux", "x64", linux) == 403
    assert (
        await _upload(api, owner.token, "never-created", "1.0.0", "linux", "x64", linux) == 404
    )  # "create it first"

    artifact = (await api.get("/api/v1/artifacts/simple-core")).json()
    assert artifact["name"] == "simple-core" and artifact["description"] == "The desktop app"
    assert artifact["latest_version"] == "1.1.0"
    assert [v["version"] for v in artifact["versions"]] == ["1.1.0", "1.0.0"]
    build = artifact["versions"][1]["builds"][0]
    assert (build["platform"], build["architecture"]) == ("linux", "x64")
    assert build["checksum_sha256"] == hashlib.sha256(linux).hexdigest()
    assert build["size_bytes"] == len(linux)
    assert (await api.get("/api/v1/artifacts/unknown")).status_code == 404

    info = await api.get(
        "/api/v1/artifacts/simple-core/versions/1.0.0/download",
        params={"platform": "linux", "architecture": "x64"},
    )
    assert info.status_code == 200
    descriptor = info.json()
    assert descriptor["checksum_sha256"] == build["checksum_sha256"]
    assert isinstance(descriptor["expires_in"], int)
    blob = await api.download(descriptor["url"], token=owner.token)
    assert blob.status_code == 200 and blob.content == linux
    assert blob.headers["content-type"] == "application/octet-stream"
    none = await api.get(
        "/api/v1/artifacts/simple-core/versions/1.0.0/download",
        params={"platform": "macos", "architecture": "arm64"},
    )
    assert none.status_code == 404

    latest = await api.get(
        "/api/v1/artifacts/simple-core/latest",
        params={"platform": "windows", "architecture": "x64"},
    )
    assert latest.status_code == 200 and latest.json()["version"] == "1.1.0"
    # urllib (tauri_cli) sends no Accept header at all and saves the body as the installer.
    request = api.http.build_request(
        "GET",
        "/api/v1/artifacts/simple-core/versions/1.1.0/download",
        params={"platform": "windows", "architecture": "x64"},
        headers={"User-Agent": "ToolBoxV2-CLI"},
    )
    del request.headers["accept"]
    raw = await api.http.send(request)
    api.check(raw)
    assert raw.status_code == 200 and raw.content == windows
