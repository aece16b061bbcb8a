"""The `me` query."""

from __future__ import annotations

import strawberry

from domain.models import User as UserRow
from schema.core.context import Info
from schema.users.types import User


@strawberry.type(description="Account queries.")
class UserQueries:
    @strawberry.field(description="The caller; null when not signed in.")
    async def me(self, info: Info) -> User | None:
        user_id = info.context.actor.user_id
        if user_id is None:
            return None
        row = await UserRow.get_or_none(id=user_id)
        return User.from_model(row) if row else None
