"""An independent, brute-force reading of the resolution rules, for checking the solver.

It shares only ``domain.ranges`` with the solver (range membership is tested on its own), and
re-states every rule directly: a requirement admits a candidate when the range contains its
version, its platform fits, and, unless the requirement is an exact pin, it is neither yanked
nor incompatible with the requested ToolBox version.
"""

from __future__ import annotations

import itertools
from collections.abc import Mapping, Sequence

from domain.ranges import InvalidRange, parse_range
from domain.resolver import Candidate, Resolution

Registry = Mapping[str, Sequence[Candidate]]


def _canonical(registry: Registry, name: str) -> str | None:
    for known in registry:
        if known.lower() == name.lower():
            return known
    return None


def admits(
    spec: str, candidate: Candidate, *, toolbox: str | None = None, platform: str | None = None
) -> bool:
    version_range = parse_range(spec)
    if not version_range.contains(candidate.version):
        return False
    platforms = [p.lower() for p in candidate.platforms]
    if platform is not None and platforms and platform.lower() not in platforms:
        if "all" not in platforms:
            return False
    if version_range.is_exact_pin:
        return True
    if candidate.yanked:
        return False
    if toolbox is not None and candidate.toolbox_version.strip():
        try:
            constraint = parse_range(candidate.toolbox_version)
        except InvalidRange:
            return True
        return constraint.contains(toolbox, include_prereleases=True)
    return True


def _requirements_of(
    registry: Registry, candidate: Candidate, include_optional: bool
) -> list[tuple[str, str]]:
    wanted = []
    for dependency in candidate.dependencies:
        if dependency.optional and not include_optional:
            continue
        canonical = _canonical(registry, dependency.name)
        if canonical is not None:  # unknown names are skipped (pip packages in manifests)
            wanted.append((canonical, dependency.spec or "*"))
    return wanted


def is_valid(
    registry: Registry,
    roots: Sequence[tuple[str, str]],
    chosen: Mapping[str, Candidate],
    *,
    toolbox: str | None = None,
    platform: str | None = None,
    include_optional: bool = False,
) -> bool:
    """Whether ``chosen`` (canonical name -> candidate) satisfies every rule."""

    def satisfied(name: str, spec: str) -> bool:
        picked = chosen.get(name)
        return picked is not None and admits(spec, picked, toolbox=toolbox, platform=platform)

    for name, spec in roots:
        canonical = _canonical(registry, name)
        if canonical is None or not satisfied(canonical, spec):
            return False
    for candidate in chosen.values():
        for name, spec in _requirements_of(registry, candidate, include_optional):
            if not satisfied(name, spec):
                return False
    return True


def solution_exists(
    registry: Registry,
    roots: Sequence[tuple[str, str]],
    *,
    toolbox: str | None = None,
    platform: str | None = None,
    include_optional: bool = False,
) -> bool:
    """Try every assignment (each package: absent or one of its candidates)."""
    names = list(registry)
    options = [[None, *registry[name]] for name in names]
    for combination in itertools.product(*options):
        chosen = {n: c for n, c in zip(names, combination, strict=True) if c is not None}
        if is_valid(
            registry,
            roots,
            chosen,
            toolbox=toolbox,
            platform=platform,
            include_optional=include_optional,
        ):
            return True
    return False


def chosen_candidates(registry: Registry, resolution: Resolution) -> dict[str, Candidate]:
    """Map a resolution back to the registry's candidate objects."""
    chosen = {}
    for name, package in resolution.packages.items():
        matches = [c for c in registry[name] if c.version == package.version]
        assert len(matches) == 1, (name, package.version)
        chosen[name] = matches[0]
    return chosen
