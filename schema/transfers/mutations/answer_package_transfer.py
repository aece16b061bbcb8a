"""acceptPackageTransfer and declinePackageTransfer (the receiving side) and
cancelPackageTransfer (the offering side)."""

from __future__ import annotations

from typing import Annotated

import strawberry

from domain.services import package_transfers
from schema.core.context import Info
from schema.core.errors import returns_user_errors
from schema.transfers.types import PackageTransfer, PackageTransferPayload

TransferId = Annotated[str, strawberry.argument(description="The transfer's id.")]


@returns_user_errors(PackageTransferPayload)
async def accept_package_transfer(info: Info, id: TransferId) -> PackageTransferPayload | None:
    transfer = await package_transfers.accept_transfer(
        info.context.actor, id, events=info.context.registry.events
    )
    return PackageTransferPayload(transfer=PackageTransfer.from_domain(transfer))


@returns_user_errors(PackageTransferPayload)
async def decline_package_transfer(info: Info, id: TransferId) -> PackageTransferPayload | None:
    transfer = await package_transfers.decline_transfer(info.context.actor, id)
    return PackageTransferPayload(transfer=PackageTransfer.from_domain(transfer))


@returns_user_errors(PackageTransferPayload)
async def cancel_package_transfer(info: Info, id: TransferId) -> PackageTransferPayload | None:
    transfer = await package_transfers.cancel_transfer(info.context.actor, id)
    return PackageTransferPayload(transfer=PackageTransfer.from_domain(transfer))
