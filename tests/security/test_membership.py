"""Finding 6: publisher membership by consent only. Owners invite; the invitee accepts or
declines within 14 days; a user belongs to one publisher at most; members can leave (not the
last owner). Every step is audited, and REST and GraphQL share the one rule."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta

import httpx
import pytest

from domain.actor import Actor
from domain.models import AuditEvent, Package, PublisherInvitation, PublisherMember
from domain.services import members, tokens
from tests.fixtures.stack import Stack, bearer
from tests.graphql.support import actor, data
from tests.helpers import create_package, make_publisher
from tests.publishers.support import join_publisher

API = "/api/v1"


async def seen(client: httpx.AsyncClient, *users: str) -> None:
    """Users exist once they have called the registry."""
    for user in users:
        assert (await client.get(f"{API}/auth/me", headers=bearer(user))).status_code == 200


async def invite(
    client: httpx.AsyncClient,
    owner: str,
    slug: str,
    user: str,
    *,
    role: str = "member",
    route: str = "invitations",
) -> httpx.Response:
    return await client.post(
        f"{API}/publishers/{slug}/{route}",
        headers=bearer(owner),
        json={"user_id": user, "role": role},
    )


async def answer(
    client: httpx.AsyncClient, user: str, invitation_id: str, verb: str
) -> httpx.Response:
    return await client.post(f"{API}/invitations/{invitation_id}/{verb}", headers=bearer(user))


async def listed(
    client: httpx.AsyncClient, user: str, path: str = "/auth/invitations"
) -> list[dict]:
    response = await client.get(f"{API}{path}", headers=bearer(user))
    assert response.status_code == 200, response.text
    return response.json()["invitations"]


async def is_member(user: str, slug: str) -> bool:
    return await PublisherMember.exists(user_id=user, publisher__name=slug)


@pytest.mark.parametrize("route", ["members", "invitations"])
async def test_an_invitation_adds_nobody_until_accepted(stack: Stack, route: str) -> None:
    """The audit's scenario: an owner "added" a stranger, who then could not register a
    publisher, could not leave, and whose package landed in the other publisher."""
    client = stack.client
    await make_publisher("owner", "grabby")
    await seen(client, "stranger", "bystander")

    invited = await invite(client, "owner", "grabby", "stranger", route=route)
    assert invited.status_code == 201, invited.text
    body = invited.json()
    assert (body["state"], body["user_id"], body["role"], body["publisher"]) == (
        "pending",
        "stranger",
        "member",
        "grabby",
    )
    expires = datetime.fromisoformat(body["expires_at"].replace("Z", "+00:00"))
    assert timedelta(days=13, hours=23) < expires - datetime.now(UTC) <= timedelta(days=14)
    assert not await is_member("stranger", "grabby")

    # Listed for the invitee and for the owners, for nobody else.
    assert [i["id"] for i in await listed(client, "stranger")] == [body["id"]]
    assert [i["id"] for i in await listed(client, "owner", "/publishers/grabby/invitations")] == [
        body["id"]
    ]
    assert await listed(client, "bystander") == []
    assert (
        await client.get(f"{API}/publishers/grabby/invitations", headers=bearer("stranger"))
    ).status_code == 403
    # The stranger's own package goes to their own publisher, out of the inviter's reach.
    registered = await client.post(
        f"{API}/auth/register-publisher",
        headers=bearer("stranger"),
        json={"name": "mine", "display_name": "Mine", "email": "s@example.com"},
    )
    assert registered.status_code == 201, registered.text
    assert (
        await create_package(client, "stranger", "MyOwn", visibility="private")
    ).status_code == 201
    package = await Package.get(name="MyOwn").prefetch_related("publisher")
    assert package.publisher.name == "mine"
    assert (await client.delete(f"{API}/packages/MyOwn", headers=bearer("owner"))).status_code in (
        403,
        404,
    )
    # ...and being a publisher now, the invitation can no longer be accepted.
    refused = await answer(client, "stranger", body["id"], "accept")
    assert refused.status_code == 409 and "already belong" in refused.json()["detail"]
    assert not await is_member("stranger", "grabby")
    assert (await answer(client, "stranger", body["id"], "decline")).status_code == 200


async def test_accept_decline_cancel_and_expiry(stack: Stack) -> None:
    client = stack.client
    await make_publisher("owner", "crew")
    await seen(client, "ann", "bob", "cat", "dan")

    # Accept: the invitee joins with the invited role; answering twice is a conflict.
    ann = (await invite(client, "owner", "crew", "ann", role="owner")).json()
    assert (await answer(client, "bob", ann["id"], "accept")).status_code == 404  # not theirs
    accepted = await answer(client, "ann", ann["id"], "accept")
    assert accepted.status_code == 200 and accepted.json()["state"] == "accepted"
    row = await PublisherMember.get(user_id="ann", publisher__name="crew")
    assert row.role == "owner"
    assert (await answer(client, "ann", ann["id"], "decline")).status_code == 409
    assert (await invite(client, "owner", "crew", "ann")).status_code == 409  # a member now

    # Decline: nothing changes, and the owner may ask again.
    bob = (await invite(client, "owner", "crew", "bob")).json()
    assert (await invite(client, "owner", "crew", "bob")).status_code == 409  # still pending
    declined = await answer(client, "bob", bob["id"], "decline")
    assert declined.status_code == 200 and declined.json()["state"] == "declined"
    assert not await is_member("bob", "crew")
    assert (await answer(client, "bob", bob["id"], "accept")).status_code == 409
    assert (await invite(client, "owner", "crew", "bob")).status_code == 201

    # Cancel: owners withdraw an open invitation; members (non-owners) cannot.
    cat = (await invite(client, "owner", "crew", "cat")).json()
    await join_publisher(client, "owner", "crew", "dan")
    assert (
        await client.delete(f"{API}/publishers/crew/invitations/{cat['id']}", headers=bearer("dan"))
    ).status_code == 403
    assert (
        await client.delete(
            f"{API}/publishers/crew/invitations/{cat['id']}", headers=bearer("owner")
        )
    ).status_code == 204
    assert (await answer(client, "cat", cat["id"], "accept")).status_code == 409
    assert await listed(client, "cat") == []

    # Expiry: 14 days; an expired invitation is not listed, cannot be accepted, and frees the
    # way for a new one.
    cat = (await invite(client, "owner", "crew", "cat")).json()
    await PublisherInvitation.filter(id=cat["id"]).update(
        expires_at=datetime.now(UTC) - timedelta(seconds=1)
    )
    assert await listed(client, "cat") == []
    expired = await answer(client, "cat", cat["id"], "accept")
    assert expired.status_code == 409 and "expired" in expired.json()["detail"]
    assert not await is_member("cat", "crew")
    again = await invite(client, "owner", "crew", "cat")
    assert again.status_code == 201 and again.json()["id"] != cat["id"]
    assert (await answer(client, "cat", again.json()["id"], "accept")).status_code == 200

    # Unknown and over-long ids are plain 404s; a NUL byte is refused before the database.
    for bad, status in (("nope", 404), ("x" * 300, 404), ("%00", (400, 404))):
        response = await client.post(f"{API}/invitations/{bad}/accept", headers=bearer("cat"))
        assert response.status_code in (status if isinstance(status, tuple) else (status,)), (
            bad,
            response.text,
        )


async def test_one_publisher_per_user_and_leaving(stack: Stack) -> None:
    client = stack.client
    await make_publisher("alice", "first")
    await make_publisher("bert", "second")
    await seen(client, "eve")

    # A member of one publisher cannot accept another's invitation until they leave.
    await join_publisher(client, "alice", "first", "eve")
    second = (await invite(client, "bert", "second", "eve")).json()
    refused = await answer(client, "eve", second["id"], "accept")
    assert refused.status_code == 409 and "first" in refused.json()["detail"]
    # An owner cannot be pulled into another publisher either.
    alice_invited = (await invite(client, "bert", "second", "alice")).json()
    assert (await answer(client, "alice", alice_invited["id"], "accept")).status_code == 409

    # Members leave (by "me" or by their own id); the last owner cannot.
    assert (
        await client.delete(f"{API}/publishers/first/members/me", headers=bearer("eve"))
    ).status_code == 204
    assert not await is_member("eve", "first")
    assert (
        await client.delete(f"{API}/publishers/first/members/me", headers=bearer("eve"))
    ).status_code == 404
    assert (await answer(client, "eve", second["id"], "accept")).status_code == 200
    assert (
        await client.delete(f"{API}/publishers/second/members/eve", headers=bearer("eve"))
    ).status_code == 204
    last = await client.delete(f"{API}/publishers/first/members/me", headers=bearer("alice"))
    assert last.status_code == 400 and "at least one owner" in last.json()["detail"]
    # With a second owner, an owner may go.
    await join_publisher(client, "alice", "first", "eve", role="owner")
    assert (
        await client.delete(f"{API}/publishers/first/members/alice", headers=bearer("alice"))
    ).status_code == 204
    assert [m.user_id for m in await PublisherMember.filter(publisher__name="first")] == ["eve"]

    actions = set(await AuditEvent.all().values_list("action", flat=True))
    assert {
        "publisher.member_invite",
        "publisher.invitation_accept",
        "publisher.member_leave",
    } <= actions
    leave = await AuditEvent.filter(action="publisher.member_leave").order_by("id").first()
    assert leave is not None and (leave.actor_id, leave.target_id) == ("eve", "eve")


async def test_concurrent_acceptances_join_one_publisher(stack: Stack) -> None:
    """Two invitations accepted at once, or an acceptance racing a registration, still leave
    the user in one publisher (they queue on the user's row)."""
    client = stack.client
    for owner, slug in (("o1", "one"), ("o2", "two"), ("o3", "three")):
        await make_publisher(owner, slug)
    await seen(client, "busy", "quick")
    ids = [
        (await invite(client, owner, slug, "busy")).json()["id"]
        for owner, slug in (("o1", "one"), ("o2", "two"), ("o3", "three"))
    ]
    responses = await asyncio.gather(*(answer(client, "busy", i, "accept") for i in ids))
    assert sorted(r.status_code for r in responses) == [200, 409, 409], [r.text for r in responses]
    assert await PublisherMember.filter(user_id="busy").count() == 1

    invitation = (await invite(client, "o1", "one", "quick")).json()["id"]
    accepting, registering = await asyncio.gather(
        answer(client, "quick", invitation, "accept"),
        client.post(
            f"{API}/auth/register-publisher",
            headers=bearer("quick"),
            json={"name": "quicks", "display_name": "Q", "email": "q@example.com"},
        ),
    )
    assert sorted((accepting.status_code, registering.status_code)) in ([200, 400], [201, 409])
    assert await PublisherMember.filter(user_id="quick").count() == 1


async def test_membership_changes_need_a_session(stack: Stack) -> None:
    """API tokens are for CI: they neither accept invitations nor leave publishers."""
    client = stack.client
    await make_publisher("owner", "strict")
    await seen(client, "invitee")
    invitation = (await invite(client, "owner", "strict", "invitee")).json()["id"]
    created = await tokens.create_token(
        Actor(user_id="invitee"), "ci", ["read-private", "publish-new", "publish-update"]
    )
    token = {"Authorization": f"Bearer {created.plaintext}"}
    for path in (f"/invitations/{invitation}/accept", f"/invitations/{invitation}/decline"):
        response = await client.post(f"{API}{path}", headers=token)
        assert response.status_code == 403 and "session" in response.json()["detail"]
    assert not await is_member("invitee", "strict")
    # Anonymous callers get 401 on every invitation route.
    for method, path in (
        ("GET", "/auth/invitations"),
        ("POST", f"/invitations/{invitation}/accept"),
        ("POST", "/publishers/strict/invitations"),
        ("DELETE", "/publishers/strict/members/me"),
    ):
        assert (await client.request(method, f"{API}{path}")).status_code == 401, path


async def test_events_roll_back_with_membership_changes(
    stack: Stack, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Nothing half-written: when the audit write fails, the membership change is undone."""
    client = stack.client
    await make_publisher("owner", "atomic")
    await seen(client, "joiner")
    invitation = (await invite(client, "owner", "atomic", "joiner")).json()["id"]
    from domain.services import audit

    real = audit.record

    async def record_then_fail(*args: object, **kwargs: object) -> object:
        await real(*args, **kwargs)  # type: ignore[arg-type]
        raise RuntimeError("audit store failed")

    monkeypatch.setattr(audit, "record", record_then_fail)
    with pytest.raises(RuntimeError):
        await members.accept_invitation(Actor(user_id="joiner"), invitation)
    assert not await is_member("joiner", "atomic")
    assert (await PublisherInvitation.get(id=invitation)).state == "pending"
    monkeypatch.setattr(audit, "record", real)
    await members.accept_invitation(Actor(user_id="joiner"), invitation)
    monkeypatch.setattr(audit, "record", record_then_fail)
    with pytest.raises(RuntimeError):
        await members.leave_publisher(Actor(user_id="joiner"), "atomic")
    assert await is_member("joiner", "atomic")


INVITE = """mutation($p: String!, $u: String!) { %s(publisher: $p, userId: $u) {
  invitation { id state role userId publisherName } errors { code message } } }"""
ANSWER = """mutation($id: String!) { %s(id: $id) {
  invitation { id state } errors { code message } } }"""
MINE = "{ myPublisherInvitations { id publisherName state expiresAt } }"


async def test_graphql_invitations(stack: Stack) -> None:
    await make_publisher("owner", "gql")
    owner, guest, other = await actor("owner"), await actor("guest"), await actor("other")

    # The old mutation name invites too; it never adds anyone.
    old = (
        await data(stack, INVITE % "addPublisherMember", {"p": "gql", "u": "guest"}, as_actor=owner)
    )["addPublisherMember"]
    assert old["errors"] == [] and old["invitation"]["state"] == "PENDING"
    assert not await is_member("guest", "gql")
    twice = (
        await data(
            stack, INVITE % "invitePublisherMember", {"p": "gql", "u": "guest"}, as_actor=owner
        )
    )["invitePublisherMember"]
    assert twice["errors"][0]["code"] == "CONFLICT"
    by_guest = (
        await data(
            stack, INVITE % "invitePublisherMember", {"p": "gql", "u": "other"}, as_actor=guest
        )
    )["invitePublisherMember"]
    assert by_guest["errors"][0]["code"] == "FORBIDDEN"

    mine = (await data(stack, MINE, as_actor=guest))["myPublisherInvitations"]
    assert [(i["id"], i["publisherName"], i["state"]) for i in mine] == [
        (old["invitation"]["id"], "gql", "PENDING")
    ]
    assert (await data(stack, MINE, as_actor=other))["myPublisherInvitations"] == []
    pending = '{ publisher(name: "gql") { invitations { userId } } }'
    assert (await data(stack, pending, as_actor=owner))["publisher"]["invitations"] == [
        {"userId": "guest"}
    ]
    assert (await data(stack, pending, as_actor=guest))["publisher"]["invitations"] is None

    stolen = (
        await data(
            stack,
            ANSWER % "acceptPublisherInvitation",
            {"id": old["invitation"]["id"]},
            as_actor=other,
        )
    )["acceptPublisherInvitation"]
    assert stolen["errors"][0]["code"] == "NOT_FOUND"
    accepted = (
        await data(
            stack,
            ANSWER % "acceptPublisherInvitation",
            {"id": old["invitation"]["id"]},
            as_actor=guest,
        )
    )["acceptPublisherInvitation"]
    assert accepted == {
        "invitation": {"id": old["invitation"]["id"], "state": "ACCEPTED"},
        "errors": [],
    }
    assert await is_member("guest", "gql")

    second = (
        await data(
            stack, INVITE % "invitePublisherMember", {"p": "gql", "u": "other"}, as_actor=owner
        )
    )["invitePublisherMember"]["invitation"]
    declined = (
        await data(
            stack, ANSWER % "declinePublisherInvitation", {"id": second["id"]}, as_actor=other
        )
    )["declinePublisherInvitation"]
    assert declined["invitation"]["state"] == "DECLINED"
    assert not await is_member("other", "gql")

    leave = 'mutation { leavePublisher(publisher: "gql") { left errors { code message } } }'
    guest = await actor("guest")
    assert (await data(stack, leave, as_actor=guest))["leavePublisher"] == {
        "left": True,
        "errors": [],
    }
    assert not await is_member("guest", "gql")
    last = (await data(stack, leave, as_actor=owner))["leavePublisher"]
    assert last["left"] is False and "at least one owner" in last["errors"][0]["message"]
    anonymous = await stack.client.post("/graphql", json={"query": MINE})
    assert anonymous.json()["errors"][0]["extensions"]["code"] == "not_authenticated"
