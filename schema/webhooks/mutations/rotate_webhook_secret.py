"""rotateWebhookSecret: a new signing secret, shown this once; the old one stops signing."""

from __future__ import annotations

from domain.services import webhooks
from schema.core.context import Info
from schema.core.errors import returns_user_errors
from schema.webhooks.types import WebhookId, WebhookSecretPayload


@returns_user_errors(WebhookSecretPayload)
async def rotate_webhook_secret(info: Info, id: WebhookId) -> WebhookSecretPayload | None:
    return WebhookSecretPayload.from_domain(await webhooks.rotate_secret(info.context.actor, id))
