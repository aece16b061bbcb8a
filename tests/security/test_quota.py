"""Finding 5: the storage quota is the sum of everything a publisher stores (package versions
and artifact builds), refused with 413 on REST and QUOTA_EXCEEDED in GraphQL, and concurrent
uploads cannot race past it (they queue on the publisher's row)."""

from __future__ import annotations

import asyncio
import uuid

import httpx

from domain.models import ArtifactBuild, Package, PackageVersion, Publisher
from domain.services.publishing import storage_used
from tests.fixtures.stack import Stack, bearer
from tests.graphql.support import post_upload
from tests.helpers import Gate, create_package, make_publisher, mod_zip, upload_version
from tests.publishers.support import make_admin
from tests.rest.test_artifacts import create_artifact, payload, upload_build

PUBLISH = """mutation($package: String!, $input: PublishVersionInput!, $file: Upload!) {
  publishVersion(package: $package, input: $input, file: $file) {
    version { version sizeBytes } errors { code message } } }"""


def unique_zip(name: str, version: str) -> bytes:
    """A mod whose bytes are new to the store (blobs are content-addressed and shared)."""
    return mod_zip(name, version, extra={f"{name}/nonce.txt": uuid.uuid4().hex.encode()})


async def set_quota(client: httpx.AsyncClient, slug: str, quota: int | None) -> None:
    response = await client.patch(
        f"/api/v1/publishers/admin/{slug}",
        headers=bearer("root"),
        json={"storage_quota_bytes": quota},
    )
    assert response.status_code == 200, response.text


async def stored_bytes(slug: str) -> int:
    """What the rows say is stored, summed in Python (independent of the service's SUM)."""
    publisher = await Publisher.get(name=slug)
    versions = await PackageVersion.filter(package__publisher_id=publisher.id).values_list(
        "size_bytes", flat=True
    )
    builds = await ArtifactBuild.filter(
        artifact_version__artifact__publisher_id=publisher.id
    ).values_list("size_bytes", flat=True)
    return sum(versions) + sum(builds)


async def publish_graphql(
    client: httpx.AsyncClient, user: str, name: str, version: str, content: bytes
) -> dict:
    response = await post_upload(
        client,
        PUBLISH,
        {"package": name, "input": {"version": version}},
        "file",
        content,
        user=user,
    )
    assert response.status_code == 200, response.text
    return response.json()["data"]["publishVersion"]


async def test_storage_used_sums_every_version_and_build(stack: Stack) -> None:
    client = stack.client
    await make_admin("root")
    publisher = await make_publisher("u1", "hoarder", artifacts=True)
    assert await storage_used(publisher.id) == 0
    assert (await create_package(client, "u1", "Hoard")).status_code == 201
    for version in ("1.0.0", "1.1.0", "1.2.0"):
        response = await upload_version(
            client, "u1", "Hoard", version, unique_zip("Hoard", version)
        )
        assert response.status_code == 201, response.text
    assert (await create_artifact(client, "u1", "hoard-app")).status_code == 201
    for platform in ("windows", "linux"):
        response = await upload_build(
            client,
            "u1",
            "hoard-app",
            "1.0.0",
            platform,
            "x64",
            payload(f"hoard-{platform}-{uuid.uuid4().hex}"),
        )
        assert response.status_code == 201, response.text
    # Another publisher's bytes are not ours.
    await make_publisher("u2", "bystander")
    assert (await create_package(client, "u2", "Other")).status_code == 201
    assert (
        await upload_version(client, "u2", "Other", "1.0.0", unique_zip("Other", "1.0.0"))
    ).status_code == 201

    expected = await stored_bytes("hoarder")
    assert expected > 5 * 400  # five real objects, not one
    assert await storage_used(publisher.id) == expected


async def test_uploads_beyond_the_quota_are_refused_on_rest_and_graphql(stack: Stack) -> None:
    client = stack.client
    await make_admin("root")
    await make_publisher("u1", "capped", artifacts=True)
    assert (await create_package(client, "u1", "Capped")).status_code == 201
    contents = {v: unique_zip("Capped", v) for v in ("1.0.0", "1.1.0", "1.2.0", "1.3.0")}
    # Room for exactly the first three: the old code compared one version's size with it.
    await set_quota(client, "capped", sum(len(contents[v]) for v in ("1.0.0", "1.1.0", "1.2.0")))
    for version in ("1.0.0", "1.1.0"):
        response = await upload_version(client, "u1", "Capped", version, contents[version])
        assert response.status_code == 201, response.text
    third = await publish_graphql(client, "u1", "Capped", "1.2.0", contents["1.2.0"])
    assert third["errors"] == [], third

    over = await upload_version(client, "u1", "Capped", "1.3.0", contents["1.3.0"])
    assert over.status_code == 413, over.text  # REST_CONTRACT §4.4/§6: too large
    assert "quota" in over.json()["detail"].lower()
    refused = await publish_graphql(client, "u1", "Capped", "1.3.0", contents["1.3.0"])
    assert refused["version"] is None
    assert refused["errors"][0]["code"] == "QUOTA_EXCEEDED"
    # The one-step publish route, and an artifact build, count against the same quota.
    one_step = await client.post(
        "/api/v1/packages",
        headers=bearer("u1"),
        data={"metadata": '{"name": "Capped", "version": "1.4.0"}'},
        files={"file": ("tmp1.zip", unique_zip("Capped", "1.4.0"), "application/zip")},
    )
    assert one_step.status_code == 413, one_step.text
    assert (await create_artifact(client, "u1", "capped-app")).status_code == 201
    build = await upload_build(
        client, "u1", "capped-app", "1.0.0", "windows", "x64", payload(f"capped-{uuid.uuid4().hex}")
    )
    assert build.status_code == 413, build.text

    package = await Package.get(name="Capped")
    assert sorted(
        await PackageVersion.filter(package_id=package.id).values_list("version", flat=True)
    ) == ["1.0.0", "1.1.0", "1.2.0"]
    assert await stored_bytes("capped") == sum(
        len(contents[v]) for v in ("1.0.0", "1.1.0", "1.2.0")
    )
    # Raising the quota makes room again.
    await set_quota(client, "capped", None)
    assert (
        await upload_version(client, "u1", "Capped", "1.3.0", contents["1.3.0"])
    ).status_code == 201


async def test_concurrent_uploads_never_store_more_than_the_quota(
    stack: Stack, gated_put: Gate
) -> None:
    """Eight uploads to eight packages of one publisher (REST and GraphQL alternating; one
    package each, since uploads to one package already queue on its row) all pass the early
    check and are held at the store until every one of them got there; then they race to
    commit. Only the ones that fit may win, whatever the interleaving."""
    client = stack.client
    await make_admin("root")
    await make_publisher("u1", "racers")
    names = [f"Racer{i}" for i in range(8)]
    for name in names:
        assert (await create_package(client, "u1", name)).status_code == 201
    contents = {name: unique_zip(name, "1.0.0") for name in names}
    largest = max(len(c) for c in contents.values())
    assert 4 * min(len(c) for c in contents.values()) > 3 * largest  # so exactly 3 fit
    quota = 3 * largest
    await set_quota(client, "racers", quota)

    async def upload(index: int, name: str) -> int:
        if index % 2:
            result = await publish_graphql(client, "u1", name, "1.0.0", contents[name])
            if result["errors"]:
                assert result["errors"][0]["code"] == "QUOTA_EXCEEDED", result
                return 413
            return 201
        response = await upload_version(client, "u1", name, "1.0.0", contents[name])
        assert response.status_code in (201, 413), response.text
        return response.status_code

    tasks = [asyncio.create_task(upload(i, name)) for i, name in enumerate(names)]
    for _ in range(600):  # every upload is past its early check and storing
        if gated_put.calls == len(tasks):
            break
        await asyncio.sleep(0.05)
    assert gated_put.calls == len(tasks)
    gated_put.release.set()
    statuses = await asyncio.wait_for(asyncio.gather(*tasks), 60)

    assert sorted(statuses) == [201] * 3 + [413] * 5, statuses
    assert await stored_bytes("racers") <= quota
    assert await PackageVersion.filter(package__publisher__name="racers").count() == 3
    await stack.drain_jobs()
