"""Putting content-addressed objects into the primary store without ever losing track of them.

The object is stored (atomically) before the rows that point at it are committed. A
`StoredCopy` marker in state `writing` is written first, so a process killed between the two
leaves a marker that `sweep_interrupted_writes` resolves on the next start; a failed
transaction calls `forget_if_unused` to remove the object again unless another row uses it.
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from tortoise import timezone

from domain.context import RegistryContext
from domain.jobs import enqueue_committed
from domain.models import ArtifactBuild, PackageVersion, StoredCopy
from storage.interface import StoredObject
from storage.keys import content_key


def sha256_of_file(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        while chunk := handle.read(1024 * 1024):
            digest.update(chunk)
    return digest.hexdigest()


async def sha256_of(path: Path) -> str:
    return await asyncio.to_thread(sha256_of_file, path)


async def store_file(ctx: RegistryContext, path: Path, sha256: str) -> StoredObject:
    """Store a local file whose hash is known, leaving a `writing` marker until committed."""
    key = content_key(sha256)
    await StoredCopy.get_or_create(blob_key=key, backend=ctx.storage.primary.name,
                                   defaults={"sha256": sha256, "size_bytes": 0,
                                             "state": "writing"})
    try:
        return await ctx.storage.primary.put_file(path, sha256=sha256)
    except BaseException:
        await forget_if_unused(ctx, key)
        raise


async def mark_stored(ctx: RegistryContext, stored: StoredObject, *, using_db: Any) -> None:
    """Inside the transaction that writes the referencing row: the copy is now real."""
    await StoredCopy.filter(blob_key=stored.key, backend=ctx.storage.primary.name).using_db(
        using_db).update(state="present", size_bytes=stored.size, verified_at=timezone.now())


async def is_referenced(key: str) -> bool:
    return await PackageVersion.exists(blob_key=key) or await ArtifactBuild.exists(blob_key=key)


async def forget_if_unused(ctx: RegistryContext, key: str) -> None:
    """Drop an object (and its markers) that no version or build references."""
    if await is_referenced(key):
        return
    await StoredCopy.filter(blob_key=key, state="writing").delete()
    if not await StoredCopy.exists(blob_key=key):
        with contextlib.suppress(Exception):
            await ctx.storage.primary.delete(key)


async def sweep_interrupted_writes(ctx: RegistryContext) -> int:
    """Resolve markers left by a killed process: keep referenced objects, drop the rest."""
    stale = await StoredCopy.filter(state="writing")
    for copy in stale:
        if await is_referenced(copy.blob_key):
            await StoredCopy.filter(id=copy.id).update(state="present")
        else:
            await forget_if_unused(ctx, copy.blob_key)
    return len(stale)


async def delete_everywhere(ctx: RegistryContext, key: str) -> bool:
    """Remove an unreferenced object from every backend and forget its copies.

    Returns False when the object is still referenced (nothing is deleted). A backend error
    propagates, leaving that backend's copy row in place so the retried job finds it again.
    """
    if await is_referenced(key):
        return False
    for store in ctx.storage.all:
        await store.delete(key)
        await StoredCopy.filter(blob_key=key, backend=store.name).delete()
    return True


DELETE_OBJECT_JOB = "delete_object"


async def schedule_deletes(ctx: RegistryContext, keys: Iterable[str]) -> None:
    """Queue the removal of objects a committed change left unreferenced (one job per object,
    retried by the runner). If the queue is down, reconciliation deletes them as orphans."""
    for key in keys:
        await enqueue_committed(ctx.jobs, DELETE_OBJECT_JOB, key, job_id=f"delete:{key}",
                                recovered_by="reconciliation (orphaned objects)")
