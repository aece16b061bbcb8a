"""A :class:`PackageSource` over data already in memory."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence

from domain.resolver.model import Candidate
from domain.resolver.prepared import PreparedPackage, prepare_package

__all__ = ["InMemorySource"]


class InMemorySource:
    """A source over ``{name: [Candidate, ...]}``, caching each package's prepared form.

    Build one per request from a few batched queries (the cache then lives for that request),
    or keep one around for a registry snapshot (tests, benches, an in-process cache).
    """

    def __init__(self, packages: Mapping[str, Iterable[Candidate]] | None = None) -> None:
        self._canonical: dict[str, str] = {}
        self._candidates: dict[str, tuple[Candidate, ...]] = {}
        self._prepared: dict[str, PreparedPackage] = {}
        for name, candidates in (packages or {}).items():
            self.add(name, candidates)

    def add(self, name: str, candidates: Iterable[Candidate]) -> None:
        """Register (or extend) a package; the first spelling seen stays canonical."""
        canonical = self._canonical.setdefault(name.lower(), name)
        self._candidates[canonical] = self._candidates.get(canonical, ()) + tuple(candidates)
        self._prepared.pop(canonical, None)

    def canonical_name(self, name: str) -> str | None:
        return self._canonical.get(name.lower())

    def candidates(self, name: str) -> Sequence[Candidate]:
        return self._candidates.get(name, ())

    def prepared(self, name: str) -> PreparedPackage:
        found = self._prepared.get(name)
        if found is None:
            found = self._prepared[name] = prepare_package(name, self.candidates(name))
        return found

    def names(self) -> list[str]:
        return sorted(self._candidates)
