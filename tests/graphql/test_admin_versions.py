"""Admin decisions on versions over GraphQL: releaseVersion and deleteVersion with REST's rules
(domain.services.quarantine), its audit events and its delete job, and the quarantine queue."""

from __future__ import annotations

import uuid

from domain.models import AuditEvent, PackageVersion
from domain.services import packages
from tests.fixtures.stack import Stack, bearer
from tests.graphql.support import actor, add_package, add_version, data, execute, post
from tests.helpers import make_publisher
from tests.pipeline.support import make_admin

REPORT = {"verdict": "fail", "rule": "unsafe_path", "message": "path escapes the archive"}
RELEASE = """mutation($p: String!, $v: String!, $r: String!) {
  releaseVersion(package: $p, version: $v, reason: $r) {
    version { version status publishedAt downloadUrl scanReport package { latestVersion } }
    errors { field code message } } }"""
DELETE = """mutation($p: String!, $v: String!, $r: String! = "") {
  deleteVersion(package: $p, version: $v, reason: $r) {
    deleted { package version previousStatus objectReleased }
    errors { field code message } } }"""
QUEUE = """query($package: String, $after: String) {
  quarantinedVersions(package: $package, first: 2, after: $after) {
    totalCount edges { node { version package { name } scanReport } }
    pageInfo { hasNextPage endCursor } } }"""


async def _quarantined(
    stack: Stack, name: str = "Risky", versions: tuple[str, ...] = ("1.0.0",)
) -> str:
    """Quarantined versions of a new package, all pointing at one fresh stored object (the
    same bytes uploaded again); returns its key."""
    team = await make_publisher("owner", "team")
    package = await add_package(team, name)
    source = stack.settings.data_dir / f"{uuid.uuid4()}.zip"
    source.write_bytes(f"quarantined bytes {uuid.uuid4()}".encode())
    stored = await stack.ctx.storage.primary.put_file(source)
    source.unlink()
    for version in versions:
        row = await add_version(package, version, status="quarantined")
        row.scan_report, row.blob_key = REPORT, stored.key
        await row.save(update_fields=["scan_report", "blob_key"])
    return stored.key


async def test_release_publishes_with_an_audited_reason(stack: Stack) -> None:
    await _quarantined(stack)
    variables = {"p": "risky", "v": "1.0.0", "r": "reviewed: false positive"}
    for who, code in ((None, "NOT_AUTHENTICATED"), (await actor("owner"), "FORBIDDEN")):
        refused = await data(stack, RELEASE, variables, **({"as_actor": who} if who else {}))
        assert refused["releaseVersion"]["version"] is None
        assert [e["code"] for e in refused["releaseVersion"]["errors"]] == [code]
    admin = await actor("root", admin=True)
    for reason, message in (
        ("  ", "A reason is required"),
        ("x" * 1001, "reason is longer than 1000 characters"),
    ):
        invalid = (await data(stack, RELEASE, {**variables, "r": reason}, as_actor=admin))[
            "releaseVersion"
        ]
        assert invalid["errors"] == [{"field": "reason", "code": "INVALID", "message": message}]
    for p, v, message in (
        ("risky", "9.9.9", "Version not found: Risky 9.9.9"),
        ("ghost", "1.0.0", "Package not found: ghost"),
    ):
        missing = (await data(stack, RELEASE, {**variables, "p": p, "v": v}, as_actor=admin))[
            "releaseVersion"
        ]
        assert missing["errors"] == [{"field": None, "code": "NOT_FOUND", "message": message}]
    assert not await AuditEvent.exists(action="version.release")

    released = (await data(stack, RELEASE, variables, as_actor=admin))["releaseVersion"]
    assert released["errors"] == []
    version = released["version"]
    assert version["version"] == "1.0.0" and version["status"] == "PUBLISHED"
    assert version["publishedAt"] is not None and version["scanReport"] == REPORT
    assert version["downloadUrl"] == "/api/v1/packages/Risky/versions/1.0.0/file"
    assert version["package"] == {"latestVersion": "1.0.0"}
    event = await AuditEvent.get(action="version.release")
    assert (event.actor_id, event.target_type, event.target_id) == (
        "root",
        "version",
        "Risky==1.0.0",
    )
    assert event.details["reason"] == "reviewed: false positive"
    assert event.details["rule"] == "unsafe_path"
    assert event.request_id == "req-root"

    again = (await data(stack, RELEASE, variables, as_actor=admin))["releaseVersion"]
    assert again["errors"] == [
        {
            "field": None,
            "code": "CONFLICT",
            "message": "Only a quarantined version can be released; Risky 1.0.0 is published",
        }
    ]
    assert await AuditEvent.filter(action="version.release").count() == 1


async def test_delete_hands_an_unused_object_to_the_delete_job(stack: Stack) -> None:
    key = await _quarantined(stack, versions=("1.0.0", "1.0.1"))
    store = stack.ctx.storage.primary
    variables = {"p": "Risky", "v": "1.0.0"}
    for who, code in ((None, "NOT_AUTHENTICATED"), (await actor("owner"), "FORBIDDEN")):
        refused = await data(stack, DELETE, variables, **({"as_actor": who} if who else {}))
        assert refused["deleteVersion"] == {
            "deleted": None,
            "errors": [
                {
                    "field": None,
                    "code": code,
                    "message": "Not authenticated" if who is None else "Admin privileges required",
                }
            ],
        }
    admin = await actor("root", admin=True)
    deleted = (await data(stack, DELETE, variables, as_actor=admin))["deleteVersion"]
    assert deleted == {
        "deleted": {
            "package": "Risky",
            "version": "1.0.0",
            "previousStatus": "QUARANTINED",
            "objectReleased": False,
        },
        "errors": [],
    }
    await stack.drain_jobs()
    assert await store.exists(key), "1.0.1 still uses it"
    gone = (await data(stack, DELETE, variables, as_actor=admin))["deleteVersion"]
    assert gone["errors"] == [
        {"field": None, "code": "NOT_FOUND", "message": "Version not found: Risky 1.0.0"}
    ]

    last = (
        await data(stack, DELETE, {"p": "risky", "v": "1.0.1", "r": "malware"}, as_actor=admin)
    )["deleteVersion"]
    assert last["deleted"]["objectReleased"] is True
    await stack.drain_jobs()
    assert not await store.exists(key)
    events = await AuditEvent.filter(action="version.delete").order_by("id")
    assert [e.target_id for e in events] == ["Risky==1.0.0", "Risky==1.0.1"]
    assert events[1].details["reason"] == "malware"
    assert events[1].details["status"] == "quarantined"
    assert not await PackageVersion.exists(package__name="Risky")


async def test_quarantine_queue_filters_by_package_and_skips_deleted_packages(stack: Stack) -> None:
    await _quarantined(stack, "Risky", ("1.0.0", "1.0.1", "1.0.2"))
    team = await make_publisher("other", "other-team")
    gone = await add_package(team, "Gone")
    await add_version(gone, "0.1.0", status="quarantined")
    await packages.delete_package(await actor("other"), "Gone")
    admin = await actor("root", admin=True)

    everything = (await data(stack, QUEUE, as_actor=admin))["quarantinedVersions"]
    assert everything["totalCount"] == 3, "versions of deleted packages are left out"
    assert [e["node"]["version"] for e in everything["edges"]] == ["1.0.2", "1.0.1"]
    assert everything["edges"][0]["node"]["scanReport"] == REPORT
    rest = (
        await data(stack, QUEUE, {"after": everything["pageInfo"]["endCursor"]}, as_actor=admin)
    )["quarantinedVersions"]
    assert [e["node"]["version"] for e in rest["edges"]] == ["1.0.0"]
    assert rest["pageInfo"]["hasNextPage"] is False
    only = await data(stack, QUEUE, {"package": "risky"}, as_actor=admin)
    assert only["quarantinedVersions"]["totalCount"] == 3
    unknown = await execute(stack, QUEUE, {"package": "nope"}, as_actor=admin)
    assert unknown.errors[0].message == "Package not found: nope"
    assert unknown.errors[0].extensions == {"code": "not_found", "requestId": "req-root"}
    foreign = await execute(
        stack,
        QUEUE,
        {"package": "risky", "after": everything["pageInfo"]["endCursor"]},
        as_actor=admin,
    )
    assert foreign.errors[0].extensions == {
        "code": "invalid",
        "field": "after",
        "requestId": "req-root",
    }


async def test_admin_mutations_over_http(stack: Stack) -> None:
    await _quarantined(stack, versions=("1.0.0", "1.0.1"))
    client = stack.client
    await make_admin("root")
    owner = await post(client, RELEASE, {"p": "Risky", "v": "1.0.0", "r": "ok"}, user="owner")
    assert owner.status_code == 200
    assert owner.json()["data"]["releaseVersion"]["errors"][0]["code"] == "FORBIDDEN"

    released = await post(client, RELEASE, {"p": "Risky", "v": "1.0.0", "r": "ok"}, user="root")
    assert released.json()["data"]["releaseVersion"]["version"]["status"] == "PUBLISHED"
    rest = await client.get("/api/v1/packages/Risky/versions/1.0.0")
    assert rest.json()["status"] == "published"
    event = await AuditEvent.get(action="version.release")
    assert event.actor_id == "root" and event.request_id  # the HTTP request's id

    deleted = await post(client, DELETE, {"p": "Risky", "v": "1.0.1"}, user="root")
    assert deleted.json()["data"]["deleteVersion"]["deleted"] == {
        "package": "Risky",
        "version": "1.0.1",
        "previousStatus": "QUARANTINED",
        "objectReleased": False,
    }  # 1.0.0 uses the same object
    assert (
        await client.get("/api/v1/packages/Risky/versions/1.0.1", headers=bearer("owner"))
    ).status_code == 404
    anonymous = await post(client, DELETE, {"p": "Risky", "v": "1.0.0"})
    assert anonymous.json()["data"]["deleteVersion"]["errors"][0]["code"] == "NOT_AUTHENTICATED"
    assert await PackageVersion.exists(version="1.0.0")


async def test_an_admin_scoped_token_sees_scan_reports_as_over_rest(stack: Stack) -> None:
    """REST's scan route and GraphQL's scanReport share one rule (quarantine.sees_scan_report):
    an API token with only the admin scope reviews the quarantine with its reports."""
    from dataclasses import replace

    await _quarantined(stack)
    admin = replace(await actor("root", admin=True), scopes=("admin",))
    queue = (await data(stack, QUEUE, {}, as_actor=admin))["quarantinedVersions"]
    assert [edge["node"]["scanReport"] for edge in queue["edges"]] == [REPORT]
    stranger = await actor("someone")
    hidden = await data(
        stack,
        """query { version(package: "risky", version: "1.0.0") {
        scanReport } }""",
        {},
        as_actor=stranger,
    )
    assert hidden["version"] is None or hidden["version"]["scanReport"] is None
