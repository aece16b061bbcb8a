"""updatePublisher: owners edit the profile (the slug never changes)."""

from __future__ import annotations

from typing import Annotated

import strawberry

from domain.commands import PublisherProfile
from domain.services import publishers
from schema.core.arguments import PublisherName
from schema.core.context import Info
from schema.core.errors import returns_user_errors
from schema.publishers.mutations.payloads import PublisherPayload
from schema.publishers.types import Publisher


@strawberry.input(description="Profile fields to change; omitted ones stay.")
class UpdatePublisherInput:
    display_name: str | None = strawberry.field(
        default=strawberry.UNSET, description="Human-friendly name."
    )
    email: str | None = strawberry.field(default=strawberry.UNSET, description="Contact address.")
    homepage: str | None = strawberry.field(default=strawberry.UNSET, description="http(s) URL.")
    github: str | None = strawberry.field(default=strawberry.UNSET, description="GitHub login.")


def command_of(input: UpdatePublisherInput) -> PublisherProfile:
    """The domain's PublisherProfile with the fields the input sets. GraphQL has typed them
    already; the domain checks the values (with its own messages), so no pattern runs here."""
    return PublisherProfile(
        **{
            field: getattr(input, field)
            for field in PublisherProfile.__struct_fields__
            if getattr(input, field) is not strawberry.UNSET
        }
    )


@returns_user_errors(PublisherPayload)
async def update_publisher(
    info: Info,
    publisher: PublisherName,
    input: Annotated[UpdatePublisherInput, strawberry.argument(description="What to change.")],
) -> PublisherPayload | None:
    row = await publishers.update_profile(info.context.actor, publisher, command_of(input))
    return PublisherPayload(publisher=Publisher.from_model(row))
