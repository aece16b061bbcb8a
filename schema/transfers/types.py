"""A package transfer as GraphQL shows it (domain/services/package_transfers.py)."""

from __future__ import annotations

from dataclasses import asdict
from datetime import datetime

import strawberry

from domain.enums import TransferState
from domain.services import package_transfers
from domain.services.package_transfers import Direction
from schema.core.enums import graphql_enum
from schema.core.errors import UserError

graphql_enum(
    TransferState,
    "Where a package transfer to another publisher stands.",
    {
        TransferState.PENDING: "Waiting for an owner of the receiving publisher.",
        TransferState.ACCEPTED: "The package moved to the receiving publisher.",
        TransferState.DECLINED: "The receiving publisher said no.",
        TransferState.CANCELLED: "The offering publisher withdrew it.",
        TransferState.EXPIRED: "Not answered within 14 days.",
    },
)

graphql_enum(
    Direction,
    "Which of a publisher's package transfers to list.",
    {
        Direction.INCOMING: "Offered to the publisher.",
        Direction.OUTGOING: "Offered by the publisher.",
        Direction.BOTH: "Both.",
    },
    name="TransferDirection",
)


@strawberry.type(
    description="An offer of a package to another publisher; the package moves only once "
    "an owner of that publisher accepts."
)
class PackageTransfer:
    id: str = strawberry.field(description="The transfer's id (accept, decline or cancel by it).")
    package: str = strawberry.field(description="Name of the package offered.")
    from_publisher: str = strawberry.field(description="Slug of the offering publisher.")
    to_publisher: str = strawberry.field(description="Slug of the receiving publisher.")
    from_publisher_id: str = strawberry.field(description="Registry id of the offering one.")
    to_publisher_id: str = strawberry.field(description="Registry id of the receiving one.")
    state: TransferState = strawberry.field(description="Where it stands.")
    requested_by: str = strawberry.field(description="User id of the owner who offered it.")
    responded_by: str = strawberry.field(
        description='User id of who answered or cancelled it; "" while pending.'
    )
    created_at: datetime = strawberry.field(description="When it was offered.")
    expires_at: datetime = strawberry.field(description="When it can no longer be accepted.")
    responded_at: datetime | None = strawberry.field(
        description="When it was answered or cancelled."
    )

    @classmethod
    def from_domain(cls, transfer: package_transfers.Transfer) -> PackageTransfer:
        # Field for field the domain's view (its fields are these, by name and type).
        return cls(**asdict(transfer))


@strawberry.type(description="Result of a mutation on a package transfer.")
class PackageTransferPayload:
    transfer: PackageTransfer | None = strawberry.field(
        default=None, description="The transfer after the change."
    )
    errors: list[UserError] = strawberry.field(
        default_factory=list, description="Why it was refused, if it was."
    )
