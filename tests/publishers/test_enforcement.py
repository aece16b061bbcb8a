"""Enforcement: only verified publishers with the admin's flags publish public packages and
artifacts, by any REST route; suspended ones publish nothing; size limits and quotas hold."""

from __future__ import annotations

import json

import httpx
import pytest

from domain.exceptions import PermissionDenied
from domain.models import Publisher
from domain.services.publishers import check_can_publish
from tests.fixtures.stack import Stack, bearer
from tests.helpers import create_package, make_publisher, mod_zip, upload_version
from tests.publishers.support import make_admin


async def one_step_publish(
    client: httpx.AsyncClient, user: str, name: str, version: str, **metadata: str
) -> httpx.Response:
    return await client.post(
        "/api/v1/packages",
        headers=bearer(user),
        data={"metadata": json.dumps({"name": name, "version": version, **metadata})},
        files={"file": ("tmp0001.zip", mod_zip(name, version), "application/zip")},
    )


async def test_unverified_publisher_cannot_make_anything_public(stack: Stack) -> None:
    client = stack.client
    await make_publisher("u1", "newbie", verified=False)

    refused = await create_package(client, "u1", "PublicMod")
    assert refused.status_code == 403 and "verified" in refused.json()["detail"]
    assert (await create_package(client, "u1", "PublicMod", visibility="public")).status_code == 403
    assert (await one_step_publish(client, "u1", "OneStep", "1.0.0")).status_code == 403
    assert (await client.get("/api/v1/packages/OneStep")).status_code == 404

    # Private and unlisted work, and stay so.
    assert (await create_package(client, "u1", "Quiet", visibility="private")).status_code == 201
    assert (await create_package(client, "u1", "Linked", visibility="unlisted")).status_code == 201
    published = await one_step_publish(client, "u1", "Hidden", "1.0.0", visibility="private")
    assert published.status_code == 201, published.text
    uploaded = await upload_version(client, "u1", "Quiet", "1.0.0", mod_zip("Quiet", "1.0.0"))
    assert uploaded.status_code == 201, uploaded.text
    for name in ("Quiet", "Linked"):
        made_public = await client.patch(
            f"/api/v1/packages/{name}", headers=bearer("u1"), json={"visibility": "public"}
        )
        assert made_public.status_code == 403
    # A one-step publish onto an existing package never changes its visibility.
    onto = await one_step_publish(client, "u1", "Quiet", "1.1.0", visibility="public")
    assert onto.status_code == 201
    detail = await client.get("/api/v1/packages/Linked")
    assert detail.json()["visibility"] == "unlisted"
    assert (await client.get("/api/v1/packages/Quiet")).status_code == 404  # still private


async def test_verified_without_flag_and_after_revocation(stack: Stack) -> None:
    client = stack.client
    await make_admin("root")
    await make_publisher("u1", "flagless")
    await client.patch(
        "/api/v1/publishers/admin/flagless",
        headers=bearer("root"),
        json={"can_publish_public": False},
    )
    assert (await create_package(client, "u1", "NoFlag")).status_code == 403

    await client.patch(
        "/api/v1/publishers/admin/flagless",
        headers=bearer("root"),
        json={"can_publish_public": True},
    )
    assert (await create_package(client, "u1", "NoFlag")).status_code == 201
    assert (
        await upload_version(client, "u1", "NoFlag", "1.0.0", mod_zip("NoFlag", "1.0.0"))
    ).status_code == 201
    assert (await create_package(client, "u1", "Later", visibility="private")).status_code == 201

    revoked = await client.post(
        "/api/v1/publishers/admin/flagless/revoke", headers=bearer("root"), json={"notes": "lapsed"}
    )
    assert revoked.status_code == 200
    # New versions of its public package, and new public packages, are refused...
    assert (
        await upload_version(client, "u1", "NoFlag", "1.1.0", mod_zip("NoFlag", "1.1.0"))
    ).status_code == 403
    assert (await one_step_publish(client, "u1", "NoFlag", "1.2.0")).status_code == 403
    assert (
        await client.patch(
            "/api/v1/packages/Later", headers=bearer("u1"), json={"visibility": "public"}
        )
    ).status_code == 403
    # ...while hiding a package is always allowed.
    hidden = await client.patch(
        "/api/v1/packages/NoFlag", headers=bearer("u1"), json={"visibility": "private"}
    )
    assert hidden.status_code == 200


async def test_suspended_publisher_cannot_publish(stack: Stack) -> None:
    client = stack.client
    await make_admin("root")
    await make_publisher("u1", "banned", artifacts=True)
    assert (await create_package(client, "u1", "Before")).status_code == 201
    await client.post(
        "/api/v1/publishers/admin/banned/suspend", headers=bearer("root"), json={"notes": "abuse"}
    )
    for visibility in ("public", "unlisted", "private"):
        refused = await create_package(client, "u1", f"After{visibility}", visibility=visibility)
        assert refused.status_code == 403 and "suspended" in refused.json()["detail"]
    upload = await upload_version(client, "u1", "Before", "1.0.0", mod_zip("Before", "1.0.0"))
    assert upload.status_code == 403
    published = await one_step_publish(client, "u1", "Fresh", "1.0.0", visibility="private")
    assert published.status_code == 403
    artifact = await client.post(
        "/api/v1/artifacts",
        headers=bearer("u1"),
        json={"name": "banned-app", "artifact_type": "tauri_app", "description": "x"},
    )
    assert artifact.status_code == 403
    # Its existing package is still served, and its publisher carries the notice.
    package = (await client.get("/api/v1/packages/Before")).json()
    publisher = (await client.get(f"/api/v1/publishers/{package['publisher_id']}")).json()
    assert publisher["verification_status"] == "suspended" and "abuse" in publisher["notice"]
    assert package["publisher_notice"] == publisher["notice"]
    listed = (await client.get("/api/v1/packages")).json()["packages"]
    assert [p["publisher_notice"] for p in listed if p["name"] == "Before"] == [publisher["notice"]]


async def test_artifacts_need_the_artifact_flag(stack: Stack) -> None:
    client = stack.client
    await make_admin("root")
    await make_publisher("u1", "apps", verified=False)
    body = {"name": "my-app", "artifact_type": "tauri_app", "description": "An app"}
    assert (
        await client.post("/api/v1/artifacts", headers=bearer("u1"), json=body)
    ).status_code == 403
    await Publisher.filter(name="apps").update(
        verification_status="verified", can_publish_public=True
    )
    assert (
        await client.post("/api/v1/artifacts", headers=bearer("u1"), json=body)
    ).status_code == 403
    await client.patch(
        "/api/v1/publishers/admin/apps",
        headers=bearer("root"),
        json={"can_publish_artifacts": True},
    )
    created = await client.post("/api/v1/artifacts", headers=bearer("u1"), json=body)
    assert created.status_code == 201, created.text


async def test_package_size_limit_and_storage_quota(stack: Stack) -> None:
    client = stack.client
    await make_admin("root")
    await make_publisher("u1", "limited")
    assert (await create_package(client, "u1", "Sized")).status_code == 201
    first, second = mod_zip("Sized", "1.0.0"), mod_zip("Sized", "1.1.0")

    await client.patch(
        "/api/v1/publishers/admin/limited",
        headers=bearer("root"),
        json={"max_package_bytes": len(first) - 1},
    )
    too_big = await upload_version(client, "u1", "Sized", "1.0.0", first)
    assert too_big.status_code == 413
    assert "maximum package size" in too_big.json()["detail"]

    await client.patch(
        "/api/v1/publishers/admin/limited",
        headers=bearer("root"),
        json={"max_package_bytes": None, "storage_quota_bytes": len(first) + len(second) - 1},
    )
    assert (await upload_version(client, "u1", "Sized", "1.0.0", first)).status_code == 201
    over = await upload_version(client, "u1", "Sized", "1.1.0", second)
    assert over.status_code == 413
    detail = over.json()["detail"]
    assert "quota" in detail.lower() and str(len(first)) in detail

    await client.patch(
        "/api/v1/publishers/admin/limited",
        headers=bearer("root"),
        json={"storage_quota_bytes": len(first) + len(second)},
    )
    assert (await upload_version(client, "u1", "Sized", "1.1.0", second)).status_code == 201


def _publisher(status: str, public: bool = False, artifacts: bool = False) -> Publisher:
    return Publisher(
        name="p",
        display_name="P",
        email="p@example.com",
        verification_status=status,
        can_publish_public=public,
        can_publish_artifacts=artifacts,
    )


@pytest.mark.parametrize("status", ["unverified", "pending", "verified", "rejected", "suspended"])
@pytest.mark.parametrize("public_flag", [False, True])
@pytest.mark.parametrize("artifact_flag", [False, True])
def test_policy_table(status: str, public_flag: bool, artifact_flag: bool) -> None:
    publisher = _publisher(status, public_flag, artifact_flag)
    verified = status == "verified"

    def allowed(visibility: str, artifact: bool = False) -> bool:
        try:
            check_can_publish(publisher, visibility, artifact=artifact)
        except PermissionDenied:
            return False
        return True

    assert allowed("public") == (verified and public_flag)
    assert allowed("private") == (status != "suspended")
    assert allowed("unlisted") == (status != "suspended")
    assert allowed("public", artifact=True) == (verified and artifact_flag)
