"""Hypothesis: on small random registries the solver agrees with brute force.

* any returned solution satisfies every rule (checked by an independent oracle);
* "no solution" is returned only when exhaustive search also finds none;
* the same input always gives the same output.
"""

from __future__ import annotations

from unittest.mock import patch

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from domain.resolver import (
    Candidate,
    Dependency,
    InMemorySource,
    NoSolution,
    Resolution,
    solve,
)
from tests.resolver.oracle import chosen_candidates, is_valid, solution_exists

NAMES = ["a", "b", "c", "d"]
VERSIONS = ["0.1.0", "0.2.0", "1.0.0", "1.1.0", "1.2.0-beta.1", "2.0.0"]
SPECS = [
    "*",
    "^1.0.0",
    "~1.1.0",
    ">=1.0.0",
    "<2.0.0",
    "==1.0.0",
    "1.x",
    ">=0.2.0 <1.1.0",
    "^0.1.0",
    ">=1.2.0-beta.1",
    "!=1.1.0",
    "1.0.0 || 2.0.0",
    "2.0.0",
    ">=3.0.0",
]
TOOLBOX_CONSTRAINTS = ["", "", ">=0.1.20", "<0.2.0", "^1.0.0"]


@st.composite
def registries(draw: st.DrawFn) -> dict[str, list[Candidate]]:
    registry: dict[str, list[Candidate]] = {}
    for name in draw(st.lists(st.sampled_from(NAMES), min_size=1, max_size=4, unique=True)):
        versions = draw(st.lists(st.sampled_from(VERSIONS), min_size=1, max_size=4, unique=True))
        candidates = []
        for version in versions:
            dependencies = []
            for _ in range(draw(st.integers(0, 2))):
                target = draw(st.sampled_from([*NAMES, "pip-only"]))
                if target != "pip-only" and draw(st.booleans()):
                    target = target.upper()  # lookups are case-insensitive
                dependencies.append(
                    Dependency(
                        target,
                        draw(st.sampled_from(SPECS)),
                        optional=draw(st.integers(0, 4)) == 0,
                    )
                )
            candidates.append(
                Candidate(
                    version=version,
                    yanked=draw(st.integers(0, 5)) == 0,
                    toolbox_version=draw(st.sampled_from(TOOLBOX_CONSTRAINTS)),
                    platforms=draw(st.sampled_from([(), (), ("linux",), ("windows", "macos")])),
                    dependencies=tuple(dependencies),
                    payload=f"{name}@{version}",
                )
            )
        registry[name] = candidates
    return registry


@st.composite
def problems(draw: st.DrawFn) -> tuple[dict[str, list[Candidate]], list[tuple[str, str]], dict]:
    registry = draw(registries())
    roots = draw(
        st.lists(
            st.tuples(st.sampled_from(sorted(registry)), st.sampled_from(SPECS)),
            min_size=1,
            max_size=3,
        )
    )
    options = {
        "toolbox": draw(st.sampled_from([None, None, "0.1.25", "1.0.0"])),
        "platform": draw(st.sampled_from([None, None, "linux", "windows"])),
        "include_optional": draw(st.booleans()),
    }
    return registry, roots, options


# Registries where most requests are solvable but need backtracking: several versions per
# package, ranges that usually match something. (Fully random registries mostly have either an
# easy solution or none, which would leave conflict resolution under-tested.)
BACKTRACKING_VERSIONS = ["0.1.0", "1.0.0", "1.1.0", "2.0.0"]
BACKTRACKING_SPECS = [
    "*",
    "^1.0.0",
    "~1.1.0",
    ">=1.0.0",
    "<2.0.0",
    "1.x",
    "^0.1.0",
    "!=1.1.0",
    "2.0.0",
    "==1.0.0",
    "^2.0.0",
    "<1.1.0",
]


@st.composite
def backtracking_problems(
    draw: st.DrawFn,
) -> tuple[dict[str, list[Candidate]], list[tuple[str, str]], dict]:
    names = NAMES[: draw(st.integers(3, 4))] + (["e"] if draw(st.booleans()) else [])
    registry: dict[str, list[Candidate]] = {}
    for name in names:
        versions = draw(
            st.lists(st.sampled_from(BACKTRACKING_VERSIONS), min_size=2, max_size=4, unique=True)
        )
        registry[name] = [
            Candidate(
                version,
                dependencies=tuple(
                    Dependency(
                        draw(st.sampled_from(names)), draw(st.sampled_from(BACKTRACKING_SPECS))
                    )
                    for _ in range(draw(st.integers(0, 2)))
                ),
            )
            for version in versions
        ]
    roots = [(name, "*") for name in draw(st.lists(st.sampled_from(names), min_size=1, max_size=3))]
    return registry, roots, {"toolbox": None, "platform": None, "include_optional": False}


def check_against_brute_force(problem) -> None:
    registry, roots, options = problem
    result = solve(
        roots,
        InMemorySource(registry),
        toolbox_version=options["toolbox"],
        platform=options["platform"],
        include_optional=options["include_optional"],
    )
    exists = solution_exists(registry, roots, **options)
    if isinstance(result, Resolution):
        chosen = chosen_candidates(registry, result)
        assert is_valid(registry, roots, chosen, **options), result
        assert set(result.install_order) == set(result.packages)
    else:
        assert isinstance(result, NoSolution)
        assert not exists, f"solver gave up but a solution exists:\n{result.explanation}"
        assert result.explanation and result.errors


@settings(max_examples=600, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(problems())
def test_solver_agrees_with_brute_force(problem) -> None:
    check_against_brute_force(problem)


@settings(max_examples=600, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(backtracking_problems())
def test_solver_agrees_with_brute_force_when_backtracking_is_needed(problem) -> None:
    check_against_brute_force(problem)


@settings(max_examples=150, deadline=None)
@given(problems())
def test_solver_is_deterministic(problem) -> None:
    registry, roots, options = problem
    first = solve(
        roots,
        InMemorySource(registry),
        toolbox_version=options["toolbox"],
        platform=options["platform"],
        include_optional=options["include_optional"],
    )
    # A fresh source with the packages (and their candidates) in another order.
    shuffled = {name: list(reversed(registry[name])) for name in reversed(list(registry))}
    second = solve(
        roots,
        InMemorySource(shuffled),
        toolbox_version=options["toolbox"],
        platform=options["platform"],
        include_optional=options["include_optional"],
    )
    assert type(first) is type(second)
    if isinstance(first, Resolution):
        assert first.packages == second.packages
        assert first.install_order == second.install_order
        assert first.warnings == second.warnings
    else:
        assert first.explanation == second.explanation
        assert first.errors == second.errors


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(backtracking_problems())
def test_chronological_backtracking_on_every_conflict_stays_sound_and_complete(problem) -> None:
    # Small registries rarely jump far enough to trigger chronological backtracking, so force
    # it on every conflict; and check plain backjumping (the spec's algorithm) as well.
    with patch("domain.resolver.pubgrub.LONG_JUMP", 0):
        check_against_brute_force(problem)
    with patch("domain.resolver.pubgrub.CHRONOLOGICAL_BUDGET", 0):
        check_against_brute_force(problem)
