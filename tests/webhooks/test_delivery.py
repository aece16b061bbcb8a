"""Webhook delivery end to end on both stacks: each event reaches a loopback receiver signed
with the hook's secret; a failing receiver is retried with growing gaps until the hook is
disabled; a host that resolves to a private address is refused before any connection;
redelivery sends the same body again; the sweep re-queues a delivery whose job was lost."""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from typing import Any

import httpcore
import pytest

from domain.changes import write_transaction
from domain.commands import PackageUpdate
from domain.enums import DeliveryState, WebhookEvent
from domain.exceptions import InvalidInput
from domain.models import (
    AuditEvent,
    PackageVersion,
    Publisher,
    VerificationRequest,
    Webhook,
    WebhookDelivery,
)
from domain.services import (
    package_transfers,
    packages,
    pending_work,
    publishers,
    quarantine,
    verification,
    versions,
    webhook_outbox,
    webhooks,
)
from domain.webhook_signing import sign, verify
from tests.fixtures.stack import Stack
from tests.helpers import make_publisher, upload_version
from tests.pipeline.support import attacks, benign_mod, make_owner_package
from tests.scanning.helpers import MOD
from tests.webhooks.delivery_support import (
    ADMIN,
    OTHER,
    OWNER,
    PUBLIC_BASE_URL,
    RETRY_BASE,
    RETRY_MAX,
    hooked_publisher,
    member,
    owner,
    settled,
)
from tests.webhooks.delivery_support import module_stack as module_stack
from tests.webhooks.receiver import Received, receiver
from workers import webhooks as webhook_jobs
from workers.outbound import GuardedTransport

VERIFIED = WebhookEvent.PUBLISHER_VERIFIED


def _signed_by(secret: str, request: Received) -> bool:
    return verify(secret, request.headers["x-tb-signature"], request.body, time.time())


async def _publish(stack: Stack, version: str) -> PackageVersion:
    response = await upload_version(stack.client, OWNER, MOD, version, benign_mod())
    assert response.status_code == 201, response.text
    await stack.drain_jobs()
    row = await PackageVersion.get(version=version).prefetch_related("package")
    assert row.status == "published"
    return row


async def test_each_event_reaches_the_receiver_signed(stack: Stack) -> None:
    async with receiver() as hook_receiver:
        created = await hooked_publisher(stack, hook_receiver.url)
        await make_owner_package(stack.client, user_id=OWNER)
        await make_publisher(OTHER, "beta")
        actor = await member()

        row = await _publish(stack, "1.0.0")  # version.published (by the scan job)
        await versions.set_yanked(actor, MOD, "1.0.0", True, "broken build")
        async with write_transaction() as conn:
            await quarantine.hold_published(ADMIN, row.package, row, {"by": "test"}, using_db=conn)
        await packages.update_package(
            actor,
            MOD,
            PackageUpdate(status="deprecated", deprecation_message="use Other"),
            catalog=stack.ctx.policy.categories,
        )
        offer = await package_transfers.request_transfer(actor, MOD, "beta")
        await package_transfers.accept_transfer(await member(OTHER), offer.id)
        await publishers.admin_verify(ADMIN, "alpha", "looks right")
        await publishers.admin_suspend(ADMIN, "alpha", "abuse")

        received = await hook_receiver.wait_for(len(WebhookEvent))
        await settled(stack)
    assert sorted(r.headers["x-tb-event"] for r in received) == sorted(WebhookEvent)
    by_event: dict[str, dict[str, Any]] = {}
    for request in received:
        assert request.method == "POST" and request.path == "/hook"
        assert request.headers["content-type"] == "application/json"
        assert request.headers["user-agent"] == webhook_jobs.USER_AGENT
        assert _signed_by(created.secret, request)
        document = json.loads(request.body)
        assert document["event"] == request.headers["x-tb-event"]
        assert document["publisher"]["name"] == "alpha" or document["event"].startswith("package.")
        by_event[document["event"]] = document
        # A changed body, another secret or an old signature fails the check.
        header = request.headers["x-tb-signature"]
        assert not verify(created.secret, header, request.body + b" ", time.time())
        assert not verify("tbwhsec_other", header, request.body, time.time())
        assert not verify(created.secret, header, request.body, time.time() + 301)

    published = by_event["version.published"]
    assert published["package"]["name"] == MOD
    assert published["package"]["url"] == f"{PUBLIC_BASE_URL}/packages/{MOD}"
    assert published["version"]["version"] == "1.0.0"
    assert published["version"]["status"] == "published"
    assert by_event["version.yanked"]["details"] == {"reason": "broken build"}
    assert by_event["version.quarantined"]["version"]["status"] == "quarantined"
    assert by_event["package.deprecated"]["details"]["message"] == "use Other"
    transferred = by_event["package.transferred"]
    assert transferred["details"]["from_publisher"]["name"] == "alpha"
    assert transferred["details"]["to_publisher"]["name"] == "beta"
    assert by_event["publisher.suspended"]["publisher"]["verification_status"] == "suspended"
    deliveries = await WebhookDelivery.filter(webhook_id=created.webhook.id)
    assert {d.state for d in deliveries} == {DeliveryState.SUCCEEDED}
    assert all(d.attempts == 1 and d.last_status_code == 204 for d in deliveries)


async def test_a_transfer_reaches_both_publishers_hooks(stack: Stack) -> None:
    async with receiver() as giving, receiver() as taking:
        await hooked_publisher(stack, giving.url, [WebhookEvent.PACKAGE_TRANSFERRED])
        await hooked_publisher(
            stack, taking.url, [WebhookEvent.PACKAGE_TRANSFERRED], slug="beta", user_id=OTHER
        )
        await make_owner_package(stack.client, user_id=OWNER)
        offer = await package_transfers.request_transfer(await member(), MOD, "beta")
        await package_transfers.accept_transfer(await member(OTHER), offer.id)
        (gave,) = await giving.wait_for(1)
        (took,) = await taking.wait_for(1)
    assert json.loads(gave.body)["id"] == json.loads(took.body)["id"]  # one event


async def test_a_discord_hook_gets_a_discord_message(stack: Stack) -> None:
    async with receiver() as hook_receiver:
        created = await hooked_publisher(
            stack, hook_receiver.url, [WebhookEvent.PUBLISHER_VERIFIED], format="discord"
        )
        await publishers.admin_verify(ADMIN, "alpha", "ok")
        (request,) = await hook_receiver.wait_for(1)
    assert _signed_by(created.secret, request)
    message = json.loads(request.body)
    assert message["username"] == "TB Registry"
    assert message["content"] == "Publisher alpha was verified"
    (embed,) = message["embeds"]
    assert embed["title"] == "Publisher alpha was verified" and embed["color"]
    assert {"name": "Publisher", "value": "alpha", "inline": True} in embed["fields"]
    assert message["allowed_mentions"] == {"parse": []}


async def test_unsubscribed_and_disabled_hooks_get_nothing(stack: Stack) -> None:
    async with receiver() as hook_receiver:
        created = await hooked_publisher(stack, hook_receiver.url, [WebhookEvent.VERSION_YANKED])
        await publishers.admin_verify(ADMIN, "alpha")  # not subscribed
        await webhooks.update_webhook(stack.ctx, owner(), created.webhook.id, active=False)
        await make_owner_package(stack.client, user_id=OWNER)
        await _publish(stack, "1.0.0")
        await versions.set_yanked(await member(), MOD, "1.0.0", True)  # the hook is disabled
        await asyncio.sleep(0.2)
        assert hook_receiver.requests == []
    assert not await WebhookDelivery.exists()


async def test_a_failing_receiver_is_retried_with_growing_gaps_then_disabled(
    stack: Stack,
) -> None:
    async with receiver(status_for=lambda n: 500) as hook_receiver:
        created = await hooked_publisher(
            stack, hook_receiver.url, [WebhookEvent.PUBLISHER_VERIFIED]
        )
        await publishers.admin_verify(ADMIN, "alpha")
        received = await hook_receiver.wait_for(20, timeout=30)
        await asyncio.sleep(RETRY_MAX * 3)
        assert len(hook_receiver.requests) == 20  # nothing after the hook was disabled
    gaps = [b.at - a.at for a, b in zip(received, received[1:], strict=False)]
    # Each wait doubles from RETRY_BASE until it reaches RETRY_MAX (a little slack for timers).
    for attempt, gap in enumerate(gaps[:3], start=1):
        assert gap >= RETRY_BASE * 2 ** (attempt - 1) * 0.9
    assert gaps[0] < gaps[2]
    assert all(gap >= RETRY_MAX * 0.9 for gap in gaps[4:])
    hook = await webhooks.get_webhook(owner(), created.webhook.id)
    assert not hook.active and hook.consecutive_failures == 20
    # One delivery's 20 attempts disabled it: the reason counts attempts, not deliveries.
    assert hook.disabled_reason.startswith("Disabled after 20 failed delivery attempts in a row")
    assert "HTTP 500" in hook.disabled_reason and hook.disabled_at is not None
    (delivery,) = await webhooks.list_deliveries(owner(), created.webhook.id)
    assert delivery.state == DeliveryState.FAILED and delivery.attempts == 20
    assert [a.attempt for a in delivery.attempt_log] == list(range(1, 21))
    assert {a.status_code for a in delivery.attempt_log} == {500}
    assert await AuditEvent.exists(action="webhook.disable", target_id=str(created.webhook.id))

    # Enabled again, its count starts afresh and a new event is delivered.
    async with receiver() as fixed:
        await webhooks.update_webhook(
            stack.ctx, owner(), created.webhook.id, url=fixed.url, active=True
        )
        await publishers.admin_verify(ADMIN, "alpha")
        await fixed.wait_for(1)
    hook = await webhooks.get_webhook(owner(), created.webhook.id)
    assert hook.active and hook.consecutive_failures == 0 and hook.disabled_reason == ""


async def test_a_delivery_that_succeeds_on_a_retry_resets_the_failures(stack: Stack) -> None:
    async with receiver(status_for=lambda n: 503 if n < 2 else 200) as hook_receiver:
        created = await hooked_publisher(
            stack, hook_receiver.url, [WebhookEvent.PUBLISHER_VERIFIED]
        )
        await publishers.admin_verify(ADMIN, "alpha")
        await hook_receiver.wait_for(3)
        await settled(stack)
    # The same bytes every time: retries resend the stored body.
    assert len({r.body for r in hook_receiver.requests}) == 1
    (delivery,) = await webhooks.list_deliveries(owner(), created.webhook.id)
    assert delivery.state == DeliveryState.SUCCEEDED and delivery.attempts == 3
    assert [a.status_code for a in delivery.attempt_log] == [503, 503, 200]
    assert (await Webhook.get(id=created.webhook.id)).consecutive_failures == 0


class _RecordingNetwork(httpcore.AsyncNetworkBackend):
    """A network backend that only records connection attempts (and never connects)."""

    def __init__(self) -> None:
        self.connects: list[tuple[str, int]] = []

    async def connect_tcp(self, host: str, port: int, *args: Any, **kwargs: Any) -> Any:
        self.connects.append((host, port))
        raise httpcore.ConnectError("no connections in this test")

    async def sleep(self, seconds: float) -> None:
        await asyncio.sleep(seconds)


async def test_a_host_resolving_to_a_private_address_is_refused_before_connecting(
    stack: Stack, monkeypatch: pytest.MonkeyPatch
) -> None:
    network = _RecordingNetwork()
    asked: list[str] = []

    async def resolve(host: str, port: int) -> list[str]:
        asked.append(host)
        return ["10.1.2.3"]  # an internal address, though the name looks public

    monkeypatch.setattr(
        webhook_jobs,
        "transport_for",
        lambda rules: GuardedTransport(rules, resolve=resolve, network=network),
    )
    created = await hooked_publisher(
        stack, "https://hooks.example.com/in", [WebhookEvent.PUBLISHER_VERIFIED]
    )
    await publishers.admin_verify(ADMIN, "alpha")
    await settled(stack)
    (delivery,) = await webhooks.list_deliveries(owner(), created.webhook.id)
    assert asked == ["hooks.example.com"] and network.connects == []
    # Refused is final: one attempt, not retried, with the reason in the log.
    assert delivery.state == DeliveryState.FAILED and delivery.attempts == 1
    (attempt,) = delivery.attempt_log
    assert attempt.status_code is None
    assert "10.1.2.3" in attempt.error and "private" in attempt.error


async def test_a_private_ip_literal_is_refused_when_the_hook_is_made(stack: Stack) -> None:
    await make_publisher(OWNER, "alpha")
    for url in ("http://10.0.0.1/hook", "http://169.254.169.254/latest", "http://[::1]:8080/"):
        with pytest.raises(InvalidInput, match="may not be reached"):
            await webhooks.create_webhook(stack.ctx, owner(), "alpha", url, ["version.published"])
    assert not await Webhook.exists()


async def test_redelivery_sends_the_same_body_as_a_new_delivery(stack: Stack) -> None:
    async with receiver() as hook_receiver:
        created = await hooked_publisher(
            stack, hook_receiver.url, [WebhookEvent.PUBLISHER_VERIFIED]
        )
        await publishers.admin_verify(ADMIN, "alpha")
        (first,) = await hook_receiver.wait_for(1)
        await settled(stack)
        (original,) = await webhooks.list_deliveries(owner(), created.webhook.id)
        again = await webhooks.redeliver(stack.ctx, owner(), created.webhook.id, original.id)
        assert again.redelivery_of == original.id and again.id != original.id
        _, second = await hook_receiver.wait_for(2)
        await settled(stack)
    assert second.body == first.body
    assert second.headers["x-tb-delivery"] == str(again.id) != first.headers["x-tb-delivery"]
    assert _signed_by(created.secret, second)
    newest, oldest = await webhooks.list_deliveries(owner(), created.webhook.id)
    assert (newest.id, newest.state, newest.redelivery_of) == (
        again.id,
        DeliveryState.SUCCEEDED,
        original.id,
    )
    assert oldest.id == original.id
    assert await AuditEvent.exists(action="webhook.redeliver")


async def test_the_sweep_requeues_a_delivery_whose_job_was_lost(
    stack: Stack, monkeypatch: pytest.MonkeyPatch
) -> None:
    async with receiver() as hook_receiver:
        created = await hooked_publisher(
            stack, hook_receiver.url, [WebhookEvent.PUBLISHER_VERIFIED]
        )

        async def lost(*args: object, **kwargs: object) -> None:
            return None  # the queue "accepts" the job and loses it

        with monkeypatch.context() as patch:
            patch.setattr(stack.ctx.jobs, "enqueue", lost)
            await publishers.admin_verify(ADMIN, "alpha")
            await asyncio.sleep(0.2)
        assert hook_receiver.requests == []
        (pending,) = await WebhookDelivery.filter(webhook_id=created.webhook.id)
        assert pending.state == DeliveryState.PENDING

        counts = await pending_work.requeue_pending(stack.ctx)
        assert counts.webhook_deliveries == 1
        (request,) = await hook_receiver.wait_for(1)
        await settled(stack)
        assert _signed_by(created.secret, request)
        # Done: the next sweep finds nothing to queue.
        assert (await pending_work.requeue_pending(stack.ctx)).webhook_deliveries == 0
    assert (await WebhookDelivery.get(id=pending.id)).state == DeliveryState.SUCCEEDED


async def test_a_second_run_of_the_job_sends_nothing(
    stack: Stack, monkeypatch: pytest.MonkeyPatch
) -> None:
    """arq may run a job twice: the claim lets one run send."""
    async with receiver() as hook_receiver:
        created = await hooked_publisher(stack, hook_receiver.url, [VERIFIED])

        async def held(*args: object, **kwargs: object) -> None:
            return None  # only the two runs below send

        monkeypatch.setattr(stack.ctx.jobs, "enqueue", held)
        async with write_transaction() as conn:
            (delivery_id,) = await webhook_outbox.emit(
                VERIFIED, created.webhook.publisher_id, using_db=conn
            )
        job_ctx = {"registry": stack.ctx}
        results = await asyncio.gather(
            webhook_jobs.deliver_webhook(job_ctx, delivery_id),
            webhook_jobs.deliver_webhook(job_ctx, delivery_id),
        )
        assert sorted(results, key=str) == [None, "succeeded"]
        assert len(hook_receiver.requests) == 1


def test_the_signature_is_what_the_docs_say() -> None:
    body = b'{"event":"version.published"}'
    header = sign("tbwhsec_s", 1_700_000_000, body)
    assert header.startswith("t=1700000000,v1=") and len(header.split("v1=")[1]) == 64
    assert verify("tbwhsec_s", header, body, 1_700_000_100)
    assert not verify("tbwhsec_s", header, body, 1_700_000_301)
    assert not verify("tbwhsec_s", "t=1700000000", body, 1_700_000_000)
    assert not verify("tbwhsec_s", "garbage" * 500, body, 1_700_000_000)


@asynccontextmanager
async def _raw_server(answer: bytes, hold: float = 0.0) -> AsyncIterator[str]:
    """A loopback server that reads the request head, waits `hold` seconds, then writes
    `answer` (raw HTTP) and closes; yields its URL."""

    async def serve(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            await reader.readuntil(b"\r\n\r\n")
            await asyncio.sleep(hold)
            writer.write(answer)
            await writer.drain()
        except (ConnectionError, asyncio.IncompleteReadError):
            pass
        finally:
            writer.close()

    server = await asyncio.start_server(serve, "127.0.0.1", 0)
    try:
        yield f"http://127.0.0.1:{server.sockets[0].getsockname()[1]}/hook"
    finally:
        server.close()
        await server.wait_closed()


def _claimed(url: str) -> webhook_outbox.Claimed:
    return webhook_outbox.Claimed(1, 1, 1, url, "tbwhsec_s", "version.published", b"{}")


async def test_an_attempt_is_bounded_in_time_and_in_bytes_read(stack: Stack) -> None:
    config = replace(stack.ctx.policy.webhooks, timeout_seconds=0.3, response_limit_bytes=1024)
    transport = webhook_jobs.transport_for(stack.ctx.policy.outbound)
    # A receiver that never answers: a failed attempt once the timeout has passed.
    async with _raw_server(b"", hold=5) as url:
        outcome = await webhook_jobs.send(_claimed(url), config, transport)
    assert outcome.status_code is None and outcome.error == "Timed out after 0.3 seconds"
    assert 250 <= outcome.duration_ms < 2000 and not outcome.final
    # A huge answer: the status counts, only the first bytes are read.
    huge = b"HTTP/1.1 200 OK\r\ncontent-length: 50000000\r\n\r\n" + b"x" * 1_000_000
    async with _raw_server(huge) as url:
        started = time.monotonic()
        outcome = await webhook_jobs.send(_claimed(url), config, transport)
    assert outcome.succeeded and outcome.error == "" and time.monotonic() - started < 2
    # A redirect is not followed: a failed attempt naming the status.
    moved = b"HTTP/1.1 301 Moved\r\nlocation: http://10.0.0.1/\r\ncontent-length: 0\r\n\r\n"
    async with _raw_server(moved) as url:
        outcome = await webhook_jobs.send(_claimed(url), config, transport)
    assert (outcome.status_code, outcome.error) == (301, "HTTP 301")


async def test_a_long_backoff_is_left_to_the_sweep(
    stack: Stack, monkeypatch: pytest.MonkeyPatch
) -> None:
    """No runner holds a job for a backoff of hours: the job ends, and the sweep queues the
    delivery once it is due."""
    slow = replace(stack.ctx.policy.webhooks, retry_base_seconds=3600, retry_max_seconds=3600)
    job_ctx = {"registry": replace(stack.ctx, policy=replace(stack.ctx.policy, webhooks=slow))}
    async with receiver(status_for=lambda n: 500 if n == 0 else 204) as hook_receiver:
        created = await hooked_publisher(stack, hook_receiver.url, [VERIFIED])

        async def held(*args: object, **kwargs: object) -> None:
            return None  # this test runs the job itself

        monkeypatch.setattr(stack.ctx.jobs, "enqueue", held)
        async with write_transaction() as conn:
            (delivery_id,) = await webhook_outbox.emit(
                VERIFIED, created.webhook.publisher_id, using_db=conn
            )
        assert await webhook_jobs.deliver_webhook(job_ctx, delivery_id) == "retry due later"
        row = await WebhookDelivery.get(id=delivery_id)
        assert row.state == DeliveryState.PENDING and row.attempts == 1
        assert row.next_attempt_at is not None
        assert 3590 < (row.next_attempt_at - datetime.now(UTC)).total_seconds() <= 3600
        # Not due: neither the job nor the sweep sends it yet.
        assert await webhook_jobs.deliver_webhook(job_ctx, delivery_id) is None
        assert (await pending_work.requeue_pending(stack.ctx)).webhook_deliveries == 0
        # Due: the sweep queues it.
        await WebhookDelivery.filter(id=delivery_id).update(
            next_attempt_at=datetime.now(UTC) - timedelta(seconds=1)
        )
        monkeypatch.undo()
        assert (await pending_work.requeue_pending(stack.ctx)).webhook_deliveries == 1
        await hook_receiver.wait_for(2)
        await settled(stack)
    assert (await WebhookDelivery.get(id=delivery_id)).state == DeliveryState.SUCCEEDED


async def test_a_version_the_scan_quarantines_and_an_automatic_verification_are_sent(
    stack: Stack,
) -> None:
    """The other two paths of these events: the upload's scan (not an admin) quarantines, and
    the automatic proof check (not an admin) verifies."""
    events = [WebhookEvent.VERSION_QUARANTINED, WebhookEvent.PUBLISHER_VERIFIED]
    async with receiver() as hook_receiver:
        created = await hooked_publisher(stack, hook_receiver.url, events)
        await make_owner_package(stack.client, user_id=OWNER)
        attack = attacks()[0]
        response = await upload_version(stack.client, OWNER, MOD, "6.6.6", attack.data)
        assert response.status_code == 201, response.text
        (quarantined,) = await hook_receiver.wait_for(1)

        publisher = await Publisher.get(name="alpha")
        await Publisher.filter(id=publisher.id).update(verification_status="pending")
        request = await VerificationRequest.create(
            publisher_id=publisher.id, method="github", data={"username": "alpha-gh"}
        )
        target = verification.CheckTarget(
            request.id, publisher.id, "github", "alpha-gh", {"proof": "user_id"}
        )
        match = verification.Match("https://example.com/proof", "user_id")
        assert await verification.apply_check(target, verification.ProbeOutcome(), match)
        _, verified = await hook_receiver.wait_for(2)
        await settled(stack)
    document = json.loads(quarantined.body)
    assert document["event"] == "version.quarantined"
    assert document["version"]["version"] == "6.6.6"
    assert document["details"] == {"rule": attack.rule}
    assert _signed_by(created.secret, verified)
    document = json.loads(verified.body)
    assert document["event"] == "publisher.verified"
    assert document["details"] == {"method": "github", "subject": "alpha-gh"}
    assert document["publisher"]["verification_status"] == "verified"
