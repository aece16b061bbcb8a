"""Deprecation and archival on both stacks: owners and admins set the status with a message
and a successor (REST PATCH and GraphQL updatePackage); resolve, the compatibility check and
the update check warn naming the successor; archived packages take no versions and no
changes until un-archived."""

from __future__ import annotations

import json

from domain.models import AuditEvent
from domain.services import users
from tests.fixtures.stack import Stack, bearer
from tests.graphql.support import actor, data, post_upload
from tests.helpers import create_package, make_publisher, mod_zip, upload_version
from tests.lifecycle.support import patch, publish

UPDATE = """mutation($name: String!, $input: UpdatePackageInput!) {
  updatePackage(name: $name, input: $input) {
    package { name status deprecationMessage successor } errors { field code message } } }"""
READ = """query($name: String!) { package(name: $name) {
  status deprecationMessage successor } }"""
CHECK_UPDATES = """query($items: [UpdateQueryInput!]!) { checkUpdates(items: $items) {
  name status warnings latestVersion } }"""
PUBLISH = """mutation($input: PublishVersionInput!, $file: Upload!) {
  publishVersion(package: "OldDB", input: $input, file: $file) {
    version { version } errors { code message } } }"""
RESOLVE = """query($r: [String!]!) { resolve(requirements: $r) { success warnings } }"""


async def _chain(stack: Stack) -> None:
    await make_publisher("u1")
    await publish(stack, "NewDB", "1.0.0")
    await publish(stack, "OldDB", "1.0.0")
    await publish(stack, "App", "1.0.0", ["OldDB>=1.0.0"])
    await stack.drain_jobs()


async def test_deprecate_warns_in_resolve_and_update_checks(stack: Stack) -> None:
    client = stack.client
    await _chain(stack)
    before = await client.post("/api/v1/resolve", json={"requirements": ["App==1.0.0"]})
    assert not any("deprecated" in w for w in before.json()["warnings"])

    changed = await patch(
        stack,
        "olddb",
        "u1",
        status="deprecated",
        deprecation_message="Unmaintained since 2025.",
        successor="newdb",
    )
    assert changed.status_code == 200, changed.text
    body = changed.json()
    assert (body["status"], body["deprecation_message"], body["successor"]) == (
        "deprecated",
        "Unmaintained since 2025.",
        "NewDB",  # canonical spelling
    )
    detail = (await client.get("/api/v1/packages/OldDB")).json()
    assert detail["status"] == "deprecated" and detail["successor"] == "NewDB"
    assert detail["deprecation_message"] == "Unmaintained since 2025."

    resolved = await client.post("/api/v1/resolve", json={"requirements": ["App==1.0.0"]})
    assert resolved.status_code == 200
    result = resolved.json()
    assert result["success"] is True and set(result["resolved"]) == {"App", "OldDB"}
    notices = [w for w in result["warnings"] if "OldDB is deprecated" in w]
    assert notices == ["Package OldDB is deprecated; use NewDB instead: Unmaintained since 2025."]

    failed = await client.post("/api/v1/resolve", json={"requirements": ["OldDB>=9"]})
    assert failed.json()["success"] is False
    assert any("use NewDB" in w for w in failed.json()["warnings"])

    check = await client.get(
        "/api/v1/resolve/check", params={"package": "OldDB", "version": "1.0.0"}
    )
    assert check.status_code == 200 and check.json()["compatible"] is True
    assert any("use NewDB" in w for w in check.json()["warnings"])

    updates = await client.post(
        "/api/v1/updates",
        json={"items": [{"name": "OldDB", "version": "0.9.0"}, {"name": "App", "version": "1"}]},
    )
    assert updates.status_code == 200, updates.text
    answers = updates.json()["updates"]
    assert answers[0]["latest_version"] == "1.0.0" and answers[0]["update_available"] is True
    assert answers[0]["status"] == "deprecated"
    assert any("use NewDB" in w for w in answers[0]["warnings"])
    assert answers[1]["status"] == "active" and answers[1]["warnings"] == []
    assert updates.json()["warnings"] == answers[0]["warnings"]

    graphql = await data(stack, CHECK_UPDATES, {"items": [{"name": "OldDB", "version": "0.9.0"}]})
    assert graphql["checkUpdates"][0]["status"] == "DEPRECATED"
    assert graphql["checkUpdates"][0]["warnings"] == answers[0]["warnings"]
    gql_resolve = await data(stack, RESOLVE, {"r": ["App==1.0.0"]})
    assert notices[0] in gql_resolve["resolve"]["warnings"]
    read = await data(stack, READ, {"name": "OldDB"})
    assert read["package"] == {
        "status": "DEPRECATED",
        "deprecationMessage": "Unmaintained since 2025.",
        "successor": "NewDB",
    }

    events = await AuditEvent.filter(action="package.status").values_list("details", flat=True)
    assert events == [{"from": "active", "to": "deprecated", "successor": "NewDB"}]

    # Back to active: the message and successor go, and so do the warnings.
    active = await patch(stack, "OldDB", "u1", status="active")
    assert active.json()["successor"] == "" and active.json()["deprecation_message"] == ""
    again = await client.post("/api/v1/resolve", json={"requirements": ["App==1.0.0"]})
    assert not any("deprecated" in w for w in again.json()["warnings"])


async def test_archived_packages_are_read_only(stack: Stack) -> None:
    client = stack.client
    await _chain(stack)
    archived = await patch(stack, "OldDB", "u1", status="archived", successor="NewDB")
    assert archived.status_code == 200 and archived.json()["status"] == "archived"

    refused = await upload_version(client, "u1", "OldDB", "2.0.0", mod_zip("OldDB", "2.0.0"))
    assert refused.status_code == 409, refused.text
    assert "archived" in refused.json()["detail"]
    one_step = await client.post(
        "/api/v1/packages",
        headers=bearer("u1"),
        data={"metadata": json.dumps({"name": "OldDB", "version": "2.0.0"})},
        files={"file": ("t.zip", mod_zip("OldDB", "2.0.0"), "application/zip")},
    )
    assert one_step.status_code == 409 and "archived" in one_step.json()["detail"]
    graphql_upload = await post_upload(
        client,
        PUBLISH,
        {"input": {"version": "2.0.0"}},
        "file",
        mod_zip("OldDB", "2.0.0"),
        user="u1",
    )
    errors = graphql_upload.json()["data"]["publishVersion"]["errors"]
    assert errors and errors[0]["code"] == "CONFLICT" and "archived" in errors[0]["message"]

    edit = await patch(stack, "OldDB", "u1", description="still here")
    assert edit.status_code == 409 and "archived" in edit.json()["detail"]
    # The archive's own notice may change; resolving still warns.
    noted = await patch(stack, "OldDB", "u1", deprecation_message="Read only now.")
    assert noted.status_code == 200, noted.text
    resolved = await client.post("/api/v1/resolve", json={"requirements": ["OldDB"]})
    assert resolved.json()["resolved"]["OldDB"]["version"] == "1.0.0"
    assert (
        "Package OldDB is archived; use NewDB instead: Read only now."
        in (resolved.json()["warnings"])
    )

    # Un-archiving (with other changes in the same request) makes it writable again.
    back = await patch(stack, "OldDB", "u1", status="deprecated", description="still here")
    assert back.status_code == 200 and back.json()["description"] == "still here"
    accepted = await upload_version(client, "u1", "OldDB", "2.0.0", mod_zip("OldDB", "2.0.0"))
    assert accepted.status_code == 201, accepted.text


async def test_only_owners_and_admins_change_the_status(stack: Stack) -> None:
    await _chain(stack)
    await make_publisher("u2")
    stranger = await patch(stack, "OldDB", "u2", status="deprecated")
    assert stranger.status_code == 403
    assert (await stack.client.get("/api/v1/packages/OldDB")).json()["status"] == "active"
    anonymous = await stack.client.patch("/api/v1/packages/OldDB", json={"status": "archived"})
    assert anonymous.status_code == 401

    await users.upsert_user("root", "user-root", "root@example.com")
    await users.set_admin("root", True)
    by_admin = await patch(stack, "OldDB", "root", status="archived")
    assert by_admin.status_code == 200 and by_admin.json()["status"] == "archived"

    other = await data(
        stack,
        UPDATE,
        {"name": "OldDB", "input": {"status": "ACTIVE"}},
        as_actor=await actor("u2"),
    )
    assert other["updatePackage"]["errors"][0]["code"] == "FORBIDDEN"
    owner = await data(
        stack,
        UPDATE,
        {"name": "OldDB", "input": {"status": "DEPRECATED", "successor": "NewDB"}},
        as_actor=await actor("u1"),
    )
    assert owner["updatePackage"] == {
        "package": {
            "name": "OldDB",
            "status": "DEPRECATED",
            "deprecationMessage": "",
            "successor": "NewDB",
        },
        "errors": [],
    }


async def test_bad_successors_and_messages_are_refused(stack: Stack) -> None:
    client = stack.client
    await _chain(stack)
    await make_publisher("u2")
    assert (await create_package(client, "u2", "Hidden", visibility="private")).status_code == 201
    assert (
        await create_package(client, "u1", "MyPrivate", visibility="private")
    ).status_code == 201
    for body, field in (
        ({"status": "deprecated", "successor": "OldDB"}, "own successor"),
        ({"status": "deprecated", "successor": "NoSuchPackage"}, "not found"),
        ({"status": "deprecated", "successor": "Hidden"}, "not found"),  # invisible to u1
        ({"status": "deprecated", "successor": "MyPrivate"}, "private"),  # public package
        ({"status": "deprecated", "successor": "bad name!"}, "successor"),
        ({"status": "deprecated", "successor": "x" * 10_000}, "successor"),
        ({"status": "deprecated", "deprecation_message": "m" * 1001}, "1000"),
        ({"status": "retired"}, "status"),
        ({"deprecation_message": "while active"}, "deprecated or archived"),
        ({"successor": "NewDB"}, "deprecated or archived"),
    ):
        refused = await patch(stack, "OldDB", "u1", **body)
        assert refused.status_code == 400, (body, refused.text)
        assert field in refused.json()["detail"].lower(), (body, refused.json())
    assert (await client.get("/api/v1/packages/OldDB")).json()["status"] == "active"

    graphql = await data(
        stack,
        UPDATE,
        {"name": "OldDB", "input": {"status": "DEPRECATED", "successor": "Nope"}},
        as_actor=await actor("u1"),
    )
    error = graphql["updatePackage"]["errors"][0]
    assert error["field"] == "successor" and error["code"] == "INVALID"

    # A private package may name a private successor of its own publisher.
    assert (
        await create_package(client, "u1", "OldPrivate", visibility="private")
    ).status_code == 201
    fine = await patch(stack, "OldPrivate", "u1", status="deprecated", successor="MyPrivate")
    assert fine.status_code == 200 and fine.json()["successor"] == "MyPrivate"


async def test_private_deprecated_packages_warn_only_those_who_see_them(stack: Stack) -> None:
    client = stack.client
    await make_publisher("u1")
    await publish(stack, "Inner", "1.0.0", visibility="private")
    await stack.drain_jobs()
    assert (await patch(stack, "Inner", "u1", status="deprecated")).status_code == 200
    owner = await client.post(
        "/api/v1/resolve", json={"requirements": ["Inner"]}, headers=bearer("u1")
    )
    assert "Package Inner is deprecated" in owner.json()["warnings"]
    anonymous = await client.post("/api/v1/resolve", json={"requirements": ["Inner"]})
    assert anonymous.json()["success"] is False
    assert not any("deprecated" in w for w in anonymous.json()["warnings"])


async def test_notices_follow_writes_of_other_processes(stack: Stack) -> None:
    """Resolves answer notices from memory; a write another process announces (the runtime's
    invalidate_reads) drops them, as a write of this process does."""
    from domain.models import Package

    client = stack.client
    await _chain(stack)
    assert (await patch(stack, "OldDB", "u1", status="deprecated")).status_code == 200
    first = await client.post("/api/v1/resolve", json={"requirements": ["OldDB"]})
    assert "Package OldDB is deprecated" in first.json()["warnings"]
    # Written behind the domain's back, as another process would (no local announcement).
    await Package.filter(name="OldDB").update(status="active")
    stack.runtime.invalidate_reads()
    second = await client.post(
        "/api/v1/resolve", json={"requirements": ["OldDB"]}, headers=bearer("u1")
    )
    assert not any("deprecated" in w for w in second.json()["warnings"])


async def test_a_successor_name_never_reveals_a_hidden_package(stack: Stack) -> None:
    client = stack.client
    await _chain(stack)  # u1: NewDB, OldDB, App (public)
    await make_publisher("u2")
    assert (await create_package(client, "u2", "TheirOld")).status_code == 201
    assert (
        await create_package(client, "u2", "TheirNext", visibility="unlisted")
    ).status_code == 201
    assert (await create_package(client, "u1", "Later", visibility="private")).status_code == 201

    # Another publisher's unlisted package may not be named; one's own may.
    foreign = await patch(stack, "OldDB", "u1", status="deprecated", successor="TheirNext")
    assert foreign.status_code == 400 and "unlisted" in foreign.json()["detail"]
    own = await patch(stack, "TheirOld", "u2", status="deprecated", successor="TheirNext")
    assert own.status_code == 200, own.text

    # A private package naming a private successor cannot become public while it does.
    assert (await create_package(client, "u1", "Draft", visibility="private")).status_code == 201
    assert (
        await patch(stack, "Draft", "u1", status="deprecated", successor="Later")
    ).status_code == 200
    public = await patch(stack, "Draft", "u1", visibility="public")
    assert public.status_code == 400 and "Later" in public.json()["detail"]
    assert (await patch(stack, "Draft", "u1", visibility="public", successor=None)).status_code == (
        200
    )

    # A successor that becomes hidden is dropped from the packages that may no longer name it.
    assert (
        await patch(stack, "App", "u1", status="deprecated", successor="NewDB")
    ).status_code == 200
    assert (await patch(stack, "TheirOld", "u2", successor="NewDB")).status_code == 200
    hidden = await patch(stack, "NewDB", "u1", visibility="unlisted")
    assert hidden.status_code == 200, hidden.text
    assert (await client.get("/api/v1/packages/App")).json()[
        "successor"
    ] == "NewDB"  # same publisher
    assert (await client.get("/api/v1/packages/TheirOld")).json()["successor"] == ""
    assert (await patch(stack, "NewDB", "u1", visibility="private")).status_code == 200
    assert (await client.get("/api/v1/packages/App", headers=bearer("u1"))).json()[
        "successor"
    ] == ""
    events = await AuditEvent.filter(action="package.visibility").values_list("details", flat=True)
    assert {"from": "public", "to": "unlisted", "no_longer_successor_of": ["TheirOld"]} in events
    assert {"from": "unlisted", "to": "private", "no_longer_successor_of": ["App"]} in events
