"""updatePublisher: owners edit the profile (the slug never changes)."""

from __future__ import annotations

from typing import Annotated

import strawberry

from domain.services import publishers
from schema.core.arguments import PublisherName
from schema.core.context import Info
from schema.core.errors import returns_user_errors
from schema.publishers.mutations.payloads import PublisherPayload
from schema.publishers.types import Publisher


@strawberry.input(description="Profile fields to change; omitted ones stay.")
class UpdatePublisherInput:
    display_name: str | None = strawberry.field(default=strawberry.UNSET,
                                                description="Human-friendly name.")
    email: str | None = strawberry.field(default=strawberry.UNSET, description="Contact address.")
    homepage: str | None = strawberry.field(default=strawberry.UNSET, description="http(s) URL.")
    github: str | None = strawberry.field(default=strawberry.UNSET, description="GitHub login.")


@returns_user_errors(PublisherPayload)
async def update_publisher(
    info: Info, publisher: PublisherName,
    input: Annotated[UpdatePublisherInput, strawberry.argument(description="What to change.")],
) -> PublisherPayload | None:
    changes = {field: getattr(input, field) for field in publishers.PROFILE_FIELDS
               if getattr(input, field) is not strawberry.UNSET}
    row = await publishers.update_profile(info.context.actor, publisher, changes)
    return PublisherPayload(publisher=Publisher.from_model(row))
