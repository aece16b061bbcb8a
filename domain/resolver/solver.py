"""``solve()``: requirements in, a :class:`Resolution` or a :class:`NoSolution` out."""

from __future__ import annotations

import re
from collections.abc import Sequence

from packaging.version import InvalidVersion, Version

from domain.ranges import (
    InvalidRange,
    InvalidRequirement,
    Requirement,
    as_version,
    parse_range,
    parse_requirement,
)
from domain.resolver.explanation import build_no_solution
from domain.resolver.model import (
    Candidate,
    Dependency,
    IncompatibilityReport,
    NoSolution,
    PackageSource,
    Resolution,
    ResolvedDependency,
    ResolvedPackage,
    TermReport,
)
from domain.resolver.ordering import install_order
from domain.resolver.pubgrub import PubGrubSolver, SolveFailure
from domain.resolver.universe import Universe

__all__ = ["InvalidToolboxVersion", "RootRequirement", "not_found", "solve"]

_NAME = re.compile(r"[A-Za-z0-9_-]+")

RootRequirement = Requirement | tuple[str, str] | str


class InvalidToolboxVersion(ValueError):
    """The request's ``toolbox_version`` is not a PEP 440 version."""


def _as_requirement(root: RootRequirement) -> Requirement:
    if isinstance(root, Requirement):
        return root
    if isinstance(root, str):
        return parse_requirement(root)
    name, spec = root
    if not isinstance(name, str) or _NAME.fullmatch(name) is None:
        raise InvalidRequirement(str(name), "expected a package name ([A-Za-z0-9_-]+)")
    spec = (spec or "").strip() or "*"
    try:
        return Requirement(name=name, spec=spec, range=parse_range(spec))
    except InvalidRange as error:
        raise InvalidRequirement(f"{name} {spec}", f"specifier {spec!r}: {error.reason}") from error


def not_found(requirements: Sequence[Requirement]) -> NoSolution:
    """The failure for root packages the caller cannot see (unknown and private look alike)."""
    errors: list[str] = []
    reports: list[IncompatibilityReport] = []
    for requirement in requirements:
        message = f"Package not found: {requirement.name}"
        if message in errors:
            continue
        errors.append(message)
        term = TermReport(requirement.name, True, requirement.spec, str(requirement))
        reports.append(
            IncompatibilityReport(
                id=len(reports) + 1, kind="not_found", text=message, terms=(term,), causes=()
            )
        )
    return NoSolution(explanation="\n".join(errors), incompatibilities=reports, errors=errors)


def solve(
    roots: Sequence[RootRequirement],
    source: PackageSource,
    *,
    toolbox_version: str | None = None,
    platform: str | None = None,
    include_optional: bool = False,
) -> Resolution | NoSolution:
    """Choose one version per package so every requirement holds, or explain why not.

    ``roots`` are :class:`Requirement` objects, ``(name, spec)`` pairs or requirement strings.
    Raises :class:`InvalidRequirement` for an unparseable root (the API answers 400) and
    :class:`InvalidToolboxVersion` for a bad ``toolbox_version``; every other problem is a
    :class:`NoSolution`.
    """
    requirements = [_as_requirement(root) for root in roots]
    toolbox = _parse_toolbox_version(toolbox_version)
    dependencies: list[Dependency] = []
    missing: list[Requirement] = []
    for requirement in requirements:
        canonical = source.canonical_name(requirement.name)
        if canonical is None:
            missing.append(requirement)
        else:
            dependencies.append(Dependency(canonical, requirement.spec))
    if missing:
        return not_found(missing)
    universe = Universe(
        source,
        dependencies,
        toolbox_version=toolbox,
        platform=platform.strip() if platform else None,
        include_optional=include_optional,
    )
    solver = PubGrubSolver(universe)
    try:
        solver.run()
    except SolveFailure as failure:
        return build_no_solution(universe, failure.incompatibility, _skipped(universe))
    return _resolution(universe, solver.decisions, toolbox_version, include_optional)


def _parse_toolbox_version(text: str | None) -> Version | None:
    if text is None or not text.strip():
        return None
    try:
        return as_version(text.strip())
    except InvalidVersion:
        raise InvalidToolboxVersion(f"Invalid toolbox_version {text!r}") from None


def _skipped(universe: Universe) -> list[str]:
    return [f"Ignored {entry}: not a valid version" for entry in universe.skipped_versions]


def _resolution(
    universe: Universe,
    decisions: dict[int, int],
    toolbox_text: str | None,
    include_optional: bool,
) -> Resolution:
    chosen = {
        universe.name(pid): universe.packages[pid].candidates[index]
        for pid, index in decisions.items()
    }
    packages: dict[str, ResolvedPackage] = {}
    graph: dict[str, list[str]] = {}
    notes: dict[str, list[str]] = {}
    toolbox_incompatible: list[str] = []
    for name in sorted(chosen):
        candidate = chosen[name]
        if universe.toolbox_version is not None and universe.toolbox_incompatible(candidate):
            toolbox_incompatible.append(f"{name} {candidate.version}")
        resolved: list[ResolvedDependency] = []
        edges: list[str] = []
        package_notes: list[str] = []
        for dependency in candidate.dependencies:
            canonical = universe.canonical(dependency.name.strip())
            target = chosen.get(canonical) if canonical else None
            resolved.append(
                ResolvedDependency(
                    name=canonical or dependency.name,
                    spec=dependency.spec.strip() or "*",
                    version=target.version if target else "",
                    optional=dependency.optional,
                )
            )
            if target is not None and canonical is not None:
                edges.append(canonical)
            considered = include_optional or not dependency.optional
            if canonical is None and considered:
                package_notes.append(
                    f"{name} {candidate.version}: dependency '{dependency.name}' is not a "
                    "registry package; skipped"
                )
        package_notes.extend(_candidate_notes(universe, name, candidate, toolbox_text))
        packages[name] = ResolvedPackage(
            name=name,
            version=candidate.version,
            payload=candidate.payload,
            dependencies=tuple(resolved),
            yanked=candidate.yanked,
        )
        graph[name] = edges
        notes[name] = package_notes
    order, cycles = install_order(graph)
    warnings = [note for name in order for note in dict.fromkeys(notes[name])]
    for cycle in cycles:
        if len(cycle) == 1:
            warnings.append(f"Dependency cycle: {cycle[0]} depends on itself")
        else:
            path = " -> ".join([*cycle, cycle[0]])
            warnings.append(f"Dependency cycle: {path} (installed in the order {', '.join(cycle)})")
    warnings.extend(_skipped(universe))
    return Resolution(
        packages=packages,
        install_order=order,
        warnings=warnings,
        toolbox_incompatible=toolbox_incompatible,
    )


def _candidate_notes(
    universe: Universe, name: str, candidate: Candidate, toolbox_text: str | None
) -> list[str]:
    notes = []
    label = f"{name} {candidate.version}"
    if candidate.yanked:
        notes.append(f"{label} is yanked (selected because it was pinned exactly)")
    constraint = candidate.toolbox_version.strip()
    if constraint and universe.toolbox_version is not None:
        try:
            parse_range(constraint)
        except InvalidRange as error:
            notes.append(f"{label} has an invalid toolbox_version constraint: {error.reason}")
        else:
            if universe.toolbox_incompatible(candidate):
                notes.append(
                    f"{label} requires ToolBox {constraint}, but toolbox_version is "
                    f"{(toolbox_text or '').strip()} (selected because it was pinned exactly)"
                )
    return notes
