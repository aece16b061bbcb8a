"""The compact dependency list stored on each version (`PackageVersion.requires`).

The dependency rows stay the source of truth (reverse dependencies, version detail, GraphQL);
this copy exists for the resolver, which reads every published version reachable from a
request's roots: one text column per version instead of a join per dependency level.
"""

from __future__ import annotations

import json
from collections.abc import Iterable

from domain.manifest import DependencySpec
from domain.names import name_key
from domain.resolver import Dependency

NOT_RECORDED = ""


def encode_requires(dependencies: Iterable[DependencySpec]) -> str:
    """`[[name, range, optional], ...]` in declaration order; "[]" when there are none."""
    return json.dumps(
        [[d.name, d.version_spec or "*", bool(d.optional)] for d in dependencies],
        separators=(",", ":"),
    )


class RequiresDecoder:
    """Decodes `requires` texts, each distinct text once: neighbouring versions of a package
    mostly declare the same dependencies, so a request decodes a few thousand texts for tens
    of thousands of versions, and equal dependencies share one object.

    `take_new_names()` hands out the name keys of dependencies first seen since the last
    call: a text decoded before contributes nothing new, so callers walking the graph level
    by level need not collect names per version."""

    def __init__(self) -> None:
        self._decoded: dict[str, tuple[Dependency, ...]] = {}
        self._dependencies: dict[tuple[str, str, bool], Dependency] = {}
        self._new_names: set[str] = set()

    def decode(self, text: str) -> tuple[Dependency, ...]:
        found = self._decoded.get(text)
        if found is not None:
            return found
        decoded = []
        for name, spec, optional in json.loads(text):
            key = (str(name), str(spec) or "*", bool(optional))
            dependency = self._dependencies.get(key)
            if dependency is None:
                dependency = self._dependencies[key] = Dependency(*key)
                self._new_names.add(name_key(key[0]))
            decoded.append(dependency)
        found = self._decoded[text] = tuple(decoded)
        return found

    def take_new_names(self) -> set[str]:
        names, self._new_names = self._new_names, set()
        return names
