"""Artifacts with builds per platform/architecture, and dependency resolution with its
structured conflict explanation."""

from __future__ import annotations

import hashlib

from tests.fixtures.stack import Stack
from tests.graphql.support import (
    actor,
    add_package,
    add_version,
    data,
    execute,
    post,
    post_upload,
)
from tests.helpers import make_publisher
from tests.pipeline.support import elf_binary, pe_binary

CREATE = """mutation($input: CreateArtifactInput!) { createArtifact(input: $input) {
  artifact { name artifactType latestVersion } errors { code message } } }"""
UPLOAD = """mutation($artifact: String!, $input: UploadArtifactBuildInput!, $file: Upload!) {
  uploadArtifactBuild(artifact: $artifact, input: $input, file: $file) {
    version { version builds { platform architecture checksumSha256 sizeBytes filename } }
    errors { code message } } }"""
ARTIFACT = """{ artifact(name: "TOOLBOX-app") { id name latestVersion publisher { name }
  versions { version builds { platform architecture downloadUrl } }
  win: versions { builds(platform: "win64") { architecture } }
  latestBuild(platform: "linux", architecture: "amd64") { version { version }
                                                          build { platform architecture } }
} }"""


async def test_artifact_create_upload_and_read(stack: Stack) -> None:
    await make_publisher("u1", "team", artifacts=True)
    owner = await actor("u1")
    created = (
        await data(
            stack,
            CREATE,
            {"input": {"name": "toolbox-app", "artifactType": "TAURI_APP"}},
            as_actor=owner,
        )
    )["createArtifact"]
    assert created == {
        "artifact": {"name": "toolbox-app", "artifactType": "TAURI_APP", "latestVersion": None},
        "errors": [],
    }
    await make_publisher("u2", "plain")
    refused = (
        await data(
            stack,
            CREATE,
            {"input": {"name": "x", "artifactType": "LIBRARY"}},
            as_actor=await actor("u2"),
        )
    )["createArtifact"]
    assert refused["errors"][0]["code"] == "FORBIDDEN"

    client = stack.client
    windows = pe_binary(2000)
    uploaded = await post_upload(
        client,
        UPLOAD,
        {
            "artifact": "toolbox-app",
            "input": {"version": "1.0.0", "platform": "win64", "architecture": "x86_64"},
        },
        "file",
        windows,
        user="u1",
        filename="setup.exe",
    )
    payload = uploaded.json()["data"]["uploadArtifactBuild"]
    assert payload["errors"] == []
    assert payload["version"]["builds"] == [
        {
            "platform": "windows",
            "architecture": "x64",
            "checksumSha256": hashlib.sha256(windows).hexdigest(),
            "sizeBytes": len(windows),
            "filename": "setup.exe",
        }
    ]
    linux = elf_binary(1000)
    await post_upload(
        client,
        UPLOAD,
        {
            "artifact": "toolbox-app",
            "input": {"version": "1.1.0", "platform": "all", "architecture": "all"},
        },
        "file",
        linux,
        user="u1",
    )
    duplicate = await post_upload(
        client,
        UPLOAD,
        {
            "artifact": "toolbox-app",
            "input": {"version": "1.0.0", "platform": "windows", "architecture": "x64"},
        },
        "file",
        windows,
        user="u1",
    )
    assert duplicate.json()["data"]["uploadArtifactBuild"]["errors"][0]["code"] == "CONFLICT"

    artifact = (await data(stack, ARTIFACT))["artifact"]
    assert artifact["name"] == "toolbox-app" and artifact["latestVersion"] == "1.1.0"
    assert [v["version"] for v in artifact["versions"]] == ["1.1.0", "1.0.0"]
    assert artifact["versions"][1]["builds"][0]["downloadUrl"] == (
        "/api/v1/artifacts/toolbox-app/versions/1.0.0/builds/windows/x64/file"
    )
    assert artifact["win"] == [{"builds": []}, {"builds": [{"architecture": "x64"}]}]
    assert artifact["latestBuild"] == {
        "version": {"version": "1.1.0"},
        "build": {"platform": "all", "architecture": "all"},
    }
    node = (
        await data(
            stack,
            "query($id: ID!) { node(id: $id) { ... on Artifact { name } } }",
            {"id": artifact["id"]},
        )
    )["node"]
    assert node == {"name": "toolbox-app"}
    listing = (
        await data(
            stack, "{ artifacts(artifactType: TAURI_APP) { totalCount edges { node { name } } } }"
        )
    )["artifacts"]
    assert listing == {"totalCount": 1, "edges": [{"node": {"name": "toolbox-app"}}]}
    assert (await data(stack, '{ artifact(name: "nope") { name } }')) == {"artifact": None}
    bad_platform = await execute(
        stack,
        '{ artifact(name: "toolbox-app") { versions { builds(platform: "amiga") { platform } } } }',
    )
    assert bad_platform.errors[0].extensions["code"] == "invalid"


RESOLVE = """query($requirements: [String!]!) { resolve(requirements: $requirements) {
  success installOrder warnings
  packages { name version checksumSha256 downloadUrl package { name }
    dependencies { name versionSpec version } }
  conflict { explanation errors incompatibilities { id kind text causes
    terms { package positive constraint } } } } }"""


async def test_resolve_success_and_conflict(stack: Stack) -> None:
    team = await make_publisher("u1", "team")
    app = await add_package(team, "app")
    await add_version(app, "1.0.0", dependencies=[("lib", "^1.0.0")])
    await add_version(app, "2.0.0", dependencies=[("lib", "^2.0.0")])
    lib = await add_package(team, "lib")
    await add_version(lib, "1.4.0")
    secret = await add_package(team, "secret", visibility="private")
    await add_version(secret, "1.0.0")

    solved = (await data(stack, RESOLVE, {"requirements": ["app"]}))["resolve"]
    assert solved["success"] is True and solved["conflict"] is None
    assert solved["installOrder"] == ["lib", "app"]
    assert [(p["name"], p["version"]) for p in solved["packages"]] == [
        ("lib", "1.4.0"),
        ("app", "1.0.0"),
    ]
    assert solved["packages"][1]["dependencies"] == [
        {"name": "lib", "versionSpec": "^1.0.0", "version": "1.4.0"}
    ]
    assert solved["packages"][0]["package"] == {"name": "lib"}
    assert solved["packages"][0]["downloadUrl"] == "/api/v1/packages/lib/versions/1.4.0/file"

    failed = (await data(stack, RESOLVE, {"requirements": ["app>=2"]}))["resolve"]
    assert failed["success"] is False and failed["packages"] == []
    conflict = failed["conflict"]
    assert "lib" in conflict["explanation"] and conflict["errors"]
    kinds = {i["kind"] for i in conflict["incompatibilities"]}
    assert "derived" in kinds or "no_versions" in kinds

    hidden = (await data(stack, RESOLVE, {"requirements": ["secret"]}))["resolve"]
    assert hidden["conflict"]["errors"] == ["Package not found: secret"]
    owner = (await data(stack, RESOLVE, {"requirements": ["secret"]}, as_actor=await actor("u1")))[
        "resolve"
    ]
    assert owner["success"] is True

    malformed = await execute(stack, RESOLVE, {"requirements": ["app >>> 1"]})
    assert malformed.errors[0].extensions["code"] == "invalid"
    over_http = await post(stack.client, RESOLVE, {"requirements": ["app==1.0.0"]})
    assert over_http.json()["data"]["resolve"]["success"] is True
