"""A webhook and its delivery log as GraphQL shows them (domain/services/webhooks.py).

Only owners of the hook's publisher ever get one: the service checks the caller on every
read, and an anonymous caller's refusal is an error, which the anonymous answer cache never
keeps (registry/graphql/answers.py). The signing secret is not a field of `Webhook`: it is only
in the payloads of createWebhook and rotateWebhookSecret."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

import strawberry

from domain.enums import DeliveryState, WebhookEvent, WebhookFormat
from domain.services import webhooks
from domain.services.webhook_outbox import DISABLED_REASON_DESCRIPTION, FAILURES_DESCRIPTION
from schema.core.context import Info
from schema.core.enums import graphql_enum
from schema.core.errors import UserError
from schema.core.pagination import ListSize, sized

graphql_enum(
    WebhookEvent,
    "A registry event a webhook can subscribe to.",
    {
        WebhookEvent.VERSION_PUBLISHED: "A version of one of the publisher's packages was "
        "published (its scan passed).",
        WebhookEvent.VERSION_QUARANTINED: "An admin or the scanner quarantined a version.",
        WebhookEvent.VERSION_YANKED: "A version was yanked.",
        WebhookEvent.PACKAGE_DEPRECATED: "A package was deprecated.",
        WebhookEvent.PACKAGE_TRANSFERRED: "A package moved to or from the publisher.",
        WebhookEvent.PUBLISHER_VERIFIED: "The publisher was verified.",
        WebhookEvent.PUBLISHER_SUSPENDED: "The publisher was suspended.",
    },
)

graphql_enum(
    WebhookFormat,
    "The body a webhook receives.",
    {
        WebhookFormat.JSON: "The registry's JSON event (docs/webhooks.md).",
        WebhookFormat.DISCORD: "A Discord message, for a Discord channel's webhook URL.",
    },
)

graphql_enum(
    DeliveryState,
    "Where one delivery of an event to a webhook stands.",
    {
        DeliveryState.PENDING: "Not answered with a 2xx yet; another attempt is due.",
        DeliveryState.SUCCEEDED: "The endpoint answered with a 2xx.",
        DeliveryState.FAILED: "Every allowed attempt failed.",
        DeliveryState.CANCELLED: "The hook was disabled or deleted before it succeeded.",
    },
)

# The delivery log is read newest first, a page at a time (`before`: the last id seen).
DELIVERY_PAGE = ListSize(
    default=webhooks.DEFAULT_DELIVERIES_PAGE, maximum=webhooks.MAX_DELIVERIES_PAGE
)


@strawberry.type(description="One try to deliver an event.")
class WebhookAttempt:
    attempt: int = strawberry.field(description="1 for the first try.")
    at: datetime = strawberry.field(description="When it was sent.")
    status_code: int | None = strawberry.field(
        description="The endpoint's HTTP status; null when there was no answer."
    )
    duration_ms: int = strawberry.field(description="How long it took, in milliseconds.")
    error: str = strawberry.field(description='What went wrong; "" on success.')


@strawberry.type(description="One event sent to a webhook, with every attempt.")
class WebhookDelivery:
    id: int = strawberry.field(description="The delivery's id (redeliver by it).")
    webhook_id: int = strawberry.field(description="The hook it was sent to.")
    event: WebhookEvent = strawberry.field(description="The event.")
    state: DeliveryState = strawberry.field(description="Where it stands.")
    attempts: int = strawberry.field(description="How many times it was sent.")
    created_at: datetime = strawberry.field(description="When the event happened.")
    next_attempt_at: datetime | None = strawberry.field(
        description="When it is tried again; null when no attempt is due."
    )
    last_status_code: int | None = strawberry.field(
        description="The latest attempt's HTTP status; null: none, or no answer."
    )
    last_duration_ms: int | None = strawberry.field(
        description="The latest attempt's duration in milliseconds."
    )
    last_error: str = strawberry.field(description='The latest attempt\'s error; "" if none.')
    redelivery_of: int | None = strawberry.field(
        description="The delivery this one repeats (redeliverWebhookDelivery)."
    )
    attempt_log: list[WebhookAttempt] = strawberry.field(description="Every attempt, in order.")

    @classmethod
    def from_domain(cls, delivery: webhooks.DeliveryView) -> WebhookDelivery:
        # The type's fields are the view's, by name, as WebhookAttempt's are AttemptView's.
        return cls(
            **{
                **vars(delivery),
                "attempt_log": [WebhookAttempt(**vars(a)) for a in delivery.attempt_log],
            }
        )


@strawberry.type(
    description="An endpoint the registry POSTs a publisher's events to, signed with the "
    "hook's secret (owners of the publisher only)."
)
class Webhook:
    id: int = strawberry.field(description="The hook's id.")
    publisher_id: str = strawberry.field(description="Registry id of its publisher.")
    publisher_name: str = strawberry.field(description="Slug of its publisher.")
    url: str = strawberry.field(description="The HTTPS endpoint.")
    events: list[WebhookEvent] = strawberry.field(description="The events it receives.")
    format: WebhookFormat = strawberry.field(description="The body it receives.")
    description: str = strawberry.field(description="The owners' note.")
    active: bool = strawberry.field(description="False: nothing is delivered.")
    disabled_reason: str = strawberry.field(description=f"{DISABLED_REASON_DESCRIPTION}.")
    disabled_at: datetime | None = strawberry.field(description="When it was disabled.")
    consecutive_failures: int = strawberry.field(description=f"{FAILURES_DESCRIPTION}.")
    created_at: datetime = strawberry.field(description="When it was registered.")
    updated_at: datetime = strawberry.field(description="When it last changed.")

    @strawberry.field(description="Its deliveries, newest first, each with every attempt.")
    async def deliveries(
        self,
        info: Info,
        first: Annotated[
            int | None,
            strawberry.argument(
                description=f"How many (max {DELIVERY_PAGE.maximum}).",
                metadata=sized(DELIVERY_PAGE),
            ),
        ] = DELIVERY_PAGE.default,
        before: Annotated[
            int | None,
            strawberry.argument(
                description="Only deliveries with a smaller id: the last id of the previous "
                'page, a whole number from 1 (else an "invalid" error on field before).'
            ),
        ] = None,
    ) -> list[WebhookDelivery]:
        rows = await webhooks.list_deliveries(
            info.context.actor, self.id, limit=DELIVERY_PAGE.of(first), before=before
        )
        return [WebhookDelivery.from_domain(row) for row in rows]

    @classmethod
    def from_domain(cls, hook: webhooks.WebhookView) -> Webhook:
        # The type's fields are the view's, by name (one added to the view is added here).
        return cls(**vars(hook))


@strawberry.type(description="Result of a mutation on a webhook.")
class WebhookPayload:
    webhook: Webhook | None = strawberry.field(
        default=None, description="The hook after the change."
    )
    errors: list[UserError] = strawberry.field(
        default_factory=list, description="Why it was refused, if it was."
    )


@strawberry.type(description="Result of createWebhook and rotateWebhookSecret.")
class WebhookSecretPayload:
    webhook: Webhook | None = strawberry.field(default=None, description="The hook.")
    secret: str | None = strawberry.field(
        default=None,
        description="The signing secret (HMAC-SHA256 key of X-TB-Signature): store it now, "
        "it is shown only this once.",
    )
    errors: list[UserError] = strawberry.field(
        default_factory=list, description="Why it was refused, if it was."
    )

    @classmethod
    def from_domain(cls, created: webhooks.CreatedWebhook) -> WebhookSecretPayload:
        return cls(webhook=Webhook.from_domain(created.webhook), secret=created.secret)


WebhookId = Annotated[int, strawberry.argument(description="The hook's id.")]
