"""publishVersion: upload a new version of an existing package (GraphQL multipart request)."""

from __future__ import annotations

from typing import Annotated

import strawberry
from strawberry.file_uploads import Upload

from domain.services import publishing
from domain.services.publishing import UploadRequest
from schema.core.arguments import PackageName
from schema.core.context import Info
from schema.core.errors import UserError, returns_user_errors
from schema.core.uploads import as_spooled_file
from schema.packages.types import Package, PackageVersion


@strawberry.input(
    description="Metadata of an uploaded version (REST: the multipart fields of "
    "POST /packages/{name}/versions)."
)
class PublishVersionInput:
    version: str = strawberry.field(
        description="MAJOR.MINOR.PATCH with an optional pre-release and +build."
    )
    changelog: str = strawberry.field(default="", description="Changes in this version.")
    toolbox_version: str = strawberry.field(
        default="", description="Supported ToolBoxV2 versions; default: from the manifest."
    )
    python_version: str = strawberry.field(default="", description="Supported Python versions.")


@strawberry.type(description="Result of publishVersion.")
class PublishVersionPayload:
    package: Package | None = strawberry.field(default=None, description="The package.")
    version: PackageVersion | None = strawberry.field(
        default=None, description="The new version (pending until the scan passes)."
    )
    download_url: str | None = strawberry.field(
        default=None, description="Where the file will be served once published."
    )
    warnings: list[str] = strawberry.field(
        default_factory=list, description="Non-fatal problems found in the upload."
    )
    errors: list[UserError] = strawberry.field(
        default_factory=list, description="Why it was refused, if it was."
    )


@returns_user_errors(PublishVersionPayload)
async def publish_version(
    info: Info,
    package: PackageName,
    input: Annotated[PublishVersionInput, strawberry.argument(description="Version metadata.")],
    file: Annotated[
        Upload, strawberry.argument(description="The ZIP archive (a multipart file part).")
    ],
) -> PublishVersionPayload | None:
    context = info.context
    limit = context.registry.policy.max_upload_bytes
    spooled = await as_spooled_file(file, context.new_upload_path, limit)
    try:
        result = await publishing.upload_version(
            context.registry,
            context.actor,
            package,
            UploadRequest(
                file=spooled,
                version=input.version,
                changelog=input.changelog,
                toolbox_version=input.toolbox_version,
                python_version=input.python_version,
            ),
            new_path=context.new_upload_path,
        )
    finally:
        spooled.remove()
    return PublishVersionPayload(
        package=Package.from_model(result.package),
        version=PackageVersion.from_model(result.version),
        download_url=result.download_url,
        warnings=result.warnings,
    )
