"""DataLoader plumbing: one instance of each loader per request, created on first use.

Loaders batch the lookups of one execution step into one SQL query (no N+1) and cache them for
the rest of the request. They are never shared between requests: their caches hold rows that
were visible to one caller at one moment.

A loader sees the request through `LoaderContext`: the caller, and the request's other loaders.
The GraphQL context (schema/core/context.py) is one, and it holds the `LoaderRegistry`, so
this module names only the protocol, never the context class.
"""

from __future__ import annotations

from collections.abc import Hashable
from typing import Any, Generic, Protocol, TypeVar

from strawberry.dataloader import DataLoader

from domain.actor import Actor

K = TypeVar("K", bound=Hashable)
V = TypeVar("V")
L = TypeVar("L", bound="RegistryDataLoader[Any, Any]")


class LoaderContext(Protocol):
    """What a loader may use of its request: who is asking, and the request's other loaders."""

    actor: Actor

    def loader(self, loader_class: type[L]) -> L: ...


class RegistryDataLoader(DataLoader[K, V], Generic[K, V]):
    """Base class: subclasses implement `batch_load(keys)` returning one value per key."""

    def __init__(self, context: LoaderContext) -> None:
        self.context = context
        super().__init__(load_fn=self.batch_load)

    async def batch_load(self, keys: list[K]) -> list[V]:
        raise NotImplementedError


class LoaderRegistry:
    """The request's loaders, keyed by class (Saleor's `context.dataloaders`)."""

    def __init__(self, context: LoaderContext) -> None:
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
