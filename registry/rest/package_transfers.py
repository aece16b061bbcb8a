"""Package transfer routes (issue 18 part 4; not in REST_CONTRACT): an owner offers a package
to another publisher, whose owner accepts or declines; the offering side may cancel
(domain/services/package_transfers.py has the rules)."""

from __future__ import annotations

from dataclasses import asdict
from typing import Annotated

from msgspec import Meta
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from domain.enums import TransferState
from domain.services import package_transfers
from registry.auth import required_actor
from registry.rest.encode import ShapeResponse
from registry.rest.params import decode_body, query_text
from registry.rest.serializers import iso
from registry.rest.shapes import Body, MaybeTimestamp, NonBlank, Shape, Slug, Timestamp


class TransferRequest(Body):
    """Which publisher the package is offered to."""

    to_publisher: Annotated[NonBlank, Meta(description="The receiving publisher's slug or id")]


class Transfer(Shape):
    id: str
    package: str
    from_publisher: Slug
    to_publisher: Slug
    from_publisher_id: str
    to_publisher_id: str
    state: TransferState
    requested_by: Annotated[str, Meta(description="User id of the owner who offered it")]
    responded_by: Annotated[
        str, Meta(description='User id of who answered or cancelled it, "" while pending')
    ]
    created_at: Timestamp
    expires_at: Timestamp
    responded_at: MaybeTimestamp


class TransferList(Shape):
    transfers: list[Transfer]


def _json(transfer: package_transfers.Transfer) -> Transfer:
    # Field for field the domain's view, its timestamps written as the contract writes them.
    return Transfer(
        **{
            **asdict(transfer),
            "created_at": iso(transfer.created_at),
            "expires_at": iso(transfer.expires_at),
            "responded_at": iso(transfer.responded_at),
        }
    )


async def request_transfer(request: Request) -> Response:
    actor = await required_actor(request)
    body = await decode_body(request, TransferRequest)
    transfer = await package_transfers.request_transfer(
        actor, request.path_params["name"], body.to_publisher
    )
    return ShapeResponse(_json(transfer), status_code=201)


async def publisher_transfers(request: Request) -> Response:
    actor = await required_actor(request)
    rows = await package_transfers.publisher_transfers(
        actor, request.path_params["name"], query_text(request, "direction")
    )
    return ShapeResponse(TransferList(transfers=[_json(row) for row in rows]))


async def accept_transfer(request: Request) -> Response:
    actor = await required_actor(request)
    transfer = await package_transfers.accept_transfer(
        actor, request.path_params["transfer_id"], events=request.app.state.runtime.ctx.events
    )
    return ShapeResponse(_json(transfer))


async def decline_transfer(request: Request) -> Response:
    actor = await required_actor(request)
    transfer = await package_transfers.decline_transfer(actor, request.path_params["transfer_id"])
    return ShapeResponse(_json(transfer))


async def cancel_transfer(request: Request) -> Response:
    actor = await required_actor(request)
    transfer = await package_transfers.cancel_transfer(actor, request.path_params["transfer_id"])
    return ShapeResponse(_json(transfer))


routes = [
    Route("/packages/{name}/transfers", request_transfer, methods=["POST"]),
    Route("/publishers/{name}/transfers", publisher_transfers, methods=["GET"]),
    Route("/transfers/{transfer_id}/accept", accept_transfer, methods=["POST"]),
    Route("/transfers/{transfer_id}/decline", decline_transfer, methods=["POST"]),
    Route("/transfers/{transfer_id}/cancel", cancel_transfer, methods=["POST"]),
]
