"""`me`, API tokens (shown once, usable as bearer, revocable), the audit log and the
quarantine queue."""

from __future__ import annotations

from strawberry.relay import GlobalID

from domain.models import ApiToken
from tests.fixtures.stack import Stack
from tests.graphql.support import actor, add_package, add_version, data, execute, post
from tests.helpers import make_publisher

ME = (
    "{ me { id userId username isAdmin isVerified email scopes publisher { name } "
    "tokens { name scopes } } }"
)
CREATE_TOKEN = """mutation($input: CreateApiTokenInput!) { createApiToken(input: $input) {
  token { id tokenId name scopes packageGlobs } plaintext errors { field code message } } }"""


async def test_me(stack: Stack) -> None:
    assert await data(stack, ME) == {"me": None}
    await make_publisher("u1", "team")
    me = (await data(stack, ME, as_actor=await actor("u1")))["me"]
    assert me == {
        "id": str(GlobalID("User", "u1")),
        "userId": "u1",
        "username": "user-u1",
        "isAdmin": False,
        "isVerified": True,
        "email": "u1@example.com",
        "scopes": None,
        "publisher": {"name": "team"},
        "tokens": [],
    }
    # Your own User node resolves; someone else's does not (unless you are an admin).
    node = "query($id: ID!) { node(id: $id) { ... on User { username } } }"
    assert (await data(stack, node, {"id": me["id"]}, as_actor=await actor("u1")))["node"] == {
        "username": "user-u1"
    }
    assert (await data(stack, node, {"id": me["id"]}, as_actor=await actor("u2")))["node"] is None
    assert (await data(stack, node, {"id": me["id"]}, as_actor=await actor("root", admin=True)))[
        "node"
    ] is not None


async def test_tokens_are_shown_once_and_work_as_bearer(stack: Stack) -> None:
    await make_publisher("u1", "team")
    session = await actor("u1")
    created = (
        await data(
            stack,
            CREATE_TOKEN,
            {
                "input": {
                    "name": "ci",
                    "scopes": ["PUBLISH_UPDATE", "READ_PRIVATE"],
                    "packageGlobs": ["Cloud*"],
                }
            },
            as_actor=session,
        )
    )["createApiToken"]
    assert created["errors"] == [] and created["plaintext"].startswith("tbr_")
    assert created["token"]["scopes"] == ["publish-update", "read-private"]
    stored = await ApiToken.get(id=created["token"]["tokenId"])
    assert created["plaintext"] not in (stored.token_hash, stored.name)

    as_token = {"Authorization": f"Bearer {created['plaintext']}"}
    me = await post(stack.client, "{ me { userId scopes tokens { name } } }", headers=as_token)
    assert me.json()["data"]["me"] == {
        "userId": "u1",
        "scopes": ["publish-update", "read-private"],
        "tokens": [{"name": "ci"}],
    }
    # A token cannot mint tokens, nor an unknown scope be asked for.
    minted = await post(
        stack.client, CREATE_TOKEN, {"input": {"name": "x", "scopes": ["YANK"]}}, headers=as_token
    )
    assert minted.json()["data"]["createApiToken"]["errors"][0]["code"] == "FORBIDDEN"
    admin_scope = (
        await data(
            stack, CREATE_TOKEN, {"input": {"name": "x", "scopes": ["ADMIN"]}}, as_actor=session
        )
    )["createApiToken"]
    assert admin_scope["errors"][0]["code"] == "FORBIDDEN"

    revoke = """mutation($id: ID!) { revokeApiToken(id: $id) { token { revokedAt }
      errors { code } } }"""
    stranger = (
        await data(stack, revoke, {"id": created["token"]["id"]}, as_actor=await actor("u2"))
    )["revokeApiToken"]
    assert stranger["errors"] == [{"code": "NOT_FOUND"}]
    revoked = (await data(stack, revoke, {"id": created["token"]["id"]}, as_actor=session))[
        "revokeApiToken"
    ]
    assert revoked["errors"] == [] and revoked["token"]["revokedAt"] is not None
    after = await post(stack.client, "{ me { userId } }", headers=as_token)
    assert after.json() == {"data": {"me": None}}


async def test_audit_log_for_admins_and_publishers(stack: Stack) -> None:
    await make_publisher("u1", "team")
    await make_publisher("u2", "other")
    owner = await actor("u1")
    await data(
        stack,
        """mutation { createPackage(input: {name: "Mine"}) { errors { code } } }""",
        as_actor=owner,
    )
    await data(
        stack,
        """mutation { createPackage(input: {name: "Theirs"}) {
        errors { code } } }""",
        as_actor=await actor("u2"),
    )
    query = """query($filter: AuditLogFilter) { auditLog(filter: $filter, first: 50) {
      totalCount edges { node { action targetId ip actorId } } } }"""
    mine = (await data(stack, query, as_actor=owner))["auditLog"]
    targets = {e["node"]["targetId"] for e in mine["edges"]}
    assert "Mine" in targets and "Theirs" not in targets
    assert all(e["node"]["ip"] == "" for e in mine["edges"])
    admin = await actor("root", admin=True)
    everything = (await data(stack, query, {"filter": {"action": "package.*"}}, as_actor=admin))[
        "auditLog"
    ]
    assert {e["node"]["targetId"] for e in everything["edges"]} == {"Mine", "Theirs"}
    anonymous = await execute(stack, query)
    assert anonymous.errors[0].extensions == {"code": "not_authenticated"}
    outsider = await execute(stack, query, as_actor=await actor("nobody"))
    assert outsider.errors[0].extensions["code"] == "forbidden"


async def test_quarantine_queue_is_admin_only(stack: Stack) -> None:
    team = await make_publisher("u1", "team")
    package = await add_package(team, "Risky")
    for index in range(3):
        await add_version(package, f"1.0.{index}", status="quarantined")
    await add_version(package, "2.0.0")
    query = """query($after: String) { quarantinedVersions(first: 2, after: $after) {
      totalCount edges { node { version status package { name } } }
      pageInfo { hasNextPage endCursor } } }"""
    admin = await actor("root", admin=True)
    first = (await data(stack, query, as_actor=admin))["quarantinedVersions"]
    assert first["totalCount"] == 3
    assert [e["node"]["version"] for e in first["edges"]] == ["1.0.2", "1.0.1"]
    second = (await data(stack, query, {"after": first["pageInfo"]["endCursor"]}, as_actor=admin))[
        "quarantinedVersions"
    ]
    assert [e["node"]["version"] for e in second["edges"]] == ["1.0.0"]
    assert not second["pageInfo"]["hasNextPage"]
    refused = await execute(stack, query, as_actor=await actor("u1"))
    assert refused.errors[0].message == "Admin privileges required"
