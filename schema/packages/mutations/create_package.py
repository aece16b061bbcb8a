"""createPackage: a new, empty package owned by the caller's publisher."""

from __future__ import annotations

from typing import Annotated

import strawberry

from domain.commands import CreatePackage
from domain.services import packages
from schema.core.context import Info
from schema.core.errors import UserError, returns_user_errors
from schema.packages.enums import PackageType, Visibility
from schema.packages.types import Package


@strawberry.input(description="A new package (REST: POST /packages with JSON).")
class CreatePackageInput:
    name: str = strawberry.field(description="Unique name: letters, digits, '_' and '-'.")
    display_name: str | None = strawberry.field(default=None, description="Defaults to the name.")
    package_type: PackageType = strawberry.field(
        default=PackageType.MOD, description="Kind of package."
    )
    visibility: Visibility = strawberry.field(
        default=Visibility.PUBLIC,
        description="Public needs a verified publisher allowed to publish public packages.",
    )
    description: str | None = strawberry.field(default=None, description="At most 500 chars.")
    readme: str | None = strawberry.field(default=None, description="Long description.")
    homepage: str | None = strawberry.field(default=None, description="http(s) URL.")
    repository: str | None = strawberry.field(default=None, description="http(s) URL.")
    license: str | None = strawberry.field(default=None, description="License name.")
    keywords: list[str] | None = strawberry.field(default=None, description="At most 20 keywords.")
    categories: list[str] | None = strawberry.field(
        default=None, description="At most 3 slugs of the categories query."
    )


@strawberry.type(description="Result of createPackage.")
class CreatePackagePayload:
    package: Package | None = strawberry.field(
        default=None, description="The new package, unless refused."
    )
    errors: list[UserError] = strawberry.field(
        default_factory=list, description="Why it was refused, if it was."
    )


def command_of(input: CreatePackageInput) -> CreatePackage:
    """The domain's CreatePackage. GraphQL has typed the fields already; the domain checks
    the values (with its own messages), so no pattern runs here."""
    return CreatePackage(
        **{field: getattr(input, field) for field in CreatePackage.__struct_fields__}
    )


@returns_user_errors(CreatePackagePayload)
async def create_package(
    info: Info,
    input: Annotated[CreatePackageInput, strawberry.argument(description="The package to create.")],
) -> CreatePackagePayload | None:
    row = await packages.create_package(
        info.context.actor, command_of(input), catalog=info.context.registry.policy.categories
    )
    return CreatePackagePayload(package=Package.from_model(row))
