"""Package queries: lookups, versions, dependencies, the paged list with its filters and
orders, hash and update lookups, and global ids; private packages stay invisible."""

from __future__ import annotations

from typing import Any

from domain.models import Package
from schema.core.pagination import encode_cursor
from tests.fixtures.stack import Stack
from tests.graphql.support import actor, add_package, add_version, data, execute, post
from tests.helpers import make_publisher

DETAIL = """query($name: String!) { package(name: $name) {
  id name displayName packageType visibility keywords latestVersion totalDownloads
  publisher { name }
  latest { version }
  versions { version status yanked downloadUrl }
  version(version: "1.0.0") { version checksumSha256 dependencies { name versionSpec optional
    package { name } } }
  usedBy { name }
} }"""


async def scenario() -> dict[str, Any]:
    team = await make_publisher("owner", "team")
    other = await make_publisher("stranger", "others", verified=False)
    cloud = await add_package(
        team, "CloudM", keywords=["cloud", "auth"], downloads=50, description="Cloud manager"
    )
    await add_version(cloud, "1.0.0", dependencies=[("DB", ">=1.0"), ("requests", "*")])
    await add_version(cloud, "1.1.0")
    await add_version(cloud, "2.0.0", status="pending")
    db = await add_package(team, "DB", package_type="library", downloads=500)
    await add_version(db, "1.2.0", dependencies=[("CloudM", "^1.0")])
    secret = await add_package(team, "SecretMod", visibility="private")
    await add_version(secret, "0.1.0", dependencies=[("CloudM", "*")])
    hidden = await add_package(other, "Unlisted", visibility="unlisted", keywords=["cloud"])
    await add_version(hidden, "1.0.0")
    gone = await add_package(team, "Yanked", keywords=["cloud"])
    await add_version(gone, "1.0.0", yanked=True)
    return {"team": team, "cloud": cloud, "db": db, "secret": secret}


async def test_package_detail_for_anyone(stack: Stack) -> None:
    await scenario()
    package = (await data(stack, DETAIL, {"name": "cloudm"}))["package"]
    assert package["name"] == "CloudM" and package["packageType"] == "MOD"
    assert package["visibility"] == "PUBLIC" and package["keywords"] == ["cloud", "auth"]
    assert package["latestVersion"] == "1.1.0" and package["latest"] == {"version": "1.1.0"}
    assert package["publisher"] == {"name": "team"} and package["totalDownloads"] == 50
    # Pending versions are the owner's business; yanked ones are listed.
    assert [v["version"] for v in package["versions"]] == ["1.1.0", "1.0.0"]
    assert package["versions"][0]["downloadUrl"] == "/api/v1/packages/CloudM/versions/1.1.0/file"
    version = package["version"]
    assert version["version"] == "1.0.0" and len(version["checksumSha256"]) == 64
    assert version["dependencies"] == [
        {"name": "DB", "versionSpec": ">=1.0", "optional": False, "package": {"name": "DB"}},
        {"name": "requests", "versionSpec": "*", "optional": False, "package": None},
    ]
    # SecretMod depends on CloudM too, but anonymous callers never learn it exists.
    assert package["usedBy"] == [{"name": "DB"}]


async def test_owner_sees_pending_versions_and_private_dependents(stack: Stack) -> None:
    await scenario()
    owner = await actor("owner")
    package = (await data(stack, DETAIL, {"name": "CloudM"}, as_actor=owner))["package"]
    assert [(v["version"], v["status"], v["downloadUrl"]) for v in package["versions"]][0] == (
        "2.0.0",
        "PENDING",
        None,
    )
    assert {p["name"] for p in package["usedBy"]} == {"DB", "SecretMod"}


async def test_private_package_is_null_everywhere_for_others(stack: Stack) -> None:
    rows = await scenario()
    stranger = await actor("stranger")
    query = """query($id: ID!) {
      package(name: "SecretMod") { name }
      version(package: "SecretMod", version: "0.1.0") { version }
      node(id: $id) { id }
      packages(search: "secret") { totalCount }
    }"""
    from strawberry.relay import GlobalID

    global_id = str(GlobalID("Package", str(rows["secret"].id)))
    for who in (None, stranger):
        kwargs = {"as_actor": who} if who else {}
        result = await data(stack, query, {"id": global_id}, **kwargs)
        assert result == {
            "package": None,
            "version": None,
            "node": None,
            "packages": {"totalCount": 0},
        }
    owner = await actor("owner")
    result = await data(stack, query, {"id": global_id}, as_actor=owner)
    assert result["package"] == {"name": "SecretMod"} and result["node"] == {"id": global_id}
    assert result["version"] == {"version": "0.1.0"}


async def test_node_resolves_every_package_type(stack: Stack) -> None:
    await scenario()
    found = await data(
        stack,
        """{ package(name: "CloudM") { id
        versions { id dependencies { id } } publisher { id } } }""",
    )
    package = found["package"]
    ids = [
        package["id"],
        package["versions"][1]["id"],
        package["versions"][1]["dependencies"][0]["id"],
        package["publisher"]["id"],
    ]
    result = await data(
        stack,
        """query($ids: [ID!]!) { a: node(id: $ids[0]) { id } }""".replace("$ids[0]", "$a").replace(
            "$ids: [ID!]!", "$a: ID!"
        ),
        {"a": ids[0]},
    )
    assert result["a"]["id"] == ids[0]
    for global_id, typename in zip(
        ids, ["Package", "PackageVersion", "Dependency", "Publisher"], strict=True
    ):
        node = (
            await data(
                stack, "query($id: ID!) { node(id: $id) { __typename id } }", {"id": global_id}
            )
        )["node"]
        assert node == {"__typename": typename, "id": global_id}
    bad = await execute(stack, 'query { node(id: "not-a-global-id") { id } }')
    assert bad.errors


async def names(stack: Stack, *, who: Any = None, **arguments: Any) -> list[str]:
    query = """query($search: String, $filter: PackageFilter, $sort: PackageSort!,
                     $first: Int, $after: String) {
      packages(search: $search, filter: $filter, sort: $sort, first: $first, after: $after) {
        totalCount edges { cursor node { name } } pageInfo { hasNextPage endCursor } } }"""
    variables = {"sort": "RELEVANCE", **arguments}
    kwargs = {"as_actor": who} if who else {}
    result = (await data(stack, query, variables, **kwargs))["packages"]
    return [edge["node"]["name"] for edge in result["edges"]]


async def test_list_filters(stack: Stack) -> None:
    await scenario()
    assert await names(stack, sort="NAME") == ["CloudM", "DB"]
    assert await names(stack, sort="NAME", filter={"includeYanked": True}) == [
        "CloudM",
        "DB",
        "Yanked",
    ]
    assert await names(stack, filter={"type": "LIBRARY"}) == ["DB"]
    assert await names(stack, filter={"keyword": "cloud", "includeYanked": True}, sort="NAME") == [
        "CloudM",
        "Yanked",
    ]
    assert await names(stack, filter={"keyword": "clou"}) == []
    assert await names(stack, filter={"publisher": "others"}) == []
    assert await names(stack, filter={"publisher": "nobody"}) == []
    assert await names(stack, filter={"verifiedOnly": True}, sort="NAME") == ["CloudM", "DB"]
    owner = await actor("owner")
    assert await names(stack, who=owner, sort="NAME", filter={"publisher": "team"}) == [
        "CloudM",
        "DB",
        "SecretMod",
    ]
    stranger = await actor("stranger")
    assert await names(stack, who=stranger, filter={"publisher": "others"}) == ["Unlisted"]


async def test_search_relevance_and_sorts(stack: Stack) -> None:
    team = await make_publisher("owner", "team")
    for name, downloads in (("auth", 1), ("authx", 900), ("my-auth", 5000), ("cloud", 10)):
        await add_package(
            team, name, downloads=downloads, description="auth helpers" if name == "cloud" else ""
        )
    assert await names(stack, search="AUTH") == ["auth", "authx", "my-auth", "cloud"]
    assert await names(stack) == ["my-auth", "authx", "cloud", "auth"]
    assert await names(stack, sort="DOWNLOADS") == ["my-auth", "authx", "cloud", "auth"]
    assert await names(stack, sort="NAME") == ["auth", "authx", "cloud", "my-auth"]
    created = await names(stack, sort="CREATED")
    assert created == ["cloud", "my-auth", "authx", "auth"]
    changed = await Package.get(name="authx")
    changed.description = "changed"
    await changed.save()  # auto_now bumps updated_at
    assert (await names(stack, sort="UPDATED"))[0] == "authx"


async def test_keyset_pages_cover_every_order_without_gaps(stack: Stack) -> None:
    team = await make_publisher("owner", "team")
    for index in range(23):
        await add_package(
            team, f"pkg{index:02d}", downloads=index % 4, description="match" if index % 3 else ""
        )
    for sort, search in (
        ("NAME", None),
        ("DOWNLOADS", None),
        ("CREATED", None),
        ("UPDATED", None),
        ("RELEVANCE", "pkg1"),
        ("RELEVANCE", "match"),
    ):
        everything = await names(stack, sort=sort, search=search, first=100)
        paged: list[str] = []
        after = None
        while True:
            query = """query($sort: PackageSort!, $search: String, $after: String) {
              packages(sort: $sort, search: $search, first: 5, after: $after) {
                totalCount edges { node { name } } pageInfo { hasNextPage endCursor } } }"""
            page = (await data(stack, query, {"sort": sort, "search": search, "after": after}))[
                "packages"
            ]
            assert page["totalCount"] == len(everything)
            paged += [e["node"]["name"] for e in page["edges"]]
            if not page["pageInfo"]["hasNextPage"]:
                break
            after = page["pageInfo"]["endCursor"]
        assert paged == everything, (sort, search)


async def test_bad_cursors_and_page_sizes_are_user_errors(stack: Stack) -> None:
    for arguments in ('after: "garbage"', 'after: "WyJuYW1lIl0"', "first: 101", "first: -1"):
        result = await execute(stack, f"{{ packages({arguments}) {{ totalCount }} }}")
        assert result.errors and result.errors[0].extensions["code"] == "invalid", arguments
    cursor = await data(stack, "{ packages(sort: NAME) { pageInfo { endCursor } } }")
    assert cursor["packages"]["pageInfo"]["endCursor"] is None
    # Well-formed cursors whose numbers no 64-bit column holds: invalid, not a failed query.
    for sort, key in (
        ("DOWNLOADS", [2**63, "a"]),
        ("UPDATED", ["2026-01-01T00:00:00", 10**30]),
        ("CREATED", ["2026-01-01T00:00:00", -(2**63) - 1]),
    ):
        crafted = encode_cursor(sort.lower(), key)
        result = await execute(
            stack,
            "query($a: String, $s: PackageSort!) { packages(sort: $s, after: $a) { totalCount } }",
            {"a": crafted, "s": sort},
        )
        assert result.errors and result.errors[0].extensions["code"] == "invalid", sort
    # An offset-paged list (artifacts): an aligned position far past any list is invalid too.
    for position in (19, 20 * 10**28 - 1):
        result = await execute(
            stack,
            "query($a: String) { artifacts(after: $a) { totalCount } }",
            {"a": encode_cursor("artifacts:", [20, position])},
        )
        assert (result.errors is None) == (position == 19), result.errors


async def test_version_file_and_update_lookups(stack: Stack) -> None:
    rows = await scenario()
    version = await data(
        stack,
        """{ version(package: "cloudm", version: "1.0.0") {
        version checksumSha256 package { name } } }""",
    )
    assert version["version"]["version"] == "1.0.0"
    digest = version["version"]["checksumSha256"]
    assert (
        await data(
            stack,
            "query($s: String!) { fileBySha256(sha256: $s) { version package { name } } }",
            {"s": digest},
        )
    )["fileBySha256"] == [{"version": "1.0.0", "package": {"name": "CloudM"}}]
    bad = await execute(stack, '{ fileBySha256(sha256: "xyz") { version } }')
    assert bad.errors[0].extensions == {"code": "invalid", "field": "sha256"}
    latest = await data(
        stack, '{ latestVersions(names: ["cloudm", "SecretMod", "nope"]) { name latestVersion } }'
    )
    assert latest["latestVersions"] == [{"name": "CloudM", "latestVersion": "1.1.0"}]
    updates = await data(
        stack,
        """{ checkUpdates(items: [{name: "CloudM", version: "1.0.0"},
        {name: "SecretMod", version: "0.0.1"}]) { found name latestVersion updateAvailable } }""",
    )
    assert updates["checkUpdates"] == [
        {"found": True, "name": "CloudM", "latestVersion": "1.1.0", "updateAvailable": True},
        {"found": False, "name": None, "latestVersion": None, "updateAvailable": False},
    ]
    assert (await data(stack, '{ suggestPackageNames(prefix: "c") }')) == {
        "suggestPackageNames": ["CloudM"]
    }
    assert rows["cloud"].name == "CloudM"


async def test_queries_over_http_with_a_token(stack: Stack) -> None:
    await scenario()
    query = '{ package(name: "SecretMod") { name versions { version } } }'
    anonymous = await post(stack.client, query)
    assert anonymous.json() == {"data": {"package": None}}
    owner = await post(stack.client, query, user="owner")
    assert owner.json() == {
        "data": {"package": {"name": "SecretMod", "versions": [{"version": "0.1.0"}]}}
    }
    # A bad token on a query is anonymous, exactly like REST's public routes.
    stale = await post(stack.client, query, headers={"Authorization": "Bearer nope"})
    assert stale.json() == {"data": {"package": None}}
