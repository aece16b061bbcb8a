"""addPublisherMember: owners add a user to their publisher."""

from __future__ import annotations

from typing import Annotated

import strawberry

from domain.services import members
from schema.core.arguments import PublisherName
from schema.core.context import Info
from schema.core.errors import UserError, returns_user_errors
from schema.publishers.types import PublisherMember


@strawberry.type(description="Result of addPublisherMember.")
class AddPublisherMemberPayload:
    member: PublisherMember | None = strawberry.field(default=None, description="The member.")
    errors: list[UserError] = strawberry.field(default_factory=list,
                                               description="Why it was refused, if it was.")


@returns_user_errors(AddPublisherMemberPayload)
async def add_publisher_member(
    info: Info, publisher: PublisherName,
    user_id: Annotated[str | None, strawberry.argument(
        description="The user's registry id (users appear after their first login).")] = None,
    username: Annotated[str | None, strawberry.argument(
        description="Or the username, when exactly one user has it.")] = None,
    role: Annotated[str, strawberry.argument(description="owner or member.")] = "member",
) -> AddPublisherMemberPayload | None:
    member = await members.add_member(info.context.actor, publisher, user_id=user_id,
                                      username=username, role=role)
    return AddPublisherMemberPayload(member=PublisherMember(
        user_id=member.user_id, username=member.username, role=member.role,
        added_at=member.added_at))
