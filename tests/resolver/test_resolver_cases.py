"""Hand-written resolver cases: pub's worked examples, classic hard graphs, and every rule."""

from __future__ import annotations

import time

import pytest

from domain.ranges import InvalidRequirement, parse_requirement
from domain.resolver import (
    ROOT_NAME,
    Candidate,
    Dependency,
    InMemorySource,
    InvalidToolboxVersion,
    NoSolution,
    Resolution,
    solve,
)


def package(version: str, *dependencies: str, **options: object) -> Candidate:
    """``package("1.0.0", "bar ^1.0.0", "baz")``: a candidate with requirement strings."""
    parsed = []
    for text in dependencies:
        requirement = parse_requirement(text)
        parsed.append(Dependency(requirement.name, requirement.spec))
    extra = tuple(options.pop("extra", ()))  # type: ignore[arg-type]
    return Candidate(version=version, dependencies=(*parsed, *extra), **options)  # type: ignore[arg-type]


def resolved(result: Resolution | NoSolution) -> dict[str, str]:
    assert isinstance(result, Resolution), getattr(result, "explanation", result)
    return {name: p.version for name, p in result.packages.items()}


def failed(result: Resolution | NoSolution) -> NoSolution:
    assert isinstance(result, NoSolution), result
    return result


# --------------------------------------------------------------------------------------------
# The worked examples of pub's solver documentation (doc/solver.md)
# --------------------------------------------------------------------------------------------


def test_no_conflicts() -> None:
    source = InMemorySource(
        {
            "foo": [package("1.0.0", "bar ^1.0.0")],
            "bar": [package("1.0.0"), package("2.0.0")],
        }
    )
    assert resolved(solve(["foo ^1.0.0"], source)) == {"foo": "1.0.0", "bar": "1.0.0"}


def test_avoiding_conflict_during_decision_making() -> None:
    source = InMemorySource(
        {
            "foo": [package("1.1.0", "bar ^2.0.0"), package("1.0.0")],
            "bar": [package("1.0.0"), package("1.1.0"), package("2.0.0")],
        }
    )
    result = solve(["foo ^1.0.0", "bar ^1.0.0"], source)
    assert resolved(result) == {"foo": "1.0.0", "bar": "1.1.0"}


def test_performing_conflict_resolution() -> None:
    source = InMemorySource(
        {
            "foo": [package("2.0.0", "bar ^1.0.0"), package("1.0.0")],
            "bar": [package("1.0.0", "foo ^1.0.0")],
        }
    )
    assert resolved(solve(["foo >=1.0.0"], source)) == {"foo": "1.0.0"}


def test_conflict_resolution_with_a_partial_satisfier() -> None:
    source = InMemorySource(
        {
            "foo": [package("1.1.0", "left ^1.0.0", "right ^1.0.0"), package("1.0.0")],
            "left": [package("1.0.0", "shared >=1.0.0")],
            "right": [package("1.0.0", "shared <2.0.0")],
            "shared": [package("2.0.0"), package("1.0.0", "target ^1.0.0")],
            "target": [package("2.0.0"), package("1.0.0")],
        }
    )
    result = solve(["foo ^1.0.0", "target ^2.0.0"], source)
    assert resolved(result) == {"foo": "1.0.0", "target": "2.0.0"}


def test_linear_error_reporting() -> None:
    source = InMemorySource(
        {
            "foo": [package("1.0.0", "bar ^2.0.0")],
            "bar": [package("2.0.0", "baz ^3.0.0")],
            "baz": [package("1.0.0"), package("3.0.0")],
        }
    )
    failure = failed(solve(["foo ^1.0.0", "baz ^1.0.0"], source))
    assert failure.explanation == (
        "Because every version of foo depends on bar ^2.0.0 which depends on baz ^3.0.0, "
        "every version of foo requires baz ^3.0.0.\n"
        "So, because the request requires both baz ^1.0.0 and foo ^1.0.0, "
        "version solving failed."
    )


def test_branching_error_reporting_numbers_the_line_it_refers_back_to() -> None:
    source = InMemorySource(
        {
            "foo": [
                package("1.0.0", "a ^1.0.0", "b ^1.0.0"),
                package("1.1.0", "x ^1.0.0", "y ^1.0.0"),
            ],
            "a": [package("1.0.0", "b ^2.0.0")],
            "b": [package("1.0.0"), package("2.0.0")],
            "x": [package("1.0.0", "y ^2.0.0")],
            "y": [package("1.0.0"), package("2.0.0")],
        }
    )
    failure = failed(solve(["foo ^1.0.0"], source))
    lines = failure.explanation.splitlines()
    numbered = [line for line in lines if line.startswith("(1)")]
    assert len(numbered) == 1, failure.explanation
    assert any("(1)," in line for line in lines[1:]), failure.explanation  # referred back to
    assert "" in lines  # a blank line separates the two chains of reasoning
    assert lines[-1].strip() == (
        "So, because the request requires foo ^1.0.0, version solving failed."
    )
    for fact in ("depends on a ^1.0.0", "b ^2.0.0", "depends on x ^1.0.0", "y ^2.0.0"):
        assert fact in failure.explanation


# --------------------------------------------------------------------------------------------
# Classic hard cases
# --------------------------------------------------------------------------------------------


def test_greedy_first_pick_fails_but_a_solution_exists() -> None:
    # Picking the newest a (2.0.0) forces c 2.x, which b cannot accept; the old resolver gave
    # up there. The only solution uses the older a.
    source = InMemorySource(
        {
            "a": [package("2.0.0", "c ^2.0.0"), package("1.0.0", "c ^1.0.0")],
            "b": [package("1.0.0", "c ^1.0.0")],
            "c": [package("1.0.0"), package("2.0.0")],
        }
    )
    assert resolved(solve(["a", "b"], source)) == {"a": "1.0.0", "b": "1.0.0", "c": "1.0.0"}


def test_diamond_conflict_is_explained() -> None:
    source = InMemorySource(
        {
            "left": [package("1.0.0", "shared ^1.0.0")],
            "right": [package("1.0.0", "shared ^2.0.0")],
            "shared": [package("1.0.0"), package("2.0.0")],
        }
    )
    failure = failed(solve(["left", "right"], source))
    assert "left depends on shared ^1.0.0" in failure.explanation
    assert "right depends on shared ^2.0.0" in failure.explanation
    assert failure.explanation.endswith("version solving failed.")
    assert failure.errors == [
        "Conflicting requirements for shared: every version of left requires shared ^1.0.0; "
        "every version of right requires shared ^2.0.0"
    ]


def test_diamond_with_an_older_compatible_version() -> None:
    source = InMemorySource(
        {
            "left": [package("2.0.0", "shared ^2.0.0"), package("1.0.0", "shared ^1.0.0")],
            "right": [package("1.0.0", "shared ^1.0.0")],
            "shared": [package("1.0.0"), package("1.5.0"), package("2.0.0")],
        }
    )
    result = resolved(solve(["left", "right"], source))
    assert result == {"left": "1.0.0", "right": "1.0.0", "shared": "1.5.0"}


def test_deep_backtracking_chain() -> None:
    # chain0 -> chain1 -> ... -> chain7, each version k pinning the next package's version k;
    # only the oldest end of the chain accepts the base the late "guard" package demands.
    depth, width = 8, 6
    packages: dict[str, list[Candidate]] = {}
    for level in range(depth):
        versions = []
        for k in range(width):
            if level < depth - 1:
                versions.append(package(f"1.{k}.0", f"chain{level + 1} ==1.{k}.0"))
            else:
                versions.append(package(f"1.{k}.0", f"base ^{k}.0.0"))
        packages[f"chain{level}"] = versions
    packages["base"] = [package(f"{k}.0.0") for k in range(width)]
    packages["guard"] = [package("1.0.0", "base <1.0.0")]
    result = resolved(solve(["chain0", "guard"], InMemorySource(packages)))
    assert all(result[f"chain{level}"] == "1.0.0" for level in range(depth))
    assert result["base"] == "0.0.0"


def test_wide_unsatisfiable_problem_is_proved_quickly() -> None:
    # 12 packages x 20 versions all need "base ^2" but the request pins base 1.x: a backtracking
    # search without learning would try 20**12 combinations.
    packages = {
        f"p{i:02d}": [package(f"1.{k}.0", "base ^2.0.0") for k in range(20)] for i in range(12)
    }
    packages["base"] = [package("1.0.0"), package("2.0.0")]
    started = time.perf_counter()
    failure = failed(
        solve([*(f"p{i:02d}" for i in range(12)), "base ^1.0.0"], InMemorySource(packages))
    )
    assert time.perf_counter() - started < 2.0
    assert "depends on base ^2.0.0" in failure.explanation


# --------------------------------------------------------------------------------------------
# Rules
# --------------------------------------------------------------------------------------------


def test_newest_version_is_preferred() -> None:
    source = InMemorySource({"a": [package("1.0.0"), package("1.10.0"), package("1.9.0")]})
    assert resolved(solve(["a"], source)) == {"a": "1.10.0"}


def test_yanked_versions_only_for_exact_pins() -> None:
    source = InMemorySource(
        {"a": [package("1.0.0"), package("1.1.0", yanked=True), package("2.0.0", yanked=True)]}
    )
    assert resolved(solve(["a"], source)) == {"a": "1.0.0"}
    assert resolved(solve(["a ^1.0.0"], source)) == {"a": "1.0.0"}
    pinned = solve(["a==1.1.0"], source)
    assert resolved(pinned) == {"a": "1.1.0"}
    assert isinstance(pinned, Resolution)
    assert pinned.packages["a"].yanked
    assert pinned.warnings == ["a 1.1.0 is yanked (selected because it was pinned exactly)"]
    for pin in ("===1.1.0", "1.1.0", "=1.1.0"):
        assert resolved(solve([("a", pin)], source)) == {"a": "1.1.0"}


def test_range_matching_only_yanked_versions_says_so() -> None:
    source = InMemorySource({"a": [package("1.0.0"), package("2.0.0", yanked=True)]})
    failure = failed(solve(["a ^2.0.0"], source))
    assert failure.errors == [
        "The request requires a ^2.0.0, but no version of a matches ^2.0.0 (2.0.0 is yanked)"
    ]


def test_yanked_pin_combined_with_a_range_is_not_chosen() -> None:
    source = InMemorySource(
        {
            "a": [package("1.0.0"), package("1.1.0", yanked=True)],
            "b": [package("1.0.0", "a >=1.0.0")],
        }
    )
    failed(solve(["a==1.1.0", "b"], source))


def test_optional_dependencies_are_skipped_unless_requested() -> None:
    extra = (Dependency("docs", "^1.0.0", optional=True),)
    source = InMemorySource(
        {
            "app": [package("1.0.0", "core", extra=extra)],
            "core": [package("1.0.0")],
            "docs": [package("1.0.0")],
        }
    )
    result = solve(["app"], source)
    assert resolved(result) == {"app": "1.0.0", "core": "1.0.0"}
    assert isinstance(result, Resolution)
    listed = {d.name: d for d in result.packages["app"].dependencies}
    assert listed["docs"].version == "" and listed["docs"].optional
    assert listed["core"].version == "1.0.0" and not listed["core"].optional
    with_optional = solve(["app"], source, include_optional=True)
    assert resolved(with_optional) == {"app": "1.0.0", "core": "1.0.0", "docs": "1.0.0"}


def test_toolbox_version_filters_ranges_and_warns_on_pins() -> None:
    source = InMemorySource(
        {
            "mod": [
                package("1.0.0", toolbox_version=">=0.1.0"),
                package("2.0.0", toolbox_version=">=0.3.0"),
            ]
        }
    )
    assert resolved(solve(["mod"], source)) == {"mod": "2.0.0"}
    assert resolved(solve(["mod"], source, toolbox_version="0.2.5")) == {"mod": "1.0.0"}
    pinned = solve(["mod==2.0.0"], source, toolbox_version="0.2.5")
    assert resolved(pinned) == {"mod": "2.0.0"}
    assert isinstance(pinned, Resolution)
    assert pinned.warnings == [
        "mod 2.0.0 requires ToolBox >=0.3.0, but toolbox_version is 0.2.5 "
        "(selected because it was pinned exactly)"
    ]
    failure = failed(solve(["mod ^2.0.0"], source, toolbox_version="0.2.5"))
    assert "2.0.0 requires ToolBox >=0.3.0" in failure.errors[0]
    # A development build of ToolBox still satisfies a plain lower bound.
    assert resolved(solve(["mod"], source, toolbox_version="0.4.0-dev.1")) == {"mod": "2.0.0"}


def test_invalid_toolbox_input_and_constraints() -> None:
    source = InMemorySource({"mod": [package("1.0.0", toolbox_version="not a range")]})
    with pytest.raises(InvalidToolboxVersion):
        solve(["mod"], source, toolbox_version="latest")
    result = solve(["mod"], source, toolbox_version="0.1.0")
    assert resolved(result) == {"mod": "1.0.0"}
    assert isinstance(result, Resolution)
    assert result.warnings and "invalid toolbox_version constraint" in result.warnings[0]


def test_platform_filter() -> None:
    source = InMemorySource(
        {
            "app": [
                package("1.0.0", platforms=("all",)),
                package("2.0.0", platforms=("windows",)),
            ]
        }
    )
    assert resolved(solve(["app"], source)) == {"app": "2.0.0"}
    assert resolved(solve(["app"], source, platform="windows")) == {"app": "2.0.0"}
    assert resolved(solve(["app"], source, platform="linux")) == {"app": "1.0.0"}
    failure = failed(solve(["app==2.0.0"], source, platform="linux"))
    assert "2.0.0 is not available for linux" in failure.errors[0]


def test_unknown_dependency_is_skipped_with_a_warning() -> None:
    source = InMemorySource(
        {"mod": [package("1.0.0", "requests>=2.0", "core")], "core": [package("1.0.0")]}
    )
    result = solve(["mod"], source)
    assert resolved(result) == {"mod": "1.0.0", "core": "1.0.0"}
    assert isinstance(result, Resolution)
    assert result.warnings == [
        "mod 1.0.0: dependency 'requests' is not a registry package; skipped"
    ]
    listed = {d.name: d.version for d in result.packages["mod"].dependencies}
    assert listed == {"requests": "", "core": "1.0.0"}


def test_unknown_root_package() -> None:
    source = InMemorySource({"mod": [package("1.0.0")]})
    failure = failed(solve(["mod", "ghost==1.0.0", "Phantom"], source))
    assert failure.errors == ["Package not found: ghost", "Package not found: Phantom"]
    assert failure.explanation == "Package not found: ghost\nPackage not found: Phantom"
    assert [i.kind for i in failure.incompatibilities] == ["not_found", "not_found"]
    assert failure.incompatibilities[0].terms[0].constraint == "==1.0.0"


def test_names_are_case_insensitive_and_answers_canonical() -> None:
    source = InMemorySource({"CloudM": [package("1.0.0", "db ^1")], "DB": [package("1.2.0")]})
    result = solve(["cloudm"], source)
    assert resolved(result) == {"CloudM": "1.0.0", "DB": "1.2.0"}
    assert isinstance(result, Resolution)
    assert result.packages["CloudM"].dependencies[0].name == "DB"


def test_cycles_are_allowed_and_reported() -> None:
    source = InMemorySource(
        {
            "a": [package("1.0.0", "b ^1.0.0")],
            "b": [package("1.0.0", "c ^1.0.0")],
            "c": [package("1.0.0", "a ^1.0.0")],
            "leaf": [package("1.0.0")],
            "top": [package("1.0.0", "a", "leaf")],
        }
    )
    result = solve(["top"], source)
    assert resolved(result) == {n: "1.0.0" for n in ("a", "b", "c", "leaf", "top")}
    assert isinstance(result, Resolution)
    order = result.install_order
    assert order.index("top") == len(order) - 1
    assert order.index("leaf") < order.index("top")
    assert order[:3] == ["a", "b", "c"]  # the cycle, broken by name
    assert result.warnings == [
        "Dependency cycle: a -> b -> c -> a (installed in the order a, b, c)"
    ]


def test_self_dependency() -> None:
    source = InMemorySource({"a": [package("2.0.0", "a ^1.0.0"), package("1.0.0", "a ^1.0.0")]})
    result = solve(["a"], source)
    assert resolved(result) == {"a": "1.0.0"}
    assert isinstance(result, Resolution)
    assert result.warnings == ["Dependency cycle: a depends on itself"]


def test_self_dependency_that_rules_out_only_older_versions() -> None:
    # Regression (found by the brute-force property test): choosing a 1.0.0 hands out the
    # fact "a 0.1.0 is invalid" (its self-dependency excludes itself); that fact does not
    # concern 1.0.0, so the decision must still be made, or a would silently be left out.
    source = InMemorySource(
        {
            "a": [package("0.1.0", "a ^1.0.0"), package("1.0.0", "a ^1.0.0")],
            "c": [package("1.0.0", "a *", "a ^1.0.0"), package("0.1.0")],
        }
    )
    assert resolved(solve(["c"], source)) == {"a": "1.0.0", "c": "1.0.0"}


def test_install_order_puts_dependencies_first() -> None:
    source = InMemorySource(
        {
            "app": [package("1.0.0", "web", "db")],
            "web": [package("1.0.0", "core")],
            "db": [package("1.0.0", "core")],
            "core": [package("1.0.0")],
        }
    )
    result = solve(["app"], source)
    assert isinstance(result, Resolution)
    assert result.install_order == ["core", "db", "web", "app"]


def test_invalid_dependency_spec_rules_out_that_version() -> None:
    source = InMemorySource(
        {
            "a": [package("2.0.0", extra=(Dependency("b", ">=1.0-foo"),)), package("1.0.0")],
            "b": [package("1.0.0")],
        }
    )
    assert resolved(solve(["a"], source)) == {"a": "1.0.0"}
    failure = failed(solve(["a ^2.0.0"], source))
    assert "a 2.0.0 declares an invalid dependency 'b >=1.0-foo'" in failure.errors[0]


def test_prereleases_only_when_named() -> None:
    source = InMemorySource({"a": [package("1.0.0"), package("1.1.0-beta.1")]})
    assert resolved(solve(["a"], source)) == {"a": "1.0.0"}
    assert resolved(solve(["a >=1.1.0-alpha"], source)) == {"a": "1.1.0-beta.1"}
    assert resolved(solve(["a==1.1.0-beta.1"], source)) == {"a": "1.1.0-beta.1"}


def test_only_prereleases_exist() -> None:
    source = InMemorySource({"a": [package("1.0.0-rc.1")]})
    failure = failed(solve(["a"], source))
    assert failure.errors == [
        "The request requires a *, but no version of a matches * (available: 1.0.0-rc.1)"
    ]


def test_root_forms_and_repeated_roots() -> None:
    source = InMemorySource({"a": [package("1.0.0"), package("1.5.0"), package("2.0.0")]})
    assert resolved(solve([("a", ">=1.0.0"), ("A", "<2.0.0")], source)) == {"a": "1.5.0"}
    assert resolved(solve([parse_requirement("a ~1.0")], source)) == {"a": "1.0.0"}
    assert resolved(solve([("a", "")], source)) == {"a": "2.0.0"}
    with pytest.raises(InvalidRequirement):
        solve(["a >=1.0-foo"], source)
    with pytest.raises(InvalidRequirement):
        solve([("not a name", "*")], source)


def test_resolution_carries_payload_and_dependencies() -> None:
    source = InMemorySource(
        {
            "a": [
                Candidate(
                    "1.0.0",
                    dependencies=(Dependency("b", "^1.0.0"),),
                    payload={"sha256": "ab" * 32, "size": 10, "url": "/a"},
                )
            ],
            "b": [Candidate("1.2.0", payload={"sha256": "cd" * 32})],
        }
    )
    result = solve(["a"], source)
    assert isinstance(result, Resolution) and result.success
    a = result.packages["a"]
    assert a.payload == {"sha256": "ab" * 32, "size": 10, "url": "/a"}
    assert [(d.name, d.spec, d.version, d.optional) for d in a.dependencies] == [
        ("b", "^1.0.0", "1.2.0", False)
    ]


def test_structured_incompatibilities_form_a_graph() -> None:
    source = InMemorySource(
        {
            "left": [package("1.0.0", "shared ^1.0.0")],
            "right": [package("1.0.0", "shared ^2.0.0")],
            "shared": [package("1.0.0"), package("2.0.0")],
        }
    )
    failure = failed(solve(["left", "right"], source))
    assert not failure.success
    reports = failure.incompatibilities
    ids = [r.id for r in reports]
    assert ids == list(range(1, len(reports) + 1))
    for report in reports:
        assert all(cause < report.id for cause in report.causes)
        assert (report.kind == "derived") == bool(report.causes)
    final = reports[-1]
    assert final.text == "Version solving failed"
    dependency = next(r for r in reports if r.kind == "dependency" and r.terms[0].package == "left")
    assert [(t.package, t.positive, t.constraint) for t in dependency.terms] == [
        ("left", True, "*"),
        ("shared", False, "^1.0.0"),
    ]
    assert any(t.package == ROOT_NAME for r in reports for t in r.terms)


def test_solving_is_fast_on_a_wide_registry() -> None:
    # 200 packages x 30 versions, each depending on the next two with caret ranges.
    packages = {}
    for i in range(200):
        packages[f"p{i:03d}"] = [
            package(
                f"{major}.{minor}.0",
                *(f"p{j:03d} ^{major}.0.0" for j in (i + 1, i + 2) if j < 200),
            )
            for major in (1, 2, 3)
            for minor in range(10)
        ]
    started = time.perf_counter()
    result = solve(["p000"], InMemorySource(packages))
    assert time.perf_counter() - started < 2.0
    assert resolved(result)["p199"] == "3.9.0"
