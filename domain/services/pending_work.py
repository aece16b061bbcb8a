"""The database as the list of work still to do, and the sweep that queues it all again.

A job queue can lose its jobs: Redis restarted empty, a worker killed in the middle of one,
an enqueue refused while Redis was down (`domain.jobs.enqueue_committed`). None of that loses
work, because every follow-up job that matters leaves a row saying it is still to do until
the job's effect commits:

* a version `pending`: its scan (SCAN_VERSION);
* a referenced object without a present copy on a mirror: its replication (REPLICATE_OBJECT);
* a stored copy of an object nothing references or claims: its delete (DELETE_OBJECT);
* an automatic verification request `pending`: its check (VERIFY_PUBLISHER);
* a webhook delivery `pending` whose attempt is due: that attempt (DELIVER_WEBHOOK; this is
  also how an attempt after a long backoff is queued: workers/webhooks.py).

(The hourly re-check of verified publishers is chosen from the publisher rows each run, so
it needs nothing here.)

`requeue_pending` queues every such job again. It runs every minute (workers/tasks.py) and
right when `tb-registry worker` (re)connects to Redis. It never doubles an effect: a job id
still queued or running is not queued again, and every job re-reads its row and does nothing
once the work is done (a verdict is written only over `pending`, a present copy is left
alone, a delete re-checks that nothing uses the object, a decided request is skipped, a
delivery is claimed only while due).
Each kind is bounded per run (`SWEEP_LIMIT`) so a run stays cheap; the rest goes next run.
"""

from __future__ import annotations

import logging
from dataclasses import asdict, dataclass
from datetime import timedelta
from typing import cast

from tortoise import timezone
from tortoise.expressions import Subquery

from domain.context import RegistryContext
from domain.enums import VerificationRequestState, VersionStatus
from domain.jobs import (
    DELETE_OBJECT,
    DELIVER_WEBHOOK,
    REPLICATE_OBJECT,
    SCAN_VERSION,
    VERIFY_PUBLISHER,
)
from domain.models import ObjectClaim, PackageVersion, VerificationRequest
from domain.services import reconciliation, webhook_outbox
from domain.services.verification import AUTOMATIC_METHODS

log = logging.getLogger("registry.jobs")

# Objects unused for less than this are left alone: an upload of the same bytes may be about
# to claim the object again (the delete job would see that and do nothing, but why queue it).
# Scans and checks take no grace: right after Redis comes back empty, the uploads accepted
# during the outage are seconds old, and their job id dedupes a race with the upload's own.
DELETE_GRACE = timedelta(seconds=10)
# Jobs of one kind queued per run at most.
SWEEP_LIMIT = 2_000


@dataclass
class SweepCounts:
    scans: int = 0
    replications: int = 0
    deletes: int = 0
    verifications: int = 0
    webhook_deliveries: int = 0

    def as_dict(self) -> dict[str, int]:
        return asdict(self)


async def pending_scans() -> list[int]:
    ids = await (
        PackageVersion.filter(status=VersionStatus.PENDING)
        .order_by("id")
        .limit(SWEEP_LIMIT)
        .values_list("id", flat=True)
    )
    # Tortoise types values_list(flat=True) as tuples; one column gives the values themselves.
    return cast("list[int]", ids)


async def missing_copies(ctx: RegistryContext) -> list[tuple[str, str]]:
    """(key, mirror) of referenced objects without a present copy on that mirror."""
    found: list[tuple[str, str]] = []
    for mirror in ctx.storage.mirrors:
        async for obj in reconciliation.referenced_objects(not_present_on=mirror.name):
            found.append((obj.key, mirror.name))
            if len(found) >= SWEEP_LIMIT:
                return found
    return found


async def unused_objects(before: object) -> list[str]:
    """Keys of stored objects nothing references and no upload claims, untouched since
    `before` (an upload between storing its object and committing its row holds a claim)."""
    keys = await (
        reconciliation.unreferenced_copies()
        .exclude(blob_key__in=Subquery(ObjectClaim.all().values("blob_key")))
        .filter(updated_at__lt=before)
        .distinct()
        .limit(SWEEP_LIMIT)
        .values_list("blob_key", flat=True)
    )
    return [str(key) for key in keys]


async def pending_checks() -> list[int]:
    ids = await (
        VerificationRequest.filter(
            state=VerificationRequestState.PENDING,
            method__in=sorted(AUTOMATIC_METHODS),
        )
        .order_by("id")
        .limit(SWEEP_LIMIT)
        .values_list("id", flat=True)
    )
    return cast("list[int]", ids)


async def requeue_pending(ctx: RegistryContext) -> SweepCounts:
    """Queue again every job whose row says its work is still to do (see the module doc)."""
    counts = SweepCounts()
    for version_id in await pending_scans():
        await ctx.jobs.enqueue(SCAN_VERSION, version_id)
        counts.scans += 1
    for key, mirror in await missing_copies(ctx):
        await ctx.jobs.enqueue(REPLICATE_OBJECT, key, mirror)
        counts.replications += 1
    for key in await unused_objects(timezone.now() - DELETE_GRACE):
        await ctx.jobs.enqueue(DELETE_OBJECT, key)
        counts.deletes += 1
    for request_id in await pending_checks():
        await ctx.jobs.enqueue(VERIFY_PUBLISHER, request_id)
        counts.verifications += 1
    for delivery_id in await webhook_outbox.due_deliveries(SWEEP_LIMIT):
        await ctx.jobs.enqueue(DELIVER_WEBHOOK, delivery_id)
        counts.webhook_deliveries += 1
    if any(counts.as_dict().values()):
        log.info("pending work queued again: %s", counts.as_dict())
    return counts
