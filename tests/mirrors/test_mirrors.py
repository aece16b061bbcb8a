"""Mirrors end to end: replication, download failover, reconciliation and deletion, with an
S3 primary and an S3 mirror on private SeaweedFS servers plus a folder mirror."""

from __future__ import annotations

import hashlib
import time
from pathlib import Path

from domain.models import PackageVersion, StoredCopy
from domain.services import blobs, packages, replication, users
from domain.services.reconciliation import reconcile
from storage.errors import StorageError
from tests.fixtures.seaweed_process import SeaweedServer
from tests.fixtures.stack import bearer, stop_stack
from tests.mirrors.conftest import BACKENDS, Mirrored, key_of, open_mirrored
from workers.replication import reconcile_storage


async def _download(m: Mirrored, name: str, version: str) -> bytes:
    response = await m.stack.client.get(f"/api/v1/packages/{name}/versions/{version}/file")
    assert response.status_code == 200, response.text
    assert response.headers["x-checksum-sha256"] == hashlib.sha256(response.content).hexdigest()
    return response.content


async def _ready(m: Mirrored) -> tuple[int, dict]:
    """/ready as an admin sees it (anonymous callers get booleans only)."""
    await users.upsert_user("ready-admin", "ready-admin", "ready-admin@example.com")
    await users.set_admin("ready-admin", True)
    response = await m.stack.client.get("/api/v1/ready", headers=bearer("ready-admin"))
    return response.status_code, response.json()


async def test_publish_copies_to_every_mirror(mirrored: Mirrored) -> None:
    stored = await mirrored.publish("Atlas", ["1.0.0", "1.1.0"])
    for data in stored.values():
        key = key_of(data)
        assert await mirrored.copy_states(key) == dict.fromkeys(BACKENDS, "present")
        for backend in BACKENDS:
            assert mirrored.raw_read(backend, key) == data, backend
    rows = await StoredCopy.filter(state="present").values_list("verified_at", flat=True)
    assert len(rows) == 6 and all(rows)

    status, body = await _ready(mirrored)
    assert status == 200, body
    assert body["details"]["replication"] == {"objects": 2, "lag": dict.fromkeys(BACKENDS, 0)}
    storage = body["details"]["storage"]
    assert {name: (s["role"], s["breaker"], s["ok"]) for name, s in storage.items()} == {
        "primary": ("primary", "closed", True),
        "mirror-s3": ("mirror", "closed", True),
        "mirror-disk": ("mirror", "closed", True),
    }

    # Running the job again changes nothing (idempotent by job and by row).
    assert (
        await replication.replicate(mirrored.ctx, key_of(stored["1.0.0"]), "mirror-s3") == "present"
    )


async def test_artifact_builds_are_replicated(mirrored: Mirrored) -> None:
    import io
    import os
    import zipfile

    from tests.rest.test_artifacts import create_artifact, make_publisher, upload_build

    client = mirrored.stack.client
    await make_publisher("owner")
    assert (await create_artifact(client, "owner", "Desk")).status_code == 201
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("desk/desk.bin", os.urandom(200_000))
    exe = buffer.getvalue()
    response = await upload_build(
        client, "owner", "Desk", "1.0.0", "windows", "x64", exe, filename="desk-1.0.0.zip"
    )
    assert response.status_code == 201, response.text
    await mirrored.stack.drain_jobs()
    assert await mirrored.copy_states(key_of(exe)) == dict.fromkeys(BACKENDS, "present")
    assert mirrored.raw_read("mirror-s3", key_of(exe)) == exe


async def test_primary_killed_downloads_come_from_a_mirror(mirrored: Mirrored) -> None:
    stored = await mirrored.publish("Borealis", ["1.0.0", "2.0.0"])
    mirrored.primary_server.kill()

    first = time.perf_counter()
    assert await _download(mirrored, "Borealis", "1.0.0") == stored["1.0.0"]
    first_seconds = time.perf_counter() - first
    breaker = mirrored.ctx.storage.breakers.get("primary")
    assert breaker.state == "open"
    started = time.perf_counter()
    for _ in range(10):
        for version, data in stored.items():
            assert await _download(mirrored, "Borealis", version) == data
    per_download = (time.perf_counter() - started) / 20
    assert per_download < 1.0, (first_seconds, per_download)

    ranged = await mirrored.stack.client.get(
        "/api/v1/packages/Borealis/versions/2.0.0/file", headers={"Range": "bytes=10-99"}
    )
    assert ranged.status_code == 206 and ranged.content == stored["2.0.0"][10:100]

    status, body = await _ready(mirrored)
    assert status == 503
    assert body["details"]["storage"]["primary"]["ok"] is False
    assert body["details"]["storage"]["primary"]["breaker"] == "open"
    assert body["details"]["storage"]["mirror-s3"]["ok"] is True
    # The copies are still recorded: a dead store is not a missing copy.
    assert set((await mirrored.copy_states(key_of(stored["1.0.0"]))).values()) == {"present"}


async def test_every_backend_down_is_a_clean_503(mirrored: Mirrored) -> None:
    stored = await mirrored.publish("Cirrus", ["1.0.0"])
    key = key_of(stored["1.0.0"])
    mirrored.primary_server.kill()
    mirrored.mirror_server.kill()
    await StoredCopy.filter(blob_key=key, backend="mirror-disk").delete()
    response = await mirrored.stack.client.get("/api/v1/packages/Cirrus/versions/1.0.0/file")
    assert response.status_code == 503 and response.headers["retry-after"] == "1"
    assert response.json() == {"detail": "Storage is temporarily unavailable"}


async def test_missing_primary_object_is_served_and_repaired(mirrored: Mirrored) -> None:
    stored = await mirrored.publish("Delta", ["1.0.0"])
    key = key_of(stored["1.0.0"])
    mirrored.primary_server.client().remove_object(mirrored.store("primary").bucket, key)

    assert await _download(mirrored, "Delta", "1.0.0") == stored["1.0.0"]
    await mirrored.stack.drain_jobs()  # the repair job queued by the failed read
    assert mirrored.raw_read("primary", key) == stored["1.0.0"]
    assert await mirrored.copy_states(key) == dict.fromkeys(BACKENDS, "present")


async def test_primary_restarted_empty_is_restored_by_reconciliation(mirrored: Mirrored) -> None:
    stored = await mirrored.publish("Eos", ["1.0.0", "1.0.1", "1.0.2"])
    mirrored.primary_server.restart(empty=True)

    for version, data in stored.items():  # served by a mirror meanwhile
        assert await _download(mirrored, "Eos", version) == data

    # No sample at all: the recreated bucket alone must make it check every copy.
    summary = await reconcile(mirrored.ctx, sample_size=0)
    primary = summary.backends["primary"]
    assert primary.full_check and primary.reachable
    assert (primary.missing, primary.repaired, primary.failed) == (3, 3, 0)
    assert summary.ok and not summary.lost
    for data in stored.values():
        assert mirrored.raw_read("primary", key_of(data)) == data
        assert await mirrored.copy_states(key_of(data)) == dict.fromkeys(BACKENDS, "present")
    assert await replication.replication_lag(mirrored.ctx) == dict.fromkeys(BACKENDS, 0)


async def test_corrupt_copies_are_detected_and_repaired(mirrored: Mirrored) -> None:
    stored = await mirrored.publish("Fjord", ["1.0.0", "1.1.0"])
    same_size_key = key_of(stored["1.0.0"])
    other_size_key = key_of(stored["1.1.0"])
    mirrored.raw_write("mirror-s3", same_size_key, bytes(len(stored["1.0.0"])))
    mirrored.raw_write("mirror-disk", other_size_key, b"not a zip")
    mirrored.raw_write("primary", other_size_key, b"X" * len(stored["1.1.0"]))

    summary = await reconcile(mirrored.ctx)
    tallies = {name: (t.corrupt, t.repaired, t.failed) for name, t in summary.backends.items()}
    assert tallies == {"primary": (1, 1, 0), "mirror-s3": (1, 1, 0), "mirror-disk": (1, 1, 0)}
    for version, data in stored.items():
        for backend in BACKENDS:
            assert mirrored.raw_read(backend, key_of(data)) == data, (version, backend)
    assert {
        s for v in stored.values() for s in (await mirrored.copy_states(key_of(v))).values()
    } == {"present"}

    again = await reconcile(mirrored.ctx, full=True)
    assert all(
        (t.checked, t.corrupt, t.missing, t.repaired) == (2, 0, 0, 0)
        for t in again.backends.values()
    )


async def test_damage_in_the_sample_widens_the_check(mirrored: Mirrored) -> None:
    stored = await mirrored.publish("Kelp", ["1.0.0", "1.1.0", "1.2.0"])
    sampled, unsampled = key_of(stored["1.0.0"]), key_of(stored["1.1.0"])
    mirrored.raw_write("mirror-disk", sampled, bytes(len(stored["1.0.0"])))  # same size
    mirrored.store("mirror-disk").path_for(unsampled).unlink()
    # The sample takes the copies checked longest ago: make that the damaged one.
    await StoredCopy.filter(blob_key=sampled, backend="mirror-disk").update(verified_at=None)

    summary = await reconcile(mirrored.ctx, sample_size=1)
    disk = summary.backends["mirror-disk"]
    assert disk.full_check and (disk.corrupt, disk.missing, disk.repaired) == (1, 1, 2)
    assert not summary.backends["mirror-s3"].full_check
    for data in stored.values():
        assert mirrored.raw_read("mirror-disk", key_of(data)) == data


async def test_lag_returns_to_zero_after_a_mirror_outage(mirrored: Mirrored) -> None:
    mirrored.mirror_server.kill()
    stored = await mirrored.publish("Gale", ["1.0.0"])  # replication to mirror-s3 gives up
    key = key_of(stored["1.0.0"])
    assert (await mirrored.copy_states(key))["mirror-disk"] == "present"
    assert (await mirrored.copy_states(key)).get("mirror-s3") != "present"
    status, body = await _ready(mirrored)
    assert status == 503
    assert body["details"]["replication"]["lag"] == {"primary": 0, "mirror-s3": 1, "mirror-disk": 0}

    mirrored.mirror_server.start()
    result = await reconcile_storage({"registry": mirrored.ctx, "job_try": 1})
    assert result["backends"]["mirror-s3"]["repaired"] == 1 and result["ok"]
    status, body = await _ready(mirrored)
    assert status == 200, body
    assert body["details"]["replication"]["lag"] == dict.fromkeys(BACKENDS, 0)
    assert mirrored.raw_read("mirror-s3", key) == stored["1.0.0"]


async def test_deletion_removes_every_copy_even_after_a_failure(mirrored: Mirrored) -> None:
    stored = await mirrored.publish("Halo", ["1.0.0"])
    key = key_of(stored["1.0.0"])
    from domain.actor import Actor

    orphaned = await packages.delete_package(Actor(user_id="admin", is_admin=True), "Halo")
    assert orphaned == [key] and not await PackageVersion.exists(blob_key=key)

    mirrored.mirror_server.kill()
    try:
        await blobs.delete_everywhere(mirrored.ctx, key)
    except StorageError:
        pass
    else:
        raise AssertionError("deleting from a dead mirror must fail (and be retried)")
    # The copies that could not be deleted yet are still on record.
    assert set(await mirrored.copy_states(key)) >= {"mirror-s3", "mirror-disk"}

    mirrored.mirror_server.start()
    summary = await reconcile(mirrored.ctx)
    assert summary.orphans_deleted == 1 and summary.orphans_failed == 0
    assert await mirrored.copy_states(key) == {}
    for backend in BACKENDS:
        assert mirrored.raw_read(backend, key) is None, backend


async def test_reconcile_leaves_a_healthy_setup_alone(mirrored: Mirrored) -> None:
    stored = await mirrored.publish("Ion", ["1.0.0"])
    before = await StoredCopy.filter(blob_key=key_of(stored["1.0.0"])).values("backend", "state")
    summary = await reconcile(mirrored.ctx)
    assert summary.ok and summary.objects == 1 and summary.orphans_deleted == 0
    assert all((t.missing, t.corrupt, t.repaired) == (0, 0, 0) for t in summary.backends.values())
    after = await StoredCopy.filter(blob_key=key_of(stored["1.0.0"])).values("backend", "state")
    assert sorted(map(str, before)) == sorted(map(str, after))
    response = await mirrored.stack.client.get("/api/v1/packages/Ion", headers=bearer("u1"))
    assert response.status_code == 200


async def test_cli_reconcile_prints_a_summary_and_repairs(mirrored: Mirrored) -> None:
    import asyncio
    import os
    import sys

    stored = await mirrored.publish("Jade", ["1.0.0", "2.0.0"])
    kept, lost = key_of(stored["1.0.0"]), key_of(stored["2.0.0"])
    primary = mirrored.store("primary")
    mirrored.primary_server.client().remove_object(primary.bucket, kept)
    for backend in BACKENDS:  # every copy of 2.0.0 gone: nothing can bring it back
        store = mirrored.store(backend)
        await store.delete(lost)

    s3 = mirrored.store("mirror-s3")
    server, mirror = mirrored.primary_server, mirrored.mirror_server
    env = {
        **os.environ,
        "DATA_DIR": str(mirrored.stack.settings.data_dir),
        "DATABASE_URL": mirrored.stack.settings.database_url,
        "MINIO_PRIMARY_ENDPOINT": server.endpoint,
        "MINIO_PRIMARY_ACCESS_KEY": server.access_key,
        "MINIO_PRIMARY_SECRET_KEY": server.secret_key,
        "MINIO_PRIMARY_BUCKET": primary.bucket,
        "STORAGE_MIRRORS": "mirror-s3,mirror-disk",
        "MIRROR_MIRROR_S3_ENDPOINT": mirror.endpoint,
        "MIRROR_MIRROR_S3_ACCESS_KEY": mirror.access_key,
        "MIRROR_MIRROR_S3_SECRET_KEY": mirror.secret_key,
        "MIRROR_MIRROR_S3_BUCKET": s3.bucket,
        "MIRROR_MIRROR_DISK_PATH": str(mirrored.store("mirror-disk").root),
        "TB_REGISTRY_ENV_FILE": os.devnull,
    }
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "registry",
        "reconcile",
        env=env,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    out, err = await asyncio.wait_for(process.communicate(), timeout=120)
    text = out.decode()
    assert process.returncode == 1, (text, err.decode())  # 2.0.0 is lost
    assert "reconcile (sampled): 2 referenced objects" in text
    assert "primary: checked 2, missing 2, corrupt 0, repaired 1, failed 1" in text
    assert f"LOST (no intact copy anywhere): 1: {lost}" in text
    assert mirrored.raw_read("primary", kept) == stored["1.0.0"]


async def test_a_dead_mirror_does_not_stop_the_registry_from_starting(
    tmp_path: Path, primary_server: SeaweedServer, mirror_server: SeaweedServer
) -> None:
    if not primary_server.is_running:
        primary_server.start()
    mirror_server.kill()
    setup, pg_url = await open_mirrored(
        "embedded", tmp_path, primary_server, mirror_server, start_servers=False
    )
    try:
        assert setup.ctx.storage.breakers.get("mirror-s3").state == "open"
        stored = await setup.publish("Lumen", ["1.0.0"])
        assert await _download(setup, "Lumen", "1.0.0") == stored["1.0.0"]
        status, body = await _ready(setup)
        assert status == 503 and body["details"]["storage"]["mirror-s3"]["ok"] is False

        mirror_server.start()
        summary = await reconcile(setup.ctx)
        assert summary.ok and summary.backends["mirror-s3"].repaired == 1
        assert setup.raw_read("mirror-s3", key_of(stored["1.0.0"])) == stored["1.0.0"]
        assert (await _ready(setup))[0] == 200
    finally:
        if not mirror_server.is_running:
            mirror_server.start()
        await stop_stack(setup.stack, pg_url)
