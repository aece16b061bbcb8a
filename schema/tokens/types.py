"""GraphQL types of API tokens. The secret itself is never stored, so never shown again."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

import strawberry
from strawberry import relay

from domain import models
from domain.enums import TokenScope
from schema.core.context import Info
from schema.core.enums import graphql_enum

graphql_enum(
    TokenScope,
    "What an API token may do.",
    {
        TokenScope.READ_PRIVATE: "See private packages of your publishers.",
        TokenScope.PUBLISH_NEW: "Create packages.",
        TokenScope.PUBLISH_UPDATE: "Upload versions and edit packages.",
        TokenScope.YANK: "Yank and unyank versions.",
        TokenScope.ADMIN: "Admin actions (admins only).",
    },
)


@strawberry.type(description="A registry API token (tbr_…) for CI and mod managers.")
class ApiToken(relay.Node):
    pk: relay.NodeID[str]
    token_id: str = strawberry.field(description="The token's id, as REST shows it.")
    name: str = strawberry.field(description="A name to recognise it by.")
    scopes: list[str] = strawberry.field(description="What it may do.")
    package_globs: list[str] = strawberry.field(
        description="Package names it is limited to (fnmatch globs); empty: all packages."
    )
    expires_at: datetime | None = strawberry.field(description="When it stops working.")
    last_used_at: datetime | None = strawberry.field(description="When it was last used.")
    revoked_at: datetime | None = strawberry.field(description="When it was revoked.")
    created_at: datetime = strawberry.field(description="When it was created.")

    @classmethod
    def from_model(cls, row: models.ApiToken) -> ApiToken:
        return cls(
            pk=row.id,
            token_id=row.id,
            name=row.name,
            scopes=list(row.scopes or []),
            package_globs=list(row.package_globs or []),
            expires_at=row.expires_at,
            last_used_at=row.last_used_at,
            revoked_at=row.revoked_at,
            created_at=row.created_at,
        )

    @classmethod
    # One signature for strawberry's overloads on `required`: a node the caller may not
    # see is None either way (node fields are nullable).
    async def resolve_nodes(  # type: ignore[override]
        cls,
        *,
        info: Info,
        node_ids: Iterable[str],
        required: bool = False,
    ) -> list[ApiToken | None]:
        """Tokens of the caller (admins: anyone's)."""
        actor = info.context.actor
        ids = list(node_ids)
        if not actor.is_authenticated:
            return [None] * len(ids)
        rows = {t.id: t for t in await models.ApiToken.filter(id__in=ids)}
        results: list[ApiToken | None] = []
        for node_id in ids:
            row = rows.get(node_id)
            mine = row is not None and (row.user_id == actor.user_id or actor.acts_as_admin)
            results.append(cls.from_model(row) if mine and row else None)
        return results
