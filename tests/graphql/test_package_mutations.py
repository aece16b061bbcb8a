"""Package mutations over the same domain services as REST: payloads carry typed user errors,
uploads stream through the GraphQL multipart spec with REST's limits and pipeline."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

from domain.models import AuditEvent, PackageVersion
from tests.fixtures.stack import Stack, bearer
from tests.graphql.support import (
    actor,
    add_package,
    add_version,
    count_queries,
    data,
    post,
    post_upload,
    spooled,
)
from tests.helpers import make_publisher, mod_zip

CREATE = """mutation($input: CreatePackageInput!) { createPackage(input: $input) {
  package { name displayName packageType visibility keywords license }
  errors { field code message } } }"""
UPDATE = """mutation($name: String!, $input: UpdatePackageInput!) {
  updatePackage(name: $name, input: $input) {
    package { visibility description keywords homepage } errors { field code message } } }"""
PUBLISH = """mutation($package: String!, $input: PublishVersionInput!, $file: Upload!) {
  publishVersion(package: $package, input: $input, file: $file) {
    version { version status checksumSha256 sizeBytes } downloadUrl warnings
    errors { field code message } } }"""
YANK = """mutation($p: String!, $v: String!, $r: String!) { yankVersion(package: $p, version: $v,
  reason: $r) { version { version yanked yankReason } errors { code message } } }"""
UNYANK = """mutation($p: String!, $v: String!) { unyankVersion(package: $p, version: $v) {
  version { yanked } errors { code } } }"""
DELETE = """mutation($name: String!) { deletePackage(name: $name) { deletedName
  errors { code message } } }"""


async def test_create_update_delete(stack: Stack) -> None:
    await make_publisher("u1", "team")
    owner = await actor("u1")
    created = (
        await data(
            stack,
            CREATE,
            {
                "input": {
                    "name": "CloudM",
                    "packageType": "LIBRARY",
                    "keywords": ["Cloud"],
                    "license": "MIT",
                }
            },
            as_actor=owner,
        )
    )["createPackage"]
    assert created == {
        "package": {
            "name": "CloudM",
            "displayName": "CloudM",
            "packageType": "LIBRARY",
            "visibility": "PUBLIC",
            "keywords": ["cloud"],
            "license": "MIT",
        },
        "errors": [],
    }
    duplicate = (await data(stack, CREATE, {"input": {"name": "cloudm"}}, as_actor=owner))[
        "createPackage"
    ]
    assert duplicate == {
        "package": None,
        "errors": [
            {"field": None, "code": "CONFLICT", "message": "Package already exists: cloudm"}
        ],
    }
    invalid = (await data(stack, CREATE, {"input": {"name": "bad name"}}, as_actor=owner))[
        "createPackage"
    ]
    assert invalid["errors"][0]["field"] == "name" and invalid["errors"][0]["code"] == "INVALID"

    updated = (
        await data(
            stack,
            UPDATE,
            {
                "name": "cloudm",
                "input": {"visibility": "PRIVATE", "description": "Cloud", "homepage": None},
            },
            as_actor=owner,
        )
    )["updatePackage"]
    assert updated == {
        "package": {
            "visibility": "PRIVATE",
            "description": "Cloud",
            "keywords": ["cloud"],
            "homepage": "",
        },
        "errors": [],
    }
    bad_url = (
        await data(
            stack, UPDATE, {"name": "CloudM", "input": {"homepage": "ftp://x"}}, as_actor=owner
        )
    )["updatePackage"]
    assert bad_url["errors"] == [
        {"field": "homepage", "code": "INVALID", "message": "homepage must be an http(s) URL"}
    ]

    stranger = await actor("u2")
    # Private now: a stranger cannot tell it from a missing package.
    refused = await data(stack, DELETE, {"name": "CloudM"}, as_actor=stranger)
    assert refused["deletePackage"] == {
        "deletedName": None,
        "errors": [{"code": "NOT_FOUND", "message": "Package not found: CloudM"}],
    }
    deleted = (await data(stack, DELETE, {"name": "cloudm"}, as_actor=owner))["deletePackage"]
    assert deleted == {"deletedName": "CloudM", "errors": []}
    actions = await AuditEvent.filter(target_id="CloudM").values_list("action", flat=True)
    assert {"package.create", "package.update", "package.visibility", "package.delete"} <= set(
        actions
    )


async def test_anonymous_and_policy_refusals(stack: Stack) -> None:
    anonymous = (await data(stack, CREATE, {"input": {"name": "x"}}))["createPackage"]
    assert anonymous["errors"][0]["code"] == "NOT_AUTHENTICATED"
    await make_publisher("u1", "fresh", verified=False)
    unverified = (await data(stack, CREATE, {"input": {"name": "x"}}, as_actor=await actor("u1")))[
        "createPackage"
    ]
    assert unverified["errors"][0]["code"] == "FORBIDDEN"
    assert "verified publishers" in unverified["errors"][0]["message"]
    private = (
        await data(
            stack,
            CREATE,
            {"input": {"name": "x", "visibility": "PRIVATE"}},
            as_actor=await actor("u1"),
        )
    )["createPackage"]
    assert private["errors"] == [] and private["package"]["visibility"] == "PRIVATE"


async def test_publish_yank_unyank_schema_level(stack: Stack, tmp_path: Path) -> None:
    await make_publisher("u1", "team")
    owner = await actor("u1")
    await data(stack, CREATE, {"input": {"name": "CloudM"}}, as_actor=owner)
    content = mod_zip("CloudM", "1.0.0", dependencies=["DB>=1.0.0"])
    upload = spooled(tmp_path / "upload.zip", content)
    published = (
        await data(
            stack,
            PUBLISH,
            {
                "package": "CloudM",
                "file": upload,
                "input": {"version": "1.0.0", "changelog": "first"},
            },
            as_actor=owner,
        )
    )["publishVersion"]
    assert published["errors"] == [] and published["version"]["status"] == "PENDING"
    assert published["version"]["checksumSha256"] == hashlib.sha256(content).hexdigest()
    assert published["downloadUrl"] == "/api/v1/packages/CloudM/versions/1.0.0/file"
    assert not upload.path.exists()  # the spooled upload is gone once stored
    await stack.drain_jobs()
    row = await PackageVersion.get(version="1.0.0")
    assert row.status == "published"

    again = (
        await data(
            stack,
            PUBLISH,
            {
                "package": "CloudM",
                "file": spooled(tmp_path / "again.zip", content),
                "input": {"version": "1.0.0"},
            },
            as_actor=owner,
        )
    )["publishVersion"]
    assert again["errors"][0]["code"] == "CONFLICT"
    bad_version = (
        await data(
            stack,
            PUBLISH,
            {
                "package": "CloudM",
                "file": spooled(tmp_path / "bad.zip", content),
                "input": {"version": "one"},
            },
            as_actor=owner,
        )
    )["publishVersion"]
    assert bad_version["errors"][0]["field"] == "version"

    yanked = (
        await data(stack, YANK, {"p": "cloudm", "v": "1.0.0", "r": "broken"}, as_actor=owner)
    )["yankVersion"]
    assert yanked == {
        "version": {"version": "1.0.0", "yanked": True, "yankReason": "broken"},
        "errors": [],
    }
    assert (await data(stack, '{ package(name: "CloudM") { latestVersion } }')) == {
        "package": {"latestVersion": None}
    }
    stranger = await actor("u2")
    assert (await data(stack, UNYANK, {"p": "CloudM", "v": "1.0.0"}, as_actor=stranger))[
        "unyankVersion"
    ]["errors"][0]["code"] == "FORBIDDEN"
    unyanked = (await data(stack, UNYANK, {"p": "CloudM", "v": "1.0.0"}, as_actor=owner))[
        "unyankVersion"
    ]
    assert unyanked == {"version": {"yanked": False}, "errors": []}


async def test_publish_over_http_multipart(stack: Stack) -> None:
    await make_publisher("u1", "team")
    client = stack.client
    await post(client, CREATE, {"input": {"name": "CloudM"}}, user="u1")
    content = mod_zip("CloudM", "2.0.0")
    response = await post_upload(
        client,
        PUBLISH,
        {"package": "CloudM", "input": {"version": "2.0.0"}},
        "file",
        content,
        user="u1",
        filename="tmpabc.zip",
    )
    assert response.status_code == 200, response.text
    payload = response.json()["data"]["publishVersion"]
    assert payload["errors"] == [] and payload["version"]["sizeBytes"] == len(content)
    await stack.drain_jobs()
    download = await client.get(payload["downloadUrl"])
    assert download.status_code == 200 and download.content == content
    leftovers = [p for p in (stack.settings.spool_dir / "uploads").rglob("upload-*")]
    assert leftovers == []

    # Someone else's package: refused by the domain, reported in the payload.
    await make_publisher("u2", "other")
    refused = await post_upload(
        client,
        PUBLISH,
        {"package": "CloudM", "input": {"version": "2.1.0"}},
        "file",
        content,
        user="u2",
    )
    assert refused.json()["data"]["publishVersion"]["errors"][0]["code"] == "FORBIDDEN"
    # Not a ZIP: the upload pipeline's own 400 reason.
    junk = await post_upload(
        client,
        PUBLISH,
        {"package": "CloudM", "input": {"version": "2.2.0"}},
        "file",
        b"not a zip",
        user="u1",
    )
    error = junk.json()["data"]["publishVersion"]["errors"][0]
    assert error["code"] == "INVALID" and "ZIP" in error["message"]


async def test_multipart_limits_and_malformed_bodies(stack: Stack) -> None:
    client = stack.client
    await make_publisher("u1", "team")
    limit = stack.settings.max_upload_bytes
    with count_queries() as counter:
        declared = await client.post(
            "/graphql",
            headers={
                "content-type": "multipart/form-data; boundary=x",
                "content-length": str(limit + 10 * 1024 * 1024),
            },
            content=b"--x--",
        )
    assert declared.status_code == 413
    assert counter.count == 0
    # Anonymous and non-upload multipart requests are refused before their bodies are read:
    # tests/security/test_http_edges.py covers that; the structure is checked for uploaders.
    auth = bearer("u1")
    upload_operations = json.dumps({"query": PUBLISH, "variables": {"file": None}})
    no_operations = await client.post(
        "/graphql",
        files={"0": ("a.zip", b"x")},
        data={"map": '{"0": ["variables.file"]}'},
        headers=auth,
    )
    assert no_operations.status_code == 400
    assert no_operations.json()["errors"][0]["extensions"]["code"] == "invalid"
    unmapped = await client.post(
        "/graphql",
        data={"operations": upload_operations, "map": "{}"},
        files={"surprise": ("a.zip", b"x")},
        headers=auth,
    )
    assert unmapped.status_code == 400 and "not in the map" in unmapped.text
    bad_path = await client.post(
        "/graphql",
        data={"operations": upload_operations, "map": '{"0": ["variables.nothing.here"]}'},
        files={"0": ("a.zip", b"x")},
        headers=auth,
    )
    assert bad_path.status_code == 400
    for operations in ('"just a string"', "[1, 2]", "null", "7"):
        not_one = await client.post(
            "/graphql",
            data={"operations": operations, "map": "{}"},
            files={"0": ("a.zip", b"x")},
            headers=auth,
        )
        assert not_one.status_code == 400, not_one.text
        assert not_one.json()["errors"][0]["extensions"]["code"] == "invalid"


async def test_upload_limit_applies_while_streaming(stack: Stack, tmp_path: Path) -> None:
    from dataclasses import replace

    import httpx

    from registry.app import create_app

    await make_publisher("u1", "team")
    await add_version(await add_package(await make_publisher("u9", "nine"), "Other"), "1.0.0")
    small = replace(stack.settings, max_upload_bytes=64 * 1024)
    app = create_app(small, runtime=stack.runtime)
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=app), base_url="http://testserver"
    ) as client:
        await post(client, CREATE, {"input": {"name": "Big"}}, user="u1")
        response = await post_upload(
            client,
            PUBLISH,
            {"package": "Big", "input": {"version": "1.0.0"}},
            "file",
            b"x" * (200 * 1024),
            user="u1",
        )
    assert response.status_code == 413
    assert response.json()["errors"][0]["extensions"]["code"] == "too_large"
    leftovers = [p for p in (stack.settings.spool_dir / "uploads").rglob("upload-*")]
    assert leftovers == []
