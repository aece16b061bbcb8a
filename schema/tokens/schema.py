"""Token mutations (the caller's tokens are listed under `me.tokens`)."""

from __future__ import annotations

import strawberry

from schema.tokens.mutations.create_api_token import create_api_token
from schema.tokens.mutations.revoke_api_token import revoke_api_token


@strawberry.type(description="Token mutations.")
class TokenMutations:
    create_api_token = strawberry.mutation(
        resolver=create_api_token, description="Create an API token (needs a CloudM session)."
    )
    revoke_api_token = strawberry.mutation(
        resolver=revoke_api_token, description="Revoke one of your API tokens."
    )
