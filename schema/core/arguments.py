"""Argument types with their descriptions, shared by queries and mutations."""

from __future__ import annotations

from typing import Annotated

import strawberry

from schema.core.pagination import PAGE, sized

PackageName = Annotated[
    str, strawberry.argument(description="Package name (looked up case-insensitively).")
]
VersionString = Annotated[
    str,
    strawberry.argument(
        description="Version: exact string first, then PEP 440-equal spelling (1.0 = 1.0.0)."
    ),
]
PublisherName = Annotated[
    str, strawberry.argument(description="Publisher slug (or its registry id).")
]
ArtifactName = Annotated[
    str, strawberry.argument(description="Artifact name (looked up case-insensitively).")
]
# Resolvers taking `first: First` page with `page_size(first)` and default it to PAGE.default.
First = Annotated[
    int | None,
    strawberry.argument(
        description=f"Page size (default {PAGE.default}, max {PAGE.maximum}).", metadata=sized(PAGE)
    ),
]
After = Annotated[
    str | None,
    strawberry.argument(
        description="Return items after this cursor (pageInfo.endCursor of the previous page)."
    ),
]
