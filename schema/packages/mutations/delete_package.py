"""deletePackage: soft-delete a package; its name stays reserved."""

from __future__ import annotations

import strawberry

from domain.services import blobs, packages
from schema.core.arguments import PackageName
from schema.core.context import Info
from schema.core.errors import UserError, returns_user_errors


@strawberry.type(description="Result of deletePackage.")
class DeletePackagePayload:
    deleted_name: str | None = strawberry.field(
        default=None, description="Name of the deleted package."
    )
    errors: list[UserError] = strawberry.field(
        default_factory=list, description="Why it was refused, if it was."
    )


@returns_user_errors(DeletePackagePayload)
async def delete_package(info: Info, name: PackageName) -> DeletePackagePayload | None:
    actor = info.context.actor
    package = await packages.get_package(actor, name)
    orphaned = await packages.delete_package(actor, name)
    # Files no other version uses are removed by a job (with retries), as over REST.
    await blobs.schedule_deletes(info.context.registry, orphaned)
    return DeletePackagePayload(deleted_name=package.name)
