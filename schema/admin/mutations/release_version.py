"""releaseVersion (admin): publish a quarantined version despite its scan, with a reason.

The rule, the audit event (`version.release`) and the announcements are the domain's
(domain.services.quarantine.release_version), exactly as for REST
POST /admin/versions/{name}/{version}/release.
"""

from __future__ import annotations

from typing import Annotated

import strawberry

from domain.services import quarantine
from schema.core.arguments import PackageName, VersionString
from schema.core.context import Info
from schema.core.errors import UserError, returns_user_errors
from schema.packages.types import PackageVersion


@strawberry.type(description="Result of releaseVersion.")
class ReleaseVersionPayload:
    version: PackageVersion | None = strawberry.field(
        default=None, description="The version, now published (its scan report is kept)."
    )
    errors: list[UserError] = strawberry.field(
        default_factory=list, description="Why it was refused, if it was."
    )


@returns_user_errors(ReleaseVersionPayload)
async def release_version(
    info: Info,
    package: PackageName,
    version: VersionString,
    reason: Annotated[
        str,
        strawberry.argument(
            description="Why the scan's verdict is overruled (required, at most "
            f"{quarantine.MAX_REASON} characters; audited)."
        ),
    ],
) -> ReleaseVersionPayload | None:
    row = await quarantine.release_version(
        info.context.actor, info.context.registry, package, version, reason
    )
    return ReleaseVersionPayload(version=PackageVersion.from_model(row))
