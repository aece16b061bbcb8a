"""Package transfer queries and mutations."""

from __future__ import annotations

from typing import Annotated

import strawberry

from domain.services import package_transfers
from domain.services.package_transfers import Direction
from schema.core.arguments import PublisherName
from schema.core.context import Info
from schema.transfers.mutations.answer_package_transfer import (
    accept_package_transfer,
    cancel_package_transfer,
    decline_package_transfer,
)
from schema.transfers.mutations.request_package_transfer import request_package_transfer
from schema.transfers.types import PackageTransfer


@strawberry.type(description="Package transfer queries.")
class TransferQueries:
    @strawberry.field(
        description="A publisher's package transfers that can still be answered, oldest "
        "first (owners and admins, with a session)."
    )
    async def package_transfers(
        self,
        info: Info,
        publisher: PublisherName,
        direction: Annotated[
            Direction, strawberry.argument(description="Incoming, outgoing or both.")
        ] = Direction.BOTH,
    ) -> list[PackageTransfer]:
        rows = await package_transfers.publisher_transfers(info.context.actor, publisher, direction)
        return [PackageTransfer.from_domain(row) for row in rows]


@strawberry.type(description="Package transfer mutations.")
class TransferMutations:
    request_package_transfer = strawberry.mutation(
        resolver=request_package_transfer,
        description="Offer a package to another publisher (owners of its publisher); it moves "
        "once an owner of that publisher accepts, and expires after 14 days.",
    )
    accept_package_transfer = strawberry.mutation(
        resolver=accept_package_transfer,
        description="Take a package over (owners of the receiving publisher).",
    )
    decline_package_transfer = strawberry.mutation(
        resolver=decline_package_transfer,
        description="Decline a package transfer (owners of the receiving publisher).",
    )
    cancel_package_transfer = strawberry.mutation(
        resolver=cancel_package_transfer,
        description="Withdraw a package transfer not answered yet (owners of the offering "
        "publisher).",
    )
