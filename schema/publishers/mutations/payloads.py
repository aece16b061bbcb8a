"""Payloads shared by several mutations: a publisher, or a publisher invitation."""

from __future__ import annotations

import strawberry

from schema.core.errors import UserError
from schema.publishers.types import Publisher, PublisherInvitation


@strawberry.type(description="Result of a mutation that changes a publisher.")
class PublisherPayload:
    publisher: Publisher | None = strawberry.field(
        default=None, description="The publisher after the change."
    )
    errors: list[UserError] = strawberry.field(
        default_factory=list, description="Why it was refused, if it was."
    )


@strawberry.type(description="Result of a mutation on a publisher invitation.")
class PublisherInvitationPayload:
    invitation: PublisherInvitation | None = strawberry.field(
        default=None, description="The invitation after the change."
    )
    errors: list[UserError] = strawberry.field(
        default_factory=list, description="Why it was refused, if it was."
    )
