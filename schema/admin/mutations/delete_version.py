"""deleteVersion (admin): remove a version of any status; the version string becomes free.

The rule, the audit event (`version.delete`) and the job that deletes the file from every
backend once nothing uses it are the domain's (domain.services.quarantine.delete_version),
exactly as for REST DELETE /admin/versions/{name}/{version}.
"""

from __future__ import annotations

from typing import Annotated

import strawberry

from domain.services import quarantine
from schema.core.arguments import PackageName, VersionString
from schema.core.context import Info
from schema.core.errors import UserError, returns_user_errors
from schema.packages.enums import VersionStatus


@strawberry.type(description="A version an admin deleted.")
class DeletedVersion:
    package: str = strawberry.field(description="Canonical name of its package.")
    version: str = strawberry.field(description="The version string (free again).")
    previous_status: VersionStatus = strawberry.field(
        description="What the version was before deletion."
    )
    object_released: bool = strawberry.field(
        description="No other version or build used its file: a job deletes it from every "
        "storage backend."
    )


@strawberry.type(description="Result of deleteVersion.")
class DeleteVersionPayload:
    deleted: DeletedVersion | None = strawberry.field(default=None, description="What was deleted.")
    errors: list[UserError] = strawberry.field(
        default_factory=list, description="Why it was refused, if it was."
    )


@returns_user_errors(DeleteVersionPayload)
async def delete_version(
    info: Info,
    package: PackageName,
    version: VersionString,
    reason: Annotated[
        str,
        strawberry.argument(
            description=f"Why (optional, at most {quarantine.MAX_REASON} characters; audited)."
        ),
    ] = "",
) -> DeleteVersionPayload | None:
    result = await quarantine.delete_version(
        info.context.actor, info.context.registry, package, version, reason
    )
    return DeleteVersionPayload(
        deleted=DeletedVersion(
            package=result.package,
            version=result.version,
            previous_status=VersionStatus(result.status),
            object_released=result.object_released,
        )
    )
