"""createApiToken: mint a token; its plaintext is in this payload and nowhere else, ever."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

import strawberry

from domain.services import tokens
from schema.core.context import Info
from schema.core.errors import UserError, returns_user_errors
from schema.tokens.types import ApiToken, TokenScope


@strawberry.input(description="A new API token.")
class CreateApiTokenInput:
    name: str = strawberry.field(description="1-100 characters.")
    scopes: list[TokenScope] = strawberry.field(description="At least one scope.")
    package_globs: list[str] | None = strawberry.field(
        default=None, description="Limit it to these package names (globs)."
    )
    expires_at: datetime | None = strawberry.field(
        default=None, description="Expiry (in the future)."
    )


@strawberry.type(description="Result of createApiToken.")
class CreateApiTokenPayload:
    token: ApiToken | None = strawberry.field(default=None, description="The token's metadata.")
    plaintext: str | None = strawberry.field(
        default=None, description="The secret: store it now, it is shown only this once."
    )
    errors: list[UserError] = strawberry.field(
        default_factory=list, description="Why it was refused, if it was."
    )


@returns_user_errors(CreateApiTokenPayload)
async def create_api_token(
    info: Info, input: Annotated[CreateApiTokenInput, strawberry.argument(description="The token.")]
) -> CreateApiTokenPayload | None:
    created = await tokens.create_token(
        info.context.actor,
        input.name,
        [scope.value for scope in input.scopes],
        package_globs=input.package_globs,
        expires_at=input.expires_at,
        max_active=info.context.registry.policy.max_api_tokens_per_user,
    )
    return CreateApiTokenPayload(
        token=ApiToken.from_model(created.token), plaintext=created.plaintext
    )
