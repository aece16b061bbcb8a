"""Package transfers (issue 18 part 4): an owner offers a package to another publisher, an
owner of that publisher accepts; REST and GraphQL, the audit trail, the wrong actors refused,
and API tokens following the package to its new publisher."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta
from typing import Any

from domain.events import PACKAGE_TRANSFERRED
from domain.models import AuditEvent, Package, PackageTransfer, Publisher
from tests.fixtures.stack import Stack, bearer
from tests.graphql.support import post
from tests.helpers import create_package, make_publisher, mod_zip, upload_version
from tests.publishers.support import make_admin


async def _setup(stack: Stack, name: str = "moved", **fields: Any) -> None:
    """alpha (owned by u1) holds `name` 1.0.0, published; beta is owned by u2."""
    await make_publisher("u1", "alpha")
    await make_publisher("u2", "beta")
    created = await create_package(stack.client, "u1", name, **fields)
    assert created.status_code == 201, created.text
    uploaded = await upload_version(stack.client, "u1", name, "1.0.0", mod_zip(name, "1.0.0"))
    assert uploaded.status_code == 201, uploaded.text
    await stack.drain_jobs()


async def _token(stack: Stack, user: str, globs: list[str]) -> dict[str, str]:
    created = await stack.client.post(
        "/api/v1/tokens",
        headers=bearer(user),
        json={"name": "ci", "scopes": ["publish-update", "yank"], "package_globs": globs},
    )
    assert created.status_code == 201, created.text
    return {"Authorization": f"Bearer {created.json()['token']}"}


async def _upload(stack: Stack, headers: dict[str, str], name: str, version: str) -> int:
    response = await stack.client.post(
        f"/api/v1/packages/{name}/versions",
        headers=headers,
        data={"version": version},
        files={"file": ("x.zip", mod_zip(name, version), "application/zip")},
    )
    return response.status_code


async def _yank(stack: Stack, headers: dict[str, str], name: str, version: str) -> int:
    response = await stack.client.post(
        f"/api/v1/packages/{name}/versions/{version}/yank", headers=headers, json={"reason": "x"}
    )
    return response.status_code


async def _offer(stack: Stack, user: str, name: str, to: object) -> Any:
    return await stack.client.post(
        f"/api/v1/packages/{name}/transfers", headers=bearer(user), json={"to_publisher": to}
    )


async def _answer(stack: Stack, user: str, transfer_id: str, verb: str) -> Any:
    return await stack.client.post(f"/api/v1/transfers/{transfer_id}/{verb}", headers=bearer(user))


async def test_rest_transfer_moves_the_package_and_its_token_reach(stack: Stack) -> None:
    client = stack.client
    await _setup(stack)
    old_token = await _token(stack, "u1", ["mov*"])
    new_token = await _token(stack, "u2", ["mov*"])
    assert await _upload(stack, new_token, "moved", "1.0.1") == 403  # not beta's yet

    # Who may offer, and what.
    assert (await _offer(stack, "u2", "moved", "beta")).status_code == 403
    assert (await _offer(stack, "u1", "moved", "alpha")).status_code == 400
    assert (await _offer(stack, "u1", "moved", "nobody")).status_code == 404
    assert (await _offer(stack, "u1", "moved", ["beta"])).status_code == 400
    assert (await _offer(stack, "u1", "nothing", "beta")).status_code == 404
    by_token = await client.post(
        "/api/v1/packages/moved/transfers", headers=old_token, json={"to_publisher": "beta"}
    )
    assert by_token.status_code == 403  # a token cannot give a package away
    offered = await _offer(stack, "u1", "MOVED", "beta")
    assert offered.status_code == 201, offered.text
    transfer = offered.json()
    assert transfer["package"] == "moved" and transfer["state"] == "pending"
    assert (transfer["from_publisher"], transfer["to_publisher"]) == ("alpha", "beta")
    assert (await _offer(stack, "u1", "moved", "beta")).status_code == 409  # one pending

    incoming = await client.get(
        "/api/v1/publishers/beta/transfers?direction=incoming", headers=bearer("u2")
    )
    assert [t["id"] for t in incoming.json()["transfers"]] == [transfer["id"]]
    outgoing = await client.get(
        "/api/v1/publishers/beta/transfers?direction=outgoing", headers=bearer("u2")
    )
    assert outgoing.json()["transfers"] == []
    assert (
        await client.get("/api/v1/publishers/beta/transfers", headers=bearer("u1"))
    ).status_code == 403
    assert (
        await client.get("/api/v1/publishers/beta/transfers?direction=up", headers=bearer("u2"))
    ).status_code == 400

    # Only the receiving side accepts; strangers and unknown ids are "not found".
    assert (await _answer(stack, "u1", transfer["id"], "accept")).status_code == 403
    assert (await _answer(stack, "u3", transfer["id"], "accept")).status_code == 404
    assert (await _answer(stack, "u2", "0" * 32, "accept")).status_code == 404
    assert (await _answer(stack, "u2", transfer["id"], "cancel")).status_code == 403
    nothing_moved = await client.get("/api/v1/packages/moved")
    assert nothing_moved.json()["publisher"] == "alpha"

    accepted = await _answer(stack, "u2", transfer["id"], "accept")
    assert accepted.status_code == 200, accepted.text
    assert accepted.json()["state"] == "accepted" and accepted.json()["responded_by"] == "u2"
    assert (await _answer(stack, "u2", transfer["id"], "accept")).status_code == 409
    assert (await _answer(stack, "u1", transfer["id"], "cancel")).status_code == 409

    detail = await client.get("/api/v1/packages/moved")
    assert detail.json()["publisher"] == "beta"  # no stale cached detail
    found = await client.get("/api/v1/search?q=moved")
    assert [(p["name"], p["publisher"]) for p in found.json()["packages"]] == [("moved", "beta")]

    # The old publisher's token (and session) no longer reach it; the new one's do.
    assert await _upload(stack, old_token, "moved", "1.0.1") == 403
    assert await _yank(stack, old_token, "moved", "1.0.0") == 403
    assert (await _offer(stack, "u1", "moved", "alpha")).status_code == 403
    assert await _yank(stack, new_token, "moved", "1.0.0") == 200
    assert await _upload(stack, new_token, "moved", "1.0.1") == 201

    events = await AuditEvent.filter(action__startswith="package.transfer").order_by("id")
    assert [(e.action, e.publisher_id, e.actor_id) for e in events] == [
        ("package.transfer_request", transfer["from_publisher_id"], "u1"),
        ("package.transfer_request", transfer["to_publisher_id"], "u1"),
        ("package.transfer_accept", transfer["from_publisher_id"], "u2"),
        ("package.transfer_accept", transfer["to_publisher_id"], "u2"),
    ]
    assert all(e.target_id == "moved" for e in events)
    assert events[0].details["transfer_id"] == transfer["id"]


TRANSFER_FIELDS = "transfer { id state package fromPublisher toPublisher } errors { code field }"


async def _mutate(stack: Stack, user: str, mutation: str, **variables: Any) -> dict[str, Any]:
    arguments = ", ".join(f"{key}: ${key}" for key in variables)
    declared = ", ".join(f"${key}: String!" for key in variables)
    response = await post(
        stack.client,
        f"mutation({declared}) {{ {mutation}({arguments}) {{ {TRANSFER_FIELDS} }} }}",
        variables,
        user=user,
    )
    assert response.status_code == 200 and "errors" not in response.json(), response.text
    result: dict[str, Any] = response.json()["data"][mutation]
    return result


def _code(result: dict[str, Any]) -> str | None:
    return result["errors"][0]["code"] if result["errors"] else None


async def test_graphql_decline_cancel_accept_and_wrong_actors(stack: Stack) -> None:
    await _setup(stack, "shared")
    request = "requestPackageTransfer"

    first = await _mutate(stack, "u2", request, package="shared", toPublisher="beta")
    assert _code(first) == "FORBIDDEN" and first["transfer"] is None
    first = await _mutate(stack, "u1", request, package="shared", toPublisher="beta")
    assert _code(first) is None and first["transfer"]["state"] == "PENDING"
    transfer_id = first["transfer"]["id"]
    again = await _mutate(stack, "u1", request, package="shared", toPublisher="beta")
    assert _code(again) == "CONFLICT"
    assert _code(await _mutate(stack, "u1", "acceptPackageTransfer", id=transfer_id)) == (
        "FORBIDDEN"
    )
    assert _code(await _mutate(stack, "u3", "declinePackageTransfer", id=transfer_id)) == (
        "NOT_FOUND"
    )
    declined = await _mutate(stack, "u2", "declinePackageTransfer", id=transfer_id)
    assert declined["transfer"]["state"] == "DECLINED"

    second = await _mutate(stack, "u1", request, package="shared", toPublisher="beta")
    second_id = second["transfer"]["id"]
    listed = await post(
        stack.client,
        'query { packageTransfers(publisher: "alpha", direction: OUTGOING) { id state } }',
        user="u1",
    )
    assert listed.json()["data"]["packageTransfers"] == [{"id": second_id, "state": "PENDING"}]
    refused = await post(stack.client, 'query { packageTransfers(publisher: "alpha") { id } }')
    assert refused.json()["errors"][0]["extensions"]["code"] == "not_authenticated"
    assert _code(await _mutate(stack, "u2", "cancelPackageTransfer", id=second_id)) == ("FORBIDDEN")
    cancelled = await _mutate(stack, "u1", "cancelPackageTransfer", id=second_id)
    assert cancelled["transfer"]["state"] == "CANCELLED"
    package = await Package.get(name_key="shared").prefetch_related("publisher")
    assert package.publisher.name == "alpha"

    third = await _mutate(stack, "u1", request, package="shared", toPublisher="beta")
    accepted = await _mutate(stack, "u2", "acceptPackageTransfer", id=third["transfer"]["id"])
    assert accepted["transfer"]["state"] == "ACCEPTED"
    assert accepted["transfer"]["toPublisher"] == "beta"
    detail = await post(stack.client, 'query { package(name: "shared") { publisher { name } } }')
    assert detail.json()["data"]["package"]["publisher"]["name"] == "beta"
    actions = [
        e.action
        for e in await AuditEvent.filter(
            action__startswith="package.transfer", publisher_id=(package.publisher_id)
        ).order_by("id")
    ]
    assert actions == [
        "package.transfer_request",
        "package.transfer_decline",
        "package.transfer_request",
        "package.transfer_cancel",
        "package.transfer_request",
        "package.transfer_accept",
    ]


async def test_refusals_expiry_and_archived_packages(stack: Stack) -> None:
    await _setup(stack, "kept")
    await make_publisher("u4", "gamma", verified=False)
    # A public package cannot go to a publisher that may not publish public packages.
    unverified = await _offer(stack, "u1", "kept", "gamma")
    assert unverified.status_code == 403, unverified.text

    offered = (await _offer(stack, "u1", "kept", "beta")).json()
    await PackageTransfer.filter(id=offered["id"]).update(
        expires_at=datetime.now(UTC) - timedelta(seconds=1)
    )
    assert (await _answer(stack, "u2", offered["id"], "accept")).status_code == 409
    listed = await stack.client.get("/api/v1/publishers/beta/transfers", headers=bearer("u2"))
    assert listed.json()["transfers"] == []
    renewed = await _offer(stack, "u1", "kept", "beta")  # the expired one gave its key up
    assert renewed.status_code == 201, renewed.text
    assert (await PackageTransfer.get(id=offered["id"])).state == "expired"

    # Archived packages are read-only: neither offered nor taken over.
    archived = await stack.client.patch(
        "/api/v1/packages/kept", headers=bearer("u1"), json={"status": "archived"}
    )
    assert archived.status_code == 200, archived.text
    taken = await _answer(stack, "u2", renewed.json()["id"], "accept")
    assert taken.status_code == 409 and "archived" in taken.json()["detail"]
    assert (await _answer(stack, "u1", renewed.json()["id"], "cancel")).status_code == 200
    again = await _offer(stack, "u1", "kept", "beta")
    assert again.status_code == 409 and "archived" in again.json()["detail"]


async def test_pending_scan_verified_facet_and_event(stack: Stack) -> None:
    """A version waiting for its scan publishes under the new publisher; the `verified`
    filter follows the package's publisher; subscribers hear package_transferred."""
    client = stack.client
    await _setup(stack, "badge")
    pending = await upload_version(client, "u1", "badge", "1.1.0", mod_zip("badge", "1.1.0"))
    assert pending.status_code == 201 and pending.json()["status"] == "pending"
    # alpha lost its verification after publishing: its public package shows unverified.
    await Publisher.filter(name="alpha").update(verification_status="unverified")

    async def verified_names() -> list[str]:
        listed = await client.get("/api/v1/packages?verified=true")
        return [p["name"] for p in listed.json()["packages"]]

    assert await verified_names() == []

    bus = stack.ctx.events
    heard: asyncio.Queue[dict[str, Any]] = asyncio.Queue()

    async def listen() -> None:
        async for event in bus.subscribe(PACKAGE_TRANSFERRED):
            await heard.put(event)

    listener = asyncio.create_task(listen())
    try:
        async with asyncio.timeout(10):
            while bus.local_subscribers(PACKAGE_TRANSFERRED) < 1:  # noqa: ASYNC110 - polled
                await asyncio.sleep(0.01)
        offered = (await _offer(stack, "u1", "badge", "beta")).json()
        accepted = await _answer(stack, "u2", offered["id"], "accept")
        assert accepted.status_code == 200, accepted.text
        event = await asyncio.wait_for(heard.get(), 10)
    finally:
        listener.cancel()
    assert event["package"] == "badge" and event["transfer_id"] == offered["id"]
    assert event["to_publisher_id"] == offered["to_publisher_id"]

    assert await verified_names() == ["badge"]  # beta is verified
    await stack.drain_jobs()  # the scan of 1.1.0 finishes after the move
    detail = (await client.get("/api/v1/packages/badge")).json()
    assert detail["publisher"] == "beta" and detail["latest_version"] == "1.1.0"


async def test_quota_races_and_admins(stack: Stack) -> None:
    """The receiving publisher's quota holds the package's bytes; two offers or two answers
    at once: exactly one wins; an admin may act for either side."""
    await _setup(stack, "heavy")
    await make_admin("root")
    offers = await asyncio.gather(*(_offer(stack, "u1", "heavy", "beta") for _ in range(2)))
    assert sorted(r.status_code for r in offers) == [201, 409], [r.text for r in offers]
    transfer_id = next(r.json()["id"] for r in offers if r.status_code == 201)

    await Publisher.filter(name="beta").update(storage_quota_bytes=10)
    over = await _answer(stack, "u2", transfer_id, "accept")
    assert over.status_code == 413 and "quota" in over.json()["detail"].lower(), over.text
    assert (await PackageTransfer.get(id=transfer_id)).state == "pending"  # rolled back
    await Publisher.filter(name="beta").update(storage_quota_bytes=None)

    answers = await asyncio.gather(
        _answer(stack, "u2", transfer_id, "accept"), _answer(stack, "u1", transfer_id, "cancel")
    )
    codes = sorted(r.status_code for r in answers)
    assert codes == [200, 409], [r.text for r in answers]
    winner = next(r.json()["state"] for r in answers if r.status_code == 200)
    moved = (await stack.client.get("/api/v1/packages/heavy")).json()["publisher"]
    assert moved == ("beta" if winner == "accepted" else "alpha")

    # An admin offers back and accepts for the receiving side alike.
    back = "alpha" if moved == "beta" else "beta"
    offered = await _offer(stack, "root", "heavy", back)
    assert offered.status_code == 201, offered.text
    taken = await _answer(stack, "root", offered.json()["id"], "accept")
    assert taken.status_code == 200, taken.text
    assert (await stack.client.get("/api/v1/packages/heavy")).json()["publisher"] == back
