"""Package page icons (domain/pages/) are objects like any other: replicated to every mirror,
checked by reconciliation (never swept as orphans while a version uses them), restored on a
primary that lost them, and deleted everywhere with the package."""

from __future__ import annotations

import hashlib

from domain.actor import Actor
from domain.models import PackageVersion
from domain.services import blobs, packages, replication
from domain.services.reconciliation import reconcile
from storage.keys import content_key
from tests.helpers import create_package, make_publisher, mod_zip, upload_version
from tests.mirrors.conftest import BACKENDS, Mirrored, key_of
from tests.pages import images


async def _publish_with_icon(m: Mirrored, name: str) -> tuple[str, str, bytes]:
    client = m.stack.client
    await make_publisher("u1", "icon-team")
    assert (await create_package(client, "u1", name)).status_code == 201
    data = mod_zip(name, "1.0.0", extra={f"{name}/icon.png": images.png_with_metadata()})
    assert (await upload_version(client, "u1", name, "1.0.0", data)).status_code == 201
    await m.stack.drain_jobs()
    detail = (await client.get(f"/api/v1/packages/{name}")).json()
    icon = await client.get(detail["icon_url"])
    assert icon.status_code == 200, icon.text
    return key_of(data), content_key(hashlib.sha256(icon.content).hexdigest()), icon.content


async def test_icons_replicate_reconcile_and_delete_everywhere(mirrored: Mirrored) -> None:
    archive_key, icon_key, icon = await _publish_with_icon(mirrored, "Iconic")
    assert await PackageVersion.exists(icon_key=icon_key)
    assert await mirrored.copy_states(icon_key) == dict.fromkeys(BACKENDS, "present")
    for backend in BACKENDS:
        assert mirrored.raw_read(backend, icon_key) == icon, backend
    assert await replication.referenced_count() == 2
    assert await replication.replication_lag(mirrored.ctx) == dict.fromkeys(BACKENDS, 0)

    summary = await reconcile(mirrored.ctx, full=True)
    assert summary.ok and summary.objects == 2 and summary.orphans_deleted == 0
    assert mirrored.raw_read("primary", icon_key) == icon

    # The primary loses it: reconciliation copies it back from a mirror.
    mirrored.primary_server.restart(empty=True)
    summary = await reconcile(mirrored.ctx, sample_size=0)
    assert summary.ok and summary.backends["primary"].repaired == 2
    assert mirrored.raw_read("primary", icon_key) == icon

    orphaned = await packages.delete_package(Actor(user_id="admin", is_admin=True), "Iconic")
    assert sorted(orphaned) == sorted([archive_key, icon_key])
    await blobs.schedule_deletes(mirrored.ctx, orphaned)
    await mirrored.stack.drain_jobs()
    for key in (archive_key, icon_key):
        assert await mirrored.copy_states(key) == {}
        for backend in BACKENDS:
            assert mirrored.raw_read(backend, key) is None, (backend, key)
