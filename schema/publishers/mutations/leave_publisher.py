"""leavePublisher: a member removes themselves (the last owner cannot)."""

from __future__ import annotations

import strawberry

from domain.services import members
from schema.core.arguments import PublisherName
from schema.core.context import Info
from schema.core.errors import UserError, returns_user_errors


@strawberry.type(description="Result of leavePublisher.")
class LeavePublisherPayload:
    left: bool = strawberry.field(
        default=False, description="True once you are no longer a member."
    )
    errors: list[UserError] = strawberry.field(
        default_factory=list, description="Why it was refused, if it was."
    )


@returns_user_errors(LeavePublisherPayload)
async def leave_publisher(info: Info, publisher: PublisherName) -> LeavePublisherPayload | None:
    await members.leave_publisher(info.context.actor, publisher)
    return LeavePublisherPayload(left=True)
