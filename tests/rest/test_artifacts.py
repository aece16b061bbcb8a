"""Binary artifacts over REST on both stacks (REST_CONTRACT §4.10, §7)."""

from __future__ import annotations

import asyncio
import hashlib
import io
import zipfile

import httpx

from domain.actor import Actor
from domain.commands import RegisterPublisher
from domain.models import ArtifactBuild, AuditEvent, Publisher, StoredCopy
from domain.services import publishers
from domain.services.users import upsert_user
from tests.fixtures.stack import Stack, bearer

ARTIFACT_KEYS = {
    "id",
    "name",
    "artifact_type",
    "publisher_id",
    "description",
    "homepage",
    "repository",
    "latest_version",
    "created_at",
    "updated_at",
    "versions",
}
VERSION_KEYS = {"version", "released_at", "changelog", "min_os_version", "builds"}
BUILD_KEYS = {
    "platform",
    "architecture",
    "filename",
    "checksum_sha256",
    "size_bytes",
    "installer_type",
    "downloads",
    "download_url",
}


async def make_publisher(
    user_id: str, *, status: str = "verified", artifacts: bool = True
) -> Publisher:
    await upsert_user(user_id, f"user-{user_id}", f"{user_id}@example.com")
    publisher = await publishers.register_publisher(
        Actor(user_id=user_id),
        RegisterPublisher(
            name=f"pub-{user_id}",
            display_name=f"Publisher {user_id}",
            email=f"{user_id}@example.com",
        ),
    )
    publisher.verification_status = status
    publisher.can_publish_artifacts = artifacts
    await publisher.save()
    return publisher


async def create_artifact(
    client: httpx.AsyncClient, user_id: str, name: str, **fields: object
) -> httpx.Response:
    body = {"name": name, "artifact_type": "tauri_app", "description": f"The {name} app", **fields}
    return await client.post("/api/v1/artifacts", headers=bearer(user_id), json=body)


async def upload_build(
    client: httpx.AsyncClient,
    user_id: str,
    name: str,
    version: str,
    platform: str,
    architecture: str,
    data: bytes,
    *,
    filename: str = "setup.bin",
    **fields: str,
) -> httpx.Response:
    form = {
        "version": version,
        "platform": platform,
        "architecture": architecture,
        "changelog": "",
        **fields,
    }
    return await client.post(
        f"/api/v1/artifacts/{name}/builds",
        headers=bearer(user_id),
        data=form,
        files={"file": (filename, data, "application/octet-stream")},
    )


def payload(label: str, size: int = 4096) -> bytes:
    """A real ZIP (accepted for every desktop platform) with distinct bytes per label.

    Uploads pass the binary content check, so the payload must be a genuine archive;
    the label-derived filler gives every build its own checksum.
    """
    seed = hashlib.sha256(label.encode()).digest()
    filler = (seed * (size // len(seed) + 1))[:size]
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_STORED) as archive:
        # A fixed timestamp: the same label must give the same bytes whenever it is built.
        archive.writestr(zipfile.ZipInfo(f"{label}.bin", date_time=(2026, 1, 1, 0, 0, 0)), filler)
    return buffer.getvalue()


def sha(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def assert_error(response: httpx.Response, status: int) -> str:
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith("application/json")
    detail = response.json()["detail"]
    assert isinstance(detail, str) and detail
    return detail


async def test_create_artifact_policy_and_validation(stack: Stack) -> None:
    client = stack.client
    assert_error(await create_artifact(client, "nobody", "App"), 403)  # not a publisher
    assert_error(await client.post("/api/v1/artifacts", json={"name": "App"}), 401)
    await make_publisher("unverified", status="unverified")
    assert "verified" in assert_error(await create_artifact(client, "unverified", "App"), 403)
    await make_publisher("no-flag", artifacts=False)
    assert_error(await create_artifact(client, "no-flag", "App"), 403)

    owner = await make_publisher("owner")
    created = await create_artifact(
        client,
        "owner",
        "ToolBoxApp",
        homepage="https://example.com/app",
        repository="https://github.com/example/app",
    )
    assert created.status_code == 201, created.text
    body = created.json()
    assert ARTIFACT_KEYS <= body.keys()
    assert body["name"] == "ToolBoxApp" and body["artifact_type"] == "tauri_app"
    assert body["publisher_id"] == owner.id and body["latest_version"] == ""
    assert body["versions"] == [] and body["homepage"] == "https://example.com/app"
    assert body["created_at"].endswith("Z")
    assert await AuditEvent.exists(action="artifact.create", target_id="ToolBoxApp")

    assert "already exists" in assert_error(
        await create_artifact(client, "owner", "toolboxapp"), 409
    )
    assert_error(await create_artifact(client, "owner", "bad name!"), 400)
    assert_error(await create_artifact(client, "owner", "admin"), 400)
    assert_error(await create_artifact(client, "owner", "Other", artifact_type="game"), 400)
    assert_error(await create_artifact(client, "owner", "Other", homepage="ftp://x"), 400)
    assert_error(await create_artifact(client, "owner", "Other", description=42), 400)
    malformed = await client.post(
        "/api/v1/artifacts",
        headers={**bearer("owner"), "Content-Type": "application/json"},
        content=b"{not json",
    )
    assert_error(malformed, 400)
    assert_error(await client.post("/api/v1/artifacts", headers=bearer("owner"), json=[1]), 400)

    fetched = await client.get("/api/v1/artifacts/TOOLBOXAPP")
    assert fetched.status_code == 200 and fetched.json()["name"] == "ToolBoxApp"
    assert_error(await client.get("/api/v1/artifacts/missing"), 404)


async def test_builds_versions_and_aliases(stack: Stack) -> None:
    client = stack.client
    await make_publisher("owner")
    assert (await create_artifact(client, "owner", "TBApp")).status_code == 201
    uploads = [
        ("1.2.0", "win64", "x86_64", "windows", "x64"),
        ("1.2.0", "linux", "amd64", "linux", "x64"),
        ("1.2.0", "darwin", "aarch64", "macos", "arm64"),
        ("1.10.0", "Windows", "x64", "windows", "x64"),
        ("1.10.0", "osx", "armv8", "macos", "arm64"),
    ]
    blobs: dict[tuple[str, str, str], bytes] = {}
    for version, platform, arch, canon_platform, canon_arch in uploads:
        data = payload(f"{version}-{canon_platform}-{canon_arch}")
        blobs[(version, canon_platform, canon_arch)] = data
        response = await upload_build(
            client,
            "owner",
            "tbapp",
            version,
            platform,
            arch,
            data,
            filename=f"C:\\build\\out\\TBApp_{version}_{canon_platform}.exe",
            changelog=f"notes {version}",
            installer_type="msi",
            min_os_version="10",
        )
        assert response.status_code == 201, response.text
        body = response.json()
        assert VERSION_KEYS <= body.keys() and body["version"] == version
        build = next(
            b
            for b in body["builds"]
            if (b["platform"], b["architecture"]) == (canon_platform, canon_arch)
        )
        assert build["checksum_sha256"] == sha(data) and build["size_bytes"] == len(data)
        assert build["filename"] == f"TBApp_{version}_{canon_platform}.exe"
        assert build["installer_type"] == "msi"
        assert build["download_url"] == (
            f"/api/v1/artifacts/TBApp/versions/{version}/builds/{canon_platform}/{canon_arch}/file"
        )

    detail = (await client.get("/api/v1/artifacts/tbapp")).json()
    assert detail["name"] == "TBApp" and detail["latest_version"] == "1.10.0"
    # Newest first by PEP 440 precedence (a string sort would put 1.2.0 first).
    assert [v["version"] for v in detail["versions"]] == ["1.10.0", "1.2.0"]
    older = detail["versions"][1]
    assert older["changelog"] == "notes 1.2.0" and older["min_os_version"] == "10"
    assert older["released_at"].endswith("Z")
    assert {(b["platform"], b["architecture"]) for b in older["builds"]} == {
        ("windows", "x64"),
        ("linux", "x64"),
        ("macos", "arm64"),
    }
    for version in detail["versions"]:
        for build in version["builds"]:
            assert BUILD_KEYS <= build.keys() and build["downloads"] == 0
            data = blobs[(version["version"], build["platform"], build["architecture"])]
            assert build["checksum_sha256"] == sha(data)
    assert await ArtifactBuild.all().count() == 5
    assert await AuditEvent.filter(action="artifact.build.upload").count() == 5


async def test_duplicate_builds_conflict(stack: Stack) -> None:
    client = stack.client
    await make_publisher("owner")
    await create_artifact(client, "owner", "Dup")
    data = payload("dup")
    assert (
        await upload_build(client, "owner", "Dup", "1.0.0", "linux", "x64", data)
    ).status_code == 201
    # The same build again, also spelled with aliases and an equal PEP 440 version.
    assert_error(
        await upload_build(client, "owner", "Dup", "1.0.0", "linux", "amd64", payload("other")), 409
    )
    assert_error(await upload_build(client, "owner", "dup", "1.0.0", "LINUX", "x86_64", data), 409)

    # Two concurrent uploads of one new build: exactly one wins.
    racers = [
        upload_build(client, "owner", "Dup", "2.0.0", "windows", "x64", payload(f"race-{n}"))
        for n in range(2)
    ]
    statuses = sorted(r.status_code for r in await asyncio.gather(*racers))
    assert statuses == [201, 409]
    # Two concurrent uploads of one new version for different platforms: both land in it.
    racers = [
        upload_build(client, "owner", "Dup", "3.0.0", platform, "x64", payload(f"v3-{platform}"))
        for platform in ("linux", "windows")
    ]
    assert [r.status_code for r in await asyncio.gather(*racers)] == [201, 201]
    detail = (await client.get("/api/v1/artifacts/Dup")).json()
    by_version = {v["version"]: v for v in detail["versions"]}
    assert len(by_version["2.0.0"]["builds"]) == 1
    assert len(by_version["3.0.0"]["builds"]) == 2
    # The losing race left no half-written storage marker behind.
    assert not await StoredCopy.exists(state="writing")


async def test_upload_errors(stack: Stack) -> None:
    client = stack.client
    owner = await make_publisher("owner")
    await make_publisher("stranger")
    await create_artifact(client, "owner", "Errs")
    data = payload("errs")

    assert_error(await upload_build(client, "owner", "Nope", "1.0.0", "linux", "x64", data), 404)
    assert_error(await upload_build(client, "stranger", "Errs", "1.0.0", "linux", "x64", data), 403)
    anonymous = await client.post(
        "/api/v1/artifacts/Errs/builds", data={"version": "1.0.0"}, files={"file": ("a.bin", data)}
    )
    assert_error(anonymous, 401)
    assert "version" in assert_error(
        await upload_build(client, "owner", "Errs", "1.0", "linux", "x64", data), 400
    )
    assert_error(await upload_build(client, "owner", "Errs", "", "linux", "x64", data), 400)
    assert "platform" in assert_error(
        await upload_build(client, "owner", "Errs", "1.0.0", "beos", "x64", data), 400
    )
    assert "architecture" in assert_error(
        await upload_build(client, "owner", "Errs", "1.0.0", "linux", "sparc", data), 400
    )
    missing_platform = await client.post(
        "/api/v1/artifacts/Errs/builds",
        headers=bearer("owner"),
        data={"version": "1.0.0", "architecture": "x64", "changelog": ""},
        files={"file": ("a.bin", data, "application/octet-stream")},
    )
    assert "platform" in assert_error(missing_platform, 400)
    no_file = await client.post(
        "/api/v1/artifacts/Errs/builds",
        headers=bearer("owner"),
        files={
            "version": (None, "1.0.0"),
            "platform": (None, "linux"),
            "architecture": (None, "x64"),
        },
    )
    assert "file" in assert_error(no_file, 400)
    not_multipart = await client.post(
        "/api/v1/artifacts/Errs/builds", headers=bearer("owner"), json={"version": "1.0.0"}
    )
    assert_error(not_multipart, 400)

    # The publisher's own size limit applies, and a refused upload stores nothing.
    owner.max_package_bytes = 100
    await owner.save()
    assert_error(await upload_build(client, "owner", "Errs", "1.0.0", "linux", "x64", data), 413)
    assert not await StoredCopy.exists()
    assert (await client.get("/api/v1/artifacts/Errs")).json()["versions"] == []

    # A suspended publisher can no longer add builds.
    owner.max_package_bytes = None
    owner.verification_status = "suspended"
    await owner.save()
    assert_error(await upload_build(client, "owner", "Errs", "1.0.0", "linux", "x64", data), 403)

    # A filename with nothing usable falls back to name-version-platform-arch.
    owner.verification_status = "verified"
    await owner.save()
    fallback = await upload_build(
        client, "owner", "Errs", "1.0.0", "linux", "x64", data, filename="../builds/\u20ac\u20ac."
    )
    assert fallback.status_code == 201, fallback.text
    assert fallback.json()["builds"][0]["filename"] == "Errs-1.0.0-linux-x64"


async def test_latest_with_all_fallback(stack: Stack) -> None:
    client = stack.client
    await make_publisher("owner")
    await create_artifact(client, "owner", "Cli", artifact_type="cli_executable")
    builds = [
        ("1.0.0", "windows", "x64"),
        ("1.0.0", "linux", "all"),
        ("1.1.0", "windows", "x64"),
        ("1.1.0", "all", "arm64"),
        ("2.0.0-beta.1", "macos", "arm64"),
    ]
    for version, platform, arch in builds:
        response = await upload_build(
            client, "owner", "Cli", version, platform, arch, payload(f"{version}{platform}{arch}")
        )
        assert response.status_code == 201, response.text

    async def latest(platform: str, arch: str) -> httpx.Response:
        return await client.get(
            "/api/v1/artifacts/cli/latest", params={"platform": platform, "architecture": arch}
        )

    exact = (await latest("win64", "amd64")).json()
    assert exact["version"] == "1.1.0"
    assert exact["build"]["platform"] == "windows" and exact["build"]["architecture"] == "x64"
    assert exact["build"]["checksum_sha256"] == sha(payload("1.1.0windowsx64"))
    assert {"version", "released_at", "changelog", "build"} <= exact.keys()
    assert {
        "platform",
        "architecture",
        "filename",
        "size_bytes",
        "checksum_sha256",
        "installer_type",
        "download_url",
    } <= exact["build"].keys()
    linux = (await latest("linux", "x64")).json()
    assert linux["version"] == "1.0.0" and linux["build"]["architecture"] == "all"
    arm = (await latest("linux", "aarch64")).json()  # (all, arm64) in 1.1.0 is newer
    assert arm["version"] == "1.1.0" and arm["build"]["platform"] == "all"
    mac = (await latest("darwin", "arm64")).json()  # exact build in the pre-release
    assert mac["version"] == "2.0.0-beta.1"

    assert_error(await latest("macos", "x86"), 404)
    assert_error(
        await client.get("/api/v1/artifacts/cli/latest", params={"platform": "linux"}), 400
    )
    assert_error(await client.get("/api/v1/artifacts/cli/latest"), 400)
    assert_error(await latest("plan9", "x64"), 400)
    assert_error(
        await client.get(
            "/api/v1/artifacts/ghost/latest", params={"platform": "linux", "architecture": "x64"}
        ),
        404,
    )
    detail = (await client.get("/api/v1/artifacts/Cli")).json()
    assert detail["latest_version"] == "2.0.0-beta.1"
    assert detail["artifact_type"] == "cli_executable"


async def test_download_json_bytes_and_counting(stack: Stack) -> None:
    client = stack.client
    await make_publisher("owner")
    await create_artifact(client, "owner", "Desk")
    exe = payload("desk-windows", 300_000)
    universal = payload("desk-all", 1234)
    await upload_build(
        client, "owner", "Desk", "1.0.0", "windows", "x64", exe, filename="Desk Setup 1.0.0.exe"
    )
    await upload_build(
        client, "owner", "Desk", "1.0.0", "all", "all", universal, filename="desk.tar.gz"
    )

    info = await client.get(
        "/api/v1/artifacts/desk/versions/1.0.0/download",
        params={"platform": "win", "architecture": "amd64"},
        headers=bearer("owner"),
    )
    assert info.status_code == 200, info.text
    body = info.json()
    assert body["expires_in"] == 3600 and body["filename"] == "Desk Setup 1.0.0.exe"
    assert body["checksum_sha256"] == sha(exe) and body["size_bytes"] == len(exe)
    assert body["url"] == "/api/v1/artifacts/Desk/versions/1.0.0/builds/windows/x64/file"

    # The client's second GET: its Bearer token attached, no redirect, exact bytes.
    download = await client.get(body["url"], headers=bearer("owner"))
    assert download.status_code == 200
    assert download.content == exe and sha(download.content) == body["checksum_sha256"]
    assert download.headers["content-type"] == "application/octet-stream"
    assert download.headers["content-length"] == str(len(exe))
    assert download.headers["etag"] == f'"{sha(exe)}"'
    assert download.headers["x-checksum-sha256"] == sha(exe)
    assert download.headers["accept-ranges"] == "bytes"
    assert 'filename="Desk Setup 1.0.0.exe"' in download.headers["content-disposition"]
    assert "immutable" in download.headers["cache-control"]
    assert "content-encoding" not in download.headers
    head = await client.head(body["url"])
    assert head.status_code == 200 and head.headers["content-length"] == str(len(exe))
    partial = await client.get(body["url"], headers={"Range": "bytes=0-9"})
    assert partial.status_code == 206 and partial.content == exe[:10]

    fallback = (
        await client.get(
            "/api/v1/artifacts/Desk/versions/1.0.0/download",
            params={"platform": "linux", "architecture": "arm64"},
        )
    ).json()
    assert fallback["url"].endswith("/builds/all/all/file")
    assert fallback["checksum_sha256"] == sha(universal)

    # Accept: application/octet-stream streams the bytes from the download route itself.
    direct = await client.get(
        "/api/v1/artifacts/Desk/versions/1.0.0/download",
        params={"platform": "windows", "architecture": "x64"},
        headers={"Accept": "application/octet-stream"},
    )
    assert direct.status_code == 200 and direct.content == exe
    assert direct.headers["content-type"] == "application/octet-stream"

    await stack.ctx.downloads.flush()
    detail = (await client.get("/api/v1/artifacts/Desk")).json()
    counts = {
        (b["platform"], b["architecture"]): b["downloads"] for b in detail["versions"][0]["builds"]
    }
    # Two full GETs of the Windows build; HEAD, the 206 and the JSON answers are not counted.
    assert counts == {("windows", "x64"): 2, ("all", "all"): 0}

    assert_error(
        await client.get(
            "/api/v1/artifacts/Desk/versions/9.9.9/download",
            params={"platform": "windows", "architecture": "x64"},
        ),
        404,
    )
    assert_error(
        await client.get(
            "/api/v1/artifacts/Nope/versions/1.0.0/download",
            params={"platform": "windows", "architecture": "x64"},
        ),
        404,
    )
    assert_error(
        await client.get(
            "/api/v1/artifacts/Desk/versions/1.0.0/download",
            params={"platform": "plan9", "architecture": "x64"},
        ),
        400,
    )
    assert_error(
        await client.get("/api/v1/artifacts/Desk/versions/1.0.0/builds/linux/x64/file"), 404
    )
    assert_error(
        await client.get("/api/v1/artifacts/Desk/versions/1.0.0/builds/plan9/x64/file"), 404
    )
    assert_error(
        await client.get("/api/v1/artifacts/Desk/versions/2.0.0/builds/windows/x64/file"), 404
    )


async def test_download_without_accept_header_streams(stack: Stack) -> None:
    """ToolBoxV2's tauri_cli fetches the download route with urllib: no Accept header."""
    client = stack.client
    await make_publisher("owner")
    await create_artifact(client, "owner", "Tauri")
    installer = payload("tauri-installer", 70_000)
    await upload_build(
        client, "owner", "Tauri", "0.3.0", "windows", "x64", installer, filename="tauri.msi"
    )
    request = client.build_request(
        "GET",
        "/api/v1/artifacts/Tauri/versions/0.3.0/download",
        params={"platform": "windows", "architecture": "x64"},
        headers={"User-Agent": "ToolBoxV2-CLI"},
    )
    del request.headers["Accept"]
    response = await client.send(request)
    assert response.status_code == 200
    assert response.content == installer
    assert 'filename="tauri.msi"' in response.headers["content-disposition"]
    # httpx's default `Accept: */*` gets the JSON descriptor.
    described = await client.get(
        "/api/v1/artifacts/Tauri/versions/0.3.0/download",
        params={"platform": "windows", "architecture": "x64"},
    )
    assert described.headers["content-type"] == "application/json"
    # With only one build, leaving the platform out is unambiguous.
    only = await client.get("/api/v1/artifacts/Tauri/versions/0.3.0/download")
    assert only.status_code == 200 and only.json()["checksum_sha256"] == sha(installer)


async def test_ambiguous_download_without_platform_is_400(stack: Stack) -> None:
    client = stack.client
    await make_publisher("owner")
    await create_artifact(client, "owner", "Two")
    for platform in ("windows", "linux"):
        await upload_build(client, "owner", "Two", "1.0.0", platform, "x64", payload(platform))
    detail = assert_error(await client.get("/api/v1/artifacts/Two/versions/1.0.0/download"), 400)
    assert "linux/x64" in detail and "windows/x64" in detail
    chosen = await client.get(
        "/api/v1/artifacts/Two/versions/1.0.0/download", params={"platform": "linux"}
    )
    assert chosen.status_code == 200 and chosen.json()["url"].endswith("/linux/x64/file")


async def test_list_artifacts_paging_and_type(stack: Stack) -> None:
    client = stack.client
    await make_publisher("owner")
    for name, kind in (("Alpha", "tauri_app"), ("beta", "cli_executable"), ("Gamma", "tauri_app")):
        assert (await create_artifact(client, "owner", name, artifact_type=kind)).status_code == 201
    await upload_build(client, "owner", "Gamma", "1.0.0", "linux", "x64", payload("gamma"))

    everything = (await client.get("/api/v1/artifacts")).json()
    assert everything["total"] == 3 and everything["page"] == 1
    assert [a["name"] for a in everything["artifacts"]] == ["Alpha", "beta", "Gamma"]
    gamma = everything["artifacts"][2]
    assert ARTIFACT_KEYS <= gamma.keys() and gamma["latest_version"] == "1.0.0"
    assert gamma["versions"][0]["builds"][0]["checksum_sha256"] == sha(payload("gamma"))

    paged = (await client.get("/api/v1/artifacts", params={"page": 2, "per_page": 2})).json()
    assert paged["total"] == 3 and paged["per_page"] == 2
    assert [a["name"] for a in paged["artifacts"]] == ["Gamma"]
    apps = (await client.get("/api/v1/artifacts", params={"artifact_type": "tauri_app"})).json()
    assert [a["name"] for a in apps["artifacts"]] == ["Alpha", "Gamma"]
    assert_error(await client.get("/api/v1/artifacts", params={"artifact_type": "game"}), 400)
    assert_error(await client.get("/api/v1/artifacts", params={"page": "x"}), 400)


async def test_public_base_url_makes_urls_absolute(stack: Stack) -> None:
    from dataclasses import replace

    client = stack.client
    await make_publisher("owner")
    await create_artifact(client, "owner", "Abs")
    await upload_build(client, "owner", "Abs", "1.0.0", "linux", "x64", payload("abs"))
    original = stack.runtime.ctx.policy
    stack.runtime.ctx.policy = replace(original, public_base_url="https://reg.example.org")
    try:
        info = (
            await client.get(
                "/api/v1/artifacts/Abs/versions/1.0.0/download",
                params={"platform": "linux", "architecture": "x64"},
            )
        ).json()
        detail = (await client.get("/api/v1/artifacts/Abs")).json()
    finally:
        stack.runtime.ctx.policy = original
    expected = "https://reg.example.org/api/v1/artifacts/Abs/versions/1.0.0/builds/linux/x64/file"
    assert info["url"] == expected
    assert detail["versions"][0]["builds"][0]["download_url"] == expected
