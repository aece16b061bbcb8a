"""invitePublisherMember (and its old name addPublisherMember): owners invite a user, who
joins only by accepting."""

from __future__ import annotations

from typing import Annotated

import strawberry

from domain.enums import MemberRole
from domain.services import members
from schema.core.arguments import PublisherName
from schema.core.context import Info
from schema.core.errors import returns_user_errors
from schema.publishers.mutations.payloads import PublisherInvitationPayload
from schema.publishers.types import PublisherInvitation

UserIdArgument = Annotated[
    str | None,
    strawberry.argument(
        description="The user's registry id (users appear after their first login)."
    ),
]
UsernameArgument = Annotated[
    str | None, strawberry.argument(description="Or the username, when exactly one user has it.")
]
RoleArgument = Annotated[
    str, strawberry.argument(description="owner or member: the role on accepting.")
]


@returns_user_errors(PublisherInvitationPayload)
async def invite_publisher_member(
    info: Info,
    publisher: PublisherName,
    user_id: UserIdArgument = None,
    username: UsernameArgument = None,
    role: RoleArgument = MemberRole.MEMBER,
) -> PublisherInvitationPayload | None:
    invitation = await members.invite_member(
        info.context.actor, publisher, user_id=user_id, username=username, role=role
    )
    return PublisherInvitationPayload(invitation=PublisherInvitation.from_domain(invitation))


async def add_publisher_member(
    info: Info,
    publisher: PublisherName,
    user_id: UserIdArgument = None,
    username: UsernameArgument = None,
    role: RoleArgument = MemberRole.MEMBER,
) -> PublisherInvitationPayload | None:
    """The old name keeps working for existing clients, but only ever invites. (Strawberry
    cannot mount one resolver function twice, hence this delegate.)"""
    return await invite_publisher_member(info, publisher, user_id, username, role)
