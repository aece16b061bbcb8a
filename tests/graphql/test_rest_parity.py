"""Reads REST has that GraphQL gained, answering like their REST routes: the compatibility
check, the build a version's download serves, the admin view of a publisher and the
visibility filter of the package list."""

from __future__ import annotations

from typing import Any

from tests.fixtures.stack import Stack, bearer
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
from tests.pipeline.support import elf_binary, make_admin, pe_binary

CHECK = """query($p: String!, $v: String!, $t: String) {
  checkCompatibility(package: $p, version: $v, toolboxVersion: $t) {
    compatible warnings conflicts } }"""
UPLOAD = """mutation($artifact: String!, $input: UploadArtifactBuildInput!, $file: Upload!) {
  uploadArtifactBuild(artifact: $artifact, input: $input, file: $file) { errors { code } } }"""
DOWNLOAD = """query($v: String!, $p: String, $a: String) { artifact(name: "app") {
  downloadBuild(version: $v, platform: $p, architecture: $a) {
    version { version } build { platform architecture downloadUrl checksumSha256 } } } }"""
ADMIN_VIEW = """{ publisher(name: "team") { verifiedBy verificationNotes
  verificationRequest { method submittedBy } } }"""


async def test_check_compatibility_answers_like_rest(stack: Stack) -> None:
    team = await make_publisher("u1", "team")
    app = await add_package(team, "app")
    await add_version(app, "1.0.0", dependencies=[("lib", "^1.0.0")])
    await add_version(app, "2.0.0", dependencies=[("lib", "^2.0.0")])
    await add_version(await add_package(team, "lib"), "1.4.0")
    secret = await add_package(team, "secret", visibility="private")
    await add_version(secret, "1.0.0")

    for name, version in (("app", "1.0.0"), ("APP", "2.0.0"), ("secret", "1.0.0")):
        answer = (await data(stack, CHECK, {"p": name, "v": version}))["checkCompatibility"]
        rest = await stack.client.get("/api/v1/resolve/check",
                                      params={"package": name, "version": version})
        assert answer == rest.json(), (name, version)
    assert (await data(stack, CHECK, {"p": "app", "v": "1.0.0"}))["checkCompatibility"] == {
        "compatible": True, "warnings": [], "conflicts": []}
    failed = (await data(stack, CHECK, {"p": "app", "v": "2.0.0"}))["checkCompatibility"]
    assert failed["compatible"] is False and any("lib" in c for c in failed["conflicts"])
    owner = (await data(stack, CHECK, {"p": "secret", "v": "1.0.0"},
                        as_actor=await actor("u1")))["checkCompatibility"]
    assert owner["compatible"] is True, "the owner sees the private package"
    missing = await execute(stack, CHECK, {"p": "app", "v": ""})
    assert missing.errors[0].message == "package and version are required"
    assert missing.errors[0].extensions == {"code": "invalid"}


async def _upload(stack: Stack, version: str, platform: str, architecture: str,
                  content: bytes) -> None:
    response = await post_upload(stack.client, UPLOAD, {"artifact": "app", "input": {
        "version": version, "platform": platform, "architecture": architecture}},
        "file", content, user="u1")
    assert response.json()["data"]["uploadArtifactBuild"]["errors"] == []


async def _download(stack: Stack, version: str, platform: str | None = None,
                    architecture: str | None = None) -> Any:
    result = await execute(stack, DOWNLOAD, {"v": version, "p": platform, "a": architecture})
    return result.errors or result.data["artifact"]["downloadBuild"]


async def test_download_build_picks_like_the_rest_download(stack: Stack) -> None:
    await make_publisher("u1", "team", artifacts=True)
    await data(stack, """mutation { createArtifact(input: {name: "app",
        artifactType: CLI_EXECUTABLE}) { errors { code } } }""", as_actor=await actor("u1"))
    await _upload(stack, "1.0.0", "windows", "x64", pe_binary(2000))
    await _upload(stack, "1.0.0", "linux", "x64", elf_binary(1000))
    await _upload(stack, "1.1.0", "all", "all", elf_binary(1500, "any"))

    exact = await _download(stack, "1.0.0", "win64", "amd64")
    rest = (await stack.client.get(
        "/api/v1/artifacts/app/versions/1.0.0/download", headers={"Accept": "application/json"},
        params={"platform": "win64", "architecture": "amd64"})).json()
    assert exact["version"] == {"version": "1.0.0"}
    assert exact["build"] == {"platform": "windows", "architecture": "x64",
                              "downloadUrl": rest["url"],
                              "checksumSha256": rest["checksum_sha256"]}
    only_linux = await _download(stack, "1.0.0", "linux")
    assert (only_linux["build"]["platform"], only_linux["build"]["architecture"]) == (
        "linux", "x64")
    fallback = await _download(stack, "1.1.0", "macos", "arm64")
    assert (fallback["build"]["platform"], fallback["build"]["architecture"]) == ("all", "all")
    assert await _download(stack, "1.0.0", "macos", "arm64") is None
    assert await _download(stack, "9.9.9", "linux", "x64") is None
    ambiguous = await _download(stack, "1.0.0")
    assert ambiguous[0].extensions == {"code": "invalid"}
    assert "windows/x64" in ambiguous[0].message and "linux/x64" in ambiguous[0].message
    bad = await _download(stack, "1.0.0", "amiga", "x64")
    assert bad[0].extensions["code"] == "invalid"


async def test_admins_see_who_verified_and_who_asked(stack: Stack) -> None:
    await make_publisher("owner", "team", verified=False)
    owner = await actor("owner")
    await data(stack, """mutation { requestVerification(method: MANUAL, data: {notes: "hi"}) {
        errors { code } } }""", as_actor=owner)
    admin = await actor("root", admin=True)
    await data(stack, """mutation { verifyPublisher(publisher: "team", notes: "checked") {
        errors { code } } }""", as_actor=admin)

    assert (await data(stack, ADMIN_VIEW, as_actor=admin))["publisher"] == {
        "verifiedBy": "root", "verificationNotes": "checked",
        "verificationRequest": {"method": "manual", "submittedBy": "owner"}}
    assert (await data(stack, ADMIN_VIEW, as_actor=owner))["publisher"] == {
        "verifiedBy": None, "verificationNotes": "checked",
        "verificationRequest": {"method": "manual", "submittedBy": None}}
    assert (await data(stack, ADMIN_VIEW))["publisher"] == {
        "verifiedBy": None, "verificationNotes": None, "verificationRequest": None}

    await make_admin("root")
    over_http = await post(stack.client, ADMIN_VIEW, user="root")
    rest = await stack.client.get("/api/v1/publishers/admin/team",
                                  headers={"Authorization": over_http.request.headers[
                                      "Authorization"]})
    assert over_http.json()["data"]["publisher"]["verifiedBy"] == rest.json()["verified_by"]
    assert over_http.json()["data"]["publisher"]["verificationRequest"]["submittedBy"] == \
        rest.json()["verification_request"]["submitted_by"]


async def test_package_list_filters_by_visibility_like_rest(stack: Stack) -> None:
    team = await make_publisher("u1", "team")
    for name, visibility in (("open", "public"), ("hidden", "unlisted"), ("secret", "private")):
        await add_version(await add_package(team, name, visibility=visibility), "1.0.0")
    query = """query($v: Visibility) { packages(filter: {visibility: $v}, sort: NAME) {
      edges { node { name visibility } } } }"""
    owner = await actor("u1")
    for visibility in ("PUBLIC", "UNLISTED", "PRIVATE"):
        for who, headers in ((None, {}), (owner, bearer("u1"))):
            found = (await data(stack, query, {"v": visibility},
                                **({"as_actor": who} if who else {})))["packages"]["edges"]
            rest = (await stack.client.get("/api/v1/packages", headers=headers,
                                           params={"visibility": visibility.lower()})).json()
            assert [e["node"]["name"] for e in found] == [p["name"] for p in rest["packages"]]
            assert all(e["node"]["visibility"] == visibility for e in found)
    assert [e["node"]["name"] for e in (await data(stack, query, {"v": "PRIVATE"},
                                                   as_actor=owner))["packages"]["edges"]] == [
        "secret"]
    assert (await data(stack, query, {"v": "PRIVATE"}))["packages"]["edges"] == []
