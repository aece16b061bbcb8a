"""Protection limits for the GraphQL endpoint, read from the registry's settings."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

# A JSON (or GET) GraphQL request is a query plus variables: a megabyte is generous.
DEFAULT_MAX_BODY_BYTES = 1024 * 1024


@dataclass(frozen=True)
class GraphQLLimits:
    """Everything that bounds the work one GraphQL request may ask for."""

    max_depth: int = 12
    max_cost: int = 5000
    max_tokens: int = 4000
    max_aliases: int = 50
    # Fields after inlining every fragment spread: stops "fragment bombs" that are small as text
    # but expand exponentially, before any validation rule walks them.
    max_expanded_fields: int = 5000
    introspection: bool = True
    ide: bool = True
    max_body_bytes: int = DEFAULT_MAX_BODY_BYTES
    max_upload_bytes: int = 500 * 1024**2
    # Wall time a query may run once it executes (see schema.core.protection.TimeBudget).
    max_execution_seconds: float = 10.0

    @classmethod
    def from_settings(cls, settings: Any) -> GraphQLLimits:
        """Limits from `registry.config.Settings` (duck-typed: the schema stays importable
        without the HTTP layer)."""
        return cls(
            max_depth=settings.graphql_max_depth,
            max_cost=settings.graphql_max_cost,
            introspection=settings.graphql_introspection,
            ide=settings.graphql_ide,
            max_upload_bytes=settings.max_upload_bytes,
            max_execution_seconds=settings.graphql_max_execution_seconds,
        )
