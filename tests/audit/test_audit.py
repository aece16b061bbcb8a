"""The audit log: every mutation leaves an event (with actor, request id and IP) written in the
same transaction as the change; admins query with filters, publishers see their own."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from domain.actor import Actor
from domain.commands import PublisherPolicy, RegisterPublisher
from domain.models import ApiToken, AuditEvent, Publisher, PublisherInvitation, PublisherMember
from domain.services import audit, members, publishers, tokens
from tests.fixtures.stack import Stack, bearer
from tests.helpers import create_package, make_publisher, mod_zip
from tests.publishers.support import make_admin


def traced(user: str, request_id: str) -> dict[str, str]:
    return {**bearer(user), "X-Request-ID": request_id}


async def test_every_mutation_leaves_an_event(stack: Stack) -> None:
    client = stack.client
    await make_admin("root")
    for user in ("u1", "helper"):
        await client.get("/api/v1/auth/me", headers=bearer(user))

    response = await client.post(
        "/api/v1/auth/register-publisher",
        headers=traced("u1", "req-register"),
        json={"name": "audited", "display_name": "A", "email": "a@example.com"},
    )
    assert response.status_code == 201
    publisher_id = response.json()["id"]

    async def run(
        action: str, request_id: str, method: str, path: str, user: str = "u1", **kw: Any
    ) -> None:
        result = await client.request(method, path, headers=traced(user, request_id), **kw)
        assert result.status_code < 300, (action, result.text)

    await run(
        "publisher.update",
        "req-profile",
        "PATCH",
        "/api/v1/publishers/audited",
        json={"display_name": "Audited"},
    )
    await run(
        "verification.challenge", "req-challenge", "POST", "/api/v1/publishers/verify/challenge"
    )
    await run(
        "verification.submit",
        "req-submit",
        "POST",
        "/api/v1/publishers/verify",
        json={"method": "manual", "data": {}},
    )
    await run(
        "publisher.verify",
        "req-verify",
        "POST",
        "/api/v1/publishers/admin/audited/verify",
        "root",
        json={"notes": "ok"},
    )
    await run(
        "publisher.member_invite",
        "req-member-invite",
        "POST",
        "/api/v1/publishers/audited/members",
        json={"user_id": "helper"},
    )
    invitation = (await client.get("/api/v1/auth/invitations", headers=bearer("helper"))).json()[
        "invitations"
    ][0]
    await run(
        "publisher.invitation_accept",
        "req-invitation-accept",
        "POST",
        f"/api/v1/invitations/{invitation['id']}/accept",
        "helper",
    )
    await run(
        "publisher.member_remove",
        "req-member-remove",
        "DELETE",
        "/api/v1/publishers/audited/members/helper",
    )
    await run("package.create", "req-create", "POST", "/api/v1/packages", json={"name": "Logged"})
    await run(
        "version.upload",
        "req-upload",
        "POST",
        "/api/v1/packages/Logged/versions",
        data={"version": "1.0.0"},
        files={"file": ("t.zip", mod_zip("Logged", "1.0.0"), "application/zip")},
    )
    await stack.drain_jobs()
    await run(
        "version.yank",
        "req-yank",
        "POST",
        "/api/v1/packages/Logged/versions/1.0.0/yank",
        json={"reason": "x"},
    )
    await run(
        "package.visibility",
        "req-visibility",
        "PATCH",
        "/api/v1/packages/Logged",
        json={"visibility": "unlisted"},
    )
    await run("package.delete", "req-delete", "DELETE", "/api/v1/packages/Logged")
    await run(
        "publisher.policy",
        "req-policy",
        "PATCH",
        "/api/v1/publishers/admin/audited",
        "root",
        json={"storage_quota_bytes": 10**9},
    )
    await run(
        "publisher.revoke",
        "req-revoke",
        "POST",
        "/api/v1/publishers/admin/audited/revoke",
        "root",
        json={},
    )
    await run(
        "publisher.reject",
        "req-reject",
        "POST",
        "/api/v1/publishers/admin/audited/reject",
        "root",
        json={},
    )
    await run(
        "publisher.suspend",
        "req-suspend",
        "POST",
        "/api/v1/publishers/admin/audited/suspend",
        "root",
        json={"notes": "x"},
    )
    await run(
        "publisher.unsuspend",
        "req-unsuspend",
        "POST",
        "/api/v1/packages/admin/audited/unsuspend",
        "root",
        json={},
    )
    created = await client.post(
        "/api/v1/tokens", headers=traced("u1", "req-token"), json={"name": "t", "scopes": ["yank"]}
    )
    await run(
        "token.revoke", "req-token-revoke", "DELETE", f"/api/v1/tokens/{created.json()['id']}"
    )

    events = {e.request_id: e for e in await AuditEvent.all()}
    expected = {
        "req-register": "publisher.register",
        "req-profile": "publisher.update",
        "req-challenge": "verification.challenge",
        "req-submit": "verification.submit",
        "req-verify": "publisher.verify",
        "req-member-invite": "publisher.member_invite",
        "req-invitation-accept": "publisher.invitation_accept",
        "req-member-remove": "publisher.member_remove",
        "req-create": "package.create",
        "req-upload": "version.upload",
        "req-yank": "version.yank",
        "req-visibility": "package.visibility",
        "req-delete": "package.delete",
        "req-policy": "publisher.policy",
        "req-revoke": "publisher.revoke",
        "req-reject": "publisher.reject",
        "req-suspend": "publisher.suspend",
        "req-unsuspend": "publisher.unsuspend",
        "req-token": "token.create",
        "req-token-revoke": "token.revoke",
    }
    by_request = {
        rid: [e.action for e in await AuditEvent.filter(request_id=rid)] for rid in expected
    }
    missing = {rid: action for rid, action in expected.items() if action not in by_request[rid]}
    assert not missing, f"no audit event for {missing}; have {by_request}"
    for rid in expected:
        event = events[rid]
        assert event.ip == "127.0.0.1" and event.created_at is not None
        assert event.actor_id in ("u1", "root", "helper")
    assert events["req-verify"].actor_id == "root"
    assert events["req-verify"].publisher_id == publisher_id
    assert events["req-member-invite"].target_id == "helper"
    assert events["req-invitation-accept"].actor_id == "helper"
    assert events["req-invitation-accept"].publisher_id == publisher_id


async def _seed_events(stack: Stack) -> tuple[str, str]:
    await make_admin("root")
    first = await make_publisher("u1", "first")
    second = await make_publisher("u2", "second")
    await create_package(stack.client, "u1", "FirstPkg")
    await create_package(stack.client, "u2", "SecondPkg")
    await stack.client.post(
        "/api/v1/publishers/admin/second/suspend", headers=bearer("root"), json={"notes": "x"}
    )
    return first.id, second.id


async def test_admin_filters(stack: Stack) -> None:
    first_id, second_id = await _seed_events(stack)
    client = stack.client

    async def query(**params: Any) -> dict[str, Any]:
        response = await client.get("/api/v1/audit", headers=bearer("root"), params=params)
        assert response.status_code == 200, response.text
        return response.json()

    everything = await query()
    assert everything["total"] == len(everything["events"]) >= 5
    assert everything["per_page"] == 50
    times = [e["created_at"] for e in everything["events"]]
    assert times == sorted(times, reverse=True)  # newest first
    assert {e["action"] for e in (await query(actor="u1"))["events"]} == {
        "publisher.register",
        "package.create",
    }
    suspended = await query(action="publisher.suspend")
    assert suspended["total"] == 1 and suspended["events"][0]["actor_id"] == "root"
    assert suspended["events"][0]["ip"] == "127.0.0.1"
    assert {e["action"] for e in (await query(action="publisher.*"))["events"]} == {
        "publisher.register",
        "publisher.suspend",
    }
    assert (await query(target="SecondPkg"))["events"][0]["action"] == "package.create"
    assert (await query(target_type="package"))["total"] == 2
    by_slug = await query(publisher="second")
    assert {e["publisher_id"] for e in by_slug["events"]} == {second_id}
    assert (await query(publisher=first_id))["total"] == 2
    paged = await query(per_page=2, page=2)
    assert len(paged["events"]) == 2 and paged["page"] == 2
    future = (datetime.now(UTC) + timedelta(hours=1)).strftime("%Y-%m-%dT%H:%M:%SZ")
    assert (await query(since=future))["total"] == 0
    assert (await query(until=future))["total"] == everything["total"]

    assert (
        await client.get("/api/v1/audit", headers=bearer("root"), params={"since": "last week"})
    ).status_code == 400
    assert (
        await client.get("/api/v1/audit", headers=bearer("root"), params={"publisher": "nobody"})
    ).status_code == 404
    assert (
        await client.get("/api/v1/audit", headers=bearer("root"), params={"publisher": "p" * 300})
    ).status_code == 404
    for name in ("actor", "action", "target", "target_type"):  # longer than any stored value
        assert (await query(**{name: "x" * 300}))["total"] == 0, name


async def test_publishers_see_only_their_own(stack: Stack) -> None:
    first_id, second_id = await _seed_events(stack)
    client = stack.client
    own = await client.get("/api/v1/audit", headers=bearer("u2"))
    assert own.status_code == 200
    events = own.json()["events"]
    assert {e["publisher_id"] for e in events} == {second_id}
    # The admin's suspension of their publisher is theirs to see, without the admin's IP.
    suspension = next(e for e in events if e["action"] == "publisher.suspend")
    assert suspension["actor_id"] == "root" and suspension["ip"] == ""
    snooping = await client.get(
        "/api/v1/audit", headers=bearer("u2"), params={"publisher": first_id}
    )
    assert snooping.status_code == 200 and snooping.json()["total"] == 0
    await client.get("/api/v1/auth/me", headers=bearer("outsider"))
    assert (await client.get("/api/v1/audit", headers=bearer("outsider"))).status_code == 403
    assert (await client.get("/api/v1/audit")).status_code == 401


class Boom(RuntimeError):
    pass


@pytest.fixture
def failing_audit(monkeypatch: pytest.MonkeyPatch) -> None:
    """Make every audit write fail right after the event row was written."""
    real = audit.record

    async def record_then_fail(*args: Any, **kwargs: Any) -> Any:
        await real(*args, **kwargs)
        raise Boom("simulated failure after the audit event")

    monkeypatch.setattr(audit, "record", record_then_fail)


async def test_events_roll_back_with_their_change(stack: Stack, failing_audit: None) -> None:
    admin = Actor(user_id="root", is_admin=True)
    owner = Actor(user_id="u1")
    from domain.services.users import upsert_user

    await make_admin("root")
    for user in ("u1", "helper"):
        await upsert_user(user, user, "")
    with pytest.raises(Boom):
        await publishers.register_publisher(
            owner, RegisterPublisher(name="doomed", display_name="D", email="d@example.com")
        )
    assert not await Publisher.exists(name="doomed")
    assert not await PublisherMember.exists(user_id="u1")

    publisher = await Publisher.create(name="kept", display_name="K", email="k@example.com")
    await PublisherMember.create(publisher=publisher, user_id="u1", role="owner")
    for change in (
        lambda: publishers.admin_suspend(admin, "kept", "x"),
        lambda: publishers.admin_verify(admin, "kept", "x"),
        lambda: publishers.admin_set_policy(
            admin, "kept", PublisherPolicy(can_publish_public=True)
        ),
        lambda: members.invite_member(owner, "kept", user_id="helper"),
        lambda: tokens.create_token(owner, "t", ["yank"]),
    ):
        with pytest.raises(Boom):
            await change()
    row = await Publisher.get(name="kept")
    assert row.verification_status == "unverified" and row.can_publish_public is False
    assert not await PublisherMember.exists(user_id="helper")
    assert not await PublisherInvitation.exists(user_id="helper")
    assert not await ApiToken.exists(user_id="u1")
    assert await AuditEvent.all().count() == 0
