"""Putting content-addressed objects into the primary store and taking them out again, without
a delete ever removing an object that a committed (or committing) row points at.

Uploads of identical bytes share one object, so an upload and a delete of the same key can
overlap: a version deleted a moment ago while the same file is uploaded again, or a failed
upload cleaning up while a concurrent one of the same file succeeds. The protocol:

* An upload first takes an `ObjectClaim` on the key, then stores the object, then commits the
  row that references it and drops the claim in the same transaction (`mark_stored`). If that
  fails, `abandon` drops the claim and deletes the object unless something else uses it.
* A delete first marks the primary's `StoredCopy` row `deleting` and, in the same
  transaction, checks that no row references the key and no live claim exists; otherwise it
  rolls back and deletes nothing.
* Both begin with an UPDATE of that same primary row, so the database orders them: either the
  delete sees the claim, or the upload sees `deleting` and waits for the delete to finish
  before it stores the object again.

A claim left by a killed process goes stale after `STALE_CLAIM_AFTER` and is then ignored;
reconciliation removes it and deletes what it was holding, if nothing else uses it.
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import logging
import time
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from typing import Any

from tortoise import timezone
from tortoise.exceptions import IntegrityError
from tortoise.transactions import in_transaction

from domain.context import RegistryContext
from domain.enums import CopyState
from domain.jobs import DELETE_OBJECT, enqueue_committed
from domain.models import ArtifactBuild, ObjectClaim, PackageVersion, StoredCopy
from storage.errors import BackendUnavailable
from storage.interface import StoredObject
from storage.keys import content_key

log = logging.getLogger("registry.blobs")

# Longer than any upload spends between storing an object and committing its row.
STALE_CLAIM_AFTER = timedelta(hours=6)
# How long an upload waits for a delete of the same bytes (one primary delete) to finish.
DELETE_WAIT_SECONDS = 30.0
_DELETE_POLL_SECONDS = 0.05


@dataclass(frozen=True, slots=True)
class ClaimedObject:
    """A stored object and the claim that keeps deletes away until its row is committed."""

    stored: StoredObject
    claim_id: str

    @property
    def key(self) -> str:
        return self.stored.key

    @property
    def sha256(self) -> str:
        return self.stored.sha256

    @property
    def size(self) -> int:
        return self.stored.size


def sha256_of_file(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        while chunk := handle.read(1024 * 1024):
            digest.update(chunk)
    return digest.hexdigest()


async def sha256_of(path: Path) -> str:
    return await asyncio.to_thread(sha256_of_file, path)


async def store_file(ctx: RegistryContext, path: Path, sha256: str) -> ClaimedObject:
    """Store a local file whose hash is known, under a claim that `mark_stored` (in the
    transaction writing the referencing row) or `abandon` (when that fails) releases."""
    key = content_key(sha256)
    claim_id = await _claim(ctx, key, sha256)
    try:
        stored = await ctx.storage.primary.put_file(path, sha256=sha256)
    except BaseException:
        await _release(ctx, key, claim_id)
        raise
    return ClaimedObject(stored, claim_id)


async def _claim(ctx: RegistryContext, key: str, sha256: str) -> str:
    primary = ctx.storage.primary.name
    deadline = time.monotonic() + DELETE_WAIT_SECONDS
    while True:
        await _ensure_primary_row(key, primary, sha256=sha256)
        async with in_transaction() as conn:
            # Locks the row a delete locks first; skipped while a delete holds it.
            if await (
                StoredCopy.filter(blob_key=key, backend=primary)
                .exclude(state=CopyState.DELETING)
                .using_db(conn)
                .update(updated_at=timezone.now())
            ):
                return str((await ObjectClaim.create(blob_key=key, using_db=conn)).id)
        # The row is being deleted (or was just deleted: then the next round recreates it).
        if time.monotonic() > deadline:
            raise BackendUnavailable(f"object {key} is still being deleted; retry the upload")
        await asyncio.sleep(_DELETE_POLL_SECONDS)


async def _ensure_primary_row(key: str, primary: str, *, sha256: str) -> None:
    """The row uploads and deletes of `key` lock (state `writing`: no copy is known yet)."""
    if not await StoredCopy.exists(blob_key=key, backend=primary):
        with contextlib.suppress(IntegrityError):  # created concurrently: that row serves
            await StoredCopy.create(
                blob_key=key, backend=primary, sha256=sha256, size_bytes=0, state=CopyState.WRITING
            )


async def mark_stored(ctx: RegistryContext, claimed: ClaimedObject, *, using_db: Any) -> None:
    """Inside the transaction that writes the referencing row: the copy is now real and the
    reference, not the claim, keeps it."""
    await (
        StoredCopy.filter(blob_key=claimed.key, backend=ctx.storage.primary.name)
        .using_db(using_db)
        .update(
            state=CopyState.PRESENT,
            sha256=claimed.sha256,
            size_bytes=claimed.size,
            verified_at=timezone.now(),
        )
    )
    await ObjectClaim.filter(id=claimed.claim_id).using_db(using_db).delete()


async def abandon(ctx: RegistryContext, claimed: ClaimedObject) -> None:
    """The transaction that would have referenced the object failed: release the claim and
    delete the object unless another row or upload uses it."""
    await _release(ctx, claimed.key, claimed.claim_id)


async def _release(ctx: RegistryContext, key: str, claim_id: str) -> None:
    await ObjectClaim.filter(id=claim_id).delete()
    try:
        await delete_everywhere(ctx, key)
    except Exception as exc:  # the rows stay: reconciliation deletes orphans
        log.warning("removing the unused object %s failed (reconciliation retries): %s", key, exc)


async def is_referenced(key: str, *, using_db: Any = None) -> bool:
    """A version's archive or page icon, or an artifact build's file."""
    return (
        await PackageVersion.filter(blob_key=key).using_db(using_db).exists()
        or await ArtifactBuild.filter(blob_key=key).using_db(using_db).exists()
        or await PackageVersion.filter(icon_key=key).using_db(using_db).exists()
    )


async def in_use(key: str, *, using_db: Any = None) -> bool:
    """Referenced by a version or build, or claimed by an upload in progress."""
    fresh_since = timezone.now() - STALE_CLAIM_AFTER
    return (
        await is_referenced(key, using_db=using_db)
        or await ObjectClaim.filter(blob_key=key, created_at__gt=fresh_since)
        .using_db(using_db)
        .exists()
    )


class _InUse(Exception):
    """Rolls back a delete's claim on the primary row."""


async def _hold_for_delete(key: str, primary: str) -> bool:
    """Mark the primary's row `deleting` unless the object is in use (False then). A row is
    created first if there is none, so that an upload starting now has one to wait on."""
    await _ensure_primary_row(key, primary, sha256="")
    try:
        async with in_transaction() as conn:
            await (
                StoredCopy.filter(blob_key=key, backend=primary)
                .using_db(conn)
                .update(state=CopyState.DELETING)
            )
            if await in_use(key, using_db=conn):
                raise _InUse
    except _InUse:
        return False
    return True


async def delete_everywhere(ctx: RegistryContext, key: str) -> bool:
    """Remove an object nothing uses from every backend and forget its copies.

    Returns False when it is in use (then nothing is deleted) or becomes used again before
    the mirrors are done: their copies then stay, and stay recorded, except one deleted in the
    instant between that check and its delete, which reconciliation copies again. A backend
    error propagates, leaving that backend's row in place so the retried job finds it again.
    """
    primary = ctx.storage.primary
    if not await _hold_for_delete(key, primary.name):
        return False
    await primary.delete(key)
    await StoredCopy.filter(blob_key=key, backend=primary.name, state=CopyState.DELETING).delete()
    for mirror in ctx.storage.mirrors:
        # An upload of the same bytes may start once the primary row is gone; it writes only
        # the primary, and replication copies to mirrors after its row commits.
        if await in_use(key):
            return False
        await mirror.delete(key)
        await StoredCopy.filter(blob_key=key, backend=mirror.name).delete()
    return True


async def drop_stale_claims() -> int:
    """Forget claims of uploads that died; what they held becomes an orphan for reconciliation."""
    return await ObjectClaim.filter(created_at__lte=timezone.now() - STALE_CLAIM_AFTER).delete()


async def schedule_deletes(ctx: RegistryContext, keys: Iterable[str]) -> None:
    """Queue the removal of objects a committed change left unreferenced (one job per object,
    retried by the runner). If the queue is down, the sweep of pending work
    (services/pending_work.py) queues them later."""
    for key in keys:
        await enqueue_committed(ctx.jobs, DELETE_OBJECT, "requeue_pending_work", key)
