"""Writes that race each other end in one consistent state, never a 500 or a deadlock:
a package deleted while a version uploads, one user registering several publishers at once,
and deletes, yanks and scan verdicts on one package at the same time."""

from __future__ import annotations

import asyncio

from domain.models import Package, PackageVersion, PublisherMember, StoredCopy
from tests.fixtures.stack import Stack, bearer
from tests.helpers import Gate, create_package, make_publisher, mod_zip, upload_version
from tests.publishers.support import join_publisher


async def test_a_package_deleted_while_a_version_uploads_gets_no_version(
    stack: Stack, gated_put: Gate
) -> None:
    client = stack.client
    await make_publisher("u1")
    assert (await create_package(client, "u1", "Doomed")).status_code == 201
    payload = mod_zip("Doomed", "1.0.0", extra={"Doomed/unique.txt": b"doomed"})
    uploading = asyncio.create_task(upload_version(client, "u1", "Doomed", "1.0.0", payload))
    await asyncio.wait_for(gated_put.reached.wait(), 10)  # checked, claimed, storing

    deleted = await client.delete("/api/v1/packages/Doomed", headers=bearer("u1"))
    assert deleted.status_code == 204, deleted.text
    gated_put.release.set()
    response = await asyncio.wait_for(uploading, 30)

    assert response.status_code == 404, response.text
    assert response.json()["detail"] == "Package not found: Doomed"
    package = await Package.get(name="Doomed")
    assert package.deleted_at is not None
    assert not await PackageVersion.exists(package_id=package.id)
    # The stored object went with the failed upload.
    assert not await StoredCopy.exists(state="present")


async def test_one_user_registering_publishers_at_once_gets_one(stack: Stack) -> None:
    await stack.client.get("/api/v1/auth/me", headers=bearer("eager"))
    responses = await asyncio.gather(
        *(
            stack.client.post(
                "/api/v1/auth/register-publisher",
                headers=bearer("eager"),
                json={"name": f"eager{i}", "display_name": "E", "email": "e@example.com"},
            )
            for i in range(8)
        )
    )
    assert sorted(r.status_code for r in responses) == [201] + [400] * 7
    assert await PublisherMember.filter(user_id="eager").count() == 1


async def test_deletes_yanks_and_verdicts_on_one_package_do_not_deadlock(stack: Stack) -> None:
    client = stack.client
    await make_publisher("u1")
    assert (await create_package(client, "u1", "Busy")).status_code == 201
    for i in range(4):
        response = await upload_version(
            client, "u1", "Busy", f"1.0.{i}", mod_zip("Busy", f"1.0.{i}")
        )
        assert response.status_code == 201, response.text
    # Scans of the uploads run now (in-process jobs), against the yanks and the delete.
    yanks = [
        client.post(
            f"/api/v1/packages/Busy/versions/1.0.{i}/yank",
            headers=bearer("u1"),
            json={"reason": "r"},
        )
        for i in range(4)
    ]
    uploads = [
        upload_version(client, "u1", "Busy", f"2.0.{i}", mod_zip("Busy", f"2.0.{i}"))
        for i in range(4)
    ]
    delete = client.delete("/api/v1/packages/Busy", headers=bearer("u1"))
    responses = await asyncio.gather(*yanks, *uploads, delete)
    assert all(r.status_code < 500 for r in responses), [r.text for r in responses]
    await stack.drain_jobs()
    package = await Package.get(name="Busy")
    assert package.deleted_at is not None
    assert not await PackageVersion.exists(package_id=package.id)


async def test_two_owners_removing_each_other_at_once_leave_one_owner(stack: Stack) -> None:
    client = stack.client
    await make_publisher("owner1", "duo")
    await join_publisher(client, "owner1", "duo", "owner2", role="owner")
    removals = await asyncio.gather(
        client.delete("/api/v1/publishers/duo/members/owner2", headers=bearer("owner1")),
        client.delete("/api/v1/publishers/duo/members/owner1", headers=bearer("owner2")),
        client.delete("/api/v1/publishers/duo/members/owner2", headers=bearer("owner1")),
    )
    assert sorted(r.status_code for r in removals)[0] == 204
    assert all(r.status_code in (204, 400, 404) for r in removals), [r.text for r in removals]
    assert [r.status_code for r in removals].count(204) == 1
    assert await PublisherMember.filter(publisher__name="duo", role="owner").count() == 1


async def test_concurrent_challenge_requests_share_one_challenge(stack: Stack) -> None:
    await make_publisher("u1", "acme", verified=False)
    responses = await asyncio.gather(
        *(
            stack.client.post("/api/v1/publishers/verify/challenge", headers=bearer("u1"))
            for _ in range(6)
        )
    )
    assert {r.status_code for r in responses} == {200}
    assert len({r.json()["challenge"] for r in responses}) == 1
