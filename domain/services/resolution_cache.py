"""The resolver's package universe, kept until the next committed write.

A resolution loads, level by level, every package reachable from its roots with all their
published versions and dependencies (domain/services/resolution.py), then prepares each
package for the solver (versions parsed and sorted, range lookup tables). The same few
packages are resolved over and over, and they change only when a write commits, so each
package's facts are kept here: its visibility and publisher, its candidates, the names it
depends on, and its prepared form once a solve built it.

Nothing here is per caller. What a caller may install is decided on every request from the
kept facts by the same rule as before (`access.can_view_live`), so a private package kept
for its members is still invisible to everyone else, and an anonymous resolution shares
the facts a member's loaded.

Every committed write empties the universe: this process's through `domain.changes`, other
processes' through the runtime's change feed (`invalidate`, registry/runtime.py). A fill
started before a write committed is dropped (the generation moved on). Bounded by package
count, least recently used first.
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Iterable, Mapping

from domain import changes
from domain.resolver import Candidate, InMemorySource
from domain.resolver.prepared import PreparedPackage, prepare_package

MAX_PACKAGES = 20_000


class PackageFacts:
    """One live package as the resolver sees it, whoever asks."""

    __slots__ = ("candidates", "depends_on", "name", "prepared", "publisher_id", "visibility")

    def __init__(
        self,
        name: str,
        visibility: str,
        publisher_id: str,
        candidates: tuple[Candidate, ...],
        depends_on: frozenset[str],
    ) -> None:
        self.name = name
        self.visibility = visibility
        self.publisher_id = publisher_id
        self.candidates = candidates
        # Name keys of every package a candidate depends on (the next level).
        self.depends_on = depends_on
        # The solver's form, built on first use (resolves run one at a time, see
        # domain/offload.expensive_gate, so two never build it at once).
        self.prepared: PreparedPackage | None = None


# A looked-up name no live package has: kept too, so a missing dependency costs no query.
Absent = None
Key = tuple[str | None, str]  # (download base URL, name key)


class Universe:
    def __init__(self, max_packages: int = MAX_PACKAGES) -> None:
        self.max_packages = max_packages
        self.generation = 0
        self._facts: OrderedDict[Key, PackageFacts | None] = OrderedDict()

    def __len__(self) -> int:
        return len(self._facts)

    def invalidate(self) -> None:
        self.generation += 1
        self._facts.clear()

    def known(self, base_url: str | None, keys: Iterable[str]) -> dict[str, PackageFacts | None]:
        """What is kept of `keys` (a missing key is not known; a None value is known absent)."""
        found: dict[str, PackageFacts | None] = {}
        facts = self._facts
        for key in keys:
            entry = (base_url, key)
            if entry in facts:
                facts.move_to_end(entry)
                found[key] = facts[entry]
        return found

    def keep(
        self,
        base_url: str | None,
        loaded: Mapping[str, PackageFacts | None],
        generation: int,
    ) -> None:
        """Keep what was read while `generation` was current, unless a write committed since."""
        if generation != self.generation:
            return
        for key, value in loaded.items():
            self._facts[(base_url, key)] = value
            self._facts.move_to_end((base_url, key))
        while len(self._facts) > self.max_packages:
            self._facts.popitem(last=False)


universe = Universe()


def invalidate() -> None:
    """A write committed (here or, through the change feed, in another process)."""
    universe.invalidate()


# This process's own writes, whether or not a web runtime is running.
changes.subscribe(invalidate)


class UniverseSource(InMemorySource):
    """A request's source over kept facts: the packages it may see, prepared once for all."""

    def __init__(self) -> None:
        super().__init__()
        self._facts: dict[str, PackageFacts] = {}

    def add_facts(self, facts: PackageFacts) -> None:
        self.add(facts.name, facts.candidates)
        self._facts[facts.name] = facts

    def prepared(self, name: str) -> PreparedPackage:
        facts = self._facts.get(name)
        if facts is None:
            return super().prepared(name)
        if facts.prepared is None:
            facts.prepared = prepare_package(facts.name, facts.candidates)
        return facts.prepared
