"""What the admin decisions (verify, reject, revoke, suspend, unsuspend) have in common."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Annotated

import strawberry

from domain.actor import Actor
from domain.models import Publisher as PublisherRow
from schema.core.arguments import PublisherName
from schema.core.context import Info
from schema.core.errors import returns_user_errors
from schema.publishers.mutations.payloads import PublisherPayload
from schema.publishers.types import Publisher

Decision = Callable[[Actor, str, object], Awaitable[PublisherRow]]
Notes = Annotated[str, strawberry.argument(description="Why (stored and audited; may be empty).")]


def admin_decision(decide: Decision) -> Callable[..., Awaitable[PublisherPayload | None]]:
    @returns_user_errors(PublisherPayload)
    async def resolve(
        info: Info, publisher: PublisherName, notes: Notes = ""
    ) -> PublisherPayload | None:
        row = await decide(info.context.actor, publisher, notes)
        return PublisherPayload(publisher=Publisher.from_model(row))

    return resolve
