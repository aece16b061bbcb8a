"""Uploads and deletes of the same content-addressed object never lose it (services/blobs.py):
a delete waits for no one but skips claimed objects, an upload waits for a delete in progress,
and a failed upload only removes what nothing else uses. On SQLite + folder and on
PostgreSQL + S3."""

from __future__ import annotations

import asyncio
import hashlib
import os
from collections.abc import AsyncIterator
from datetime import timedelta
from pathlib import Path

import pytest
from tortoise import timezone

from domain.enums import CopyState
from domain.models import ObjectClaim, StoredCopy
from domain.services import blobs
from domain.services.reconciliation import reconcile
from tests.fixtures.stack import Stack
from tests.helpers import Gate


@pytest.fixture
def payload(tmp_path: Path) -> tuple[Path, str]:
    data = os.urandom(64 * 1024)
    path = tmp_path / "payload.bin"
    path.write_bytes(data)
    return path, hashlib.sha256(data).hexdigest()


async def primary_state(stack: Stack, key: str) -> str | None:
    row = await StoredCopy.get_or_none(blob_key=key, backend=stack.ctx.storage.primary.name)
    return row.state if row else None


async def stored_unreferenced(stack: Stack, payload: tuple[Path, str]) -> str:
    """An object whose last reference went away (its version was deleted a moment ago)."""
    claimed = await blobs.store_file(stack.ctx, *payload)
    await blobs.mark_stored(stack.ctx, claimed, using_db=None)  # and its row was deleted since
    assert await primary_state(stack, claimed.key) == CopyState.PRESENT
    assert not await blobs.in_use(claimed.key)
    return claimed.key


@pytest.fixture
async def gated_primary(stack: Stack) -> AsyncIterator[dict[str, Gate]]:
    primary = stack.ctx.storage.primary
    gates = {"delete": Gate(primary.delete), "put_file": Gate(primary.put_file)}
    for name, gate in gates.items():
        setattr(primary, name, gate)
    try:
        yield gates
    finally:
        for name in gates:
            delattr(primary, name)  # back to the class's method


async def test_an_upload_waits_for_a_delete_of_the_same_bytes(
    stack: Stack, payload: tuple[Path, str], gated_primary: dict[str, Gate]
) -> None:
    gated_primary["put_file"].release.set()
    key = await stored_unreferenced(stack, payload)
    put_calls = gated_primary["put_file"].calls

    deleting = asyncio.create_task(blobs.delete_everywhere(stack.ctx, key))
    await asyncio.wait_for(gated_primary["delete"].reached.wait(), 10)
    assert await primary_state(stack, key) == CopyState.DELETING
    uploading = asyncio.create_task(blobs.store_file(stack.ctx, *payload))
    # Long enough for an upload that does not wait to have stored its bytes many times over.
    await asyncio.sleep(1.0)
    assert not uploading.done()
    assert gated_primary["put_file"].calls == put_calls, "stored while a delete held the key"

    gated_primary["delete"].release.set()
    assert await asyncio.wait_for(deleting, 10) is True
    claimed = await asyncio.wait_for(uploading, 10)
    assert await stack.ctx.storage.primary.exists(key)
    assert await primary_state(stack, key) == CopyState.WRITING
    assert await blobs.in_use(key)

    await blobs.mark_stored(stack.ctx, claimed, using_db=None)
    assert await primary_state(stack, key) == CopyState.PRESENT
    assert not await ObjectClaim.exists(blob_key=key)


async def test_a_delete_skips_an_object_an_upload_has_claimed(
    stack: Stack, payload: tuple[Path, str]
) -> None:
    claimed = await blobs.store_file(stack.ctx, *payload)
    assert await blobs.delete_everywhere(stack.ctx, claimed.key) is False
    assert await stack.ctx.storage.primary.exists(claimed.key)
    assert await primary_state(stack, claimed.key) == CopyState.WRITING  # the delete rolled back

    await blobs.abandon(stack.ctx, claimed)
    assert not await stack.ctx.storage.primary.exists(claimed.key)
    assert await primary_state(stack, claimed.key) is None


async def test_a_failed_upload_keeps_what_a_concurrent_upload_of_the_same_bytes_stored(
    stack: Stack, payload: tuple[Path, str]
) -> None:
    winner, loser = await asyncio.gather(
        blobs.store_file(stack.ctx, *payload), blobs.store_file(stack.ctx, *payload)
    )
    assert winner.key == loser.key and winner.claim_id != loser.claim_id

    await blobs.abandon(stack.ctx, loser)
    assert await stack.ctx.storage.primary.exists(winner.key)
    assert await primary_state(stack, winner.key) == CopyState.WRITING

    await blobs.mark_stored(stack.ctx, winner, using_db=None)
    assert await primary_state(stack, winner.key) == CopyState.PRESENT
    assert await ObjectClaim.all().count() == 0


async def test_reconciliation_removes_what_a_dead_upload_held_once_its_claim_is_stale(
    stack: Stack, payload: tuple[Path, str]
) -> None:
    claimed = await blobs.store_file(stack.ctx, *payload)  # and then the process died
    summary = await reconcile(stack.ctx)
    assert summary.orphans_deleted == 0
    assert await stack.ctx.storage.primary.exists(claimed.key)

    old = timezone.now() - blobs.STALE_CLAIM_AFTER - timedelta(minutes=1)
    await ObjectClaim.filter(id=claimed.claim_id).update(created_at=old)
    summary = await reconcile(stack.ctx)
    assert summary.orphans_deleted == 1
    assert not await stack.ctx.storage.primary.exists(claimed.key)
    assert await primary_state(stack, claimed.key) is None
    assert await ObjectClaim.all().count() == 0
