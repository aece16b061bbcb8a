"""cancelPublisherInvitation: owners withdraw an invitation that was not answered yet."""

from __future__ import annotations

from typing import Annotated

import strawberry

from domain.services import members
from schema.core.arguments import PublisherName
from schema.core.context import Info
from schema.core.errors import returns_user_errors
from schema.publishers.mutations.payloads import PublisherInvitationPayload
from schema.publishers.types import PublisherInvitation


@returns_user_errors(PublisherInvitationPayload)
async def cancel_publisher_invitation(
    info: Info,
    publisher: PublisherName,
    id: Annotated[str, strawberry.argument(description="The invitation's id.")],
) -> PublisherInvitationPayload | None:
    invitation = await members.cancel_invitation(info.context.actor, publisher, id)
    return PublisherInvitationPayload(invitation=PublisherInvitation.from_domain(invitation))
