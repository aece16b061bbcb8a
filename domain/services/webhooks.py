"""Webhooks (issue 18 part 1): a publisher's owners subscribe URLs to events on its packages.

Managing hooks is owners' (and admins') work, with a CloudM session as for members
(`publishers.require_owner`: API tokens may not, a leaked one must not be able to point a
publisher's events elsewhere). A hook of someone else's publisher is "not found", so hook and
delivery ids cannot be probed. Every change is audited.

A hook's URL is http(s), at most URL_MAX_LENGTH characters, without credentials; an IP
literal must be one outbound requests may reach (domain/outbound.py, with the operator's
allow-list). Host names are checked where the delivery connects (workers/outbound.py), so a
name that resolves to a private address is refused there, every time.

The secret signs every delivery (domain/webhook_signing.py); it is returned by
`create_webhook` and `rotate_secret` only, like an API token. Sending, retrying, disabling
and the log are domain/services/webhook_outbox.py.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import UTC, datetime
from ipaddress import ip_address
from typing import Any
from urllib.parse import urlsplit

from domain.actor import Actor
from domain.changes import write_transaction
from domain.context import RegistryContext
from domain.enums import DeliveryState, WebhookEvent, WebhookFormat
from domain.exceptions import Conflict, InvalidInput, NotFound, PermissionDenied, QuotaExceeded
from domain.models import BIGINT_RANGE, Publisher, Webhook, WebhookAttempt, WebhookDelivery
from domain.names import choice
from domain.outbound import OutboundRules
from domain.services import audit
from domain.services.publishers import get_publisher, require_owner, require_session
from domain.services.webhook_outbox import dispatch
from domain.textrules import refuse_control

URL_MAX_LENGTH = 2048
DESCRIPTION_MAX_LENGTH = 200
MAX_WEBHOOKS_PER_PUBLISHER = 20
# Deliveries one page of the log holds when the caller does not say, and at most.
DEFAULT_DELIVERIES_PAGE = 50
MAX_DELIVERIES_PAGE = 100
SECRET_PREFIX = "tbwhsec_"
# 32 random bytes: 256 bits, as url-safe base64.
SECRET_BYTES = 32
ID_MAX_DIGITS = 18
EVENT_VALUES = frozenset(e.value for e in WebhookEvent)


@dataclass(frozen=True)
class WebhookView:
    id: int
    publisher_id: str
    publisher_name: str
    url: str
    events: list[WebhookEvent]
    format: WebhookFormat
    description: str
    active: bool
    disabled_reason: str  # why it was disabled ("" while active)
    disabled_at: datetime | None
    consecutive_failures: int
    created_at: datetime
    updated_at: datetime


@dataclass(frozen=True)
class CreatedWebhook:
    webhook: WebhookView
    secret: str  # the plaintext secret, shown once (create and rotate)


@dataclass(frozen=True)
class AttemptView:
    attempt: int
    at: datetime
    status_code: int | None  # None: no answer (refused, timeout, connection error)
    duration_ms: int
    error: str


@dataclass(frozen=True)
class DeliveryView:
    id: int
    webhook_id: int
    event: WebhookEvent
    state: DeliveryState
    attempts: int
    created_at: datetime
    next_attempt_at: datetime | None  # while pending: when the next attempt is due
    last_status_code: int | None
    last_duration_ms: int | None
    last_error: str
    redelivery_of: int | None
    attempt_log: list[AttemptView]


def _view(hook: Webhook, publisher: Publisher) -> WebhookView:
    return WebhookView(
        id=hook.id,
        publisher_id=publisher.id,
        publisher_name=publisher.name,
        url=hook.url,
        events=[WebhookEvent(e) for e in hook.events or [] if e in EVENT_VALUES],
        format=WebhookFormat(hook.format),
        description=hook.description,
        active=hook.active,
        disabled_reason=hook.disabled_reason,
        disabled_at=hook.disabled_at,
        consecutive_failures=hook.consecutive_failures,
        created_at=hook.created_at,
        updated_at=hook.updated_at,
    )


def _delivery_view(row: WebhookDelivery, attempts: list[WebhookAttempt]) -> DeliveryView:
    return DeliveryView(
        id=row.id,
        webhook_id=row.webhook_id,
        event=WebhookEvent(row.event),
        state=DeliveryState(row.state),
        attempts=row.attempts,
        created_at=row.created_at,
        next_attempt_at=row.next_attempt_at if row.state == DeliveryState.PENDING else None,
        last_status_code=row.last_status_code,
        last_duration_ms=row.last_duration_ms,
        last_error=row.last_error,
        redelivery_of=row.redelivery_of,
        attempt_log=[
            AttemptView(a.attempt, a.at, a.status_code, a.duration_ms, a.error)
            for a in sorted(attempts, key=lambda a: a.attempt)
        ],
    )


# --- validation -----------------------------------------------------------------------------


def validate_url(value: object, rules: OutboundRules) -> str:
    """A hook URL: http(s), bounded, no credentials, and no IP literal outbound requests may
    not reach (host names are checked at each delivery, where they are resolved)."""
    if not isinstance(value, str) or not value.strip():
        raise InvalidInput("Give the URL deliveries are sent to", field="url")
    url = value.strip()
    if len(url) > URL_MAX_LENGTH:
        raise InvalidInput(f"The URL is longer than {URL_MAX_LENGTH} characters", field="url")
    refuse_control(url, "The URL", field="url")
    if any(c.isspace() for c in url):
        raise InvalidInput("The URL contains whitespace", field="url")
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError:
        raise InvalidInput("The URL is malformed", field="url") from None
    if parts.scheme.lower() not in ("http", "https"):
        raise InvalidInput("The URL must start with https:// or http://", field="url")
    host = parts.hostname
    if not host:
        raise InvalidInput("The URL has no host", field="url")
    if parts.username is not None or parts.password is not None:
        raise InvalidInput(
            "The URL must not carry credentials; deliveries are signed instead", field="url"
        )
    if port == 0:
        raise InvalidInput("The URL's port is invalid", field="url")
    try:
        literal = ip_address(host)
    except ValueError:
        literal = None
    if literal is not None:
        reason = rules.refusal(host, literal)
        if reason is not None:
            raise InvalidInput(
                f"The URL's address may not be reached by outbound requests ({reason})",
                field="url",
            )
    return url


def validate_events(value: object) -> list[WebhookEvent]:
    """At least one event, each a WebhookEvent; duplicates dropped, in the declared order."""
    if isinstance(value, str) or not isinstance(value, list | tuple):
        raise InvalidInput("Give the events as a list", field="events")
    if not value:
        raise InvalidInput("Subscribe to at least one event", field="events")
    if len(value) > 4 * len(WebhookEvent):
        raise InvalidInput("Too many events listed", field="events")
    chosen = {choice(item, WebhookEvent, "event", "events") for item in value}
    return [event for event in WebhookEvent if event in chosen]


def validate_format(value: object) -> WebhookFormat:
    if value is None or value == "":
        return WebhookFormat.JSON
    return choice(value, WebhookFormat, "format", "format")


def validate_description(value: object) -> str:
    if value is None:
        return ""
    if not isinstance(value, str) or len(value) > DESCRIPTION_MAX_LENGTH:
        raise InvalidInput(
            f"The description must be text of at most {DESCRIPTION_MAX_LENGTH} characters",
            field="description",
        )
    refuse_control(value, "The description", field="description")
    return value.strip()


def new_secret() -> str:
    return SECRET_PREFIX + secrets.token_urlsafe(SECRET_BYTES)


def _row_id(value: object) -> int | None:
    """A row id (a positive BIGINT) from user input, as an int or its ASCII digits; None if it
    is not one. Bounded before it is parsed; ASCII only, as "²" is a digit int() refuses."""
    number: int | None = None
    if isinstance(value, int) and not isinstance(value, bool):
        number = value
    elif (
        isinstance(value, str)
        and len(value) <= ID_MAX_DIGITS
        and value.isascii()
        and value.isdigit()
    ):
        number = int(value)
    if number is None or number <= 0 or number not in BIGINT_RANGE:
        return None
    return number


def _id(value: object, what: str) -> int:
    """A row id from user input, or "not found" (an id that cannot exist names nothing)."""
    number = _row_id(value)
    if number is None:
        raise NotFound(f"{what} not found: {str(value)[:40]}")
    return number


def _before(value: object) -> int | None:
    """The delivery log's paging cursor, as REST's query string and GraphQL's argument give
    it: absent (None, or a query string's empty value) or a delivery id. It need not name a
    delivery that still exists (pruned from the log is fine), so a malformed one is the
    caller's mistake, not "not found"."""
    if value is None or value == "":
        return None
    number = _row_id(value)
    if number is None:
        raise InvalidInput(
            "before must be a delivery id: a whole number from 1 (the last id of the "
            "previous page)",
            field="before",
        )
    return number


async def _owned_hook(actor: Actor, webhook_id: object, action: str) -> tuple[Webhook, Publisher]:
    """The hook, if the caller owns its publisher (or is an admin); else "not found"."""
    require_session(actor, action)
    number = _id(webhook_id, "Webhook")
    hook = await Webhook.get_or_none(id=number).prefetch_related("publisher")
    if hook is None:
        raise NotFound(f"Webhook not found: {number}")
    try:
        await require_owner(actor, hook.publisher, action)
    except PermissionDenied:
        raise NotFound(f"Webhook not found: {number}") from None
    return hook, hook.publisher


async def _audit(
    actor: Actor, action: str, hook: Webhook, publisher_id: str, conn: Any, **extra: Any
) -> None:
    """Audit a change to a hook, in the change's transaction: what it is subscribed as, and
    `extra`. The host only: a URL's path or query often carries the receiver's own secret (a
    Discord webhook URL does), and the audit log is read more widely than the hook."""
    await audit.record(
        actor,
        action,
        target_type="webhook",
        target_id=str(hook.id),
        publisher_id=publisher_id,
        details={
            "host": urlsplit(hook.url).hostname or "",
            "events": list(hook.events or []),
            "format": hook.format,
            **extra,
        },
        using_db=conn,
    )


# --- management -----------------------------------------------------------------------------


async def create_webhook(
    ctx: RegistryContext,
    actor: Actor,
    publisher: str,
    url: object,
    events: object,
    format: object = "json",
    description: object = "",
) -> CreatedWebhook:
    owner = await get_publisher(publisher)
    user_id = await require_owner(actor, owner, "manage webhooks")
    clean_url = validate_url(url, ctx.policy.outbound)
    chosen = validate_events(events)
    chosen_format = validate_format(format)
    text = validate_description(description)
    secret = new_secret()
    async with write_transaction() as conn:
        # Hooks of one publisher are created one at a time, so two cannot both pass the bound.
        await Publisher.select_for_update(no_key=True).using_db(conn).get(id=owner.id)
        if (
            await Webhook.filter(publisher_id=owner.id).using_db(conn).count()
            >= MAX_WEBHOOKS_PER_PUBLISHER
        ):
            raise QuotaExceeded(
                f"A publisher has at most {MAX_WEBHOOKS_PER_PUBLISHER} webhooks; delete one first"
            )
        hook = await Webhook.create(
            publisher_id=owner.id,
            url=clean_url,
            events=[str(e) for e in chosen],
            format=chosen_format,
            description=text,
            secret=secret,
            created_by=user_id,
            using_db=conn,
        )
        await _audit(actor, "webhook.create", hook, owner.id, conn)
    return CreatedWebhook(_view(hook, owner), secret)


async def list_webhooks(actor: Actor, publisher: str) -> list[WebhookView]:
    owner = await get_publisher(publisher)
    await require_owner(actor, owner, "manage webhooks")
    hooks = await Webhook.filter(publisher_id=owner.id).order_by("id")
    return [_view(hook, owner) for hook in hooks]


async def get_webhook(actor: Actor, webhook_id: object) -> WebhookView:
    hook, owner = await _owned_hook(actor, webhook_id, "manage webhooks")
    return _view(hook, owner)


async def update_webhook(
    ctx: RegistryContext,
    actor: Actor,
    webhook_id: object,
    *,
    url: object = None,
    events: object = None,
    format: object = None,
    description: object = None,
    active: bool | None = None,
) -> WebhookView:
    """Change what is given. Enabling a disabled hook starts its count of failures afresh;
    disabling one keeps its pending deliveries from being sent."""
    hook, owner = await _owned_hook(actor, webhook_id, "manage webhooks")
    changes: dict[str, Any] = {}
    if url is not None:
        changes["url"] = validate_url(url, ctx.policy.outbound)
    if events is not None:
        changes["events"] = [str(e) for e in validate_events(events)]
    if format is not None:
        changes["format"] = validate_format(format)
    if description is not None:
        changes["description"] = validate_description(description)
    if active is not None:
        if not isinstance(active, bool):
            raise InvalidInput("active must be true or false", field="active")
        if active and not hook.active:
            changes.update(
                active=True, disabled_reason="", disabled_at=None, consecutive_failures=0
            )
        elif not active and hook.active:
            changes.update(
                active=False,
                disabled_reason=f"Disabled by {actor.username or actor.user_id}",
                disabled_at=datetime.now(UTC),
            )
    changes = {k: v for k, v in changes.items() if getattr(hook, k) != v}
    if not changes:
        return _view(hook, owner)
    async with write_transaction() as conn:
        for field, value in changes.items():
            setattr(hook, field, value)
        await hook.save(using_db=conn, update_fields=[*changes, "updated_at"])
        if changes.get("active") is False:
            await (
                WebhookDelivery.filter(webhook_id=hook.id, state=DeliveryState.PENDING)
                .using_db(conn)
                .update(state=DeliveryState.CANCELLED, next_attempt_at=None)
            )
        await _audit(actor, "webhook.update", hook, owner.id, conn, fields=sorted(changes))
    return _view(hook, owner)


async def rotate_secret(actor: Actor, webhook_id: object) -> CreatedWebhook:
    """A new secret; deliveries from now on are signed with it (pending ones too)."""
    hook, owner = await _owned_hook(actor, webhook_id, "manage webhooks")
    secret = new_secret()
    async with write_transaction() as conn:
        hook.secret = secret
        await hook.save(using_db=conn, update_fields=["secret", "updated_at"])
        await _audit(actor, "webhook.rotate_secret", hook, owner.id, conn)
    return CreatedWebhook(_view(hook, owner), secret)


async def delete_webhook(actor: Actor, webhook_id: object) -> None:
    """The hook and its log; a delivery under way finishes, the rest are never sent."""
    hook, owner = await _owned_hook(actor, webhook_id, "manage webhooks")
    async with write_transaction() as conn:
        delivery_ids = WebhookDelivery.filter(webhook_id=hook.id).using_db(conn)
        ids = await delivery_ids.values_list("id", flat=True)
        await WebhookAttempt.filter(delivery_id__in=list(ids)).using_db(conn).delete()
        await WebhookDelivery.filter(webhook_id=hook.id).using_db(conn).delete()
        await Webhook.filter(id=hook.id).using_db(conn).delete()
        await _audit(actor, "webhook.delete", hook, owner.id, conn)


async def list_deliveries(
    actor: Actor, webhook_id: object, *, limit: int = 50, before: object = None
) -> list[DeliveryView]:
    """The hook's deliveries, newest first, `limit` (1..MAX_DELIVERIES_PAGE) at a time;
    `before` (a delivery id, as the caller gave it: `_before` parses it) pages on."""
    hook, _ = await _owned_hook(actor, webhook_id, "manage webhooks")
    if (
        isinstance(limit, bool)
        or not isinstance(limit, int)
        or not 1 <= limit <= MAX_DELIVERIES_PAGE
    ):
        raise InvalidInput(f"limit must be 1 to {MAX_DELIVERIES_PAGE}", field="limit")
    cursor = _before(before)
    query = WebhookDelivery.filter(webhook_id=hook.id)
    if cursor is not None:
        query = query.filter(id__lt=cursor)
    rows = await query.order_by("-id").limit(limit)
    attempts: dict[int, list[WebhookAttempt]] = {row.id: [] for row in rows}
    if rows:
        for attempt in await WebhookAttempt.filter(delivery_id__in=list(attempts)):
            attempts[attempt.delivery_id].append(attempt)
    return [_delivery_view(row, attempts[row.id]) for row in rows]


async def redeliver(
    ctx: RegistryContext, actor: Actor, webhook_id: object, delivery_id: object
) -> DeliveryView:
    """Send a finished delivery again: a new delivery with the same body (and so the same
    event id), signed afresh, `redelivery_of` naming the original."""
    hook, owner = await _owned_hook(actor, webhook_id, "manage webhooks")
    number = _id(delivery_id, "Delivery")
    original = await WebhookDelivery.get_or_none(id=number, webhook_id=hook.id)
    if original is None:
        raise NotFound(f"Delivery not found: {number}")
    if not hook.active:
        raise Conflict("This webhook is disabled; enable it before redelivering")
    if original.state == DeliveryState.PENDING:
        raise Conflict("This delivery is still being attempted")
    async with write_transaction() as conn:
        row = await WebhookDelivery.create(
            webhook_id=hook.id,
            event=original.event,
            body=original.body,
            state=DeliveryState.PENDING,
            next_attempt_at=datetime.now(UTC),
            redelivery_of=original.id,
            using_db=conn,
        )
        await _audit(
            actor,
            "webhook.redeliver",
            hook,
            owner.id,
            conn,
            delivery_id=row.id,
            redelivery_of=original.id,
            event=row.event,
        )
    await dispatch([row.id], ctx.jobs)
    return _delivery_view(row, [])
