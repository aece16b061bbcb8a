"""Finding 9 of issue #12: an API token's package globs narrow its reads as they narrow its
writes (domain.services.access).

The matrix: tokens with different globs (prefix, `?`, character classes, negated classes,
leading `*`, a literal `_`, case) × packages {own private matching, own private not matching,
own public, own unlisted, another publisher's private whose name matches} × every read path
(REST detail, versions, version, download, resolve, updates, /versions, /files; listing,
search, suggest; GraphQL package, version, resolve, checkUpdates, latestVersions, packages,
packages(search:), Publisher.packages, Package.usedBy; the audit log). Each token's expected
answers follow from one set: the hidden packages it may read privately."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

import httpx

from domain.actor import Actor
from domain.services import tokens
from tests.fixtures.stack import Stack, bearer
from tests.graphql.support import post
from tests.helpers import create_package, make_publisher, mod_zip, upload_version
from tests.publishers.support import make_admin

OWNER, OTHER, ROOT = "globowner", "globother", "globroot"
# name: (owning user, visibility, dependencies of its 1.0.0)
PACKAGES = {
    "foo-one": (OWNER, "private", []),
    "bar-two": (OWNER, "private", ["pub-three>=1.0.0"]),
    "pub-three": (OWNER, "public", []),
    "bar-hidden": (OWNER, "unlisted", []),
    "foo-theirs": (OTHER, "private", []),
}
ALL_HIDDEN = frozenset(
    name for name, (_, visibility, _) in PACKAGES.items() if visibility != "public"
)
OWN_HIDDEN = frozenset(name for name in ALL_HIDDEN if PACKAGES[name][0] == OWNER)


@dataclass(frozen=True)
class Caller:
    label: str
    user: str | None  # None: anonymous
    scopes: tuple[str, ...]
    globs: tuple[str, ...]
    reads: frozenset[str]  # the hidden packages it may read privately

    def named(self, name: str) -> bool:
        """Answers when asked for by name (unlisted packages are open to anyone naming them)."""
        return PACKAGES[name][1] != "private" or name in self.reads

    def listed(self, name: str) -> bool:
        """Appears in listings, search, suggestions and update checks without names."""
        return PACKAGES[name][1] == "public" or name in self.reads


READER = ("read-private",)
ADMIN_READER = ("admin", "read-private")
CALLERS = [
    Caller("anonymous", None, (), (), frozenset()),
    Caller("owner, no globs", OWNER, READER, (), OWN_HIDDEN),
    Caller("owner foo-*", OWNER, READER, ("foo-*",), frozenset({"foo-one"})),
    Caller(
        "owner F?O-[n-p]NE (case, ?, class)",
        OWNER,
        READER,
        ("F?O-[n-p]NE",),
        frozenset({"foo-one"}),
    ),
    Caller(
        "owner negated class + miss", OWNER, READER, ("[!b]*-one", "zzz"), frozenset({"foo-one"})
    ),
    Caller("owner leading star", OWNER, READER, ("*-one",), frozenset({"foo-one"})),
    Caller("owner unlisted only", OWNER, READER, ("bar-h*",), frozenset({"bar-hidden"})),
    Caller("owner literal underscore", OWNER, READER, ("foo_*",), frozenset()),
    Caller(
        "owner foo-* without read-private",
        OWNER,
        ("publish-update", "yank"),
        ("foo-*",),
        frozenset(),
    ),
    # Reading other publishers' hidden packages is admin work: read-private and admin scope.
    Caller("admin foo-*", ROOT, ADMIN_READER, ("foo-*",), frozenset({"foo-one", "foo-theirs"})),
    Caller("admin, no globs", ROOT, ADMIN_READER, (), ALL_HIDDEN),
    Caller("admin without the admin scope", ROOT, READER, (), frozenset()),
    Caller("admin without read-private", ROOT, ("admin",), (), frozenset()),
]


def _zip(name: str) -> bytes:
    return mod_zip(name, "1.0.0", dependencies=PACKAGES[name][2])


async def _registry(stack: Stack) -> None:
    await make_publisher(OWNER, "globs")
    await make_publisher(OTHER, "others")
    await make_admin(ROOT)
    for name, (user, visibility, _) in PACKAGES.items():
        created = await create_package(stack.client, user, name, visibility=visibility)
        assert created.status_code == 201, created.text
        uploaded = await upload_version(stack.client, user, name, "1.0.0", _zip(name))
        assert uploaded.status_code == 201, uploaded.text
    await stack.drain_jobs()


async def _headers(caller: Caller) -> dict[str, str]:
    if caller.user is None:
        return {}
    created = await tokens.create_token(
        Actor(user_id=caller.user, is_admin=caller.user == ROOT),
        caller.label[:100],
        list(caller.scopes),
        package_globs=list(caller.globs),
    )
    return {"Authorization": f"Bearer {created.plaintext}"}


async def _gql(
    client: httpx.AsyncClient,
    headers: dict[str, str],
    query: str,
    variables: dict[str, object] | None = None,
) -> dict[str, object]:
    response = await post(client, query, variables, headers=headers)
    body = response.json()
    assert response.status_code == 200 and "errors" not in body, body
    return body["data"]


async def _named_reads(client: httpx.AsyncClient, h: dict[str, str], name: str) -> dict[str, bool]:
    """Every read of one package by name: whether it answered with the package."""
    seen: dict[str, bool] = {}
    for path in (
        f"/packages/{name}",
        f"/packages/{name}/versions",
        f"/packages/{name}/versions/1.0.0",
        f"/packages/{name}/versions/1.0.0/download",
        f"/packages/{name}/versions/1.0.0/file",
    ):
        response = await client.get(f"/api/v1{path}", headers=h)
        assert response.status_code in (200, 404), (path, response.status_code, response.text)
        if response.status_code == 404:
            assert response.json()["detail"] == f"Package not found: {name}", response.text
        seen[f"REST GET {path.replace(name, '{name}')}"] = response.status_code == 200
    resolved = await client.post("/api/v1/resolve", headers=h, json={"requirements": [name]})
    seen["REST resolve"] = name in resolved.json()["resolved"]
    update = await client.post(
        "/api/v1/updates", headers=h, json={"items": [{"name": name, "version": "0.1.0"}]}
    )
    seen["REST updates"] = update.json()["updates"][0]["found"]
    latest = await client.get("/api/v1/versions", headers=h, params={"names": name})
    seen["REST /versions?names"] = name in latest.json()["versions"]
    digest = hashlib.sha256(_zip(name)).hexdigest()
    files = await client.get(f"/api/v1/files/{digest}", headers=h)
    seen["REST /files/{sha256}"] = files.status_code == 200 and bool(files.json())
    data = await _gql(
        client,
        h,
        """query($n: String!) {
        package(name: $n) { name }
        version(package: $n, version: "1.0.0") { version }
        resolve(requirements: [$n]) { success packages { name } }
        checkUpdates(items: [{name: $n, version: "0.1.0"}]) { found }
        latestVersions(names: [$n]) { name } }""",
        {"n": name},
    )
    seen["GraphQL package"] = data["package"] is not None
    seen["GraphQL version"] = data["version"] is not None
    seen["GraphQL resolve"] = name in [p["name"] for p in data["resolve"]["packages"]]
    seen["GraphQL checkUpdates"] = data["checkUpdates"][0]["found"]
    seen["GraphQL latestVersions"] = [v["name"] for v in data["latestVersions"]] == [name]
    return seen


async def _listings(client: httpx.AsyncClient, h: dict[str, str]) -> dict[str, set[str]]:
    """Every listing: the package names it showed (and its total agrees)."""
    shown: dict[str, set[str]] = {}
    for label, path, params in (
        ("REST /packages", "/packages", {"per_page": "100"}),
        ("REST /search", "/search", {"q": "", "per_page": "100"}),
        ("REST /search?q=o", "/search", {"q": "o", "per_page": "100"}),
    ):
        body = (await client.get(f"/api/v1{path}", headers=h, params=params)).json()
        names = {p["name"] for p in body.get("packages", body.get("results", []))}
        assert body["total"] == len(names), (label, body)
        shown[label] = names
    suggested: set[str] = set()
    for prefix in ("foo", "bar", "pub"):
        response = await client.get(
            "/api/v1/search/suggest", headers=h, params={"q": prefix, "limit": "20"}
        )
        suggested |= set(response.json())
    shown["REST /search/suggest"] = suggested
    shown["REST /versions"] = set(
        (await client.get("/api/v1/versions", headers=h)).json()["versions"]
    )
    data = await _gql(
        client,
        h,
        """{
        all: packages(first: 50, sort: NAME) { totalCount edges { node { name } } }
        found: packages(search: "o", first: 50) { totalCount edges { node { name } } }
        globs: publisher(name: "globs") { packages(first: 50) { totalCount
                                                                 edges { node { name } } } }
        others: publisher(name: "others") { packages(first: 50) { totalCount
                                                                   edges { node { name } } } }
        used: package(name: "pub-three") { usedBy { name } }
        latestVersions { name }
        suggestPackageNames(prefix: "foo", limit: 20) }""",
    )
    for label, connection in (
        ("GraphQL packages", data["all"]),
        ("GraphQL packages(search:)", data["found"]),
        (
            "GraphQL Publisher.packages",
            {
                "totalCount": data["globs"]["packages"]["totalCount"]
                + data["others"]["packages"]["totalCount"],
                "edges": data["globs"]["packages"]["edges"] + data["others"]["packages"]["edges"],
            },
        ),
    ):
        names = {edge["node"]["name"] for edge in connection["edges"]}
        assert connection["totalCount"] == len(names), (label, connection)
        shown[label] = names
    shown["GraphQL usedBy"] = {p["name"] for p in data["used"]["usedBy"]} | {"pub-three"}
    shown["GraphQL latestVersions"] = {v["name"] for v in data["latestVersions"]}
    shown["GraphQL suggest"] = set(data["suggestPackageNames"])
    return shown


def _expected_listing(caller: Caller, label: str) -> set[str]:
    listed = {name for name in PACKAGES if caller.listed(name)}
    if label == "GraphQL usedBy":  # bar-two depends on pub-three (which is always listed)
        return listed & {"bar-two", "pub-three"}
    if label == "GraphQL suggest":
        return {name for name in listed if name.startswith("foo")}
    if label.endswith("search?q=o") or label == "GraphQL packages(search:)":
        return {name for name in listed if "o" in name}
    return listed


async def test_globs_narrow_every_read(stack: Stack) -> None:
    await _registry(stack)
    failures: list[str] = []
    for caller in CALLERS:
        headers = await _headers(caller)
        for name in PACKAGES:
            for path, answered in (await _named_reads(stack.client, headers, name)).items():
                if answered != caller.named(name):
                    failures.append(f"{caller.label}: {path} {name}: answered={answered}")
        for label, names in (await _listings(stack.client, headers)).items():
            expected = _expected_listing(caller, label)
            if names != expected:
                failures.append(
                    f"{caller.label}: {label} showed {sorted(names)}, expected {sorted(expected)}"
                )
    assert not failures, "\n".join(failures)


async def test_globbed_tokens_cannot_read_the_audit_log(stack: Stack) -> None:
    """The log is publisher- and account-wide; a globbed token (even an admin's, even with a
    glob matching every package) is refused on REST and GraphQL, an unrestricted one is not."""
    await make_publisher(OWNER, "globs")
    await make_admin(ROOT)
    created = await create_package(stack.client, OWNER, "foo-one", visibility="private")
    assert created.status_code == 201
    query = "{ auditLog(first: 5) { totalCount edges { node { action targetId } } } }"
    for user, scopes in (
        (OWNER, ["read-private"]),
        (ROOT, ["admin"]),
        (ROOT, ["admin", "read-private"]),
    ):
        is_admin = user == ROOT
        for globs in (["foo-*"], ["*"]):
            token = await tokens.create_token(
                Actor(user_id=user, is_admin=is_admin), "audit", scopes, package_globs=globs
            )
            h = {"Authorization": f"Bearer {token.plaintext}"}
            response = await stack.client.get("/api/v1/audit", headers=h)
            assert response.status_code == 403, response.text
            assert "package globs" in response.json()["detail"]
            filtered = await stack.client.get(
                "/api/v1/audit", headers=h, params={"target": "foo-one"}
            )
            assert filtered.status_code == 403
            body = (await post(stack.client, query, headers=h)).json()
            assert body["data"] in (None, {"auditLog": None}), body
            assert "package globs" in body["errors"][0]["message"]
        unrestricted = await tokens.create_token(
            Actor(user_id=user, is_admin=is_admin), "audit", scopes
        )
        h = {"Authorization": f"Bearer {unrestricted.plaintext}"}
        response = await stack.client.get("/api/v1/audit", headers=h)
        assert response.status_code == 200, response.text
        assert "package.create" in {e["action"] for e in response.json()["events"]}
    session = await stack.client.get("/api/v1/audit", headers=bearer(OWNER))
    assert session.status_code == 200


async def test_globs_hide_private_details_of_the_publisher(stack: Stack) -> None:
    """Publisher-wide private data (hidden counters, verification request) is outside every
    glob; the package a glob matches is still readable."""
    await make_publisher(OWNER, "globs")
    for name in ("foo-one", "bar-two"):
        created = await create_package(stack.client, OWNER, name, visibility="private")
        assert created.status_code == 201
    query = """{ publisher(name: "globs") { packageCount verificationRequest { state } }
                 package(name: "foo-one") { name } }"""
    counts = {}
    for label, globs in (("globbed", ["foo-*"]), ("unrestricted", [])):
        token = await tokens.create_token(
            Actor(user_id=OWNER), label, ["read-private"], package_globs=globs
        )
        h = {"Authorization": f"Bearer {token.plaintext}"}
        data = await _gql(stack.client, h, query)
        assert data["package"] == {"name": "foo-one"}
        own = (await stack.client.get("/api/v1/auth/publisher", headers=h)).json()
        counts[label] = (data["publisher"]["packageCount"], own["package_count"])
    anonymous = await _gql(stack.client, {}, query)
    assert anonymous["package"] is None
    public_count = anonymous["publisher"]["packageCount"]
    assert counts == {"globbed": (public_count, public_count), "unrestricted": (2, 2)}
