"""Artifact queries and mutations."""

from __future__ import annotations

from typing import Annotated

import strawberry

from domain.exceptions import NotFound
from domain.services import artifacts
from schema.artifacts.mutations.create_artifact import create_artifact
from schema.artifacts.mutations.upload_artifact_build import upload_artifact_build
from schema.artifacts.types import Artifact, ArtifactConnection, ArtifactType
from schema.core.arguments import After, ArtifactName, First
from schema.core.context import Info
from schema.core.pagination import PAGE, connection_from_pairs, offset_window


@strawberry.type(description="Artifact queries.")
class ArtifactQueries:
    @strawberry.field(
        description="An artifact by name with its versions and builds; null when unknown."
    )
    async def artifact(self, info: Info, name: ArtifactName) -> Artifact | None:
        try:
            return Artifact.from_model(await artifacts.get_artifact(name))
        except NotFound:
            return None

    @strawberry.field(description="Artifacts by name, in pages.")
    async def artifacts(
        self,
        info: Info,
        artifact_type: Annotated[
            ArtifactType | None, strawberry.argument(description="Only artifacts of this kind.")
        ] = None,
        first: First = PAGE.default,
        after: After = None,
    ) -> ArtifactConnection:
        kind = artifact_type.value if artifact_type else None

        async def fetch(page: int, per_page: int) -> tuple[list, int]:
            return await artifacts.list_artifacts(page=page, per_page=per_page, artifact_type=kind)

        pairs, total, has_next = await offset_window(
            fetch, ordering=f"artifacts:{kind or ''}", first=first, after=after
        )
        return connection_from_pairs(
            ArtifactConnection,
            pairs,
            total=total,
            has_next=has_next,
            after=after,
            node_of=Artifact.from_model,
        )


@strawberry.type(description="Artifact mutations.")
class ArtifactMutations:
    create_artifact = strawberry.mutation(
        resolver=create_artifact,
        description="Create an artifact (verified publishers allowed by an admin).",
    )
    upload_artifact_build = strawberry.mutation(
        resolver=upload_artifact_build,
        description="Upload a build of an artifact version (multipart request; owners).",
    )
