"""createArtifact: a new artifact owned by the caller's (verified, allowed) publisher."""

from __future__ import annotations

from typing import Annotated

import strawberry

from domain.commands import CreateArtifact
from domain.services import artifacts
from schema.artifacts.types import Artifact, ArtifactType
from schema.core.context import Info
from schema.core.errors import UserError, returns_user_errors


@strawberry.input(description="A new artifact (REST: POST /artifacts).")
class CreateArtifactInput:
    name: str = strawberry.field(description="Unique name: letters, digits, '_' and '-'.")
    artifact_type: ArtifactType = strawberry.field(description="Kind of artifact.")
    description: str = strawberry.field(default="", description="Short description.")
    homepage: str = strawberry.field(default="", description="http(s) URL.")
    repository: str = strawberry.field(default="", description="http(s) URL.")


@strawberry.type(description="Result of createArtifact.")
class CreateArtifactPayload:
    artifact: Artifact | None = strawberry.field(default=None, description="The new artifact.")
    errors: list[UserError] = strawberry.field(
        default_factory=list, description="Why it was refused, if it was."
    )


def command_of(input: CreateArtifactInput) -> CreateArtifact:
    """The domain's CreateArtifact. GraphQL has typed the fields already; the domain checks
    the values (with its own messages), so no pattern runs here."""
    return CreateArtifact(
        **{field: getattr(input, field) for field in CreateArtifact.__struct_fields__}
    )


@returns_user_errors(CreateArtifactPayload)
async def create_artifact(
    info: Info,
    input: Annotated[CreateArtifactInput, strawberry.argument(description="The artifact.")],
) -> CreateArtifactPayload | None:
    row = await artifacts.create_artifact(info.context.actor, command_of(input))
    return CreateArtifactPayload(artifact=Artifact.from_model(row))
