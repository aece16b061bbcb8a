"""Resolver benchmark: PubGrub (domain.resolver) vs resolvelib over the same in-memory data.

Run from the repository root (about 2-3 minutes on 2 cores)::

    uv run python bench/resolve_bench.py
    uv run python bench/resolve_bench.py --requests 10 --skip-resolvelib   # quick look

Synthetic registries, seeded, always the full size (5,000 packages x 30 versions). Each evolves
over simulated time like a real one: every package gets 30 releases (patch / minor / major
bumps) at random times; a release depends on 0-4 other packages, skewed towards a popular
"core", with a range written against the dependency's newest release at that moment (``^``,
``~``, ``>=``, ``>=,<``, ``*`` or an exact pin); maintainers rewrite a range only now and then;
a few releases are yanked. A request is 50 random root packages (80% ``*``, 20% ``>=`` an
older release), which pulls in roughly 250-400 packages. Three registry shapes are measured
(see ``RegistryShape``): *typical* (mostly lower bounds, rare breaking releases), *conflicting*
(caret-heavy, breaking releases) and *conflict-heavy*.

Both solvers apply the same rules (newest first, yanked only for exact pins, node-semver ranges
from ``domain.ranges``) to the same ``InMemorySource``. PubGrub is timed twice per request:
*cold* on a fresh source (versions parsed and sorted during the solve, as a per-request source
built from database rows would be) and *warm* on a long-lived source that keeps each package's
prepared form; each is the best of 3 runs. Times are reported as CPU time (process time, which
does not grow while the process waits for a core on a busy shared machine) and wall time.
resolvelib reads the same prepared candidates (warm) and runs once, so the ratio compares warm
CPU time with warm CPU time. It runs
with pip's provider preferences, pip's round limit (200,000) and a wall-clock limit (10 s by
default) enforced from inside the provider, so the bench always terminates.
"""

from __future__ import annotations

import argparse
import gc
import os
import random
import statistics
import sys
import time
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from resolvelib import AbstractProvider, BaseReporter, Resolver
from resolvelib.resolvers import (
    RequirementInformation,
    ResolutionImpossible,
    ResolutionTooDeep,
)

from domain.ranges import as_version, parse_range
from domain.resolver import (
    Candidate,
    Dependency,
    InMemorySource,
    NoSolution,
    Resolution,
    solve,
)

PIP_MAX_ROUNDS = 200_000
REPEATS = 3

# --------------------------------------------------------------------------------------------
# Synthetic registry
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class RegistryShape:
    """Knobs of the synthetic registry (probabilities per release or per dependency)."""

    zero_major_share: float = 0.15  # packages that start at 0.1.0 (caret on 0.x pins a minor)
    major_bump: float = 0.02
    minor_bump: float = 0.25
    # Spec kinds, cumulative thresholds: ^, ~, >=, ">=x, <next major", *, ==
    spec_weights: tuple[float, ...] = (0.70, 0.04, 0.14, 0.08, 0.03, 0.01)
    range_refresh: float = 0.3  # chance a release rewrites an existing dependency range
    core_skew: float = 3.0  # targets = N - 1 - int(remaining * u**core_skew)
    yanked: float = 0.02


# Mostly lower bounds, rare breaking releases: the common case, where resolvelib also copes.
TYPICAL = RegistryShape(
    zero_major_share=0.05,
    major_bump=0.005,
    spec_weights=(0.30, 0.0, 0.50, 0.05, 0.15, 0.0),
    yanked=0.01,
)
# Caret-heavy with breaking releases: most requests need backtracking (dozens to hundreds of
# conflicts for PubGrub); resolvelib times out on nearly all of them.
CONFLICTING = RegistryShape()
# Many 0.x packages (caret pins a minor), frequent breaking releases, narrow ranges.
CONFLICT_HEAVY = RegistryShape(
    zero_major_share=0.4,
    major_bump=0.03,
    minor_bump=0.3,
    spec_weights=(0.65, 0.05, 0.12, 0.10, 0.06, 0.02),
)


def _release_train(rng: random.Random, count: int, shape: RegistryShape) -> list[str]:
    major, minor, patch = (0, 1, 0) if rng.random() < shape.zero_major_share else (1, 0, 0)
    versions = []
    for _ in range(count):
        versions.append(f"{major}.{minor}.{patch}")
        roll = rng.random()
        if roll < shape.major_bump:
            major, minor, patch = major + 1, 0, 0
        elif roll < shape.major_bump + shape.minor_bump:
            minor, patch = minor + 1, 0
        else:
            patch += 1
    return versions


def _next_major(version: str) -> str:
    major, minor, _ = (int(p) for p in version.split("."))
    return f"{major + 1}.0.0" if major else f"0.{minor + 1}.0"


def _spec_for(rng: random.Random, target_version: str, shape: RegistryShape) -> str:
    kinds = (
        f"^{target_version}",
        f"~{target_version}",
        f">={target_version}",
        f">={target_version}, <{_next_major(target_version)}",
        "*",
        f"=={target_version}",
    )
    return rng.choices(kinds, weights=shape.spec_weights)[0]


def build_registry(
    seed: int, packages: int = 5000, versions: int = 30, shape: RegistryShape = TYPICAL
) -> dict[str, list[Candidate]]:
    """A seeded, time-evolved registry (see the module docstring)."""
    rng = random.Random(seed)
    names = [f"pkg{index:04d}" for index in range(packages)]
    trains = [_release_train(rng, versions, shape) for _ in names]
    times = [sorted(rng.uniform(0, 1000) for _ in range(versions)) for _ in names]

    def release_at(target: int, moment: float) -> str:
        chosen = trains[target][0]
        for version, released in zip(trains[target], times[target], strict=True):
            if released > moment:
                break
            chosen = version
        return chosen

    def pick_target(index: int) -> int | None:
        # Higher indices are "lower-level" packages; u**skew favours the popular core at the
        # end of the list, as real ecosystems lean on a few base libraries.
        remaining = packages - 1 - index
        if remaining <= 0:
            return None
        return packages - 1 - int(remaining * rng.random() ** shape.core_skew)

    registry: dict[str, list[Candidate]] = {}
    for index, name in enumerate(names):
        width = rng.choices((0, 1, 2, 3, 4), weights=(22, 30, 26, 15, 7))[0]
        targets = [t for t in (pick_target(index) for _ in range(width)) if t is not None]
        specs: dict[int, str] = {}
        candidates = []
        for position, version in enumerate(trains[index]):
            moment = times[index][position]
            if rng.random() < 0.06:
                extra = pick_target(index)
                if extra is not None and extra not in targets:
                    targets.append(extra)
            if targets and rng.random() < 0.04:
                targets.pop(rng.randrange(len(targets)))
            for target in targets:
                if target not in specs or rng.random() < shape.range_refresh:
                    specs[target] = _spec_for(rng, release_at(target, moment), shape)
            dependencies = tuple(Dependency(names[t], specs[t]) for t in sorted(set(targets)))
            candidates.append(
                Candidate(
                    version=version,
                    yanked=rng.random() < shape.yanked,
                    dependencies=dependencies,
                    payload=f"{name}-{version}",
                )
            )
        registry[name] = candidates
    return registry


def sample_requests(
    registry: Mapping[str, Sequence[Candidate]], seed: int, count: int, roots: int = 50
) -> list[list[tuple[str, str]]]:
    rng = random.Random(seed * 7919 + 1)
    names = sorted(registry)
    requests = []
    for _ in range(count):
        request = []
        for name in rng.sample(names, roots):
            if rng.random() < 0.8:
                request.append((name, "*"))
                continue
            # Someone who already has an older version installed and wants it kept or newer.
            floor = rng.choice(registry[name][: len(registry[name]) // 2])
            request.append((name, f">={floor.version}"))
        requests.append(request)
    return requests


# --------------------------------------------------------------------------------------------
# resolvelib driven over the same data
# --------------------------------------------------------------------------------------------


class ResolverTimeout(Exception):
    """Raised from inside the provider once the wall-clock budget is spent."""


@dataclass(frozen=True, slots=True)
class _Requirement:
    name: str
    spec: str


@dataclass(frozen=True, slots=True)
class _Pinned:
    name: str
    index: int  # position in the newest-first candidate list
    candidate: Candidate


class SourceProvider(AbstractProvider):
    """A resolvelib provider with the same rules as domain.resolver, over a PackageSource."""

    def __init__(self, source: InMemorySource, deadline: float) -> None:
        self.source = source
        self.deadline = deadline
        self._allowed: dict[tuple[str, str], frozenset[int]] = {}
        self._depths: dict[str, int] = {}

    def _candidates(self, name: str) -> list[Candidate]:
        # The source's prepared form: parsed and sorted newest first once per registry, exactly
        # what domain.resolver gets from the same (warm) source.
        return self.source.prepared(name).candidates

    def _allowed_indices(self, requirement: _Requirement) -> frozenset[int]:
        key = (requirement.name, requirement.spec)
        found = self._allowed.get(key)
        if found is None:
            version_range = parse_range(requirement.spec)
            found = frozenset(
                index
                for index, candidate in enumerate(self._candidates(requirement.name))
                if version_range.contains(candidate.version)
                and (not candidate.yanked or version_range.is_exact_pin)
            )
            self._allowed[key] = found
        return found

    def identify(self, requirement_or_candidate: _Requirement | _Pinned) -> str:
        return requirement_or_candidate.name

    def narrow_requirement_selection(
        self,
        identifiers: Iterable[str],
        resolutions: Mapping[str, _Pinned],
        candidates: Mapping[str, Iterable[_Pinned]],
        information: Mapping[str, Iterable[RequirementInformation]],
        backtrack_causes: Sequence[RequirementInformation],
    ) -> Iterable[str]:
        # As pip does: work on the packages behind the latest backtrack first.
        causes = {cause.requirement.name for cause in backtrack_causes}
        causes.update(cause.parent.name for cause in backtrack_causes if cause.parent)
        narrowed = [identifier for identifier in identifiers if identifier in causes]
        return narrowed or identifiers

    def get_preference(
        self,
        identifier: str,
        resolutions: Mapping[str, _Pinned],
        candidates: Mapping[str, Iterable[_Pinned]],
        information: Mapping[str, Iterable[RequirementInformation]],
        backtrack_causes: Sequence[RequirementInformation],
    ) -> tuple[bool, int, str]:
        # pip's ordering (src/pip/_internal/resolution/resolvelib/provider.py), minus what
        # does not apply here: exact pins first, then shallower packages, then by name.
        depth = 1
        pinned = False
        parents = []
        for info in information[identifier]:
            pinned = pinned or parse_range(info.requirement.spec).is_exact_pin
            parents.append(info.parent)
        if parents and all(parent is not None for parent in parents):
            depth = 1 + min(self._depths.get(parent.name, 1) for parent in parents)
        self._depths[identifier] = depth
        return (not pinned, depth, identifier)

    def find_matches(
        self,
        identifier: str,
        requirements: Mapping[str, Iterable[_Requirement]],
        incompatibilities: Mapping[str, Iterable[_Pinned]],
    ) -> list[_Pinned]:
        if time.perf_counter() > self.deadline:
            raise ResolverTimeout
        allowed: frozenset[int] | None = None
        for requirement in requirements[identifier]:
            indices = self._allowed_indices(requirement)
            allowed = indices if allowed is None else allowed & indices
        excluded = {pinned.index for pinned in incompatibilities[identifier]}
        candidates = self._candidates(identifier)
        return [
            _Pinned(identifier, index, candidates[index])
            for index in sorted(allowed or ())
            if index not in excluded
        ]

    def is_satisfied_by(self, requirement: _Requirement, candidate: _Pinned) -> bool:
        return candidate.index in self._allowed_indices(requirement)

    def get_dependencies(self, candidate: _Pinned) -> list[_Requirement]:
        result = []
        for dependency in candidate.candidate.dependencies:
            if dependency.optional:
                continue
            canonical = self.source.canonical_name(dependency.name)
            if canonical is not None:
                result.append(_Requirement(canonical, dependency.spec))
        return result


def resolvelib_solve(
    source: InMemorySource, roots: Sequence[tuple[str, str]], timeout: float
) -> str:
    """Run resolvelib; returns 'solved', 'no solution', 'too deep' or 'timeout'."""
    provider = SourceProvider(source, time.perf_counter() + timeout)
    resolver: Resolver = Resolver(provider, BaseReporter())
    requirements = [_Requirement(source.canonical_name(n) or n, s) for n, s in roots]
    try:
        resolver.resolve(requirements, max_rounds=PIP_MAX_ROUNDS)
    except ResolutionImpossible:
        return "no solution"
    except ResolutionTooDeep:
        return "too deep"
    except ResolverTimeout:
        return "timeout"
    return "solved"


def pubgrub_solve(source: InMemorySource, roots: Sequence[tuple[str, str]]) -> str:
    result = solve(roots, source)
    if isinstance(result, Resolution):
        return "solved"
    assert isinstance(result, NoSolution)
    return "no solution"


# --------------------------------------------------------------------------------------------
# Adversarial registries
# --------------------------------------------------------------------------------------------


def _late_conflict(
    width: int, versions: int, solvable: bool
) -> tuple[InMemorySource, list[tuple[str, str]]]:
    """Many independent choices made before a conflict that only an old ``anchor`` avoids.

    A backtracking search without learning retries the independent packages' combinations
    (``versions ** width``) before it blames ``anchor``; PubGrub learns "anchor >=1.1.0
    requires base ^3" once. With ``solvable=False`` no anchor version works at all.
    """
    packages: dict[str, list[Candidate]] = {}
    for index in range(width):
        packages[f"free{index:02d}"] = [
            Candidate(f"1.{i}.0", dependencies=(Dependency("base", "*"),)) for i in range(versions)
        ]
    packages["base"] = [Candidate(f"{i}.0.0") for i in range(1, 4)]
    packages["anchor"] = [
        Candidate(
            f"1.{i}.0",
            dependencies=(Dependency("base", "^1" if i == 0 and solvable else "^3"),),
        )
        for i in range(versions)
    ]
    packages["zz-last"] = [Candidate("1.0.0", dependencies=(Dependency("base", "<3"),))]
    roots = [(f"free{index:02d}", "*") for index in range(width)]
    return InMemorySource(packages), [*roots, ("anchor", "*"), ("zz-last", "*")]


def adversarial_cases() -> list[tuple[str, InMemorySource, list[tuple[str, str]]]]:
    return [
        ("late conflict 12x20", *_late_conflict(12, 20, solvable=True)),
        ("late conflict, unsat", *_late_conflict(12, 20, solvable=False)),
    ]


# --------------------------------------------------------------------------------------------
# Driver
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class _Timing:
    """Wall-clock and CPU seconds of one call. On a shared machine the CPU time is the stable
    figure: a single-threaded solve's CPU time does not grow while it waits for a core."""

    wall: float
    cpu: float
    outcome: str


def _timed(call: Callable[[], str]) -> _Timing:
    wall, cpu = time.perf_counter(), time.process_time()
    outcome = call()
    return _Timing(time.perf_counter() - wall, time.process_time() - cpu, outcome)


def _best(timings: list[_Timing]) -> _Timing:
    return _Timing(min(t.wall for t in timings), min(t.cpu for t in timings), timings[-1].outcome)


def _ms(seconds: float) -> str:
    return f"{seconds * 1000:.1f}"


@dataclass(slots=True)
class _Row:
    cold: _Timing
    warm: _Timing
    other: _Timing | None = None


def _gave_up(timing: _Timing) -> bool:
    return timing.outcome in ("timeout", "too deep")


def run_registry(
    title: str,
    shape: RegistryShape,
    args: argparse.Namespace,
    requests: int,
    resolvelib_requests: int,
) -> list[_Row]:
    started = time.perf_counter()
    registry = build_registry(args.seed, args.packages, args.versions, shape)
    # The registry is long-lived data: keep the cyclic GC from rescanning it during solves.
    gc.collect()
    gc.freeze()
    shared = InMemorySource(registry)
    for candidates in registry.values():  # warm the process-wide parse caches
        for candidate in candidates:
            as_version(candidate.version)
            for dependency in candidate.dependencies:
                parse_range(dependency.spec)
    total = sum(len(v) for v in registry.values())
    print(
        f"\n== {title} registry: {len(registry):,} packages x {args.versions} versions "
        f"= {total:,} versions (seed {args.seed}, built in {time.perf_counter() - started:.1f} s)"
    )
    print(f"   {shape}")
    batch = sample_requests(registry, args.seed, requests, args.roots)
    for request in batch:  # fill the shared source's prepared cache ("warm")
        pubgrub_solve(shared, request)
    rows = []
    for number, request in enumerate(batch):
        # Best of REPEATS per request for PubGrub; resolvelib runs once (a run may take 10 s).
        colds, warms = [], []
        for _ in range(REPEATS):
            fresh = InMemorySource(registry)
            colds.append(_timed(lambda r=request, s=fresh: pubgrub_solve(s, r)))
            warms.append(_timed(lambda r=request: pubgrub_solve(shared, r)))
        row = _Row(_best(colds), _best(warms))
        if number < resolvelib_requests:
            row.other = _timed(lambda r=request: resolvelib_solve(shared, r, args.timeout))
        rows.append(row)
    print(
        f"{'#':>3}  {'cold cpu':>8}  {'warm cpu':>8}  {'warm wall':>9}  {'outcome':<11}  "
        f"{'resolvelib cpu':>14}  {'wall':>7}  {'outcome':<11}  {'cpu ratio':>9}"
    )
    for number, row in enumerate(rows, start=1):
        line = (
            f"{number:>3}  {_ms(row.cold.cpu):>8}  {_ms(row.warm.cpu):>8}  "
            f"{_ms(row.warm.wall):>9}  {row.warm.outcome:<11}"
        )
        if row.other is not None:
            bound = ">=" if _gave_up(row.other) else "  "
            line += (
                f"  {_ms(row.other.cpu):>14}  {_ms(row.other.wall):>7}  {row.other.outcome:<11}"
                f"  {bound}{row.other.cpu / row.warm.cpu:>6.0f}x"
            )
        print(line)
    solved = sum(row.warm.outcome == "solved" for row in rows)
    print(
        f"   {len(rows)} requests of {args.roots} roots, {solved} solvable. Medians (best of "
        f"{REPEATS}, ms): cold cpu {_ms(statistics.median(r.cold.cpu for r in rows))}, "
        f"warm cpu {_ms(statistics.median(r.warm.cpu for r in rows))}, "
        f"cold wall {_ms(statistics.median(r.cold.wall for r in rows))}, "
        f"warm wall {_ms(statistics.median(r.warm.wall for r in rows))} (target < 50 ms)"
    )
    compared = [(row.warm, row.other) for row in rows if row.other is not None]
    if compared:
        ours = statistics.median(warm.cpu for warm, _ in compared)
        theirs = statistics.median(other.cpu for _, other in compared)
        gave_up = sum(_gave_up(other) for _, other in compared)
        print(
            f"   resolvelib on the first {len(compared)}: median cpu {_ms(theirs)} ms vs pubgrub "
            f"{_ms(ours)} ms -> {theirs / ours:.0f}x (target >= 3x); it gave up on {gave_up}"
            + (" (timeouts count as their cpu time so far)" if gave_up else "")
        )
    gc.unfreeze()
    return rows


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--seed", type=int, default=2026)
    parser.add_argument("--packages", type=int, default=5000)
    parser.add_argument("--versions", type=int, default=30)
    parser.add_argument("--requests", type=int, default=20)
    parser.add_argument(
        "--typical-resolvelib",
        type=int,
        default=12,
        help="requests of the typical registry also given to resolvelib",
    )
    parser.add_argument("--roots", type=int, default=50)
    parser.add_argument("--timeout", type=float, default=10.0, help="resolvelib cap, seconds")
    parser.add_argument(
        "--conflicting-resolvelib",
        type=int,
        default=2,
        help="requests of the conflicting registry also given to resolvelib (each may take "
        "the full timeout)",
    )
    parser.add_argument("--skip-resolvelib", action="store_true")
    args = parser.parse_args(argv)
    started = time.perf_counter()
    print(
        f"python {sys.version.split()[0]}, {os.cpu_count()} CPUs, "
        f"load average {os.getloadavg()[0]:.2f} (shared machine)"
    )
    with_resolvelib = 0 if args.skip_resolvelib else min(args.requests, args.typical_resolvelib)
    run_registry("typical", TYPICAL, args, args.requests, with_resolvelib)
    run_registry(
        "conflicting",
        CONFLICTING,
        args,
        args.requests,
        0 if args.skip_resolvelib else args.conflicting_resolvelib,
    )
    run_registry("conflict-heavy", CONFLICT_HEAVY, args, max(1, args.requests // 2), 0)

    if not args.skip_resolvelib:
        print("\n== adversarial cases")
        print(
            f"{'case':<22}  {'pubgrub cpu ms':>14}  {'outcome':<11}  "
            f"{'resolvelib cpu ms':>17}  {'wall ms':>8}  outcome"
        )
        for title, source, roots in adversarial_cases():
            ours = _timed(lambda s=source, r=roots: pubgrub_solve(s, r))
            theirs = _timed(lambda s=source, r=roots: resolvelib_solve(s, r, args.timeout))
            print(
                f"{title:<22}  {_ms(ours.cpu):>14}  {ours.outcome:<11}  "
                f"{_ms(theirs.cpu):>17}  {_ms(theirs.wall):>8}  {theirs.outcome}"
            )
    print(
        f"\ntotal bench time {time.perf_counter() - started:.1f} s, "
        f"load average {os.getloadavg()[0]:.2f}"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
