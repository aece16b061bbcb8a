"""Dependency resolution over the registry: load what the solver may see, then solve.

The solver (domain/resolver) is pure and synchronous. Its source is loaded here breadth-first,
one dependency level at a time, with three batched queries per level (packages, versions,
dependencies) and cached for the request, so a 50-root request costs a handful of queries
rather than one per candidate version.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TypeVar

from domain.actor import Actor
from domain.exceptions import InvalidInput
from domain.models import Dependency as DependencyRow
from domain.models import Package, PackageVersion
from domain.names import name_key
from domain.ranges import InvalidRange, InvalidRequirement, parse_requirement
from domain.resolver import (
    Candidate,
    Dependency,
    InMemorySource,
    InvalidToolboxVersion,
    NoSolution,
    Requirement,
    Resolution,
    solve,
)
from domain.services.access import can_view
from domain.services.urls import package_file_url

MAX_ROOTS = 500
MAX_LEVELS = 64
# Bound on the values bound into one `IN (...)`: PostgreSQL takes at most 32,767 parameters
# per statement, and a wide dependency level can reach tens of thousands of versions.
IN_BATCH = 10_000
_T = TypeVar("_T")


def _chunks(items: Sequence[_T]) -> list[Sequence[_T]]:
    return [items[start:start + IN_BATCH] for start in range(0, len(items), IN_BATCH)]


@dataclass(frozen=True)
class Artifact:
    """What a client needs to fetch a resolved version (the solver's opaque payload)."""

    sha256: str
    size_bytes: int
    download_url: str


async def load_source(actor: Actor, root_names: Sequence[str], *, base_url: str | None
                      ) -> InMemorySource:
    """Everything reachable from `root_names` that `actor` may install, level by level."""
    source = InMemorySource()
    seen: set[str] = set()
    frontier = {name_key(n) for n in root_names}
    for _ in range(MAX_LEVELS):
        frontier -= seen
        if not frontier:
            break
        seen |= frontier
        packages = [p for keys in _chunks(sorted(frontier))
                    for p in await Package.filter(name_key__in=keys, deleted_at__isnull=True)
                    if can_view(actor, p)]
        by_id = {p.id: p for p in packages}
        rows = [row for ids in _chunks(list(by_id))
                for row in await PackageVersion.filter(package_id__in=ids, status="published")
                .values("id", "package_id", "version", "yanked", "toolbox_version", "platforms",
                        "sha256", "size_bytes")]
        deps_by_version: dict[int, list[Dependency]] = defaultdict(list)
        next_names: set[str] = set()
        dependency_rows = [dep for ids in _chunks([r["id"] for r in rows])
                           for dep in await DependencyRow.filter(version_id__in=ids).values(
                               "version_id", "name", "name_key", "version_spec", "optional")]
        for dep in dependency_rows:
            deps_by_version[dep["version_id"]].append(
                Dependency(dep["name"], dep["version_spec"] or "*", dep["optional"]))
            next_names.add(dep["name_key"])
        candidates: dict[int, list[Candidate]] = defaultdict(list)
        for row in rows:
            package = by_id[row["package_id"]]
            candidates[package.id].append(Candidate(
                version=row["version"], yanked=row["yanked"],
                toolbox_version=row["toolbox_version"] or "",
                platforms=tuple(row["platforms"] or ()),
                dependencies=tuple(deps_by_version.get(row["id"], ())),
                payload=Artifact(row["sha256"], row["size_bytes"],
                                 package_file_url(package.name, row["version"], base_url))))
        for package in packages:
            source.add(package.name, candidates.get(package.id, []))
        frontier = next_names
    return source


def parse_roots(requirements: Sequence[str | tuple[str, str]]) -> list[Requirement]:
    """Validate root requirements up front: an unparseable one is the caller's 400."""
    if len(requirements) > MAX_ROOTS:
        raise InvalidInput(f"At most {MAX_ROOTS} requirements per request")
    roots: list[Requirement] = []
    for item in requirements:
        text = item if isinstance(item, str) else f"{item[0]} {item[1]}"
        try:
            roots.append(parse_requirement(text))
        except (InvalidRequirement, InvalidRange) as exc:
            raise InvalidInput(f"Invalid requirement {text!r}: {exc}",
                               field="requirements") from None
    return roots


async def resolve(actor: Actor, requirements: Sequence[str | tuple[str, str]], *,
                  toolbox_version: str | None = None, platform: str | None = None,
                  include_optional: bool = False, base_url: str | None = None
                  ) -> Resolution | NoSolution:
    roots = parse_roots(requirements)
    if not roots:
        raise InvalidInput("At least one requirement is required", field="requirements")
    source = await load_source(actor, [r.name for r in roots], base_url=base_url)
    try:
        return solve(roots, source, toolbox_version=toolbox_version or None,
                     platform=platform or None, include_optional=include_optional)
    except InvalidToolboxVersion as exc:
        raise InvalidInput(str(exc), field="toolbox_version") from None
    except (InvalidRequirement, InvalidRange) as exc:
        raise InvalidInput(str(exc), field="requirements") from None


async def check_compatibility(actor: Actor, package: str, version: str,
                              toolbox_version: str | None) -> tuple[bool, list[str], list[str]]:
    """(compatible, warnings, conflicts) for installing exactly `package==version`."""
    if not package or not version:
        raise InvalidInput("package and version are required")
    result = await resolve(actor, [f"{package}=={version}"], toolbox_version=toolbox_version)
    if isinstance(result, NoSolution):
        return False, list(result.warnings), list(result.errors)
    toolbox_warnings = [w for w in result.warnings if "toolbox" in w.lower()]
    return not toolbox_warnings, list(result.warnings), []
