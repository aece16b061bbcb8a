"""Artifacts by id, and the versions (builds included) of many artifacts at once."""

from __future__ import annotations

from domain.models import Artifact, ArtifactVersion
from domain.services import artifacts
from schema.core.dataloaders import RegistryDataLoader


class ArtifactByIdLoader(RegistryDataLoader[int, Artifact | None]):
    async def batch_load(self, keys: list[int]) -> list[Artifact | None]:
        rows = {a.id: a for a in await Artifact.filter(id__in=keys)}
        return [rows.get(key) for key in keys]


class ArtifactVersionsByArtifactIdLoader(RegistryDataLoader[int, list[ArtifactVersion]]):
    """Newest first, builds prefetched: `artifacts.versions_by_artifact` (two queries)."""

    async def batch_load(self, keys: list[int]) -> list[list[ArtifactVersion]]:
        grouped = await artifacts.versions_by_artifact(list(keys))
        return [grouped.get(key, []) for key in keys]
