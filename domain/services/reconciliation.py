"""Reconciliation: find missing or corrupt copies on every backend and repair them.

Run periodically (workers/replication.py) and on demand (`tb-registry reconcile [--full]`).
For every object a version or build references, and every configured backend:

* a backend that fails its probe gets `ensure_ready()` (a store restarted empty has lost its
  bucket); if that works the backend may have lost everything, so every copy on it gets a
  size check in this run;
* copies without a `present` row are checked (stat and hash): an intact one is recorded, a
  missing or corrupt one is copied again from a verified copy elsewhere; the primary is
  repaired from a mirror the same way;
* `present` copies are re-hashed: all of them in full mode, else the `sample_size` checked
  longest ago per backend. A problem found in the sample means more may be wrong, so every
  other copy on that backend then gets a size check in the same run;
* copy rows of objects nothing uses any more (a failed or interrupted delete, an upload that
  died) are deleted from every backend, after claims of dead uploads are dropped.

Everything it does is idempotent, so a run that is interrupted is simply finished by the next.
"""

from __future__ import annotations

import logging
import time
from collections.abc import AsyncIterator, Callable
from dataclasses import asdict, dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING, Any

from tortoise.expressions import Q, Subquery
from tortoise.queryset import QuerySet

from domain.enums import CopyState
from domain.models import ArtifactBuild, PackageVersion, StoredCopy
from domain.services import blobs, replication
from domain.services.replication import NoGoodCopy, ReferencedObject
from storage.copying import CopyCheck, inspect_copy
from storage.errors import StorageError
from storage.interface import BlobStore

if TYPE_CHECKING:
    from domain.context import RegistryContext

log = logging.getLogger("registry.reconcile")

PAGE_SIZE = 500


@dataclass
class BackendTally:
    """What one run found and did on one backend."""

    checked: int = 0
    missing: int = 0
    corrupt: int = 0
    repaired: int = 0
    failed: int = 0
    reachable: bool = True
    full_check: bool = False
    detail: str = ""
    # Full run resumed: copies the interrupted run already hashed, not hashed again.
    resumed: int = 0


@dataclass
class ReconcileSummary:
    mode: str
    objects: int = 0
    backends: dict[str, BackendTally] = field(default_factory=dict)
    lost: list[str] = field(default_factory=list)  # referenced, but no good copy anywhere
    orphans_deleted: int = 0
    orphans_failed: int = 0
    seconds: float = 0.0

    @property
    def ok(self) -> bool:
        return (
            not self.lost
            and not self.orphans_failed
            and all(t.reachable and not t.failed for t in self.backends.values())
        )

    def as_dict(self) -> dict[str, Any]:
        return {**asdict(self), "ok": self.ok}

    def lines(self) -> list[str]:
        """A human summary, one line per backend (the CLI prints it)."""
        out = [f"reconcile ({self.mode}): {self.objects} referenced objects, {self.seconds:.1f} s"]
        for name, t in self.backends.items():
            if not t.reachable:
                out.append(f"  {name}: UNREACHABLE ({t.detail})")
                continue
            scope = "full check" if t.full_check else "sampled"
            resumed = f", {t.resumed} hashed by the interrupted run" if t.resumed else ""
            out.append(
                f"  {name}: checked {t.checked}, missing {t.missing}, corrupt "
                f"{t.corrupt}, repaired {t.repaired}, failed {t.failed} ({scope}{resumed})"
            )
        out.append(
            f"  orphaned objects deleted {self.orphans_deleted}, failed {self.orphans_failed}"
        )
        if self.lost:
            out.append(
                f"  LOST (no intact copy anywhere): {len(self.lost)}: "
                + ", ".join(self.lost[:10])
                + (" ..." if len(self.lost) > 10 else "")
            )
        return out


class _BackendGone(Exception):
    """The backend failed in the middle of the run; stop checking it."""


# -- what to check ---------------------------------------------------------------------------


async def referenced_objects(
    *, not_present_on: str | None = None, exclude: set[str] | None = None
) -> AsyncIterator[ReferencedObject]:
    """Referenced objects, each once, paged by id (optionally only those without a present
    copy on one backend)."""
    seen: set[str] = set(exclude or ())
    for model in (PackageVersion, ArtifactBuild):
        last_id = 0
        while True:
            query = model.filter(id__gt=last_id)
            if not_present_on is not None:
                query = query.filter(
                    ~Q(
                        blob_key__in=Subquery(
                            StoredCopy.filter(
                                backend=not_present_on, state=CopyState.PRESENT
                            ).values("blob_key")
                        )
                    )
                )
            rows = (
                await query.order_by("id")
                .limit(PAGE_SIZE)
                .values("id", "blob_key", "sha256", "size_bytes")
            )
            if not rows:
                break
            last_id = rows[-1]["id"]
            for row in rows:
                key = str(row["blob_key"])
                if key not in seen:
                    seen.add(key)
                    yield ReferencedObject(key, str(row["sha256"]), int(row["size_bytes"]))
    # Page icons: referenced by `icon_key`, sized by their stored copies.
    last_id = 0
    while True:
        query = PackageVersion.filter(id__gt=last_id).exclude(icon_key="")
        if not_present_on is not None:
            query = query.filter(
                ~Q(
                    icon_key__in=Subquery(
                        StoredCopy.filter(backend=not_present_on, state=CopyState.PRESENT).values(
                            "blob_key"
                        )
                    )
                )
            )
        icon_rows = await query.order_by("id").limit(PAGE_SIZE).values("id", "icon_key")
        if not icon_rows:
            break
        last_id = icon_rows[-1]["id"]
        for row in icon_rows:
            key = str(row["icon_key"])
            if key not in seen:
                seen.add(key)
                obj = await replication.icon_object(key)
                if obj is not None:
                    yield obj


async def _sample(backend: str, size: int) -> list[ReferencedObject]:
    """Up to `size` referenced objects whose present copy here was checked longest ago."""
    found: list[ReferencedObject] = []
    if size <= 0:
        return found
    never = StoredCopy.filter(backend=backend, state=CopyState.PRESENT, verified_at__isnull=True)
    oldest = StoredCopy.filter(backend=backend, state=CopyState.PRESENT, verified_at__isnull=False)
    for query in (never, oldest.order_by("verified_at", "id")):
        for key in await query.limit(size * 2).values_list("blob_key", flat=True):
            obj = await replication.referenced_object(str(key))
            if obj is not None and len(found) < size:
                found.append(obj)
        if len(found) >= size:
            break
    return found


# -- checking and repairing one copy ---------------------------------------------------------


class _Run:
    def __init__(
        self,
        ctx: RegistryContext,
        summary: ReconcileSummary,
        on_checked: Callable[[], None] | None = None,
    ) -> None:
        self.ctx = ctx
        self.summary = summary
        self.lost: set[str] = set()
        self.on_checked = on_checked

    async def check(self, store: BlobStore, obj: ReferencedObject, *, deep: bool) -> CopyCheck:
        tally = self.summary.backends[store.name]
        try:
            state = await inspect_copy(store, obj.key, obj.size, deep=deep)
        except StorageError as exc:
            tally.failed += 1
            self.ctx.storage.breakers.get(store.name).record_failure(str(exc))
            raise _BackendGone(str(exc)) from exc
        tally.checked += 1
        if self.on_checked is not None:
            self.on_checked()
        if state == CopyState.PRESENT:
            if deep:  # a size check alone does not make a copy "verified"
                await replication.record_present(obj, store.name)
            return state
        if state == CopyState.MISSING:
            tally.missing += 1
        else:
            tally.corrupt += 1
        log.warning("copy of %s on %s is %s", obj.key, store.name, state)
        await replication.mark_state(obj, store.name, CopyState(state))
        await self.repair(store, obj, replace_existing=state == CopyState.CORRUPT)
        return state

    async def repair(
        self, store: BlobStore, obj: ReferencedObject, *, replace_existing: bool
    ) -> None:
        tally = self.summary.backends[store.name]
        try:
            source = await replication.copy_from_good_copy(
                self.ctx, obj, store, replace_existing=replace_existing
            )
        except NoGoodCopy as exc:
            tally.failed += 1
            if obj.key not in self.lost:
                self.lost.add(obj.key)
                self.summary.lost.append(obj.key)
                log.error("%s", exc)
            return
        except StorageError as exc:
            tally.failed += 1
            log.warning("repairing %s on %s failed: %s", obj.key, store.name, exc)
            return
        tally.repaired += 1
        log.info("repaired %s on %s from %s", obj.key, store.name, source)


async def _prepare(ctx: RegistryContext, store: BlobStore, tally: BackendTally) -> bool:
    """Probe the backend; recreate what it needs when the probe fails. Returns True when it
    was recreated, i.e. may have lost every object."""
    breaker = ctx.storage.breakers.get(store.name)
    health = await store.check()
    if health.ok:
        return False
    try:
        await store.ensure_ready()
    except StorageError as exc:
        tally.reachable = False
        tally.detail = str(exc) or health.detail
        breaker.record_failure(tally.detail)
        return False
    log.warning(
        "backend %s failed its probe (%s) and was set up again; checking every copy",
        store.name,
        health.detail,
    )
    return True


async def _hashed_since(backend: str, since: datetime) -> set[str]:
    """Keys whose copy on `backend` was found intact (hashed) at or after `since`."""
    keys = await StoredCopy.filter(
        backend=backend, state=CopyState.PRESENT, verified_at__gte=since
    ).values_list("blob_key", flat=True)
    return {str(key) for key in keys}


async def _reconcile_backend(
    run: _Run,
    store: BlobStore,
    *,
    full: bool,
    recreated: bool,
    sample_size: int,
    resume_since: datetime | None = None,
) -> None:
    tally = run.summary.backends[store.name]
    if full:
        tally.full_check = True
        fresh = await _hashed_since(store.name, resume_since) if resume_since else set()
        async for obj in referenced_objects():
            if obj.key in fresh:
                tally.resumed += 1
                if run.on_checked is not None:
                    run.on_checked()
                continue
            await run.check(store, obj, deep=True)
        return
    checked: set[str] = set()
    async for obj in referenced_objects(not_present_on=store.name):
        checked.add(obj.key)
        await run.check(store, obj, deep=True)
    problems = False
    for obj in await _sample(store.name, sample_size):
        if obj.key in checked:
            continue
        checked.add(obj.key)
        problems |= await run.check(store, obj, deep=True) != CopyState.PRESENT
    if problems or recreated:
        # A damaged sample or a store that had to be set up again: more may be wrong than
        # the sample shows, so every other copy gets at least a size check now.
        log.warning(
            "%s: size-checking every copy on %s",
            "damaged copies in the sample" if problems else "store was set up again",
            store.name,
        )
        tally.full_check = True
        async for obj in referenced_objects(exclude=checked):
            await run.check(store, obj, deep=False)


def unreferenced_copies() -> QuerySet[StoredCopy]:
    """Copies of objects no version, build or page icon references (claims aside)."""
    return (
        StoredCopy.filter(~Q(blob_key__in=Subquery(PackageVersion.all().values("blob_key"))))
        .filter(~Q(blob_key__in=Subquery(ArtifactBuild.all().values("blob_key"))))
        .filter(~Q(blob_key__in=Subquery(PackageVersion.exclude(icon_key="").values("icon_key"))))
    )


async def orphaned_keys() -> list[str]:
    """Keys of objects with copies that nothing references."""
    keys = await unreferenced_copies().distinct().values_list("blob_key", flat=True)
    return [str(key) for key in keys]


async def _delete_orphans(ctx: RegistryContext, summary: ReconcileSummary) -> None:
    """Copies whose object nothing references: a delete that failed or was interrupted, or
    an upload that died (`delete_everywhere` skips objects a live upload claims)."""
    await blobs.drop_stale_claims()
    for key in await orphaned_keys():
        try:
            if await blobs.delete_everywhere(ctx, key):
                summary.orphans_deleted += 1
        except StorageError as exc:
            summary.orphans_failed += 1
            log.warning("deleting orphaned object %s failed (retried next run): %s", key, exc)


async def reconcile(
    ctx: RegistryContext,
    *,
    full: bool | None = None,
    sample_size: int | None = None,
    on_checked: Callable[[], None] | None = None,
    resume_since: datetime | None = None,
) -> ReconcileSummary:
    """One reconciliation pass over every backend; see the module docstring. `on_checked` is
    called after each copy checked or skipped (a progress bar); `resume_since` continues a full run
    interrupted after that moment: copies it already hashed intact are not hashed again."""
    config = ctx.policy.replication
    full = config.reconcile_full if full is None else full
    sample_size = config.sample_size if sample_size is None else sample_size
    started = time.monotonic()
    summary = ReconcileSummary(mode="full" if full else "sampled")
    run = _Run(ctx, summary, on_checked)
    for store in ctx.storage.all:
        tally = summary.backends.setdefault(store.name, BackendTally())
        recreated = await _prepare(ctx, store, tally)
        if not tally.reachable:
            log.warning("reconcile skips %s: %s", store.name, tally.detail)
            continue
        try:
            await _reconcile_backend(
                run,
                store,
                full=full,
                recreated=recreated,
                sample_size=sample_size,
                resume_since=resume_since,
            )
        except _BackendGone as exc:
            tally.reachable = False
            tally.detail = str(exc)
            log.warning("backend %s failed during reconciliation: %s", store.name, exc)
    await _delete_orphans(ctx, summary)
    summary.objects = await replication.referenced_count()
    summary.seconds = time.monotonic() - started
    log.info("; ".join(summary.lines()))
    return summary
