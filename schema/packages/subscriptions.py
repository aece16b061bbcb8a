"""Live events over graphql-transport-ws, fed by the domain's event bus (`ctx.events`).

Events carry names, not rows: every event is looked up again for the subscriber, through the
same visibility rules as a query, so nobody learns of a package they cannot see.
"""

from __future__ import annotations

from collections.abc import AsyncGenerator
from typing import Annotated, Any

import strawberry

from domain.events import PACKAGE_PUBLISHED, VERSION_STATUS_CHANGED
from domain.exceptions import NotFound
from domain.names import name_key
from domain.services import packages, publishers, versions
from schema.core.arguments import PackageName
from schema.core.context import GraphQLContext, Info
from schema.packages.enums import PackageType, VersionStatus
from schema.packages.types import Package, PackageVersion


@strawberry.type(description="A version that just became installable.")
class PackagePublishedEvent:
    package: Package = strawberry.field(description="The package.")
    version: PackageVersion = strawberry.field(description="The new version.")


@strawberry.type(description="A version whose status changed (e.g. its scan finished).")
class VersionStatusChangedEvent:
    package: Package = strawberry.field(description="The package.")
    version: PackageVersion = strawberry.field(description="The version, as it is now.")
    status: VersionStatus = strawberry.field(description="The new status.")
    rule: str = strawberry.field(description="The scan rule that decided it, or empty.")


async def _visible(
    context: GraphQLContext, payload: dict[str, Any]
) -> tuple[Package, PackageVersion] | None:
    """Fresh rows for an event, or None when the subscriber may not see them."""
    context.loaders.clear()  # a long-lived connection must not serve stale rows
    try:
        package, row = await versions.get_version(
            context.actor, str(payload.get("package")), str(payload.get("version"))
        )
    except NotFound:
        return None
    return Package.from_model(package), PackageVersion.from_model(row)


@strawberry.type(description="Live events.")
class PackageSubscriptions:
    @strawberry.subscription(
        description="Each version that passes its scan and becomes "
        "installable, optionally only of one type or "
        "publisher."
    )
    async def package_published(
        self,
        info: Info,
        type: Annotated[
            PackageType | None, strawberry.argument(description="Only packages of this type.")
        ] = None,
        publisher: Annotated[
            str | None,
            strawberry.argument(description="Only packages of this publisher (slug or id)."),
        ] = None,
    ) -> AsyncGenerator[PackagePublishedEvent, None]:
        context = info.context
        publisher_id = (await publishers.get_publisher(publisher)).id if publisher else None
        async for payload in context.registry.events.subscribe(PACKAGE_PUBLISHED):
            if type is not None and payload.get("package_type") != type.value:
                continue
            if publisher_id is not None and payload.get("publisher_id") != publisher_id:
                continue
            found = await _visible(context, payload)
            if found is not None:
                yield PackagePublishedEvent(package=found[0], version=found[1])

    @strawberry.subscription(
        description="Status changes of one package's versions: watch a "
        "scan finish. Owners also see pending and quarantined "
        "versions."
    )
    async def version_status_changed(
        self,
        info: Info,
        package: PackageName,
    ) -> AsyncGenerator[VersionStatusChangedEvent, None]:
        context = info.context
        watched = await packages.get_package(context.actor, package)  # NotFound if invisible
        async for payload in context.registry.events.subscribe(VERSION_STATUS_CHANGED):
            if name_key(str(payload.get("package", ""))) != watched.name_key:
                continue
            found = await _visible(context, payload)
            if found is not None:
                yield VersionStatusChangedEvent(
                    package=found[0],
                    version=found[1],
                    status=found[1].status,
                    rule=str(payload.get("rule") or ""),
                )
