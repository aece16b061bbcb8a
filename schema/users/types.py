"""The User type: who the caller is, their publisher and their tokens."""

from __future__ import annotations

from collections.abc import Iterable

import strawberry
from strawberry import relay

from domain import models
from domain.enums import PublisherStatus
from domain.services import publishers, tokens
from schema.core.context import Info
from schema.publishers.types import Publisher
from schema.tokens.types import ApiToken


@strawberry.type(description="A registry user (created from CloudM on first sign-in).")
class User(relay.Node):
    pk: relay.NodeID[str]
    row: strawberry.Private[models.User]
    user_id: str = strawberry.field(description="The CloudM user id (the verification proof).")
    username: str = strawberry.field(description="The username.")
    is_admin: bool = strawberry.field(description="Whether the user is a registry admin.")

    @classmethod
    def from_model(cls, row: models.User) -> User:
        return cls(pk=row.id, row=row, user_id=row.id, username=row.username, is_admin=row.is_admin)

    @classmethod
    # One signature for strawberry's overloads on `required`: a node the caller may not
    # see is None either way (node fields are nullable).
    async def resolve_nodes(  # type: ignore[override]
        cls,
        *,
        info: Info,
        node_ids: Iterable[str],
        required: bool = False,
    ) -> list[User | None]:
        """Only yourself (admins: anyone)."""
        actor = info.context.actor
        ids = list(node_ids)
        allowed = [i for i in ids if i == actor.user_id or actor.acts_as_admin]
        rows = {u.id: u for u in await models.User.filter(id__in=allowed)} if allowed else {}
        return [cls.from_model(rows[i]) if i in rows else None for i in ids]

    def _is_self(self, info: Info) -> bool:
        return info.context.actor.user_id == self.row.id

    @strawberry.field(description="Email address; only for yourself, else null.")
    def email(self, info: Info) -> str | None:
        return self.row.email if self._is_self(info) else None

    @strawberry.field(description="The publisher the user owns (or belongs to), or null.")
    async def publisher(self, info: Info) -> Publisher | None:
        row = await publishers.publisher_of_user(self.row.id)
        return Publisher.from_model(row) if row else None

    @strawberry.field(description="Whether the user's publisher is verified.")
    async def is_verified(self, info: Info) -> bool:
        row = await publishers.publisher_of_user(self.row.id)
        return row is not None and row.verification_status == PublisherStatus.VERIFIED

    @strawberry.field(
        description="Scopes of the API token in use; null for a CloudM session "
        "(every right). Only for yourself."
    )
    def scopes(self, info: Info) -> list[str] | None:
        actor = info.context.actor
        if not self._is_self(info) or actor.scopes is None:
            return None
        return list(actor.scopes)

    @strawberry.field(description="Your active API tokens, newest first; empty for others.")
    async def tokens(self, info: Info) -> list[ApiToken]:
        if not self._is_self(info):
            return []
        return [ApiToken.from_model(t) for t in await tokens.list_tokens(info.context.actor)]
