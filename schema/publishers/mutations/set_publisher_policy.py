"""setPublisherPolicy (admin): publishing flags and size limits of a publisher."""

from __future__ import annotations

from typing import Annotated

import strawberry

from domain.commands import PublisherPolicy
from domain.services import publishers
from schema.core.arguments import PublisherName
from schema.core.context import Info
from schema.core.errors import returns_user_errors
from schema.core.scalars import BigInt
from schema.publishers.mutations.payloads import PublisherPayload
from schema.publishers.types import Publisher


@strawberry.input(description="Policy fields to change; omitted ones stay.")
class PublisherPolicyInput:
    can_publish_public: bool | None = strawberry.field(
        default=strawberry.UNSET, description="May publish public packages."
    )
    can_publish_artifacts: bool | None = strawberry.field(
        default=strawberry.UNSET, description="May publish artifacts."
    )
    max_package_bytes: BigInt | None = strawberry.field(
        default=strawberry.UNSET, description="Largest upload in bytes; null: registry limit."
    )
    storage_quota_bytes: BigInt | None = strawberry.field(
        default=strawberry.UNSET, description="Total storage in bytes; null: unlimited."
    )


def command_of(input: PublisherPolicyInput) -> PublisherPolicy:
    """The domain's PublisherPolicy with the fields the input sets. GraphQL has typed them
    already; the domain checks the values (with its own messages)."""
    return PublisherPolicy(
        **{
            field: getattr(input, field)
            for field in PublisherPolicy.__struct_fields__
            if getattr(input, field) is not strawberry.UNSET
        }
    )


@returns_user_errors(PublisherPayload)
async def set_publisher_policy(
    info: Info,
    publisher: PublisherName,
    input: Annotated[PublisherPolicyInput, strawberry.argument(description="What to change.")],
) -> PublisherPayload | None:
    row = await publishers.admin_set_policy(info.context.actor, publisher, command_of(input))
    return PublisherPayload(publisher=Publisher.from_model(row))
