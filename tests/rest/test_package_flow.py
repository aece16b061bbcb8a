"""The client's package flows end to end, on both stacks (REST_CONTRACT §4.4-§4.8)."""

from __future__ import annotations

import hashlib

from tests.fixtures.stack import Stack, bearer
from tests.helpers import create_package, make_publisher, mod_zip, upload_version

SUMMARY_KEYS = {
    "name",
    "display_name",
    "package_type",
    "description",
    "latest_version",
    "visibility",
    "downloads",
    "total_downloads",
    "publisher",
    "publisher_id",
    "updated_at",
}


async def test_publish_resolve_download_flow(stack: Stack) -> None:
    client = stack.client
    await make_publisher("u1", "cloudm-team")
    created = await create_package(
        client,
        "u1",
        "CloudM",
        description="Cloud manager",
        keywords=["cloud", "auth"],
        license="MIT",
    )
    assert created.status_code == 201, created.text
    body = created.json()
    assert body["id"] == "CloudM" and body["visibility"] == "public"
    assert body["keywords"] == ["cloud", "auth"] and body["license"] == "MIT"
    assert SUMMARY_KEYS <= body.keys()

    duplicate = await create_package(client, "u1", "cloudm")
    assert duplicate.status_code == 409 and "already exists" in duplicate.json()["detail"]

    first = mod_zip("CloudM", "1.0.0")
    uploaded = await upload_version(client, "u1", "CloudM", "1.0.0", first, changelog="init")
    assert uploaded.status_code == 201, uploaded.text
    assert uploaded.json()["status"] == "pending"
    assert uploaded.json()["checksum_sha256"] == hashlib.sha256(first).hexdigest()
    second = mod_zip("CloudM", "1.1.0", dependencies=["DB>=1.0.0"])
    assert (await upload_version(client, "u1", "CloudM", "1.1.0", second)).status_code == 201
    again = await upload_version(client, "u1", "CloudM", "1.1.0", second)
    assert again.status_code == 409
    await stack.drain_jobs()

    detail = (await client.get("/api/v1/packages/cloudm")).json()
    assert detail["name"] == "CloudM" and detail["latest_version"] == "1.1.0"
    assert [v["version"] for v in detail["versions"]] == ["1.1.0", "1.0.0"]

    version = await client.get("/api/v1/packages/CloudM/versions/1.1.0")
    assert version.status_code == 200
    info = version.json()
    assert info["dependencies"] == [{"name": "DB", "version_spec": ">=1.0.0", "optional": False}]
    assert info["download_url"] == "/api/v1/packages/CloudM/versions/1.1.0/file"

    # The client sends its (possibly stale) token to public routes too.
    download = await client.get(
        info["download_url"], headers={"Authorization": "Bearer stale.token.here"}
    )
    assert download.status_code == 200
    assert hashlib.sha256(download.content).hexdigest() == info["checksum_sha256"]
    assert download.headers["content-type"] == "application/zip"
    assert download.headers["etag"] == f'"{info["checksum_sha256"]}"'
    assert download.headers["x-checksum-sha256"] == info["checksum_sha256"]
    assert 'filename="CloudM-1.1.0.zip"' in download.headers["content-disposition"]
    etag = download.headers["etag"]
    for cached in (etag, f"W/{etag}", f'"other", {etag}', "*"):
        not_modified = await client.get(info["download_url"], headers={"If-None-Match": cached})
        assert not_modified.status_code == 304 and not_modified.content == b""
    stale = await client.get(info["download_url"], headers={"If-None-Match": '"other"'})
    assert stale.status_code == 200
    assert "content-encoding" not in download.headers

    partial = await client.get(info["download_url"], headers={"Range": "bytes=0-9"})
    assert partial.status_code == 206 and partial.content == download.content[:10]

    search = (await client.get("/api/v1/search", params={"q": ""})).json()
    assert [p["name"] for p in search["packages"]] == ["CloudM"]
    assert search["results"] == search["packages"]
    assert (await client.get("/api/v1/search?q=cloud")).json()["total"] == 1

    latest = (await client.get("/api/v1/versions?names=cloudm,unknown")).json()
    assert latest == {"versions": {"CloudM": "1.1.0"}}

    yank = await client.post(
        "/api/v1/packages/CloudM/versions/1.1.0/yank",
        headers=bearer("u1"),
        json={"reason": "broken"},
    )
    assert yank.status_code == 200 and yank.json()["status"] == "yanked"
    assert (await client.get("/api/v1/packages/CloudM")).json()["latest_version"] == "1.0.0"
    assert (await client.get(info["download_url"])).status_code == 200

    assert (await client.get("/api/v1/packages/CloudM/diff/1.0.0/1.1.0")).status_code == 404
    deleted = await client.delete("/api/v1/packages/CloudM", headers=bearer("u1"))
    assert deleted.status_code == 204 and deleted.content == b""
    assert (await client.get("/api/v1/packages/CloudM")).status_code == 404
    assert (await create_package(client, "u1", "CloudM")).status_code == 409


async def test_private_package_is_invisible_to_others(stack: Stack) -> None:
    client = stack.client
    await make_publisher("owner", "secret-team", verified=False)
    created = await create_package(client, "owner", "HiddenMod", visibility="private")
    assert created.status_code == 201, created.text
    data = mod_zip("HiddenMod", "0.1.0")
    assert (await upload_version(client, "owner", "HiddenMod", "0.1.0", data)).status_code == 201
    await stack.drain_jobs()

    for headers in ({}, bearer("stranger")):
        assert (await client.get("/api/v1/packages/HiddenMod", headers=headers)).status_code == 404
        body = (
            await client.get("/api/v1/packages/HiddenMod/versions/0.1.0/file", headers=headers)
        ).text
        assert "HiddenMod" in body  # "Package not found: HiddenMod", same as unknown
        for url in (
            "/api/v1/packages",
            "/api/v1/search?q=",
            "/api/v1/versions",
            "/api/v1/search?q=hidden",
            "/api/v1/versions?names=HiddenMod",
        ):
            response = await client.get(url, headers=headers)
            assert "HiddenMod" not in response.text, url
    unknown = await client.get("/api/v1/packages/NoSuchMod")
    hidden = await client.get("/api/v1/packages/HiddenMod")
    assert unknown.json()["detail"].replace("NoSuchMod", "X") == hidden.json()["detail"].replace(
        "HiddenMod", "X"
    )

    own = (
        await client.get("/api/v1/packages?publisher=secret-team", headers=bearer("owner"))
    ).json()
    assert [p["name"] for p in own["packages"]] == ["HiddenMod"]
    public = await create_package(client, "owner", "Exposed", visibility="public")
    assert public.status_code == 403  # unverified publishers cannot publish public packages
