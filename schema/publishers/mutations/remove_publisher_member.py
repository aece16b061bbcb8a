"""removePublisherMember: owners remove a member (a publisher keeps at least one owner)."""

from __future__ import annotations

from typing import Annotated

import strawberry

from domain.services import members
from schema.core.arguments import PublisherName
from schema.core.context import Info
from schema.core.errors import UserError, returns_user_errors


@strawberry.type(description="Result of removePublisherMember.")
class RemovePublisherMemberPayload:
    removed_user_id: str | None = strawberry.field(
        default=None, description="The removed member's user id."
    )
    errors: list[UserError] = strawberry.field(
        default_factory=list, description="Why it was refused, if it was."
    )


@returns_user_errors(RemovePublisherMemberPayload)
async def remove_publisher_member(
    info: Info,
    publisher: PublisherName,
    user_id: Annotated[str, strawberry.argument(description="The member's user id.")],
) -> RemovePublisherMemberPayload | None:
    await members.remove_member(info.context.actor, publisher, user_id)
    return RemovePublisherMemberPayload(removed_user_id=user_id)
