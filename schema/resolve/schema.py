"""The resolve and checkCompatibility queries."""

from __future__ import annotations

from typing import Annotated

import strawberry

from domain.services import resolution
from schema.core.arguments import PackageName
from schema.core.context import Info
from schema.resolve.types import CompatibilityCheck, ResolveResult


@strawberry.type(description="Resolution queries.")
class ResolveQueries:
    @strawberry.field(
        description="Which exact versions to install for a set of requirements "
        "(the same solver and rules as REST POST /resolve)."
    )
    async def resolve(
        self,
        info: Info,
        requirements: Annotated[
            list[str],
            strawberry.argument(
                description="Requirement strings, e.g. 'CloudM>=2.0', 'isaa ^1.2', 'DB'."
            ),
        ],
        toolbox_version: Annotated[
            str | None,
            strawberry.argument(description="The ToolBoxV2 version to be compatible with."),
        ] = None,
        platform: Annotated[
            str | None, strawberry.argument(description="Only versions for this platform.")
        ] = None,
        include_optional: Annotated[
            bool, strawberry.argument(description="Also resolve optional dependencies.")
        ] = False,
    ) -> ResolveResult:
        result = await resolution.resolve(
            info.context.actor,
            requirements,
            toolbox_version=toolbox_version,
            platform=platform,
            include_optional=include_optional,
            base_url=info.context.registry.policy.public_base_url,
        )
        return ResolveResult.from_result(result)

    @strawberry.field(
        description="Whether package==version can be installed with its "
        "dependencies (the same rules as REST GET /resolve/check)."
    )
    async def check_compatibility(
        self,
        info: Info,
        package: PackageName,
        version: Annotated[str, strawberry.argument(description="The exact version.")],
        toolbox_version: Annotated[
            str | None,
            strawberry.argument(description="The ToolBoxV2 version to be compatible with."),
        ] = None,
    ) -> CompatibilityCheck:
        compatible, warnings, conflicts = await resolution.check_compatibility(
            info.context.actor, package, version, toolbox_version
        )
        return CompatibilityCheck(compatible=compatible, warnings=warnings, conflicts=conflicts)
