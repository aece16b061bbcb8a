"""acceptPublisherInvitation and declinePublisherInvitation: the invitee answers."""

from __future__ import annotations

from typing import Annotated

import strawberry

from domain.services import members
from schema.core.context import Info
from schema.core.errors import returns_user_errors
from schema.publishers.mutations.payloads import PublisherInvitationPayload
from schema.publishers.types import PublisherInvitation

InvitationId = Annotated[str, strawberry.argument(description="The invitation's id.")]


@returns_user_errors(PublisherInvitationPayload)
async def accept_publisher_invitation(
    info: Info, id: InvitationId
) -> PublisherInvitationPayload | None:
    invitation = await members.accept_invitation(info.context.actor, id)
    return PublisherInvitationPayload(invitation=PublisherInvitation.from_domain(invitation))


@returns_user_errors(PublisherInvitationPayload)
async def decline_publisher_invitation(
    info: Info, id: InvitationId
) -> PublisherInvitationPayload | None:
    invitation = await members.decline_invitation(info.context.actor, id)
    return PublisherInvitationPayload(invitation=PublisherInvitation.from_domain(invitation))
