"""Request-independent, solver-ready form of one package's candidates.

Parsing and sorting versions, and grouping each version's dependencies, do not depend on who
asks or with which filters, so a source that lives longer than one solve (``InMemorySource``)
prepares each package once and hands the result to every solve.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Protocol, runtime_checkable

from packaging.version import InvalidVersion

from domain.ranges import SortKey, version_info
from domain.resolver.model import Candidate, PackageSource

__all__ = ["PreparedPackage", "PreparingSource", "prepare_package"]

DependencyMap = dict[str, tuple[str, ...]]


class PreparedPackage:
    """Candidates newest first, their sort keys, and lookup tables for range matching."""

    __slots__ = (
        "name",
        "candidates",
        "versions",
        "count",
        "yanked",
        "skipped",
        "stable_keys",
        "stable_prefix",
        "pre_keys",
        "pre_prefix",
        "_dependencies",
    )

    def __init__(
        self,
        name: str,
        candidates: list[Candidate],
        keys: list[SortKey],
        prerelease: list[bool],
        skipped: list[str],
    ) -> None:
        """``candidates`` (with their ``keys`` and ``prerelease`` flags) come newest first."""
        self.name = name
        self.candidates = candidates
        self.versions = [candidate.version for candidate in candidates]
        count = self.count = len(candidates)
        self.skipped = skipped  # stored version strings that are not PEP 440 versions
        yanked = 0
        # Walking newest-first entries backwards gives ascending keys; the prefix arrays turn
        # "positions a..b of the ascending list" into a candidate bitmask in O(1).
        stable_keys: list[SortKey] = []
        stable_prefix = [0]
        pre_keys: list[SortKey] = []
        pre_prefix = [0]
        for index in range(count - 1, -1, -1):
            if candidates[index].yanked:
                yanked |= 1 << index
            if prerelease[index]:
                pre_keys.append(keys[index])
                pre_prefix.append(pre_prefix[-1] | 1 << index)
            else:
                stable_keys.append(keys[index])
                stable_prefix.append(stable_prefix[-1] | 1 << index)
        self.yanked = yanked
        self.stable_keys, self.stable_prefix = stable_keys, stable_prefix
        self.pre_keys, self.pre_prefix = pre_keys, pre_prefix
        # Per version, {dependency name: sorted spec texts}; one list with and one without
        # optional dependencies, filled on first use.
        self._dependencies: dict[bool, list[DependencyMap | None]] = {}

    def dependencies_of(self, index: int, include_optional: bool) -> DependencyMap:
        cache = self._dependencies.get(include_optional)
        if cache is None:
            cache = self._dependencies[include_optional] = [None] * self.count
        found = cache[index]
        if found is None:
            found = {}
            for dependency in self.candidates[index].dependencies:
                if dependency.optional and not include_optional:
                    continue
                # The spelling is kept (not lower-cased) so warnings quote the manifest; the
                # canonical lookup is case-insensitive anyway.
                name = dependency.name.strip()
                spec = dependency.spec.strip() or "*"
                earlier = found.get(name)
                found[name] = (spec,) if earlier is None else tuple(sorted((*earlier, spec)))
            cache[index] = found
        return found


def prepare_package(name: str, candidates: Iterable[Candidate]) -> PreparedPackage:
    kept: list[Candidate] = []
    keys: list[SortKey] = []
    prerelease: list[bool] = []
    skipped: list[str] = []
    for candidate in candidates:
        try:
            key, is_prerelease = version_info(candidate.version)
        except InvalidVersion:
            skipped.append(candidate.version)
            continue
        kept.append(candidate)
        keys.append(key)
        prerelease.append(is_prerelease)
    # Newest first. Sources usually list versions in release order, so check for an already
    # sorted list before paying for a keyed sort; ties in precedence (differing build
    # metadata) are ordered by text, newest-first meaning the larger text first.
    count = len(kept)
    pairs = list(zip(keys, keys[1:], strict=False))
    if all(a < b for a, b in pairs):
        order: Sequence[int] = range(count - 1, -1, -1)
    elif all(a > b for a, b in pairs):
        order = range(count)
    else:
        order = sorted(range(count), key=lambda i: (keys[i], kept[i].version), reverse=True)
    return PreparedPackage(
        name,
        [kept[i] for i in order],
        [keys[i] for i in order],
        [prerelease[i] for i in order],
        skipped,
    )


@runtime_checkable
class PreparingSource(PackageSource, Protocol):
    """A source that also caches the solver-ready form of each package (``InMemorySource``);
    declared here, with what it returns, so that model.py needs nothing from this module."""

    def prepared(self, name: str) -> PreparedPackage: ...
