"""Auth and publisher routes (REST_CONTRACT §4.2, §4.3) on both stacks."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from domain.models import Package, Publisher, PublisherMember
from tests.fixtures.stack import Stack, bearer
from tests.helpers import create_package, make_publisher
from tests.publishers.support import make_admin

PUBLISHER_KEYS = {
    "id",
    "name",
    "display_name",
    "verification_status",
    "package_count",
    "total_downloads",
    "homepage",
    "created_at",
    "verified_at",
    "notice",
}
ME_KEYS = {
    "id",
    "cloudm_user_id",
    "username",
    "email",
    "is_admin",
    "is_verified",
    "publisher_id",
    "publisher_name",
    "verification_status",
}


async def register(stack: Stack, user_id: str, name: str, **fields: object):
    body = {
        "name": name,
        "display_name": f"{name} team",
        "email": f"{user_id}@example.com",
        **fields,
    }
    return await stack.client.post(
        "/api/v1/auth/register-publisher", headers=bearer(user_id), json=body
    )


async def test_me_without_and_with_publisher(stack: Stack) -> None:
    client = stack.client
    anonymous = await client.get("/api/v1/auth/me")
    assert anonymous.status_code == 401
    assert anonymous.headers["www-authenticate"] == "Bearer"
    assert anonymous.json()["detail"] == "Not authenticated"
    bad = await client.get("/api/v1/auth/me", headers={"Authorization": "Bearer nope"})
    assert bad.status_code == 401 and bad.json()["detail"] == "Invalid or expired token"

    me = await client.get("/api/v1/auth/me", headers=bearer("u1", "alice", email="a@x.org"))
    assert me.status_code == 200
    body = me.json()
    assert ME_KEYS <= body.keys()
    assert body["id"] == body["cloudm_user_id"] == "u1"
    assert body["username"] == "alice" and body["email"] == "a@x.org"
    assert body["publisher_id"] is None and body["is_verified"] is False
    assert body["is_admin"] is False
    assert (await client.get("/api/v1/auth/publisher", headers=bearer("u1"))).json() is None

    created = await register(stack, "u1", "alice-team", homepage="https://alice.example")
    assert created.status_code == 201, created.text
    publisher = created.json()
    assert PUBLISHER_KEYS <= publisher.keys() and "email" not in publisher
    assert publisher["verification_status"] == "unverified"
    assert publisher["package_count"] == 0 and publisher["total_downloads"] == 0
    assert publisher["homepage"] == "https://alice.example" and publisher["verified_at"] == ""

    me = (await client.get("/api/v1/auth/me", headers=bearer("u1", "alice"))).json()
    assert me["publisher_id"] == publisher["id"] and me["publisher_name"] == "alice-team"
    assert me["verification_status"] == "unverified" and me["is_verified"] is False
    mine = (await client.get("/api/v1/auth/publisher", headers=bearer("u1"))).json()
    assert mine["id"] == publisher["id"]

    await Publisher.filter(id=publisher["id"]).update(verification_status="verified")
    me = (await client.get("/api/v1/auth/me", headers=bearer("u1", "alice"))).json()
    assert me["is_verified"] is True


async def test_register_publisher_errors(stack: Stack) -> None:
    assert (await register(stack, "u1", "team-one")).status_code == 201
    again = await register(stack, "u1", "team-two")
    assert again.status_code == 400 and "already a publisher" in again.json()["detail"]
    taken = await register(stack, "u2", "team-one")
    assert taken.status_code == 409 and "taken" in taken.json()["detail"]
    for name in ("Team-Upper", "verify", "admin", "-dash", "x" * 51, ""):
        bad = await register(stack, "u3", name)
        assert bad.status_code == 400, name
        assert isinstance(bad.json()["detail"], str)
    assert (await register(stack, "u3", "team-three", email="not-an-email")).status_code == 400
    assert (await register(stack, "u3", "team-three", display_name="")).status_code == 400
    assert (await register(stack, "u3", "team-three", homepage="ftp://x")).status_code == 400
    malformed = await stack.client.post(
        "/api/v1/auth/register-publisher", headers=bearer("u3"), content=b"[1, 2]"
    )
    assert malformed.status_code == 400
    assert (await register(stack, "u3", "team-three")).status_code == 201


async def test_list_and_get_publishers(stack: Stack) -> None:
    client = stack.client
    for index in range(25):
        await make_publisher(f"user{index:02d}", f"pub-{index:02d}", verified=index % 5 == 0)
    await Publisher.filter(name="pub-01").update(verification_status="pending")

    first = (await client.get("/api/v1/publishers")).json()
    assert first["total"] == 25 and first["page"] == 1 and first["per_page"] == 20
    assert len(first["publishers"]) == 20 and first["publishers"][0]["name"] == "pub-00"
    second = (await client.get("/api/v1/publishers?page=2")).json()
    assert [p["name"] for p in second["publishers"]] == [f"pub-{i}" for i in range(20, 25)]
    assert (await client.get("/api/v1/publishers?per_page=1000")).json()["per_page"] == 100

    verified = (await client.get("/api/v1/publishers?verified_only=true")).json()
    assert verified["total"] == 5
    assert {p["verification_status"] for p in verified["publishers"]} == {"verified"}
    # `status` wins over `verified_only`.
    pending = (await client.get("/api/v1/publishers?status=pending&verified_only=true")).json()
    assert [p["name"] for p in pending["publishers"]] == ["pub-01"] and pending["total"] == 1
    assert (await client.get("/api/v1/publishers?status=bogus")).status_code == 400
    assert (await client.get("/api/v1/publishers?verified_only=maybe")).status_code == 400

    by_slug = await client.get("/api/v1/publishers/pub-03")
    assert by_slug.status_code == 200 and PUBLISHER_KEYS <= by_slug.json().keys()
    by_id = await client.get(f"/api/v1/publishers/{by_slug.json()['id']}")
    assert by_id.json()["name"] == "pub-03"
    assert (await client.get("/api/v1/publishers/PUB-03")).json()["name"] == "pub-03"
    missing = await client.get("/api/v1/publishers/nobody")
    assert missing.status_code == 404 and "nobody" in missing.json()["detail"]


async def test_counters_count_public_packages_only_in_public_views(stack: Stack) -> None:
    publisher = await make_publisher("u1", "counted")
    assert (await create_package(stack.client, "u1", "PubOne")).status_code == 201
    assert (await create_package(stack.client, "u1", "PubTwo")).status_code == 201
    assert (
        await create_package(stack.client, "u1", "Hidden", visibility="private")
    ).status_code == 201
    await Package.filter(name="PubOne").update(total_downloads=7)
    await Package.filter(name="Hidden").update(total_downloads=100)
    public = (await stack.client.get("/api/v1/publishers/counted")).json()
    assert public["package_count"] == 2 and public["total_downloads"] == 7
    listed = (await stack.client.get("/api/v1/publishers")).json()["publishers"][0]
    assert listed["id"] == publisher.id and listed["package_count"] == 2
    own = (await stack.client.get("/api/v1/auth/publisher", headers=bearer("u1"))).json()
    assert own["package_count"] == 3 and own["total_downloads"] == 107


@pytest.mark.parametrize("prefix", ["/api/v1/publishers/admin", "/api/v1/packages/admin"])
async def test_admin_decisions_under_both_prefixes(stack: Stack, prefix: str) -> None:
    client = stack.client
    await make_admin("root")
    publisher = await make_publisher("u1", "acme", verified=False)
    submitted = await client.post(
        "/api/v1/publishers/verify",
        headers=bearer("u1"),
        json={"method": "manual", "data": {"notes": "we are acme"}},
    )
    assert submitted.status_code == 202, submitted.text

    assert (await client.get(f"{prefix}/pending", headers=bearer("u1"))).status_code == 403
    assert (await client.get(f"{prefix}/pending")).status_code == 401
    pending = (await client.get(f"{prefix}/pending", headers=bearer("root"))).json()
    assert pending["total"] == 1 and pending["per_page"] == 50
    item = pending["publishers"][0]
    assert item["name"] == "acme" and item["verification_status"] == "pending"
    request = item["verification_request"]
    assert request["method"] == "manual" and request["data"] == {"notes": "we are acme"}
    assert request["submitted_at"] and request["check_result"] is None

    denied = await client.post(f"{prefix}/acme/verify", headers=bearer("u1"), json={})
    assert denied.status_code == 403
    unknown = await client.post(
        f"{prefix}/nobody/verify", headers=bearer("root"), json={"notes": ""}
    )
    assert unknown.status_code == 404

    # By slug, with notes.
    verified = await client.post(
        f"{prefix}/acme/verify", headers=bearer("root"), json={"notes": "checked by phone"}
    )
    assert verified.status_code == 200
    assert verified.json()["status"] == "verified"
    assert verified.json()["publisher_id"] == publisher.id
    row = await Publisher.get(id=publisher.id)
    assert row.verification_status == "verified" and row.verified_by == "root"
    assert row.verified_at is not None and row.verification_notes == "checked by phone"
    assert row.can_publish_public and row.can_publish_artifacts
    assert (await client.get(f"{prefix}/pending", headers=bearer("root"))).json()["total"] == 0
    detail = (await client.get("/api/v1/publishers/acme")).json()
    assert detail["verified_at"].endswith("Z")

    # By id; an empty body is fine.
    revoked = await client.post(f"{prefix}/{publisher.id}/revoke", headers=bearer("root"))
    assert revoked.status_code == 200 and revoked.json() == {
        "status": "revoked",
        "publisher_id": publisher.id,
        "verification_status": "unverified",
    }
    not_verified = await client.post(
        f"{prefix}/acme/revoke", headers=bearer("root"), json={"notes": ""}
    )
    assert not_verified.status_code == 400 and "not verified" in not_verified.json()["detail"]

    rejected = await client.post(
        f"{prefix}/acme/reject", headers=bearer("root"), json={"notes": "no"}
    )
    assert rejected.status_code == 200 and rejected.json()["status"] == "rejected"
    assert (await Publisher.get(id=publisher.id)).verification_status == "rejected"


async def test_suspend_policy_and_notice(stack: Stack) -> None:
    client = stack.client
    await make_admin("root")
    await make_publisher("u1", "shady")
    await Publisher.filter(name="shady").update(verified_at=datetime.now(UTC))
    suspended = await client.post(
        "/api/v1/publishers/admin/shady/suspend",
        headers=bearer("root"),
        json={"notes": "malware report"},
    )
    assert suspended.status_code == 200 and suspended.json()["status"] == "suspended"
    public = (await client.get("/api/v1/publishers/shady")).json()
    assert public["verification_status"] == "suspended"
    assert "suspended" in public["notice"] and "malware report" in public["notice"]
    me = (await client.get("/api/v1/auth/me", headers=bearer("u1"))).json()
    assert me["verification_status"] == "suspended" and me["is_verified"] is False
    refused = await client.post(
        "/api/v1/publishers/verify", headers=bearer("u1"), json={"method": "manual", "data": {}}
    )
    assert refused.status_code == 400 and "suspended" in refused.json()["detail"]

    restored = await client.post(
        "/api/v1/packages/admin/shady/unsuspend", headers=bearer("root"), json={}
    )
    assert restored.status_code == 200
    # It was verified before the suspension, and nothing withdrew that.
    assert restored.json()["verification_status"] == "verified"
    assert (await client.get("/api/v1/publishers/shady")).json()["notice"] == ""
    again = await client.post(
        "/api/v1/publishers/admin/shady/unsuspend", headers=bearer("root"), json={}
    )
    assert again.status_code == 400

    policy = await client.patch(
        "/api/v1/publishers/admin/shady",
        headers=bearer("root"),
        json={"can_publish_public": False, "max_package_bytes": 1000, "storage_quota_bytes": 5000},
    )
    assert policy.status_code == 200, policy.text
    assert policy.json()["can_publish_public"] is False
    assert policy.json()["max_package_bytes"] == 1000
    row = await Publisher.get(name="shady")
    assert (row.can_publish_public, row.max_package_bytes, row.storage_quota_bytes) == (
        False,
        1000,
        5000,
    )
    cleared = await client.patch(
        "/api/v1/packages/admin/shady", headers=bearer("root"), json={"max_package_bytes": None}
    )
    assert cleared.json()["max_package_bytes"] is None
    for bad in (
        {"can_publish_public": "yes"},
        {"max_package_bytes": -1},
        {"storage_quota_bytes": 1.5},
        {"max_package_bytes": 2**63},
        {},
    ):
        response = await client.patch(
            "/api/v1/publishers/admin/shady", headers=bearer("root"), json=bad
        )
        assert response.status_code == 400, bad
    assert (
        await client.patch(
            "/api/v1/publishers/admin/shady",
            headers=bearer("u1"),
            json={"can_publish_public": True},
        )
    ).status_code == 403
    admin_view = (await client.get("/api/v1/publishers/admin/shady", headers=bearer("root"))).json()
    assert admin_view["email"] == "u1@example.com" and admin_view["storage_quota_bytes"] == 5000


async def test_members_add_list_remove(stack: Stack) -> None:
    client = stack.client
    await make_publisher("owner1", "crew")
    for user in ("helper", "stranger"):  # users exist once they have called the registry
        assert (await client.get("/api/v1/auth/me", headers=bearer(user))).status_code == 200

    by_stranger = await client.post(
        "/api/v1/publishers/crew/members", headers=bearer("stranger"), json={"user_id": "helper"}
    )
    assert by_stranger.status_code == 403
    # The old "add member" route only invites: nobody joins without accepting.
    invited = await client.post(
        "/api/v1/publishers/crew/members", headers=bearer("owner1"), json={"user_id": "helper"}
    )
    assert invited.status_code == 201 and invited.json()["role"] == "member"
    assert invited.json()["state"] == "pending"
    duplicate = await client.post(
        "/api/v1/publishers/crew/members", headers=bearer("owner1"), json={"user_id": "helper"}
    )
    assert duplicate.status_code == 409
    assert not await PublisherMember.exists(user_id="helper")
    accepted = await client.post(
        f"/api/v1/invitations/{invited.json()['id']}/accept", headers=bearer("helper")
    )
    assert accepted.status_code == 200 and accepted.json()["state"] == "accepted"
    already = await client.post(
        "/api/v1/publishers/crew/members", headers=bearer("owner1"), json={"user_id": "helper"}
    )
    assert already.status_code == 409 and "already a member" in already.json()["detail"]
    ghost = await client.post(
        "/api/v1/publishers/crew/members", headers=bearer("owner1"), json={"user_id": "never-seen"}
    )
    assert ghost.status_code == 404
    bad_role = await client.post(
        "/api/v1/publishers/crew/members",
        headers=bearer("owner1"),
        json={"user_id": "stranger", "role": "king"},
    )
    assert bad_role.status_code == 400

    listed = (await client.get("/api/v1/publishers/crew/members", headers=bearer("helper"))).json()[
        "members"
    ]
    assert [(m["user_id"], m["role"]) for m in listed] == [
        ("owner1", "owner"),
        ("helper", "member"),
    ]
    assert (
        await client.get("/api/v1/publishers/crew/members", headers=bearer("stranger"))
    ).status_code == 403

    # A member publishes for the publisher; a member cannot change membership.
    assert (await create_package(client, "helper", "CrewMod")).status_code == 201
    package = await Package.get(name="CrewMod").prefetch_related("publisher")
    assert package.publisher.name == "crew"
    assert (
        await client.delete("/api/v1/publishers/crew/members/owner1", headers=bearer("helper"))
    ).status_code == 403
    last_owner = await client.delete(
        "/api/v1/publishers/crew/members/owner1", headers=bearer("owner1")
    )
    assert last_owner.status_code == 400 and "owner" in last_owner.json()["detail"]

    removed = await client.request(
        "DELETE",
        "/api/v1/publishers/crew/members",
        headers=bearer("owner1"),
        json={"user_id": "helper"},
    )
    assert removed.status_code == 204
    assert (await create_package(client, "helper", "CrewMod2")).status_code == 403
    assert (
        await client.delete("/api/v1/publishers/crew/members/helper", headers=bearer("owner1"))
    ).status_code == 404


async def test_owner_edits_profile(stack: Stack) -> None:
    client = stack.client
    await make_publisher("u1", "profiled")
    await client.get("/api/v1/auth/me", headers=bearer("u2"))
    changed = await client.patch(
        "/api/v1/publishers/profiled",
        headers=bearer("u1"),
        json={
            "display_name": "Profiled Ltd",
            "homepage": "https://profiled.example",
            "github": "profiled-gh",
        },
    )
    assert changed.status_code == 200, changed.text
    body = changed.json()
    assert body["display_name"] == "Profiled Ltd" and body["github"] == "profiled-gh"
    assert (
        await client.patch(
            "/api/v1/publishers/profiled", headers=bearer("u2"), json={"display_name": "Mine now"}
        )
    ).status_code == 403
    assert (
        await client.patch(
            "/api/v1/publishers/profiled", headers=bearer("u1"), json={"email": "nope"}
        )
    ).status_code == 400
