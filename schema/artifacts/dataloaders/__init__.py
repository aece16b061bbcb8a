"""Per-request loaders for artifacts."""

from schema.artifacts.dataloaders.artifacts import (
    ArtifactByIdLoader,
    ArtifactVersionsByArtifactIdLoader,
)

__all__ = ["ArtifactByIdLoader", "ArtifactVersionsByArtifactIdLoader"]
