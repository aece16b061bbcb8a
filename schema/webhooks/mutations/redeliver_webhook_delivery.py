"""redeliverWebhookDelivery: send a delivery's event again, as a new delivery."""

from __future__ import annotations

from typing import Annotated

import strawberry

from domain.services import webhooks
from schema.core.context import Info
from schema.core.errors import UserError, returns_user_errors
from schema.webhooks.types import WebhookDelivery, WebhookId


@strawberry.type(description="Result of redeliverWebhookDelivery.")
class RedeliverWebhookDeliveryPayload:
    delivery: WebhookDelivery | None = strawberry.field(
        default=None, description="The new delivery, queued."
    )
    errors: list[UserError] = strawberry.field(
        default_factory=list, description="Why it was refused, if it was."
    )


@returns_user_errors(RedeliverWebhookDeliveryPayload)
async def redeliver_webhook_delivery(
    info: Info,
    webhook_id: WebhookId,
    delivery_id: Annotated[int, strawberry.argument(description="The delivery to repeat.")],
) -> RedeliverWebhookDeliveryPayload | None:
    delivery = await webhooks.redeliver(
        info.context.registry, info.context.actor, webhook_id, delivery_id
    )
    return RedeliverWebhookDeliveryPayload(delivery=WebhookDelivery.from_domain(delivery))
