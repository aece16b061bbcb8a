"""Copies of objects on the mirrors: which exist, making the missing ones, and reporting lag.

Invariants:
* Writes go to the primary first (publishing); a copy is only ever made *from* a backend whose
  `StoredCopy` row says `present`, for an object a version or build references. So no code
  path puts an object only on a mirror.
* A row is written *before* a copy is attempted (state `copying` when there was none), so a
  process killed mid-copy leaves a record that reconciliation resolves, never an untracked
  object. A copy becomes `present` only after its bytes were read back from the target and
  hashed (storage/copying.py).

Row states are `domain.enums.CopyState`: `present` (verified copy), `missing`, `corrupt`,
`copying` (attempt under way or interrupted), and on the primary `writing` (first upload of
the object under way) and `deleting` (a delete holds the object; see services/blobs.py).
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING, Any, cast

from tortoise import connections, timezone
from tortoise.exceptions import IntegrityError

from domain.enums import CopyState, StorageRole
from domain.jobs import REPLICATE_OBJECT
from domain.models import ArtifactBuild, PackageVersion, StoredCopy
from storage.copying import CorruptCopy, SourceFailed, copy_object
from storage.errors import BackendUnavailable, ObjectNotFound, StorageError
from storage.failover import BreakerSnapshot, BreakerState
from storage.interface import BlobStore
from storage.keys import sha256_of_key

if TYPE_CHECKING:
    from domain.context import RegistryContext

log = logging.getLogger("registry.replication")


@dataclass(frozen=True)
class ReplicationConfig:
    """Settings of replication and reconciliation (from registry.config via the runtime)."""

    # From RECONCILE_MODE, RECONCILE_SAMPLE_SIZE and REPLICATION_RETRY_BASE (registry/config.py
    # declares their defaults).
    reconcile_full: bool  # hash every copy on every run instead of a sample
    sample_size: int  # copies per backend hashed on a sampled run (oldest check first)
    retry_base_seconds: float  # replication retry backoff: base * try, capped
    retry_max_seconds: float = 300.0

    def retry_delay(self, job_try: int) -> float:
        """Backoff for a replication job that hit an unavailable backend."""
        return min(self.retry_base_seconds * max(job_try, 1), self.retry_max_seconds)


class NoGoodCopy(StorageError):
    """No backend holds a verified, readable copy to copy from."""

    def __init__(self, key: str, detail: str) -> None:
        super().__init__(f"no good copy of {key} to copy from: {detail}")
        self.key = key


@dataclass(frozen=True, slots=True)
class ReferencedObject:
    """An object some version or build points at, with the size it must have."""

    key: str
    sha256: str
    size: int


# -- references and rows ---------------------------------------------------------------------


async def referenced_object(key: str) -> ReferencedObject | None:
    for model in (PackageVersion, ArtifactBuild):
        row = await model.filter(blob_key=key).first().values("sha256", "size_bytes")
        if row:
            return ReferencedObject(key, str(row["sha256"]), int(row["size_bytes"]))
    if await PackageVersion.exists(icon_key=key):
        return await icon_object(key)
    return None


async def icon_object(key: str) -> ReferencedObject | None:
    """A page icon (PackageVersion.icon_key): its digest is its key's, and its size the one
    recorded when it was stored (blobs.mark_stored), since no version row carries it."""
    sizes = await (
        StoredCopy.filter(blob_key=key, size_bytes__gt=0)
        .exclude(state=CopyState.WRITING)
        .values_list("size_bytes", flat=True)
    )
    if not sizes:
        return None
    return ReferencedObject(key, sha256_of_key(key), int(max(cast("list[int]", sizes))))


async def record_present(obj: ReferencedObject, backend: str) -> None:
    """Upsert the row of a copy that was just verified."""
    values: dict[str, Any] = {
        "sha256": obj.sha256,
        "size_bytes": obj.size,
        "state": CopyState.PRESENT,
        "verified_at": timezone.now(),
    }
    if await StoredCopy.filter(blob_key=obj.key, backend=backend).update(**values):
        return
    try:
        await StoredCopy.create(blob_key=obj.key, backend=backend, **values)
    except IntegrityError:  # created concurrently: update that row instead
        await StoredCopy.filter(blob_key=obj.key, backend=backend).update(**values)


async def mark_state(obj: ReferencedObject, backend: str, state: CopyState) -> None:
    """Record that a copy is missing or corrupt (creating the row if there was none)."""
    if await StoredCopy.filter(blob_key=obj.key, backend=backend).update(state=state):
        return
    try:
        await StoredCopy.create(
            blob_key=obj.key, backend=backend, sha256=obj.sha256, size_bytes=obj.size, state=state
        )
    except IntegrityError:
        await StoredCopy.filter(blob_key=obj.key, backend=backend).update(state=state)


async def _note_attempt(obj: ReferencedObject, backend: str) -> None:
    """Leave a trace before writing to a backend that had no row for this key."""
    try:
        await StoredCopy.get_or_create(
            blob_key=obj.key,
            backend=backend,
            defaults={"sha256": obj.sha256, "size_bytes": obj.size, "state": CopyState.COPYING},
        )
    except IntegrityError:
        pass  # a concurrent writer created it; that row is the trace


async def present_backends(key: str) -> set[str]:
    # Tortoise types values_list(flat=True) as tuples; one column gives the values themselves.
    return set(
        cast(
            "list[str]",
            await StoredCopy.filter(blob_key=key, state=CopyState.PRESENT).values_list(
                "backend", flat=True
            ),
        )
    )


def in_configured_order(ctx: RegistryContext, names: set[str]) -> list[BlobStore]:
    """Stores whose name is in `names`: the primary first, then mirrors as configured."""
    return [store for store in ctx.storage.all if store.name in names]


# -- copying ---------------------------------------------------------------------------------


async def copy_from_good_copy(
    ctx: RegistryContext,
    obj: ReferencedObject,
    target: BlobStore,
    *,
    replace_existing: bool = False,
) -> str:
    """Make `target` hold a verified copy of `obj`, reading from the first backend with a
    verified copy (primary first). Returns the name of the source used.

    A source that turns out missing or corrupt is marked so and the next one is tried.
    Raises NoGoodCopy when none is left, or the target's StorageError.
    """
    breakers = ctx.storage.breakers
    sources = [
        store
        for store in in_configured_order(ctx, await present_backends(obj.key))
        if store.name != target.name
    ]
    if not sources:
        raise NoGoodCopy(obj.key, "no backend has a verified copy")
    # Breakers order the sources (known-good first) but exclude none: this is background work,
    # where one timeout is cheaper than a copy that never happens.
    sources.sort(key=lambda store: breakers.get(store.name).state is not BreakerState.CLOSED)
    await _note_attempt(obj, target.name)
    reasons: list[str] = []
    unreadable = False
    for source in sources:
        try:
            await copy_object(source, target, obj.key, obj.size, replace_existing=replace_existing)
        except CorruptCopy as exc:  # only ever about the source: its bytes fail their key
            log.error("%s", exc)
            await mark_state(obj, source.name, CopyState.CORRUPT)
            reasons.append(str(exc))
            continue
        except SourceFailed as exc:
            if isinstance(exc.cause, ObjectNotFound):
                await mark_state(obj, source.name, CopyState.MISSING)
            else:
                unreadable = True
                breakers.get(source.name).record_failure(str(exc.cause))
            reasons.append(str(exc))
            continue
        breakers.get(source.name).record_success()
        await record_present(obj, target.name)
        return source.name
    if unreadable:
        # A recorded copy exists but cannot be read right now: transient, worth a retry.
        raise BackendUnavailable(f"no source of {obj.key} is readable: " + "; ".join(reasons))
    raise NoGoodCopy(obj.key, "; ".join(reasons))


async def replicate(ctx: RegistryContext, key: str, backend: str) -> str:
    """The replication job's work: ensure `backend` holds a verified copy of `key`.

    Idempotent: a copy already recorded as present is left alone. Returns what happened:
    `copied`, `present`, `unreferenced` (nothing to copy: the object was deleted meanwhile),
    `unknown-backend` (the mirror was removed from the configuration). Raises StorageError
    for an unavailable backend (the job retries) and NoGoodCopy when no copy can be read.
    """
    target = ctx.storage.by_name(backend)
    if target is None:
        return "unknown-backend"
    obj = await referenced_object(key)
    if obj is None:
        return "unreferenced"
    row = await StoredCopy.get_or_none(blob_key=key, backend=backend)
    if row is not None and row.state == CopyState.PRESENT:
        return CopyState.PRESENT
    corrupt = row is not None and row.state == CopyState.CORRUPT
    source = await copy_from_good_copy(ctx, obj, target, replace_existing=corrupt)
    log.info("replicated %s from %s to %s", key, source, backend)
    return "copied"


async def enqueue_replication(
    ctx: RegistryContext, key: str, backends: Sequence[str] | None = None
) -> int:
    """Queue one replication job per mirror (or per given backend) for `key`. Returns how
    many were queued. Never raises: the reconciliation catches anything missed here."""
    names = list(backends) if backends is not None else [m.name for m in ctx.storage.mirrors]
    queued = 0
    for name in names:
        try:
            await ctx.jobs.enqueue(REPLICATE_OBJECT, key, name)
            queued += 1
        except Exception:  # a queue outage must not fail a publish
            log.exception("could not queue replication of %s to %s", key, name)
    return queued


async def report_missing(ctx: RegistryContext, key: str, backend: str) -> None:
    """A read found no object where a present copy was recorded: record it and repair it."""
    try:
        obj = await referenced_object(key)
        if obj is None:
            return
        updated = await StoredCopy.filter(
            blob_key=key, backend=backend, state=CopyState.PRESENT
        ).update(state=CopyState.MISSING)
        if updated:
            log.error("copy of %s on %s is missing; queued a repair", key, backend)
            await enqueue_replication(ctx, key, [backend])
    except Exception:  # bookkeeping must not break the download in progress
        log.exception("could not record the missing copy of %s on %s", key, backend)


# -- status ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class BackendReport:
    """One backend as seen by readiness checks and the admin query."""

    name: str
    role: StorageRole
    kind: str
    ok: bool
    detail: str
    breaker: BreakerSnapshot
    # Referenced objects without a verified copy on this backend ("replication lag").
    lag: int
    copies: dict[str, int] = field(default_factory=dict)  # rows by state


@dataclass(frozen=True)
class ReplicationStatus:
    objects: int  # distinct referenced objects
    backends: list[BackendReport]
    checked_at: datetime


_REFERENCED_KEYS = (
    "SELECT blob_key FROM package_versions UNION SELECT blob_key FROM artifact_builds "
    "UNION SELECT icon_key FROM package_versions WHERE icon_key <> ''"
)


async def referenced_count() -> int:
    """Distinct objects referenced by versions and builds."""
    conn = connections.get("default")
    rows = await conn.execute_query_dict(f"SELECT COUNT(*) AS n FROM ({_REFERENCED_KEYS}) refs")
    return int(rows[0]["n"])


async def _present_counts() -> dict[str, int]:
    """Per backend: referenced objects with a verified copy there."""
    conn = connections.get("default")
    rows = await conn.execute_query_dict(
        "SELECT backend, COUNT(DISTINCT blob_key) AS n FROM stored_copies "
        f"WHERE state = '{CopyState.PRESENT}' AND blob_key IN ({_REFERENCED_KEYS}) "
        "GROUP BY backend"
    )
    return {str(row["backend"]): int(row["n"]) for row in rows}


async def _state_counts() -> dict[str, dict[str, int]]:
    conn = connections.get("default")
    rows = await conn.execute_query_dict(
        "SELECT backend, state, COUNT(*) AS n FROM stored_copies GROUP BY backend, state"
    )
    counts: dict[str, dict[str, int]] = {}
    for row in rows:
        counts.setdefault(str(row["backend"]), {})[str(row["state"])] = int(row["n"])
    return counts


async def replication_lag(ctx: RegistryContext) -> dict[str, int]:
    """Per configured backend: referenced objects not (yet) verified on it."""
    total = await referenced_count()
    present = await _present_counts()
    return {store.name: max(total - present.get(store.name, 0), 0) for store in ctx.storage.all}


async def replication_status(ctx: RegistryContext, *, probe: bool = True) -> ReplicationStatus:
    """Each backend's health (probed when `probe`), breaker and lag; for /ready and admins.

    A successful probe does not close an open breaker: reads find that out by themselves
    with their half-open probe, which also covers reads that fail while the probe passes.
    """
    total = await referenced_count()
    present = await _present_counts()
    states = await _state_counts()
    reports = []
    for store in ctx.storage.all:
        if probe:
            health = await store.check()
            ok, detail = health.ok, health.detail
        else:
            snapshot = ctx.storage.breakers.snapshot(store.name)
            ok = snapshot.state is BreakerState.CLOSED
            detail = snapshot.last_error or "not probed"
        reports.append(
            BackendReport(
                name=store.name,
                role=(StorageRole.PRIMARY if store is ctx.storage.primary else StorageRole.MIRROR),
                kind=store.kind,
                ok=ok,
                detail=detail,
                breaker=ctx.storage.breakers.snapshot(store.name),
                lag=max(total - present.get(store.name, 0), 0),
                copies=states.get(store.name, {}),
            )
        )
    return ReplicationStatus(objects=total, backends=reports, checked_at=timezone.now())
