"""Auth routes (REST_CONTRACT §4.2): who am I, my publisher, register a publisher."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from domain.commands import RegisterPublisher
from domain.enums import PublisherStatus
from domain.models import Publisher, User
from domain.services import publishers
from domain.services.access import can_read_private
from registry.auth import required_actor
from registry.rest import shapes
from registry.rest.encode import ShapeResponse
from registry.rest.params import decode_body
from registry.rest.serializers import publisher_json


async def publisher_with_stats(
    publisher: Publisher, *, include_hidden: bool = False
) -> shapes.Publisher:
    stats = await publishers.stats_for([publisher.id], include_hidden=include_hidden)
    return publisher_json(publisher, stats.get(publisher.id))


async def me(request: Request) -> Response:
    actor = await required_actor(request)
    user = await User.get(id=actor.user_id)
    publisher = await publishers.publisher_of_user(user.id)
    return ShapeResponse(
        shapes.CurrentUser(
            id=user.id,
            cloudm_user_id=user.id,
            username=user.username,
            email=user.email,
            is_admin=user.is_admin,
            is_verified=(
                publisher is not None and publisher.verification_status == PublisherStatus.VERIFIED
            ),
            publisher_id=publisher.id if publisher else None,
            publisher_name=publisher.name if publisher else "",
            verification_status=publisher.verification_status if publisher else "",
            # null for a CloudM session (every right), the token's scopes for an API token.
            scopes=list(actor.scopes) if actor.scopes is not None else None,
        )
    )


async def my_publisher(request: Request) -> Response:
    actor = await required_actor(request)
    publisher = await publishers.publisher_of_user(actor.require_user())
    if publisher is None:
        return ShapeResponse(None)
    # The member's own view counts private and unlisted packages too, when the credential may
    # read the publisher's private data (not a token without read-private, nor a globbed one).
    return ShapeResponse(
        await publisher_with_stats(
            publisher, include_hidden=can_read_private(actor, publisher.id, None)
        )
    )


async def register_publisher(request: Request) -> Response:
    actor = await required_actor(request)
    command = await decode_body(request, RegisterPublisher)
    publisher = await publishers.register_publisher(actor, command)
    return ShapeResponse(await publisher_with_stats(publisher), status_code=201)


routes = [
    Route("/auth/me", me, methods=["GET"]),
    Route("/auth/publisher", my_publisher, methods=["GET"]),
    Route("/auth/register-publisher", register_publisher, methods=["POST"]),
]
