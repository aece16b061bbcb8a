"""Webhook deliveries: the outbox written with each event, and the bookkeeping of each
attempt to send one (the HTTP call itself is workers/webhooks.py).

An event's write and its deliveries commit together: `emit`, called inside the write's
transaction, adds one `WebhookDelivery` (state pending, due now, its exact body stored) per
active hook of the publisher subscribed to the event. After the commit `dispatch` queues
DELIVER_WEBHOOK for each; a queue that cannot take them, or loses them, loses nothing, since
the pending-work sweep (domain/services/pending_work.py) queues every pending delivery that
is due again.

An attempt (`claim`, then `record_attempt`):

* `claim` takes a due pending delivery with a conditional UPDATE that moves its due time past
  the attempt's own deadline (a lease), so a second run of the job finds nothing due and a
  run that died mid-attempt is retried once the lease has run out;
* a 2xx answer marks the delivery succeeded and resets the hook's run of failures;
* anything else is a failed attempt: the hook's `consecutive_failures` (failed attempts in a
  row, whichever delivery they belong to: FAILURES_COUNTED) grows, and at
  `disable_after` the hook is disabled (its owners see why in the API) and its pending
  deliveries cancelled; otherwise the delivery is due again after an exponential delay
  (`retry_delay`) until it has had `max_attempts` (the job waits for a short delay itself;
  after a long one, the sweep queues the delivery once it is due). A refused address (the
  outbound guard) is final: retrying cannot help until the hook's URL or its DNS changes.

The log (deliveries and their attempts) is kept `log_retention_days` (`prune_log`).
"""

from __future__ import annotations

import asyncio
import logging
import uuid
import weakref
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any, cast

from tortoise.expressions import F

from domain import changes
from domain.actor import ANONYMOUS
from domain.changes import write_transaction
from domain.enums import DeliveryState, WebhookEvent, WebhookFormat
from domain.jobs import DELIVER_WEBHOOK, JobQueue, enqueue_committed
from domain.models import (
    Package,
    PackageVersion,
    Publisher,
    Webhook,
    WebhookAttempt,
    WebhookDelivery,
)
from domain.services import audit
from domain.webhook_payloads import EventData, package_page_url, render

log = logging.getLogger("registry.webhooks")

# The sweep that re-queues deliveries a queue lost (domain.jobs.enqueue_committed names it).
RECOVERED_BY = "requeue_pending_work"
# An attempt's lease beyond its own timeout: time to record the outcome.
LEASE_SLACK = timedelta(seconds=30)
# Kept of an error's text in the log.
ERROR_MAX_LENGTH = 500
# Deliveries one prune deletes at most (the rest go next run).
PRUNE_BATCH = 5_000


@dataclass(frozen=True)
class WebhookConfig:
    """The webhook settings (registry/config.py WEBHOOK_*, which hold the defaults)."""

    timeout_seconds: float
    response_limit_bytes: int
    max_attempts: int
    retry_base_seconds: float
    retry_max_seconds: float
    disable_after: int
    log_retention_days: int


def retry_delay(config: WebhookConfig, attempt: int) -> float:
    """Seconds before the attempt after failed attempt number `attempt` (1-based)."""
    return min(config.retry_base_seconds * 2 ** min(attempt - 1, 40), config.retry_max_seconds)


# --- the process's queue ----------------------------------------------------------------------


# Events happen in services that are not handed the registry's context (a yank, an admin's
# decision, ...), so the composition root connects the process's job queue and public address
# once (`connect`). `emit` notes the deliveries it wrote under the task that wrote them, and
# when that task's write commits (`domain.changes` announces every commit, in the committing
# task), they are queued. A write that rolls back leaves ids that name no row: their job finds
# nothing to send.
@dataclass(frozen=True)
class _Connection:
    jobs: JobQueue
    public_base_url: str | None


_connected: list[_Connection] = []
_emitted: weakref.WeakKeyDictionary[asyncio.Task[Any], list[int]] = weakref.WeakKeyDictionary()
_queueing: set[asyncio.Task[None]] = set()  # strong references until they are done


def connect(jobs: JobQueue, public_base_url: str | None) -> Callable[[], None]:
    """Queue this process's deliveries through `jobs`, and link to packages under
    `public_base_url`; returns the disconnect function."""
    connection = _Connection(jobs, public_base_url)
    _connected.append(connection)
    unsubscribe = changes.subscribe(_queue_committed)

    def disconnect() -> None:
        unsubscribe()
        if connection in _connected:
            _connected.remove(connection)

    return disconnect


def _connection() -> _Connection | None:
    return _connected[-1] if _connected else None


def _queue_committed() -> None:
    """After a commit: queue the deliveries the committing task emitted."""
    try:
        task = asyncio.current_task()
    except RuntimeError:  # no event loop: nothing can have been emitted
        return
    ids = _emitted.pop(task, None) if task is not None else None
    if ids:
        queueing = asyncio.get_running_loop().create_task(dispatch(ids))
        _queueing.add(queueing)
        queueing.add_done_callback(_queueing.discard)


# --- emitting -------------------------------------------------------------------------------


def _publisher_data(publisher: Publisher) -> dict[str, Any]:
    return {
        "id": publisher.id,
        "name": publisher.name,
        "display_name": publisher.display_name,
        "verification_status": publisher.verification_status,
    }


def _package_data(package: Package, base_url: str | None) -> dict[str, Any]:
    data: dict[str, Any] = {
        "name": package.name,
        "display_name": package.display_name,
        "package_type": package.package_type,
        "visibility": package.visibility,
        "status": package.status,
    }
    url = package_page_url(package.name, base_url)
    if url:
        data["url"] = url
    return data


def _version_data(row: PackageVersion) -> dict[str, Any]:
    return {
        "version": row.version,
        "status": row.status,
        "yanked": row.yanked,
        "sha256": row.sha256,
        "size_bytes": row.size_bytes,
        "published_at": row.published_at.isoformat() if row.published_at else None,
    }


def subscribed(hook: Webhook, event: WebhookEvent) -> bool:
    return event in (hook.events or [])


async def emit(
    event: WebhookEvent,
    publisher_id: str,
    *,
    using_db: Any,
    package: Package | None = None,
    version: PackageVersion | None = None,
    details: dict[str, Any] | None = None,
    also_to: Iterable[str] = (),
) -> list[int]:
    """Inside the event's transaction (`using_db`): one pending delivery per active hook of
    `publisher_id` (and of the publishers in `also_to`) subscribed to `event`, queued once the
    transaction commits. Returns their ids."""
    owners = sorted({publisher_id, *also_to})
    hooks = [
        hook
        for hook in await Webhook.filter(publisher_id__in=owners, active=True)
        .using_db(using_db)
        .order_by("id")
        if subscribed(hook, event)
    ]
    if not hooks:
        return []
    publisher = await Publisher.filter(id=publisher_id).using_db(using_db).get()
    connection = _connection()
    base_url = connection.public_base_url if connection is not None else None
    now = datetime.now(UTC)
    data = EventData(
        event_id=uuid.uuid4().hex,
        event=event,
        created_at=now,
        publisher=_publisher_data(publisher),
        package=_package_data(package, base_url) if package is not None else None,
        version=_version_data(version) if version is not None else None,
        details=details or {},
    )
    bodies = {fmt: render(data, fmt) for fmt in {WebhookFormat(h.format) for h in hooks}}
    ids = []
    for hook in hooks:
        row = await WebhookDelivery.create(
            webhook_id=hook.id,
            event=event,
            body=bodies[WebhookFormat(hook.format)],
            state=DeliveryState.PENDING,
            next_attempt_at=now,
            using_db=using_db,
        )
        ids.append(row.id)
    task = asyncio.current_task()
    if task is not None:
        _emitted.setdefault(task, []).extend(ids)
    return ids


async def dispatch(delivery_ids: Iterable[int], queue: JobQueue | None = None) -> None:
    """Queue committed deliveries (through `queue`, else the connected one). Without a
    queue, or when it refuses them, the pending-work sweep sends them."""
    ids = list(delivery_ids)
    if not ids:
        return
    if queue is None:
        connection = _connection()
        if connection is None:
            log.warning("no job queue connected: %d deliveries wait for the sweep", len(ids))
            return
        queue = connection.jobs
    for delivery_id in ids:
        await enqueue_committed(queue, DELIVER_WEBHOOK, RECOVERED_BY, delivery_id)


# --- attempts -------------------------------------------------------------------------------


@dataclass(frozen=True)
class Claimed:
    """A delivery taken for one attempt."""

    delivery_id: int
    webhook_id: int
    attempt: int
    url: str
    secret: str
    event: str
    body: bytes


@dataclass(frozen=True)
class NotDue:
    """A pending delivery whose next attempt is `seconds` away."""

    seconds: float


@dataclass(frozen=True)
class AttemptOutcome:
    status_code: int | None
    duration_ms: int
    error: str = ""
    # No later attempt can do better (the address was refused).
    final: bool = False

    @property
    def succeeded(self) -> bool:
        return self.status_code is not None and 200 <= self.status_code < 300


async def claim(
    delivery_id: int, config: WebhookConfig, now: datetime | None = None
) -> Claimed | NotDue | None:
    """Take a due pending delivery for one attempt; None when there is nothing to send."""
    now = now or datetime.now(UTC)
    row = await WebhookDelivery.get_or_none(id=delivery_id).prefetch_related("webhook")
    if row is None or row.state != DeliveryState.PENDING:
        return None
    hook = row.webhook
    if not hook.active:  # disabled after this delivery was queued
        await WebhookDelivery.filter(id=row.id, state=DeliveryState.PENDING).update(
            state=DeliveryState.CANCELLED, next_attempt_at=None
        )
        return None
    if row.next_attempt_at is not None and row.next_attempt_at > now:
        return NotDue((row.next_attempt_at - now).total_seconds())
    lease = now + timedelta(seconds=config.timeout_seconds) + LEASE_SLACK
    # Only while still due: the first run moves the due time to its lease, so a second one
    # (arq may run a job twice) updates nothing.
    taken = await WebhookDelivery.filter(
        id=row.id, state=DeliveryState.PENDING, next_attempt_at__lte=now
    ).update(next_attempt_at=lease, attempts=F("attempts") + 1)
    if not taken:  # another run claimed it first
        return None
    return Claimed(
        delivery_id=row.id,
        webhook_id=hook.id,
        attempt=row.attempts + 1,
        url=hook.url,
        secret=hook.secret,
        event=row.event,
        body=row.body.encode(),
    )


async def _disable(hook_id: int, reason: str, now: datetime, conn: Any) -> bool:
    """Disable an active hook and cancel its pending deliveries; False if it was not active."""
    changed = await (
        Webhook.filter(id=hook_id, active=True)
        .using_db(conn)
        .update(active=False, disabled_reason=reason, disabled_at=now, updated_at=now)
    )
    if not changed:
        return False
    await (
        WebhookDelivery.filter(webhook_id=hook_id, state=DeliveryState.PENDING)
        .using_db(conn)
        .update(state=DeliveryState.CANCELLED, next_attempt_at=None)
    )
    publisher_id = (
        await Webhook.filter(id=hook_id).using_db(conn).values_list("publisher_id", flat=True)
    )
    await audit.record(
        ANONYMOUS,
        "webhook.disable",
        target_type="webhook",
        target_id=str(hook_id),
        publisher_id=str(publisher_id[0]) if publisher_id else "",
        details={"reason": reason},
        using_db=conn,
    )
    return True


async def record_attempt(
    claimed: Claimed, outcome: AttemptOutcome, config: WebhookConfig, now: datetime | None = None
) -> float | None:
    """Log the attempt and decide what follows; returns the delay before the next attempt,
    or None when the delivery is finished (succeeded, failed, or its hook disabled)."""
    now = now or datetime.now(UTC)
    error = outcome.error[:ERROR_MAX_LENGTH]
    last = {
        "last_status_code": outcome.status_code,
        "last_duration_ms": outcome.duration_ms,
        "last_error": error,
    }
    async with write_transaction() as conn:
        delivery = WebhookDelivery.filter(id=claimed.delivery_id).using_db(conn)
        if not await delivery.exists():  # its hook was deleted during the attempt
            return None
        await WebhookAttempt.create(
            delivery_id=claimed.delivery_id,
            attempt=claimed.attempt,
            at=now,
            status_code=outcome.status_code,
            duration_ms=outcome.duration_ms,
            error=error,
            using_db=conn,
        )
        if outcome.succeeded:
            await delivery.update(state=DeliveryState.SUCCEEDED, next_attempt_at=None, **last)
            await (
                Webhook.filter(id=claimed.webhook_id).using_db(conn).update(consecutive_failures=0)
            )
            return None
        await (
            Webhook.filter(id=claimed.webhook_id)
            .using_db(conn)
            .update(consecutive_failures=F("consecutive_failures") + 1)
        )
        failures = cast(
            "list[int]",
            await Webhook.filter(id=claimed.webhook_id)
            .using_db(conn)
            .values_list("consecutive_failures", flat=True),
        )
        if failures and failures[0] >= config.disable_after:
            await delivery.update(state=DeliveryState.FAILED, next_attempt_at=None, **last)
            await _disable(
                claimed.webhook_id,
                disabled_after_failures(failures[0], outcome),
                now,
                conn,
            )
            return None
        if outcome.final or claimed.attempt >= config.max_attempts:
            await delivery.update(state=DeliveryState.FAILED, next_attempt_at=None, **last)
            return None
        delay = retry_delay(config, claimed.attempt)
        await delivery.update(next_attempt_at=now + timedelta(seconds=delay), **last)
        return delay


# What a hook's `consecutive_failures` counts: failed attempts, of whichever of its deliveries,
# not failed deliveries (one delivery retried 8 times adds 8). Declared once: the stored
# reason below and the API's descriptions (REST shapes, GraphQL) say it in these words.
FAILURES_COUNTED = "failed delivery attempts in a row (of any of its deliveries)"
FAILURES_DESCRIPTION = f"How many {FAILURES_COUNTED} since the last success"
DISABLED_REASON_DESCRIPTION = (
    f"Why the hook is disabled: by an owner, or after WEBHOOK_DISABLE_AFTER {FAILURES_COUNTED}; "
    '"" while it is active'
)


def disabled_after_failures(failures: int, outcome: AttemptOutcome) -> str:
    """The reason stored when failures disable a hook."""
    return f"Disabled after {failures} {FAILURES_COUNTED}; last: {_summary(outcome)}"


def _summary(outcome: AttemptOutcome) -> str:
    if outcome.status_code is not None:
        return f"HTTP {outcome.status_code}"
    return outcome.error[:200] or "no answer"


# --- the sweep and the log's retention ------------------------------------------------------


async def due_deliveries(limit: int, now: datetime | None = None) -> list[int]:
    """Pending deliveries whose attempt is due (or whose lease ran out), oldest first."""
    ids = await (
        WebhookDelivery.filter(
            state=DeliveryState.PENDING, next_attempt_at__lte=now or datetime.now(UTC)
        )
        .order_by("next_attempt_at", "id")
        .limit(limit)
        .values_list("id", flat=True)
    )
    return cast("list[int]", ids)


async def prune_log(
    retention_days: int, now: datetime | None = None, limit: int = PRUNE_BATCH
) -> int:
    """Delete finished deliveries (and their attempts) older than `retention_days`, at most
    `limit` per call; returns how many deliveries went. Pending ones stay whatever their age."""
    before = (now or datetime.now(UTC)) - timedelta(days=retention_days)
    old = (
        WebhookDelivery.filter(created_at__lt=before)
        .exclude(state=DeliveryState.PENDING)
        .order_by("id")
        .limit(limit)
    )
    async with write_transaction() as conn:
        ids = cast("list[int]", await old.using_db(conn).values_list("id", flat=True))
        if not ids:
            return 0
        await WebhookAttempt.filter(delivery_id__in=ids).using_db(conn).delete()
        await WebhookDelivery.filter(id__in=ids).using_db(conn).delete()
    return len(ids)
