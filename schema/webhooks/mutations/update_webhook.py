"""updateWebhook: change a hook's endpoint, events, format or note, or disable and enable it."""

from __future__ import annotations

from typing import Annotated

import strawberry

from domain.enums import WebhookEvent, WebhookFormat
from domain.services import webhooks
from schema.core.context import Info
from schema.core.errors import returns_user_errors
from schema.webhooks.types import Webhook, WebhookId, WebhookPayload


@strawberry.input(description="What changes in a webhook; null or absent fields stay.")
class UpdateWebhookInput:
    url: str | None = strawberry.field(default=None, description="The HTTPS endpoint.")
    events: list[WebhookEvent] | None = strawberry.field(
        default=None, description="The events to deliver."
    )
    format: WebhookFormat | None = strawberry.field(default=None, description="The body.")
    description: str | None = strawberry.field(default=None, description="The owners' note.")
    active: bool | None = strawberry.field(
        default=None,
        description="False disables the hook; true enables it again (its failures reset).",
    )


@returns_user_errors(WebhookPayload)
async def update_webhook(
    info: Info,
    id: WebhookId,
    input: Annotated[UpdateWebhookInput, strawberry.argument(description="The changes.")],
) -> WebhookPayload | None:
    # The input's fields are the service's arguments by name (so is createWebhook's input).
    hook = await webhooks.update_webhook(
        info.context.registry, info.context.actor, id, **vars(input)
    )
    return WebhookPayload(webhook=Webhook.from_domain(hook))
