"""createWebhook: an owner registers an endpoint for the publisher's events; the payload
carries the signing secret, shown this once."""

from __future__ import annotations

from typing import Annotated

import strawberry

from domain.enums import WebhookEvent, WebhookFormat
from domain.services import webhooks
from schema.core.arguments import PublisherName
from schema.core.context import Info
from schema.core.errors import returns_user_errors
from schema.webhooks.types import WebhookSecretPayload


@strawberry.input(description="A new webhook.")
class CreateWebhookInput:
    url: str = strawberry.field(description="The HTTPS endpoint to POST events to.")
    events: list[WebhookEvent] = strawberry.field(description="The events to deliver.")
    format: WebhookFormat = strawberry.field(
        default=WebhookFormat.JSON, description="The body it receives."
    )
    description: str = strawberry.field(default="", description="A note for the owners.")


@returns_user_errors(WebhookSecretPayload)
async def create_webhook(
    info: Info,
    publisher: PublisherName,
    input: Annotated[CreateWebhookInput, strawberry.argument(description="The hook.")],
) -> WebhookSecretPayload | None:
    # The input's fields are the service's arguments by name (so is updateWebhook's input).
    created = await webhooks.create_webhook(
        info.context.registry, info.context.actor, publisher, **vars(input)
    )
    return WebhookSecretPayload.from_domain(created)
