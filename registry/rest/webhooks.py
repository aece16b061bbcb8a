"""Webhook management routes (issue 18 part 1; not in REST_CONTRACT): a publisher's owners
register HTTPS endpoints that the registry calls on its events, read each hook's delivery log
and redeliver one. The rules (who may, which URLs, the secret, the disable policy) are
domain/services/webhooks.py's; this module only decodes and encodes.

The signing secret is in exactly two answers, creating a hook and rotating its secret; no
other answer carries it. Every answer here is one owner's business: `Cache-Control: no-store`
keeps them out of every cache, the browser's too."""

from __future__ import annotations

from typing import Annotated, Any

import msgspec
from msgspec import Meta
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from domain.enums import DeliveryState, WebhookEvent, WebhookFormat
from domain.services import webhooks
from domain.services.webhook_outbox import DISABLED_REASON_DESCRIPTION, FAILURES_DESCRIPTION
from registry.auth import required_actor
from registry.rest.encode import ShapeResponse
from registry.rest.params import decode_body, query_int
from registry.rest.serializers import iso
from registry.rest.shapes import Body, MaybeTimestamp, Shape, Slug, Text, Timestamp

SECRET_WARNING = "Store this secret now: it is shown only once"
NO_STORE = {"Cache-Control": "no-store"}

Url = Annotated[
    str,
    Meta(
        max_length=webhooks.URL_MAX_LENGTH,
        description="The http(s) endpoint the registry POSTs events to (no credentials in it)",
    ),
]
Events = Annotated[list[WebhookEvent], Meta(min_length=1, description="The events to deliver")]
Description = Annotated[
    str, Meta(max_length=webhooks.DESCRIPTION_MAX_LENGTH, description="A note for the owners")
]


class CreateWebhook(Body):
    """A new hook for the publisher in the path."""

    url: Url
    events: Events
    format: WebhookFormat = WebhookFormat.JSON
    description: Description = ""


class UpdateWebhook(Body):
    """Only the keys present (and not null) change."""

    url: Url | None = None
    events: Events | None = None
    format: WebhookFormat | None = None
    description: Description | None = None
    active: Annotated[
        bool | None,
        Meta(description="false disables the hook; true enables it again (failures reset)"),
    ] = None


class Webhook(Shape):
    id: int
    publisher_id: str
    publisher_name: Slug
    url: str
    events: list[WebhookEvent]
    format: WebhookFormat
    description: Text
    active: bool
    disabled_reason: Annotated[str, Meta(description=DISABLED_REASON_DESCRIPTION)]
    disabled_at: MaybeTimestamp
    consecutive_failures: Annotated[int, Meta(description=FAILURES_DESCRIPTION)]
    created_at: Timestamp
    updated_at: Timestamp


class WebhookCreated(Webhook):
    """The hook with its signing secret: the only answers that carry it (create, rotate)."""

    secret: Annotated[str, Meta(description="HMAC-SHA256 key of X-TB-Signature, shown once")]
    warning: str


class WebhookList(Shape):
    webhooks: list[Webhook]


class Attempt(Shape):
    attempt: Annotated[int, Meta(description="1 for the first try")]
    at: Timestamp
    status_code: Annotated[int | None, Meta(description="null: no HTTP answer")]
    duration_ms: int
    error: Text


class Delivery(Shape):
    id: int
    webhook_id: int
    event: WebhookEvent
    state: DeliveryState
    attempts: int
    created_at: Timestamp
    next_attempt_at: MaybeTimestamp
    last_status_code: int | None
    last_duration_ms: int | None
    last_error: Text
    redelivery_of: Annotated[int | None, Meta(description="The delivery this one repeats")]
    attempt_log: list[Attempt]


class DeliveryList(Shape):
    deliveries: list[Delivery]


def _arguments(body: CreateWebhook | UpdateWebhook) -> dict[str, Any]:
    """A body's keys are the service's arguments by name (create's and update's alike)."""
    return msgspec.structs.asdict(body)


def _fields(hook: webhooks.WebhookView) -> dict[str, Any]:
    return {
        "id": hook.id,
        "publisher_id": hook.publisher_id,
        "publisher_name": hook.publisher_name,
        "url": hook.url,
        "events": list(hook.events),
        "format": hook.format,
        "description": hook.description,
        "active": hook.active,
        "disabled_reason": hook.disabled_reason,
        "disabled_at": iso(hook.disabled_at),
        "consecutive_failures": hook.consecutive_failures,
        "created_at": iso(hook.created_at),
        "updated_at": iso(hook.updated_at),
    }


def _json(hook: webhooks.WebhookView) -> Webhook:
    return Webhook(**_fields(hook))


def _with_secret(created: webhooks.CreatedWebhook, status_code: int) -> Response:
    return ShapeResponse(
        WebhookCreated(
            **_fields(created.webhook),
            secret=created.secret,
            warning=SECRET_WARNING,
        ),
        status_code=status_code,
        headers=NO_STORE,
    )


def _delivery(delivery: webhooks.DeliveryView) -> Delivery:
    return Delivery(
        id=delivery.id,
        webhook_id=delivery.webhook_id,
        event=delivery.event,
        state=delivery.state,
        attempts=delivery.attempts,
        created_at=iso(delivery.created_at),
        next_attempt_at=iso(delivery.next_attempt_at),
        last_status_code=delivery.last_status_code,
        last_duration_ms=delivery.last_duration_ms,
        last_error=delivery.last_error,
        redelivery_of=delivery.redelivery_of,
        attempt_log=[
            Attempt(
                attempt=a.attempt,
                at=iso(a.at),
                status_code=a.status_code,
                duration_ms=a.duration_ms,
                error=a.error,
            )
            for a in delivery.attempt_log
        ],
    )


async def create_webhook(request: Request) -> Response:
    actor = await required_actor(request)
    body = await decode_body(request, CreateWebhook)
    created = await webhooks.create_webhook(
        request.app.state.runtime.ctx, actor, request.path_params["name"], **_arguments(body)
    )
    return _with_secret(created, 201)


async def list_webhooks(request: Request) -> Response:
    actor = await required_actor(request)
    hooks = await webhooks.list_webhooks(actor, request.path_params["name"])
    return ShapeResponse(WebhookList(webhooks=[_json(hook) for hook in hooks]), headers=NO_STORE)


async def get_webhook(request: Request) -> Response:
    actor = await required_actor(request)
    hook = await webhooks.get_webhook(actor, request.path_params["id"])
    return ShapeResponse(_json(hook), headers=NO_STORE)


async def update_webhook(request: Request) -> Response:
    actor = await required_actor(request)
    body = await decode_body(request, UpdateWebhook)
    hook = await webhooks.update_webhook(
        request.app.state.runtime.ctx, actor, request.path_params["id"], **_arguments(body)
    )
    return ShapeResponse(_json(hook), headers=NO_STORE)


async def delete_webhook(request: Request) -> Response:
    actor = await required_actor(request)
    await webhooks.delete_webhook(actor, request.path_params["id"])
    return Response(status_code=204)


async def rotate_secret(request: Request) -> Response:
    actor = await required_actor(request)
    return _with_secret(await webhooks.rotate_secret(actor, request.path_params["id"]), 200)


async def list_deliveries(request: Request) -> Response:
    actor = await required_actor(request)
    # The log is read newest first, a page at a time (`before`: the last id seen).
    limit = query_int(
        request,
        "limit",
        webhooks.DEFAULT_DELIVERIES_PAGE,
        maximum=webhooks.MAX_DELIVERIES_PAGE,
        clamp=True,
    )
    # `before` as given: the service parses the cursor (one rule for REST and GraphQL).
    before = request.query_params.get("before")
    rows = await webhooks.list_deliveries(
        actor, request.path_params["id"], limit=limit, before=before
    )
    deliveries = DeliveryList(deliveries=[_delivery(row) for row in rows])
    return ShapeResponse(deliveries, headers=NO_STORE)


async def redeliver(request: Request) -> Response:
    actor = await required_actor(request)
    delivery = await webhooks.redeliver(
        request.app.state.runtime.ctx,
        actor,
        request.path_params["id"],
        request.path_params["delivery_id"],
    )
    return ShapeResponse(_delivery(delivery), status_code=202, headers=NO_STORE)


routes = [
    Route("/publishers/{name}/webhooks", list_webhooks, methods=["GET"]),
    Route("/publishers/{name}/webhooks", create_webhook, methods=["POST"]),
    Route("/webhooks/{id}", get_webhook, methods=["GET"]),
    Route("/webhooks/{id}", update_webhook, methods=["PATCH"]),
    Route("/webhooks/{id}", delete_webhook, methods=["DELETE"]),
    Route("/webhooks/{id}/secret", rotate_secret, methods=["POST"]),
    Route("/webhooks/{id}/deliveries", list_deliveries, methods=["GET"]),
    Route("/webhooks/{id}/deliveries/{delivery_id}/redeliver", redeliver, methods=["POST"]),
]
