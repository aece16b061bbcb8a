"""Finding 7: a verification vouches for the identity it proved. Changing a vouched field
(the GitHub login, or the display name shown next to the badge) returns the publisher to
unverified and is audited, over REST PATCH and GraphQL updatePublisher alike; other profile
edits keep the verification."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest

from domain.models import AuditEvent, Publisher, VerificationRequest
from domain.services import verification
from domain.services.publishers import VERIFIED_FIELDS
from tests.fixtures.stack import Stack, bearer
from tests.graphql.support import actor, data
from tests.helpers import create_package, make_publisher
from tests.publishers.support import make_admin

SWAP = {"github": "torvalds", "display_name": "Linus Torvalds"}
UPDATE = """mutation($p: String!, $input: UpdatePublisherInput!) {
  updatePublisher(publisher: $p, input: $input) {
    publisher { verificationStatus verifiedAt github displayName } errors { code message } } }"""


async def auto_verified(slug: str = "acme", login: str = "acme") -> Publisher:
    """A publisher as a successful automatic GitHub check leaves it."""
    publisher = await make_publisher("owner", slug)
    await VerificationRequest.create(
        publisher=publisher,
        method="github",
        data={"username": login},
        state="verified",
        submitted_by="owner",
        checked_at=datetime.now(UTC),
    )
    await Publisher.filter(id=publisher.id).update(
        github=login, verified_at=datetime.now(UTC), verified_by="auto:github"
    )
    return await Publisher.get(id=publisher.id)


async def patch(stack: Stack, slug: str, body: dict[str, Any]) -> dict[str, Any]:
    response = await stack.client.patch(
        f"/api/v1/publishers/{slug}", headers=bearer("owner"), json=body
    )
    assert response.status_code == 200, response.text
    return response.json()


async def graphql_update(stack: Stack, slug: str, body: dict[str, Any]) -> dict[str, Any]:
    names = {
        "github": "github",
        "display_name": "displayName",
        "email": "email",
        "homepage": "homepage",
    }
    result = (
        await data(
            stack,
            UPDATE,
            {"p": slug, "input": {names[k]: v for k, v in body.items()}},
            as_actor=await actor("owner"),
        )
    )["updatePublisher"]
    assert result["errors"] == [], result
    publisher = result["publisher"]
    return {
        "verification_status": publisher["verificationStatus"].lower(),
        "verified_at": publisher["verifiedAt"] or "",
        "github": publisher["github"],
        "display_name": publisher["displayName"],
    }


UPDATERS = {"rest": patch, "graphql": graphql_update}


@pytest.mark.parametrize("via", UPDATERS)
async def test_swapping_the_proven_identity_drops_the_verification(stack: Stack, via: str) -> None:
    """The audit's request: PATCH {"github":"torvalds","display_name":"Linus Torvalds"}."""
    publisher = await auto_verified()
    assert await verification.due_for_recheck(interval_seconds=0) == [publisher.id]
    assert (await create_package(stack.client, "owner", "AcmeTool")).status_code == 201

    body = await UPDATERS[via](stack, "acme", SWAP)
    assert (body["verification_status"], body["verified_at"]) == ("unverified", "")
    assert (body["github"], body["display_name"]) == ("torvalds", "Linus Torvalds")
    row = await Publisher.get(id=publisher.id)
    assert row.verification_status == "unverified" and row.verified_at is None
    # The badge is gone everywhere packages show it, and public publishing stops.
    detail = (await stack.client.get("/api/v1/packages/AcmeTool")).json()
    assert detail["publisher_verified"] is False
    refused = await create_package(stack.client, "owner", "AcmeTool2")
    assert refused.status_code == 403
    # The proof that verified it describes someone else now: no re-check, no revival.
    assert await verification.due_for_recheck(interval_seconds=0) == []
    assert await verification.load_recheck(publisher.id) is None
    assert (
        await VerificationRequest.filter(publisher_id=publisher.id, state="verified").count() == 0
    )
    withdrawn = await AuditEvent.get(action="verification.withdrawn")
    assert (withdrawn.actor_id, withdrawn.publisher_id) == ("owner", publisher.id)
    assert withdrawn.details["changed"] == {
        "github": {"from": "acme", "to": "torvalds"},
        "display_name": {"from": "Publisher owner", "to": "Linus Torvalds"},
    }
    update = await AuditEvent.get(action="publisher.update")
    assert update.details["verification_withdrawn"] is True


@pytest.mark.parametrize("via", UPDATERS)
@pytest.mark.parametrize("field", VERIFIED_FIELDS)
async def test_each_vouched_field_alone_drops_it(stack: Stack, via: str, field: str) -> None:
    await auto_verified()
    changed = {"github": "Acme", "display_name": "Acme Corporation"}[field]  # even a case
    body = await UPDATERS[via](stack, "acme", {field: changed})
    assert body["verification_status"] == "unverified"
    assert await AuditEvent.filter(action="verification.withdrawn").count() == 1


@pytest.mark.parametrize("via", UPDATERS)
async def test_other_edits_and_unchanged_values_keep_it(stack: Stack, via: str) -> None:
    publisher = await auto_verified()
    same = {"github": "acme", "display_name": publisher.display_name}
    body = await UPDATERS[via](
        stack, "acme", {**same, "email": "new@example.com", "homepage": "https://acme.example"}
    )
    assert body["verification_status"] == "verified" and body["verified_at"]
    assert await AuditEvent.filter(action="verification.withdrawn").count() == 0
    assert await verification.due_for_recheck(interval_seconds=0) == [publisher.id]


async def test_admin_verified_and_suspended_publishers(stack: Stack) -> None:
    """An admin's verification vouches for the same fields; a suspended publisher that was
    verified stays suspended, and lifting the suspension no longer restores the badge."""
    await make_admin("root")
    await make_publisher("owner", "acme", verified=False)
    client = stack.client
    assert (
        await client.post(
            "/api/v1/publishers/admin/acme/verify",
            headers=bearer("root"),
            json={"notes": "checked"},
        )
    ).status_code == 200
    assert (await patch(stack, "acme", {"display_name": "Someone Famous"}))[
        "verification_status"
    ] == "unverified"

    assert (
        await client.post("/api/v1/publishers/admin/acme/verify", headers=bearer("root"), json={})
    ).status_code == 200
    assert (
        await client.post(
            "/api/v1/publishers/admin/acme/suspend", headers=bearer("root"), json={"notes": "x"}
        )
    ).status_code == 200
    assert (await patch(stack, "acme", {"github": "torvalds"}))["verification_status"] == (
        "suspended"
    )
    lifted = await client.post(
        "/api/v1/publishers/admin/acme/unsuspend", headers=bearer("root"), json={}
    )
    assert lifted.json()["verification_status"] == "unverified"


async def test_unverified_publishers_edit_freely(stack: Stack) -> None:
    await make_publisher("owner", "acme", verified=False)
    body = await patch(stack, "acme", SWAP)
    assert body["verification_status"] == "unverified" and body["github"] == "torvalds"
    assert await AuditEvent.filter(action="verification.withdrawn").count() == 0
    update = await AuditEvent.get(action="publisher.update")
    assert update.details == {"fields": ["display_name", "github"], "verification_withdrawn": False}
