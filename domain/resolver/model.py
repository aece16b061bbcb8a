"""Inputs and outputs of the resolver: the package source protocol and the result types.

The solver never talks to a database. The caller hands it a :class:`PackageSource` that
already contains only what the requester may install (published, visible versions); the
production source is built from a few batched queries, tests and benches use
:class:`domain.resolver.memory.InMemorySource`.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Protocol

__all__ = [
    "Candidate",
    "Dependency",
    "IncompatibilityReport",
    "NoSolution",
    "PackageSource",
    "Resolution",
    "ResolvedDependency",
    "ResolvedPackage",
    "TermReport",
]


# Dependency and Candidate are built by the ten thousand per request (every published
# version reachable from the roots), so they are not `frozen`: a frozen dataclass assigns each
# field through object.__setattr__, which made building them cost more than solving. They are
# still hashable by value and nothing mutates them.
@dataclass(slots=True, unsafe_hash=True)
class Dependency:
    """A declared dependency of a candidate: a name, a range text (``"*"`` = any), optional."""

    name: str
    spec: str = "*"
    optional: bool = False


@dataclass(slots=True, unsafe_hash=True)
class Candidate:
    """One installable version of a package, as the source sees it.

    ``toolbox_version`` is a range text constraining the ToolBox version ("" = any);
    ``platforms`` lists artifact platforms (empty, or containing ``"all"``, = every platform);
    ``payload`` is opaque to the solver (the caller attaches sha256, size, URL...).
    """

    version: str
    yanked: bool = False
    toolbox_version: str = ""
    platforms: tuple[str, ...] = ()
    dependencies: tuple[Dependency, ...] = ()
    payload: object = field(default=None, compare=False)


class PackageSource(Protocol):
    """What the solver needs to know about the registry, synchronously."""

    def canonical_name(self, name: str) -> str | None:
        """The canonical spelling of ``name`` (case-insensitive), or None if unknown/invisible."""
        ...

    def candidates(self, name: str) -> Sequence[Candidate]:
        """Every installable version of the canonically named package, in any order."""
        ...


# --------------------------------------------------------------------------------------------
# Results
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class ResolvedDependency:
    """A direct dependency of a resolved package; ``version`` is "" when not resolved."""

    name: str
    spec: str
    version: str
    optional: bool


@dataclass(frozen=True, slots=True)
class ResolvedPackage:
    name: str
    version: str
    payload: object
    dependencies: tuple[ResolvedDependency, ...]
    yanked: bool = False


@dataclass(slots=True)
class Resolution:
    """A successful resolution: one version per canonical name, install order, warnings."""

    packages: dict[str, ResolvedPackage]
    install_order: list[str]
    warnings: list[str]
    # Chosen versions whose toolbox_version constraint the requested ToolBox version does not
    # meet (possible only when pinned exactly); also described in `warnings`.
    toolbox_incompatible: list[str] = field(default_factory=list)

    @property
    def success(self) -> bool:
        return True


@dataclass(frozen=True, slots=True)
class TermReport:
    """One term: ``package`` within ``constraint`` (or, when not ``positive``, outside it)."""

    package: str
    positive: bool
    constraint: str
    text: str


@dataclass(frozen=True, slots=True)
class IncompatibilityReport:
    """A node of the derivation graph, for structured (GraphQL) output.

    ``kind`` is one of ``root``, ``dependency``, ``no_versions``, ``unsatisfiable_dependency``,
    ``invalid_dependency``, ``self_dependency``, ``not_found`` or ``derived``; ``causes`` holds
    the ids of the two incompatibilities a ``derived`` one was concluded from.
    """

    id: int
    kind: str
    text: str
    terms: tuple[TermReport, ...]
    causes: tuple[int, ...]


@dataclass(slots=True)
class NoSolution:
    """A failed resolution: prose explanation, the derivation graph, and short reasons."""

    explanation: str
    incompatibilities: list[IncompatibilityReport]
    errors: list[str]
    warnings: list[str] = field(default_factory=list)

    @property
    def success(self) -> bool:
        return False
