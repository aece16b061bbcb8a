"""unyankVersion: make a yanked version eligible again."""

from __future__ import annotations

from domain.services import versions
from schema.core.arguments import PackageName, VersionString
from schema.core.context import Info
from schema.core.errors import returns_user_errors
from schema.packages.mutations.yank_version import YankVersionPayload
from schema.packages.types import PackageVersion


@returns_user_errors(YankVersionPayload)
async def unyank_version(
    info: Info, package: PackageName, version: VersionString
) -> YankVersionPayload | None:
    _, row = await versions.set_yanked(info.context.actor, package, version, False)
    return YankVersionPayload(version=PackageVersion.from_model(row))
