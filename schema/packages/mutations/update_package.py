"""updatePackage: change some of a package's editable fields."""

from __future__ import annotations

from typing import Annotated

import strawberry

from domain.commands import PackageUpdate, command_from
from domain.services import packages
from schema.core.arguments import PackageName
from schema.core.context import Info
from schema.core.errors import UserError, returns_user_errors
from schema.packages.enums import PackageStatus, Visibility
from schema.packages.types import Package


@strawberry.input(
    description="Fields to change; omitted fields stay as they are (REST: PATCH /packages/{name})."
)
class UpdatePackageInput:
    display_name: str | None = strawberry.field(
        default=strawberry.UNSET, description="Human-friendly name."
    )
    visibility: Visibility | None = strawberry.field(
        default=strawberry.UNSET,
        description="Making a package public needs a verified "
        "publisher allowed to publish public packages.",
    )
    description: str | None = strawberry.field(
        default=strawberry.UNSET, description="At most 500 chars."
    )
    readme: str | None = strawberry.field(default=strawberry.UNSET, description="Long description.")
    homepage: str | None = strawberry.field(default=strawberry.UNSET, description="http(s) URL.")
    repository: str | None = strawberry.field(default=strawberry.UNSET, description="http(s) URL.")
    license: str | None = strawberry.field(default=strawberry.UNSET, description="License.")
    keywords: list[str] | None = strawberry.field(
        default=strawberry.UNSET, description="Replaces all keywords."
    )
    categories: list[str] | None = strawberry.field(
        default=strawberry.UNSET,
        description="Replaces all categories: at most 3 slugs of the categories query.",
    )
    status: PackageStatus | None = strawberry.field(
        default=strawberry.UNSET,
        description="Lifecycle: deprecated warns wherever it is resolved; archived is "
        "read-only (no new versions, no other changes until set back to active or deprecated).",
    )
    deprecation_message: str | None = strawberry.field(
        default=strawberry.UNSET,
        description="Why it is deprecated or archived (at most 1000 chars).",
    )
    successor: str | None = strawberry.field(
        default=strawberry.UNSET,
        description="Name of an existing package to use instead; null or empty: none.",
    )


@strawberry.type(description="Result of updatePackage.")
class UpdatePackagePayload:
    package: Package | None = strawberry.field(
        default=None, description="The package after the change."
    )
    errors: list[UserError] = strawberry.field(
        default_factory=list, description="Why it was refused, if it was."
    )


def command_of(input: UpdatePackageInput) -> PackageUpdate:
    """The domain's PackageUpdate with the fields the input sets (null clears a text field;
    the domain validates it like any other value)."""
    present = {
        field: getattr(input, field)
        for field in PackageUpdate.__struct_fields__
        if getattr(input, field) is not strawberry.UNSET
    }
    for field in ("visibility", "status"):
        if isinstance(present.get(field), Visibility | PackageStatus):
            present[field] = present[field].value
    if present.get("status", strawberry.UNSET) is None:
        del present["status"]  # null status: no change (there is nothing to clear)
    return command_from(present, PackageUpdate)


@returns_user_errors(UpdatePackagePayload)
async def update_package(
    info: Info,
    name: PackageName,
    input: Annotated[UpdatePackageInput, strawberry.argument(description="What to change.")],
) -> UpdatePackagePayload | None:
    row = await packages.update_package(
        info.context.actor,
        name,
        command_of(input),
        catalog=info.context.registry.policy.categories,
    )
    return UpdatePackagePayload(package=Package.from_model(row))
