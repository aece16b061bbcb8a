"""Multi-call flows of the client, ModManager and the feature loader (§3, §4.5, §4.11, §6)."""

from __future__ import annotations

import hashlib
import zipfile
from dataclasses import replace
from pathlib import Path
from urllib.parse import urlsplit

from tests.contract.client import (
    BASE_URL,
    ContractClient,
    feature_zip,
    metadata_json,
    module_zip,
    token_for,
)
from tests.contract.world import World


async def _download(
    api: ContractClient, name: str, version: str, dest: Path, token: str | None = None
) -> Path:
    """`RegistryClient.download`: version detail, then its download_url, then the checksum."""
    detail = await api.get(f"/api/v1/packages/{name}/versions/{version}", token=token)
    assert detail.status_code == 200, f"version not found: {name} {version}"
    info = detail.json()
    assert info["download_url"], "no download URL"
    response = await api.download(info["download_url"], token=token)
    assert response.status_code == 200
    assert hashlib.sha256(response.content).hexdigest() == info["checksum_sha256"]
    path = dest / f"{name}-{version}.zip"
    path.write_bytes(response.content)
    return path


async def test_download_with_dependencies(
    api: ContractClient, world: World, tmp_path: Path
) -> None:
    owner = await world.publisher("f1", "flow-team")
    for name in ("Core", "Extra", "App"):
        await world.package(owner, name)
    await world.version(owner, "Core", "1.0.0")
    await world.version(owner, "Core", "1.4.0")
    await world.version(owner, "Core", "2.0.0")
    await world.version(owner, "Extra", "0.1.0")
    await world.version(
        owner,
        "App",
        "3.0.0",
        dependencies=[
            "Core>=1.0.0,<2.0.0",
            {"name": "Extra", "version_spec": "*", "optional": True},
            "requests>=2.0",
        ],
    )  # a pip package in a manifest: skipped with a warning

    response = await api.post("/api/v1/resolve", json={"requirements": ["App==3.0.0"]})
    assert response.status_code == 200
    result = response.json()
    assert result["success"] is True and result["errors"] == []
    assert set(result["resolved"]) == {"App", "Core"}  # root included, optional skipped
    assert result["resolved"]["Core"]["version"] == "1.4.0"
    app_deps = {d["name"]: d for d in result["resolved"]["App"]["dependencies"]}
    assert app_deps["Core"]["version"] == "1.4.0"
    assert any("requests" in warning for warning in result["warnings"])
    for name, entry in result["resolved"].items():
        path = await _download(api, name, entry["version"], tmp_path)
        assert hashlib.sha256(path.read_bytes()).hexdigest() == entry["checksum_sha256"]

    failed = (await api.post("/api/v1/resolve", json={"requirements": ["App==9.9.9"]})).json()
    assert failed["success"] is False and failed["errors"] and failed["conflicts"]
    shape_b = await api.post(
        "/api/v1/resolve", json={"packages": [{"name": "App"}], "toolbox_version": "0.1.24"}
    )
    assert shape_b.status_code == 200 and shape_b.json()["success"] is True


async def test_publish_then_modmanager_install(
    api: ContractClient, world: World, tmp_path: Path
) -> None:
    """publish() zips the module folder's contents at the root; ModManager installs only
    from a top-level `{name}/` folder, so the server re-roots the archive (§6)."""
    owner = await world.publisher("f2", "mod-team")
    uploaded = module_zip("CloudM", "0.1.0", layout="root")
    published = await api.multipart(
        "/api/v1/packages",
        {"metadata": metadata_json(name="CloudM", version="0.1.0", description="Cloud manager")},
        uploaded,
        token=owner.token,
    )
    assert published.status_code == 201
    await world.stack.drain_jobs()

    path = await _download(api, "CloudM", "0.1.0", tmp_path)
    module_folder = path.name.split("-")[0]  # what ModManager derives from the file name
    assert module_folder == "CloudM"
    with zipfile.ZipFile(path) as archive:
        names = archive.namelist()
        assert all(n.startswith("CloudM/") for n in names), names
        assert "CloudM/tbConfig.yaml" in names and "CloudM/__init__.py" in names
    # The uploader's own hash still finds the version.
    original = hashlib.sha256(uploaded).hexdigest()
    found = await api.get(f"/api/v1/files/{original}")
    assert found.status_code == 200 and found.json()["version"] == "0.1.0"

    second = await api.multipart(
        "/api/v1/packages/CloudM/versions",
        {"version": "0.2.0"},
        module_zip("CloudM", "0.2.0", layout="root"),
        token=owner.token,
    )
    assert second.status_code == 201
    await world.stack.drain_jobs()
    path = await _download(api, "CloudM", "0.2.0", tmp_path)
    assert all(n.startswith("CloudM/") for n in zipfile.ZipFile(path).namelist())


async def test_feature_loader_fallback_routes(api: ContractClient, world: World) -> None:
    owner = await world.publisher("f3", "feature-team")
    await world.package(owner, "tbv2-feature-web", package_type="library")
    await world.version(owner, "tbv2-feature-web", "1.0.0", data=feature_zip("web", "1.0.0"))
    await world.version(owner, "tbv2-feature-web", "1.1.0", data=feature_zip("web", "1.1.0"))

    latest = await api.get("/api/v1/features/tbv2-feature-web/latest")
    assert latest.status_code == 200
    body = latest.json()
    assert body["name"] == "tbv2-feature-web" and body["version"] == "1.1.0"
    url = urlsplit(body["download_url"])
    assert f"{url.scheme}://{url.netloc}" == BASE_URL  # absolute: urllib cannot join
    blob = await api.get(body["download_url"])
    assert hashlib.sha256(blob.content).hexdigest() == body["checksum_sha256"]

    redirect = await api.get("/features/web-latest.zip")
    assert redirect.status_code == 302
    assert redirect.headers["location"] == body["download_url"]
    assert (await api.get("/features/nothing-latest.zip")).status_code == 404

    ctx = world.stack.ctx
    original = ctx.policy
    ctx.policy = replace(original, public_base_url="https://registry.example/prefix")
    try:
        proxied = (await api.get("/api/v1/features/tbv2-feature-web/latest")).json()
    finally:
        ctx.policy = original
    assert proxied["download_url"] == (
        "https://registry.example/prefix/api/v1/packages/tbv2-feature-web/versions/1.1.0/file"
    )


async def test_legacy_download_json(api: ContractClient, world: World) -> None:
    owner = await world.publisher("f4", "json-team")
    await world.package(owner, "Legacy")
    await world.version(owner, "Legacy", "1.0.0")
    response = await api.get("/api/v1/packages/Legacy/versions/1.0.0/download")
    assert response.status_code == 200  # no login needed for a public package
    body = response.json()
    detail = (await api.get("/api/v1/packages/Legacy/versions/1.0.0")).json()
    assert body["url"] == detail["download_url"] and body["expires_in"] == 3600
    assert (body["package"], body["version"]) == ("Legacy", "1.0.0")
    assert body["checksum_sha256"] == detail["checksum_sha256"]
    assert body["size_bytes"] == detail["size_bytes"]
    assert (await api.get("/api/v1/packages/Legacy/versions/2.0.0/download")).status_code == 404


async def test_unlisted_is_served_by_name_but_never_listed(
    api: ContractClient, world: World
) -> None:
    owner = await world.publisher("f5", "quiet-team")
    await world.package(owner, "QuietMod", visibility="unlisted")
    await world.version(owner, "QuietMod", "1.0.0")
    named = [
        "/api/v1/packages/QuietMod",
        "/api/v1/packages/QuietMod/versions",
        "/api/v1/packages/QuietMod/versions/1.0.0",
        "/api/v1/packages/QuietMod/versions/1.0.0/file",
        "/api/v1/packages/QuietMod/versions/1.0.0/download",
    ]
    for url in named:
        assert (await api.get(url)).status_code == 200, url
    resolved = (
        await api.post("/api/v1/resolve", json={"requirements": ["QuietMod==1.0.0"]})
    ).json()
    assert resolved["success"] is True
    explicit = (await api.get("/api/v1/versions", params={"names": "QuietMod"})).json()
    assert explicit == {"versions": {"QuietMod": "1.0.0"}}
    for url, params in (
        ("/api/v1/search", {"q": ""}),
        ("/api/v1/search", {"q": "quiet"}),
        ("/api/v1/search/suggest", {"q": "qu"}),
        ("/api/v1/versions", {}),
        ("/api/v1/packages", {}),
    ):
        response = await api.get(url, params=params, token=token_for("stranger"))
        assert "QuietMod" not in response.text, url
    own = (
        await api.get("/api/v1/packages", token=owner.token, params={"publisher": owner.id})
    ).json()
    assert [p["name"] for p in own["packages"]] == ["QuietMod"]

    ctx = world.stack.ctx
    original = ctx.policy
    ctx.policy = replace(original, unlisted_require_auth=True)  # UNLISTED_REQUIRE_AUTH
    try:
        file_url = "/api/v1/packages/QuietMod/versions/1.0.0/file"
        assert (await api.get(file_url)).status_code == 401
        assert (await api.get(file_url, token=token_for("anyone"))).status_code == 200
    finally:
        ctx.policy = original


async def test_private_is_not_found_for_everyone_else(api: ContractClient, world: World) -> None:
    owner = await world.publisher("f6", "secret-team")
    await world.package(owner, "SecretMod", visibility="private")
    await world.version(owner, "SecretMod", "1.0.0")
    for token in (None, token_for("stranger")):
        for url in (
            "/api/v1/packages/SecretMod",
            "/api/v1/packages/SecretMod/versions/1.0.0",
            "/api/v1/packages/SecretMod/versions/1.0.0/file",
            "/api/v1/packages/SecretMod/versions/1.0.0/download",
        ):
            response = await api.get(url, token=token)
            assert response.status_code == 404, url
        resolved = (
            await api.post(
                "/api/v1/resolve", token=token, json={"requirements": ["SecretMod==1.0.0"]}
            )
        ).json()
        unknown = (
            await api.post(
                "/api/v1/resolve", token=token, json={"requirements": ["NoSuchMod==1.0.0"]}
            )
        ).json()
        assert resolved["success"] is False
        assert resolved["errors"] == [
            e.replace("NoSuchMod", "SecretMod") for e in unknown["errors"]
        ]
        for url, params in (
            ("/api/v1/search", {"q": "secret"}),
            ("/api/v1/versions", {}),
            ("/api/v1/versions", {"names": "SecretMod"}),
            ("/api/v1/packages", {"publisher": "secret-team"}),
        ):
            response = await api.get(url, params=params, token=token)
            assert "SecretMod" not in response.text, url
    own = await api.get("/api/v1/packages/SecretMod/versions/1.0.0/file", token=owner.token)
    assert own.status_code == 200
    assert own.headers["cache-control"] == "private"
