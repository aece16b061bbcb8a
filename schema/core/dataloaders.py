"""DataLoader plumbing: one instance of each loader per request, created on first use.

Loaders batch the lookups of one execution step into one SQL query (no N+1) and cache them for
the rest of the request. They are never shared between requests: their caches hold rows that
were visible to one caller at one moment.
"""

from __future__ import annotations

from collections.abc import Hashable
from typing import TYPE_CHECKING, Any, Generic, TypeVar

from strawberry.dataloader import DataLoader

if TYPE_CHECKING:
    from schema.core.context import GraphQLContext

K = TypeVar("K", bound=Hashable)
V = TypeVar("V")
L = TypeVar("L", bound="RegistryDataLoader[Any, Any]")


class RegistryDataLoader(DataLoader[K, V], Generic[K, V]):
    """Base class: subclasses implement `batch_load(keys)` returning one value per key."""

    def __init__(self, context: GraphQLContext) -> None:
        self.context = context
        super().__init__(load_fn=self.batch_load)

    async def batch_load(self, keys: list[K]) -> list[V]:
        raise NotImplementedError


class LoaderRegistry:
    """The request's loaders, keyed by class (Saleor's `context.dataloaders`)."""

    def __init__(self, context: GraphQLContext) -> None:
        self._context = context
        self._loaders: dict[type[Any], Any] = {}

    def get(self, loader_class: type[L]) -> L:
        loader = self._loaders.get(loader_class)
        if loader is None:
            loader = loader_class(self._context)
            self._loaders[loader_class] = loader
        return loader

    def clear(self) -> None:
        """Forget every cached row (long-lived subscriptions call this per event)."""
        self._loaders.clear()


def group_by(rows: list[Any], key: str) -> dict[Any, list[Any]]:
    grouped: dict[Any, list[Any]] = {}
    for row in rows:
        grouped.setdefault(getattr(row, key), []).append(row)
    return grouped
