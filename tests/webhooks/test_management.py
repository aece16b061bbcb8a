"""Managing hooks through the domain service (domain/services/webhooks.py) on both stacks:
who may, what is validated, the secret shown once, the audit trail, the log's paging and its
retention. (The REST and GraphQL adapters have their own tests: tests/webhooks/test_api_*.py.)"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from domain.actor import Actor
from domain.changes import write_transaction
from domain.enums import DeliveryState, WebhookEvent, WebhookFormat
from domain.exceptions import (
    Conflict,
    InvalidInput,
    NotAuthenticated,
    NotFound,
    PermissionDenied,
    QuotaExceeded,
)
from domain.models import AuditEvent, Webhook, WebhookAttempt, WebhookDelivery
from domain.services import webhook_outbox, webhooks
from domain.services.webhook_outbox import AttemptOutcome
from tests.fixtures.stack import Stack
from tests.helpers import make_publisher
from tests.webhooks.delivery_support import ADMIN, OTHER, OWNER, member, owner
from tests.webhooks.delivery_support import module_stack as module_stack

URL = "https://hooks.example.com/tb"


async def _hook(stack: Stack, **kwargs: object) -> webhooks.CreatedWebhook:
    await make_publisher(OWNER, "alpha")
    return await webhooks.create_webhook(
        stack.ctx, owner(), "alpha", URL, ["version.published", "version.yanked"], **kwargs
    )


async def test_an_owner_creates_reads_changes_rotates_and_deletes_a_hook(stack: Stack) -> None:
    created = await _hook(stack, format="discord", description=" team channel ")
    hook = created.webhook
    assert created.secret.startswith(webhooks.SECRET_PREFIX) and len(created.secret) > 40
    assert hook.events == [WebhookEvent.VERSION_PUBLISHED, WebhookEvent.VERSION_YANKED]
    assert hook.format == WebhookFormat.DISCORD and hook.description == "team channel"
    assert (hook.publisher_name, hook.active, hook.consecutive_failures) == ("alpha", True, 0)
    assert await webhooks.list_webhooks(owner(), "alpha") == [hook]
    assert await webhooks.get_webhook(owner(), str(hook.id)) == hook
    assert "secret" not in {f for f in webhooks.WebhookView.__dataclass_fields__}

    changed = await webhooks.update_webhook(
        stack.ctx, owner(), hook.id, events=["publisher.suspended"], format="json"
    )
    assert changed.events == [WebhookEvent.PUBLISHER_SUSPENDED]
    assert changed.format == WebhookFormat.JSON and changed.url == URL

    rotated = await webhooks.rotate_secret(owner(), hook.id)
    assert rotated.secret != created.secret
    assert (await Webhook.get(id=hook.id)).secret == rotated.secret

    await webhooks.delete_webhook(owner(), hook.id)
    assert not await Webhook.exists()
    actions = await AuditEvent.filter(target_type="webhook").order_by("id")
    assert [e.action for e in actions] == [
        "webhook.create",
        "webhook.update",
        "webhook.rotate_secret",
        "webhook.delete",
    ]
    # The audit log names the host only: a hook URL's path often holds the receiver's secret.
    assert all(e.details["host"] == "hooks.example.com" for e in actions)
    assert all(URL not in str(e.details) for e in actions)


async def test_only_owners_and_admins_manage_hooks(stack: Stack) -> None:
    created = await _hook(stack)
    hook_id = created.webhook.id
    await make_publisher(OTHER, "beta")
    plain_member = Actor(user_id="plain", username="plain", publisher_ids=frozenset())
    token = Actor(user_id=OWNER, scopes=("publish-update", "yank"))

    # Anonymous: not authenticated; an API token: refused (a session is needed).
    with pytest.raises(NotAuthenticated):
        await webhooks.list_webhooks(Actor(), "alpha")
    for actor in (token,):
        with pytest.raises(PermissionDenied, match="API tokens"):
            await webhooks.get_webhook(actor, hook_id)
        with pytest.raises(PermissionDenied, match="API tokens"):
            await webhooks.create_webhook(stack.ctx, actor, "alpha", URL, ["version.yanked"])
    # Someone else's publisher: refused by name; someone else's hook: not found (no probing).
    for stranger in (owner(OTHER), plain_member):
        with pytest.raises(PermissionDenied):
            await webhooks.list_webhooks(stranger, "alpha")
        with pytest.raises(PermissionDenied):
            await webhooks.create_webhook(stack.ctx, stranger, "alpha", URL, ["version.yanked"])
        with pytest.raises(NotFound):
            await webhooks.get_webhook(stranger, hook_id)
        with pytest.raises(NotFound):
            await webhooks.update_webhook(stack.ctx, stranger, hook_id, active=False)
        with pytest.raises(NotFound):
            await webhooks.rotate_secret(stranger, hook_id)
        with pytest.raises(NotFound):
            await webhooks.delete_webhook(stranger, hook_id)
        with pytest.raises(NotFound):
            await webhooks.list_deliveries(stranger, hook_id)
        with pytest.raises(NotFound):
            await webhooks.redeliver(stack.ctx, stranger, hook_id, 1)
    for missing in (hook_id + 1, "x", -1, True, None, "9" * 40, 2**70):
        with pytest.raises(NotFound):
            await webhooks.get_webhook(owner(), missing)
    # A site admin manages any publisher's hooks.
    assert [h.id for h in await webhooks.list_webhooks(ADMIN, "alpha")] == [hook_id]
    assert (await webhooks.update_webhook(stack.ctx, ADMIN, hook_id, active=False)).active is False
    assert (await Webhook.get(id=hook_id)).secret == created.secret


@pytest.mark.parametrize(
    ("url", "message"),
    [
        ("", "Give the URL"),
        (42, "Give the URL"),
        ("ftp://example.com/x", "https://"),
        ("https://user:pw@example.com/x", "credentials"),
        ("https:///nohost", "no host"),
        ("https://example.com:99999/", "malformed"),
        ("https://exa mple.com/", "whitespace"),
        ("https://example.com/\x00", "control character"),
        ("https://example.com/" + "a" * 2048, "longer than 2048"),
        ("http://127.0.0.1:8080/", None),  # allowed: the tests' allow-list has loopback
        ("http://192.168.1.10/", "may not be reached"),
        ("http://[fd00::1]/", "may not be reached"),
        ("http://[::ffff:10.0.0.1]/", "may not be reached"),
    ],
)
async def test_hook_urls_are_checked(stack: Stack, url: object, message: str | None) -> None:
    await make_publisher(OWNER, "alpha")
    if message is None:
        await webhooks.create_webhook(stack.ctx, owner(), "alpha", url, ["version.yanked"])
        return
    with pytest.raises(InvalidInput, match=message) as refused:
        await webhooks.create_webhook(stack.ctx, owner(), "alpha", url, ["version.yanked"])
    assert refused.value.field == "url"


async def test_events_format_and_description_are_checked(stack: Stack) -> None:
    await make_publisher(OWNER, "alpha")

    async def create(**fields: object) -> object:
        arguments: dict[str, object] = {"events": ["version.yanked"], **fields}
        return await webhooks.create_webhook(
            stack.ctx,
            owner(),
            "alpha",
            URL,
            arguments.pop("events"),
            **arguments,  # type: ignore[arg-type]
        )

    for events in ([], "version.yanked", ["version.nope"], [1], ["version.yanked"] * 100, None):
        with pytest.raises(InvalidInput) as refused:
            await create(events=events)
        assert refused.value.field == "events"
    with pytest.raises(InvalidInput, match="format"):
        await create(format="slack")
    with pytest.raises(InvalidInput, match="description"):
        await create(description="x" * 201)
    with pytest.raises(InvalidInput, match="description"):
        await create(description="a\nb")
    created = await create(events=["version.yanked", "version.published", "version.yanked"])
    assert isinstance(created, webhooks.CreatedWebhook)
    assert created.webhook.events == [WebhookEvent.VERSION_PUBLISHED, WebhookEvent.VERSION_YANKED]


async def test_a_publisher_has_a_bounded_number_of_hooks(stack: Stack) -> None:
    await make_publisher(OWNER, "alpha")
    for _ in range(webhooks.MAX_WEBHOOKS_PER_PUBLISHER):
        await webhooks.create_webhook(stack.ctx, owner(), "alpha", URL, ["version.yanked"])
    with pytest.raises(QuotaExceeded):
        await webhooks.create_webhook(stack.ctx, owner(), "alpha", URL, ["version.yanked"])


@pytest.fixture
def held_queue(stack: Stack, monkeypatch: pytest.MonkeyPatch) -> None:
    """The queue takes no deliveries: the test attempts them itself."""

    async def held(*args: object, **kwargs: object) -> None:
        return None

    monkeypatch.setattr(stack.ctx.jobs, "enqueue", held)


async def _failed_delivery(stack: Stack, hook_id: int, publisher_id: str) -> int:
    """A delivery whose one attempt failed for good."""
    async with write_transaction() as conn:
        (delivery_id,) = await webhook_outbox.emit(
            WebhookEvent.VERSION_YANKED, publisher_id, using_db=conn
        )
    config = stack.ctx.policy.webhooks
    claimed = await webhook_outbox.claim(delivery_id, config)
    assert isinstance(claimed, webhook_outbox.Claimed)
    await webhook_outbox.record_attempt(
        claimed, AttemptOutcome(None, 3, "Refused: private", final=True), config
    )
    return delivery_id


async def test_the_delivery_log_pages_newest_first(stack: Stack, held_queue: None) -> None:
    created = await _hook(stack)
    hook = created.webhook

    ids = [await _failed_delivery(stack, hook.id, hook.publisher_id) for _ in range(5)]
    page = await webhooks.list_deliveries(owner(), hook.id, limit=2)
    assert [d.id for d in page] == ids[:-3:-1]
    older = await webhooks.list_deliveries(owner(), hook.id, limit=50, before=page[-1].id)
    assert [d.id for d in older] == ids[2::-1]
    first = older[-1]
    assert (first.event, first.state, first.attempts) == (
        WebhookEvent.VERSION_YANKED,
        DeliveryState.FAILED,
        1,
    )
    assert first.next_attempt_at is None and first.last_error == "Refused: private"
    (attempt,) = first.attempt_log
    assert (attempt.attempt, attempt.status_code, attempt.duration_ms) == (1, None, 3)
    for limit in (0, 101, "5", True):
        with pytest.raises(InvalidInput):
            await webhooks.list_deliveries(owner(), hook.id, limit=limit)  # type: ignore[arg-type]
    # The cursor is parsed here, one rule for REST's text and GraphQL's Int: a delivery id,
    # which need not still exist; anything else is the caller's mistake on field "before".
    for cursor in (0, -1, True, "0", "-1", "x", "1.5", "²", "9" * 19, 2**63):
        with pytest.raises(InvalidInput) as refused:
            await webhooks.list_deliveries(owner(), hook.id, before=cursor)
        assert refused.value.field == "before", cursor
    for absent in (None, ""):
        assert len(await webhooks.list_deliveries(owner(), hook.id, before=absent)) == 5
    assert [d.id for d in await webhooks.list_deliveries(owner(), hook.id, before=str(ids[1]))] == [
        ids[0]
    ]
    assert await webhooks.list_deliveries(owner(), hook.id, before=1) == []

    # Redelivery: only of a finished delivery of this hook, while the hook is enabled.
    again = await webhooks.redeliver(stack.ctx, owner(), hook.id, ids[0])
    assert again.state == DeliveryState.PENDING and again.redelivery_of == ids[0]
    with pytest.raises(Conflict, match="still being attempted"):
        await webhooks.redeliver(stack.ctx, owner(), hook.id, again.id)
    with pytest.raises(NotFound):
        await webhooks.redeliver(stack.ctx, owner(), hook.id, 10_000)
    await webhooks.update_webhook(stack.ctx, owner(), hook.id, active=False)
    with pytest.raises(Conflict, match="disabled"):
        await webhooks.redeliver(stack.ctx, owner(), hook.id, ids[1])
    # Disabling cancelled the pending redelivery.
    assert (await WebhookDelivery.get(id=again.id)).state == DeliveryState.CANCELLED


async def test_the_log_keeps_finished_deliveries_for_the_retention_days(
    stack: Stack, held_queue: None
) -> None:
    created = await _hook(stack)
    hook = created.webhook

    old, recent = [await _failed_delivery(stack, hook.id, hook.publisher_id) for _ in range(2)]
    async with write_transaction() as conn:
        (pending,) = await webhook_outbox.emit(
            WebhookEvent.VERSION_YANKED, hook.publisher_id, using_db=conn
        )
    long_ago = datetime.now(UTC) - timedelta(days=31)
    await WebhookDelivery.filter(id__in=[old, pending]).update(created_at=long_ago)

    assert await webhook_outbox.prune_log(30) == 1
    assert set(await WebhookDelivery.all().values_list("id", flat=True)) == {recent, pending}
    assert not await WebhookAttempt.filter(delivery_id=old).exists()
    assert await webhook_outbox.prune_log(30) == 0


async def test_deleting_a_hook_deletes_its_log(stack: Stack, held_queue: None) -> None:
    created = await _hook(stack)

    await _failed_delivery(stack, created.webhook.id, created.webhook.publisher_id)
    await webhooks.delete_webhook(await member(), created.webhook.id)
    assert not await WebhookDelivery.exists() and not await WebhookAttempt.exists()
