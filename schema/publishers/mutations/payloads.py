"""The payload shared by mutations whose result is a publisher."""

from __future__ import annotations

import strawberry

from schema.core.errors import UserError
from schema.publishers.types import Publisher


@strawberry.type(description="Result of a mutation that changes a publisher.")
class PublisherPayload:
    publisher: Publisher | None = strawberry.field(default=None,
                                                   description="The publisher after the change.")
    errors: list[UserError] = strawberry.field(default_factory=list,
                                               description="Why it was refused, if it was.")
