"""revokeApiToken: a token stops working at once."""

from __future__ import annotations

from typing import Annotated

import strawberry

from domain.services import tokens
from schema.core.context import Info
from schema.core.errors import UserError, returns_user_errors
from schema.core.ids import parse_global_id
from schema.tokens.types import ApiToken


@strawberry.type(description="Result of revokeApiToken.")
class RevokeApiTokenPayload:
    token: ApiToken | None = strawberry.field(default=None, description="The revoked token.")
    errors: list[UserError] = strawberry.field(
        default_factory=list, description="Why it was refused, if it was."
    )


@returns_user_errors(RevokeApiTokenPayload)
async def revoke_api_token(
    info: Info,
    id: Annotated[
        strawberry.ID, strawberry.argument(description="The token's global id (or its REST id).")
    ],
) -> RevokeApiTokenPayload | None:
    row = await tokens.revoke_token(info.context.actor, parse_global_id(str(id), "ApiToken"))
    return RevokeApiTokenPayload(token=ApiToken.from_model(row))
