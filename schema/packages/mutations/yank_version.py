"""yankVersion: withdraw a version from ranges and `latestVersion`, keeping it downloadable."""

from __future__ import annotations

from typing import Annotated

import strawberry

from domain.services import versions
from schema.core.arguments import PackageName, VersionString
from schema.core.context import Info
from schema.core.errors import UserError, returns_user_errors
from schema.packages.types import PackageVersion


@strawberry.type(description="Result of yankVersion and unyankVersion.")
class YankVersionPayload:
    version: PackageVersion | None = strawberry.field(
        default=None, description="The version after the change."
    )
    errors: list[UserError] = strawberry.field(
        default_factory=list, description="Why it was refused, if it was."
    )


@returns_user_errors(YankVersionPayload)
async def yank_version(
    info: Info,
    package: PackageName,
    version: VersionString,
    reason: Annotated[str, strawberry.argument(description="Why (shown to users).")] = "",
) -> YankVersionPayload | None:
    _, row = await versions.set_yanked(info.context.actor, package, version, True, reason)
    return YankVersionPayload(version=PackageVersion.from_model(row))
