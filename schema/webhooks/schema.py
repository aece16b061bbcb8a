"""Webhook queries and mutations (owners of the publisher; domain/services/webhooks.py)."""

from __future__ import annotations

import strawberry

from domain.services import webhooks
from schema.core.arguments import PublisherName
from schema.core.context import Info
from schema.webhooks.mutations.create_webhook import create_webhook
from schema.webhooks.mutations.delete_webhook import delete_webhook
from schema.webhooks.mutations.redeliver_webhook_delivery import redeliver_webhook_delivery
from schema.webhooks.mutations.rotate_webhook_secret import rotate_webhook_secret
from schema.webhooks.mutations.update_webhook import update_webhook
from schema.webhooks.types import Webhook, WebhookId


@strawberry.type(description="Webhook queries.")
class WebhookQueries:
    @strawberry.field(description="A publisher's webhooks, oldest first (owners).")
    async def webhooks(self, info: Info, publisher: PublisherName) -> list[Webhook]:
        hooks = await webhooks.list_webhooks(info.context.actor, publisher)
        return [Webhook.from_domain(hook) for hook in hooks]

    @strawberry.field(description="One webhook with its delivery log (owners of its publisher).")
    async def webhook(self, info: Info, id: WebhookId) -> Webhook:
        return Webhook.from_domain(await webhooks.get_webhook(info.context.actor, id))


@strawberry.type(description="Webhook mutations.")
class WebhookMutations:
    create_webhook = strawberry.mutation(
        resolver=create_webhook,
        description="Register a webhook for a publisher (owners); the payload's secret is "
        "shown only this once.",
    )
    update_webhook = strawberry.mutation(
        resolver=update_webhook,
        description="Change a webhook, or disable (active: false) and enable it (owners).",
    )
    rotate_webhook_secret = strawberry.mutation(
        resolver=rotate_webhook_secret,
        description="Replace a webhook's signing secret (owners); the new one is shown only "
        "this once and the old one stops signing at once.",
    )
    delete_webhook = strawberry.mutation(
        resolver=delete_webhook,
        description="Delete a webhook and its delivery log (owners).",
    )
    redeliver_webhook_delivery = strawberry.mutation(
        resolver=redeliver_webhook_delivery,
        description="Send a delivery's event to its webhook again, as a new delivery (owners).",
    )
