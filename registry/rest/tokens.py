"""API token routes [N]: create (plaintext shown once), list, revoke."""

from __future__ import annotations

from typing import Any

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from domain.models import ApiToken
from domain.services import tokens
from registry.auth import required_actor
from registry.rest import shapes
from registry.rest.encode import ShapeResponse
from registry.rest.params import decode_body
from registry.rest.serializers import iso


def _token_fields(token: ApiToken) -> dict[str, Any]:
    return {
        "id": token.id,
        "name": token.name,
        "scopes": list(token.scopes or []),
        "package_globs": list(token.package_globs or []),
        "expires_at": iso(token.expires_at) or None,
        "last_used_at": iso(token.last_used_at) or None,
        "created_at": iso(token.created_at),
        "prefix": tokens.PREFIX,
    }


def token_json(token: ApiToken) -> shapes.Token:
    """Everything about a token except its secret, which is never stored."""
    return shapes.Token(**_token_fields(token))


async def create_token(request: Request) -> Response:
    actor = await required_actor(request)
    body = await decode_body(request, shapes.CreateToken)
    policy = request.app.state.runtime.ctx.policy
    scopes = [body.scopes] if isinstance(body.scopes, str) else list(body.scopes)
    created = await tokens.create_token(
        actor,
        body.name,
        scopes,
        package_globs=body.package_globs,
        expires_at=body.expires_at,
        max_active=policy.max_api_tokens_per_user,
    )
    return ShapeResponse(
        shapes.TokenCreated(
            **_token_fields(created.token),
            token=created.plaintext,
            warning="Store this token now: it is shown only once",
        ),
        status_code=201,
        headers={"Cache-Control": "no-store"},
    )


async def list_tokens(request: Request) -> Response:
    actor = await required_actor(request)
    return ShapeResponse(
        shapes.TokenList(tokens=[token_json(t) for t in await tokens.list_tokens(actor)])
    )


async def revoke_token(request: Request) -> Response:
    actor = await required_actor(request)
    await tokens.revoke_token(actor, request.path_params["token_id"])
    return Response(status_code=204)


routes = [
    Route("/tokens", create_token, methods=["POST"]),
    Route("/tokens", list_tokens, methods=["GET"]),
    Route("/tokens/{token_id}", revoke_token, methods=["DELETE"]),
]
