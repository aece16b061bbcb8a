"""uploadArtifactBuild: add a build (creating the version when new) (multipart request)."""

from __future__ import annotations

from typing import Annotated

import strawberry
from strawberry.file_uploads import Upload

from domain.services import artifacts
from domain.services.artifacts import BuildUpload
from schema.artifacts.types import Artifact, ArtifactVersion
from schema.core.arguments import ArtifactName
from schema.core.context import Info
from schema.core.errors import UserError, returns_user_errors
from schema.core.uploads import as_spooled_file


@strawberry.input(
    description="Metadata of a build (REST: the multipart fields of POST /artifacts/{name}/builds)."
)
class UploadArtifactBuildInput:
    version: str = strawberry.field(description="The version this build belongs to.")
    platform: str = strawberry.field(description="Target platform (aliases accepted).")
    architecture: str = strawberry.field(description="Target architecture (aliases accepted).")
    changelog: str = strawberry.field(default="", description="Changes in this version.")
    installer_type: str = strawberry.field(default="", description="msi, exe, dmg, …")
    min_os_version: str = strawberry.field(default="", description="Oldest supported OS.")


@strawberry.type(description="Result of uploadArtifactBuild.")
class UploadArtifactBuildPayload:
    artifact: Artifact | None = strawberry.field(default=None, description="The artifact.")
    version: ArtifactVersion | None = strawberry.field(
        default=None, description="The version with all its builds."
    )
    errors: list[UserError] = strawberry.field(
        default_factory=list, description="Why it was refused, if it was."
    )


@returns_user_errors(UploadArtifactBuildPayload)
async def upload_artifact_build(
    info: Info,
    artifact: ArtifactName,
    input: Annotated[UploadArtifactBuildInput, strawberry.argument(description="Build metadata.")],
    file: Annotated[Upload, strawberry.argument(description="The build's file.")],
) -> UploadArtifactBuildPayload | None:
    context = info.context
    spooled = await as_spooled_file(
        file, context.new_upload_path, context.registry.policy.max_upload_bytes
    )
    try:
        version = await artifacts.upload_build(
            context.registry,
            context.actor,
            artifact,
            BuildUpload(
                file=spooled,
                version=input.version,
                platform=input.platform,
                architecture=input.architecture,
                changelog=input.changelog,
                installer_type=input.installer_type,
                min_os_version=input.min_os_version,
            ),
        )
    finally:
        spooled.remove()
    row = await artifacts.get_artifact(artifact)
    return UploadArtifactBuildPayload(
        artifact=Artifact.from_model(row), version=ArtifactVersion.from_model(version, row.name)
    )
