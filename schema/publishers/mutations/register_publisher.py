"""registerPublisher: become the owner of a new publisher."""

from __future__ import annotations

from typing import Annotated

import strawberry

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


@returns_user_errors(PublisherPayload)
async def register_publisher(info: Info, input: Annotated[
        RegisterPublisherInput, strawberry.argument(description="The publisher.")]
                             ) -> PublisherPayload | None:
    row = await publishers.register_publisher(
        info.context.actor, name=input.name, display_name=input.display_name,
        email=input.email, homepage=input.homepage, github=input.github)
    return PublisherPayload(publisher=Publisher.from_model(row))
