"""registerPublisher: become the owner of a new publisher."""

from __future__ import annotations

from typing import Annotated

import strawberry

from domain.commands import RegisterPublisher
from domain.services import publishers
from schema.core.context import Info
from schema.core.errors import returns_user_errors
from schema.publishers.mutations.payloads import PublisherPayload
from schema.publishers.types import Publisher


@strawberry.input(description="A new publisher (REST: POST /auth/register-publisher).")
class RegisterPublisherInput:
    name: str = strawberry.field(description="Slug: lowercase letters, digits, '_' and '-'.")
    display_name: str = strawberry.field(description="Human-friendly name.")
    email: str = strawberry.field(description="Contact address (never shown publicly).")
    homepage: str = strawberry.field(default="", description="http(s) URL.")
    github: str = strawberry.field(default="", description="GitHub login.")


def command_of(input: RegisterPublisherInput) -> RegisterPublisher:
    """The domain's RegisterPublisher. GraphQL has typed the fields already; the domain checks
    the values (with its own messages), so no pattern runs here."""
    return RegisterPublisher(
        **{field: getattr(input, field) for field in RegisterPublisher.__struct_fields__}
    )


@returns_user_errors(PublisherPayload)
async def register_publisher(
    info: Info,
    input: Annotated[RegisterPublisherInput, strawberry.argument(description="The publisher.")],
) -> PublisherPayload | None:
    row = await publishers.register_publisher(info.context.actor, command_of(input))
    return PublisherPayload(publisher=Publisher.from_model(row))
