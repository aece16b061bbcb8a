"""Argument types with their descriptions, shared by queries and mutations."""

from __future__ import annotations

from typing import Annotated

import strawberry

PackageName = Annotated[str, strawberry.argument(
    description="Package name (looked up case-insensitively).")]
VersionString = Annotated[str, strawberry.argument(
    description="Version: exact string first, then PEP 440-equal spelling (1.0 = 1.0.0).")]
PublisherName = Annotated[str, strawberry.argument(
    description="Publisher slug (or its registry id).")]
ArtifactName = Annotated[str, strawberry.argument(
    description="Artifact name (looked up case-insensitively).")]
First = Annotated[int | None, strawberry.argument(
    description="Page size (default 20, max 100).")]
After = Annotated[str | None, strawberry.argument(
    description="Return items after this cursor (pageInfo.endCursor of the previous page).")]
