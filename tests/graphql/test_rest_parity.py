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
        rest = await stack.client.get(
            "/api/v1/resolve/check", params={"package": name, "version": version}
        )
        assert answer == rest.json(), (name, version)
    assert (await data(stack, CHECK, {"p": "app", "v": "1.0.0"}))["checkCompatibility"] == {
        "compatible": True,
        "warnings": [],
        "conflicts": [],
    }
    failed = (await data(stack, CHECK, {"p": "app", "v": "2.0.0"}))["checkCompatibility"]
    assert failed["compatible"] is False and any("lib" in c for c in failed["conflicts"])
    owner = (await data(stack, CHECK, {"p": "secret", "v": "1.0.0"}, as_actor=await actor("u1")))[
        "checkCompatibility"
    ]
    assert owner["compatible"] is True, "the owner sees the private package"
    missing = await execute(stack, CHECK, {"p": "app", "v": ""})
    assert missing.errors[0].message == "package and version are required"
    assert missing.errors[0].extensions == {"code": "invalid"}


async def _upload(
    stack: Stack, version: str, platform: str, architecture: str, content: bytes
) -> None:
    response = await post_upload(
        stack.client,
        UPLOAD,
        {
            "artifact": "app",
            "input": {"version": version, "platform": platform, "architecture": architecture},
        },
        "file",
        content,
        user="u1",
    )
    assert response.json()["data"]["uploadArtifactBuild"]["errors"] == []


async def _download(
    stack: Stack, version: str, platform: str | None = None, architecture: str | None = None
) -> Any:
    result = await execute(stack, DOWNLOAD, {"v": version, "p": platform, "a": architecture})
    return result.errors or result.data["artifact"]["downloadBuild"]


async def test_download_build_picks_like_the_rest_download(stack: Stack) -> None:
    await make_publisher("u1", "team", artifacts=True)
    await data(
        stack,
        """mutation { createArtifact(input: {name: "app",
        artifactType: CLI_EXECUTABLE}) { errors { code } } }""",
        as_actor=await actor("u1"),
    )
    await _upload(stack, "1.0.0", "windows", "x64", pe_binary(2000))
    await _upload(stack, "1.0.0", "linux", "x64", elf_binary(1000))
    await _upload(stack, "1.1.0", "all", "all", elf_binary(1500, "any"))

    exact = await _download(stack, "1.0.0", "win64", "amd64")
    rest = (
        await stack.client.get(
            "/api/v1/artifacts/app/versions/1.0.0/download",
            headers={"Accept": "application/json"},
            params={"platform": "win64", "architecture": "amd64"},
        )
    ).json()
    assert exact["version"] == {"version": "1.0.0"}
    assert exact["build"] == {
        "platform": "windows",
        "architecture": "x64",
        "downloadUrl": rest["url"],
        "checksumSha256": rest["checksum_sha256"],
    }
    only_linux = await _download(stack, "1.0.0", "linux")
    assert (only_linux["build"]["platform"], only_linux["build"]["architecture"]) == (
        "linux",
        "x64",
    )
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
    await data(
        stack,
        """mutation { requestVerification(method: MANUAL, data: {notes: "hi"}) {
        errors { code } } }""",
        as_actor=owner,
    )
    admin = await actor("root", admin=True)
    await data(
        stack,
        """mutation { verifyPublisher(publisher: "team", notes: "checked") {
        errors { code } } }""",
        as_actor=admin,
    )

    assert (await data(stack, ADMIN_VIEW, as_actor=admin))["publisher"] == {
        "verifiedBy": "root",
        "verificationNotes": "checked",
        "verificationRequest": {"method": "manual", "submittedBy": "owner"},
    }
    assert (await data(stack, ADMIN_VIEW, as_actor=owner))["publisher"] == {
        "verifiedBy": None,
        "verificationNotes": "checked",
        "verificationRequest": {"method": "manual", "submittedBy": None},
    }
    assert (await data(stack, ADMIN_VIEW))["publisher"] == {
        "verifiedBy": None,
        "verificationNotes": None,
        "verificationRequest": None,
    }

    await make_admin("root")
    over_http = await post(stack.client, ADMIN_VIEW, user="root")
    rest = await stack.client.get(
        "/api/v1/publishers/admin/team",
        headers={"Authorization": over_http.request.headers["Authorization"]},
    )
    assert over_http.json()["data"]["publisher"]["verifiedBy"] == rest.json()["verified_by"]
    assert (
        over_http.json()["data"]["publisher"]["verificationRequest"]["submittedBy"]
        == rest.json()["verification_request"]["submitted_by"]
    )


async def test_package_list_filters_by_visibility_like_rest(stack: Stack) -> None:
    team = await make_publisher("u1", "team")
    for name, visibility in (("open", "public"), ("hidden", "unlisted"), ("secret", "private")):
        await add_version(await add_package(team, name, visibility=visibility), "1.0.0")
    query = """query($v: Visibility) { packages(filter: {visibility: $v}, sort: NAME) {
      edges { node { name visibility } } } }"""
    owner = await actor("u1")
    for visibility in ("PUBLIC", "UNLISTED", "PRIVATE"):
        for who, headers in ((None, {}), (owner, bearer("u1"))):
            found = (
                await data(stack, query, {"v": visibility}, **({"as_actor": who} if who else {}))
            )["packages"]["edges"]
            rest = (
                await stack.client.get(
                    "/api/v1/packages", headers=headers, params={"visibility": visibility.lower()}
                )
            ).json()
            assert [e["node"]["name"] for e in found] == [p["name"] for p in rest["packages"]]
            assert all(e["node"]["visibility"] == visibility for e in found)
    assert [
        e["node"]["name"]
        for e in (await data(stack, query, {"v": "PRIVATE"}, as_actor=owner))["packages"]["edges"]
    ] == ["secret"]
    assert (await data(stack, query, {"v": "PRIVATE"}))["packages"]["edges"] == []


# --- one listing for both APIs (domain/services/listing.py) --------------------------------

LISTING = """query($search: String, $sort: PackageSort!, $filter: PackageFilter, $first: Int,
                  $after: String) {
  packages(search: $search, sort: $sort, filter: $filter, first: $first, after: $after) {
    totalCount edges { node { name } } pageInfo { hasNextPage endCursor } } }"""
SUGGEST = "query($p: String!) { suggestPackageNames(prefix: $p, limit: 10) }"


async def _listing_world() -> str:
    """Names, display names, text and downloads chosen so that every relevance tier, every
    tie-breaker and every visibility occurs; `dead` has only a yanked version."""
    team = await make_publisher("u1", "team")
    others = await make_publisher("u2", "others")
    rows = [  # (publisher, name, visibility, type, downloads, display name, description)
        (team, "auth", "public", "mod", 10, "", ""),
        (team, "authx", "public", "library", 900, "", ""),
        (team, "auth-lib", "public", "library", 900, "", ""),
        (team, "my-auth", "public", "mod", 5000, "", ""),
        (team, "cloud", "public", "mod", 10, "Cloud AUTH Suite", ""),
        (team, "db", "public", "library", 10, "", "stores auth tokens"),
        (team, "a_b", "public", "mod", 3, "", ""),
        (team, "axb", "public", "mod", 3, "", ""),
        (team, "secret-auth", "private", "mod", 7000, "", ""),
        (team, "secret-db", "private", "library", 1, "", ""),
        (team, "hidden-auth", "unlisted", "mod", 50, "", ""),
        (team, "dead", "public", "mod", 20, "", "auth"),
        (others, "their-auth", "public", "theme", 10, "", ""),
        (others, "their-secret", "private", "mod", 10, "", ""),
    ]
    for owner, name, visibility, package_type, downloads, display, description in rows:
        package = await add_package(
            owner,
            name,
            visibility=visibility,
            package_type=package_type,
            downloads=downloads,
            description=description,
        )
        if display:
            package.display_name = display
            await package.save()
        await add_version(package, "1.0.0", yanked=name == "dead")
    return str(team.id)


async def _token(user: str, globs: list[str]) -> dict[str, str]:
    from domain.actor import Actor
    from domain.services import tokens

    created = await tokens.create_token(
        Actor(user_id=user), "listing", ["read-private"], package_globs=globs
    )
    return {"Authorization": f"Bearer {created.plaintext}"}


async def _rest_pages(
    stack: Stack, path: str, params: dict[str, Any], headers: dict[str, str], per_page: int
) -> tuple[list[list[str]], int]:
    pages: list[list[str]] = []
    page = 1
    while True:
        response = await stack.client.get(
            path, headers=headers, params={**params, "page": page, "per_page": per_page}
        )
        assert response.status_code == 200, response.text
        body = response.json()
        names = [p["name"] for p in body["packages"]]
        if not names:
            return pages, body["total"]
        pages.append(names)
        page += 1


async def _graphql_pages(
    stack: Stack, variables: dict[str, Any], headers: dict[str, str], first: int
) -> tuple[list[list[str]], int]:
    pages: list[list[str]] = []
    after = None
    while True:
        response = await stack.client.post(
            "/graphql",
            headers=headers,
            json={"query": LISTING, "variables": {**variables, "first": first, "after": after}},
        )
        body = response.json()
        assert "errors" not in body, body
        found = body["data"]["packages"]
        if found["edges"]:
            pages.append([edge["node"]["name"] for edge in found["edges"]])
        if not found["pageInfo"]["hasNextPage"]:
            return pages, found["totalCount"]
        after = found["pageInfo"]["endCursor"]


async def test_rest_and_graphql_list_the_same_pages(stack: Stack) -> None:
    team_id = await _listing_world()
    callers = {
        "anonymous": {},
        "member": bearer("u1"),
        "token secret-a*": await _token("u1", ["secret-a*"]),
    }
    searches = [None, "", "auth", "AUTH", "  Auth ", "a_", "suite", "tokens", "zzz", "%"]
    checked = 0
    for label, headers in callers.items():
        for search in searches:
            for package_type in (None, "library"):
                for publisher in (None, "team"):
                    params: dict[str, Any] = {}
                    conditions: dict[str, Any] = {"includeYanked": True}
                    if package_type:
                        params["package_type"] = package_type
                        conditions["type"] = package_type.upper()
                    if publisher:
                        params["publisher"] = publisher
                        conditions["publisher"] = publisher
                    if search is None:  # the list: by name
                        path, sort = "/api/v1/packages", "NAME"
                    else:  # search: by relevance
                        path, sort = "/api/v1/search", "RELEVANCE"
                        params["q"] = search
                    variables = {"search": search, "sort": sort, "filter": conditions}
                    for size in (3, 100):
                        rest = await _rest_pages(stack, path, params, headers, size)
                        graphql = await _graphql_pages(stack, variables, headers, size)
                        assert rest == graphql, (label, search, package_type, publisher, size)
                        checked += 1
    assert checked == len(callers) * len(searches) * 2 * 2 * 2

    # The expected answers themselves, for a few of those queries.
    async def names(path: str, headers: dict[str, str], **params: Any) -> list[str]:
        response = await stack.client.get(path, headers=headers, params=params)
        assert response.status_code == 200, response.text
        return [p["name"] for p in response.json()["packages"]]

    assert await names("/api/v1/search", {}, q="auth") == [
        "auth",
        "auth-lib",
        "authx",
        "my-auth",
        "their-auth",
        "cloud",
        "dead",
        "db",
    ]
    assert await names("/api/v1/search", callers["member"], q="AUTH") == [
        "auth",
        "auth-lib",
        "authx",
        "secret-auth",
        "my-auth",
        "hidden-auth",
        "their-auth",
        "cloud",
        "dead",
        "db",
    ]
    assert await names("/api/v1/search", callers["token secret-a*"], q="auth") == [
        "auth",
        "auth-lib",
        "authx",
        "secret-auth",
        "my-auth",
        "their-auth",
        "cloud",
        "dead",
        "db",
    ]
    assert await names("/api/v1/search", {}, q="a_") == ["a_b"], "LIKE wildcards are literal"
    assert await names(
        "/api/v1/packages", callers["member"], publisher="team", package_type="library"
    ) == ["auth-lib", "authx", "db", "secret-db"]
    # The publisher filter takes a slug or an id, on both routes.
    assert (
        await names("/api/v1/search", {}, q="auth", publisher=team_id)
        == await names("/api/v1/search", {}, q="auth", publisher="TEAM")
        != []
    )
    # No stored text holds NUL (PostgreSQL refuses it as a parameter): both APIs refuse it
    # before it reaches the listing.
    refused = await stack.client.get("/api/v1/search", params={"q": "auth\x00"})
    assert refused.status_code == 400 and "q" in refused.json()["detail"]
    inline = await post(stack.client, '{ packages(search: "a\\u0000") { totalCount } }')
    assert inline.json()["errors"][0]["extensions"] == {
        "code": "invalid",
        "requestId": inline.headers["x-request-id"],
    }, inline.json()
    # GraphQL's default hides packages with nothing left to install; REST never does.
    default = await _graphql_pages(stack, {"search": "auth", "sort": "RELEVANCE"}, {}, 100)
    assert default == ([["auth", "auth-lib", "authx", "my-auth", "their-auth", "cloud", "db"]], 7)


async def test_suggestions_are_the_same_on_both(stack: Stack) -> None:
    await _listing_world()
    for headers in ({}, bearer("u1"), await _token("u1", ["secret-a*"])):
        for prefix in ("a", "AU", "secret", "their", "a_", "zzz", "", "%"):
            rest = await stack.client.get(
                "/api/v1/search/suggest", headers=headers, params={"q": prefix, "limit": 10}
            )
            graphql = await stack.client.post(
                "/graphql", headers=headers, json={"query": SUGGEST, "variables": {"p": prefix}}
            )
            assert rest.json() == graphql.json()["data"]["suggestPackageNames"], prefix
    answer = await stack.client.get("/api/v1/search/suggest", params={"q": "au"})
    assert answer.json() == ["auth-lib", "authx", "auth"]  # downloads, then name
