"""deleteWebhook: the hook and its delivery log go; nothing more is sent to it."""

from __future__ import annotations

import strawberry

from domain.services import webhooks
from schema.core.context import Info
from schema.core.errors import UserError, returns_user_errors
from schema.webhooks.types import WebhookId


@strawberry.type(description="Result of deleteWebhook.")
class DeleteWebhookPayload:
    deleted_id: int | None = strawberry.field(default=None, description="The deleted hook's id.")
    errors: list[UserError] = strawberry.field(
        default_factory=list, description="Why it was refused, if it was."
    )


@returns_user_errors(DeleteWebhookPayload)
async def delete_webhook(info: Info, id: WebhookId) -> DeleteWebhookPayload | None:
    await webhooks.delete_webhook(info.context.actor, id)
    return DeleteWebhookPayload(deleted_id=id)
