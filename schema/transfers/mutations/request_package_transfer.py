"""requestPackageTransfer: an owner offers a package to another publisher."""

from __future__ import annotations

from typing import Annotated

import strawberry

from domain.services import package_transfers
from schema.core.arguments import PackageName
from schema.core.context import Info
from schema.core.errors import returns_user_errors
from schema.transfers.types import PackageTransfer, PackageTransferPayload


@returns_user_errors(PackageTransferPayload)
async def request_package_transfer(
    info: Info,
    package: PackageName,
    to_publisher: Annotated[
        str, strawberry.argument(description="The receiving publisher's slug (or registry id).")
    ],
) -> PackageTransferPayload | None:
    transfer = await package_transfers.request_transfer(info.context.actor, package, to_publisher)
    return PackageTransferPayload(transfer=PackageTransfer.from_domain(transfer))
