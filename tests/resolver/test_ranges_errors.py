"""Invalid ranges and requirement strings are rejected with a message naming the bad part."""

from __future__ import annotations

import pytest

from domain.ranges import InvalidRange, InvalidRequirement, parse_range, parse_requirement


@pytest.mark.parametrize(
    ("text", "fragment", "position"),
    [
        (">=1.0 <2.x.y.z", "'2.x.y.z' is not a valid version", 7),
        ("1.0.0-foo", "'1.0.0-foo' is not a valid version", 0),
        (">=", "operator '>=' is missing a version", 0),
        ("^1.0 || ", "empty alternative around '||'", 5),
        ("|| ^1.0", "empty alternative around '||'", 0),
        (">=1,,<2", "empty clause before ','", 4),
        (",>=1", "empty clause before ','", 0),
        (">=1,", "nothing follows ','", 3),
        ("~=1", "'~=' needs a version with at least two parts", 2),
        ("~=1.*", "'~=' needs a version with at least two parts", 2),
        ("===1.*", "'===' does not accept wildcards", 3),
        ("1.0 | 2.0", "single '|'", 4),
        (">=>=1.0", "misplaced operator in '>=1.0'", 2),
        ("1.0.0 - ", "a hyphen range needs exactly one version on each side", 0),
        ("latest", "'latest' is not a valid version", 0),
    ],
)
def test_invalid_ranges_point_at_the_problem(
    text: str, fragment: str, position: int | None
) -> None:
    with pytest.raises(InvalidRange) as caught:
        parse_range(text)
    assert fragment in str(caught.value)
    assert text in str(caught.value) or repr(text) in str(caught.value)
    if position is not None:
        assert caught.value.position == position
        assert f"(at character {position + 1})" in str(caught.value)


def test_invalid_range_is_a_value_error() -> None:
    assert issubclass(InvalidRange, ValueError)
    assert issubclass(InvalidRequirement, ValueError)


@pytest.mark.parametrize(
    ("text", "name", "spec"),
    [
        ("CloudM", "CloudM", "*"),
        ("CloudM>=2.0.0", "CloudM", ">=2.0.0"),
        ("CloudM >= 2.0.0", "CloudM", ">= 2.0.0"),
        ("some-mod >= 1.0.0 < 2.0.0", "some-mod", ">= 1.0.0 < 2.0.0"),
        ("tbv2-feature-web ^1.2", "tbv2-feature-web", "^1.2"),
        ("DB==1.0.0", "DB", "==1.0.0"),
        ("  isaa   ", "isaa", "*"),
        ("my_mod *", "my_mod", "*"),
        ("x 1.2.3", "x", "1.2.3"),
    ],
)
def test_requirements(text: str, name: str, spec: str) -> None:
    requirement = parse_requirement(text)
    assert (requirement.name, requirement.spec) == (name, spec)
    assert requirement.range == parse_range(spec)


def test_contract_requirement_semantics() -> None:
    requirement = parse_requirement("some-mod >= 1.0.0 < 2.0.0")
    assert requirement.range.contains("1.5.0")
    assert not requirement.range.contains("2.0.0")
    assert parse_requirement("CloudM==1.2.3").range.is_exact_pin


@pytest.mark.parametrize(
    ("text", "fragment"),
    [
        ("", "expected a package name"),
        (">=1.0", "expected a package name"),
        ("café>=1", "specifier"),
        ("name[extra]>=1", "specifier"),
        ("foo >=1.0.0-foo", "'1.0.0-foo' is not a valid version"),
        ("foo @ https://example.com/x.zip", "specifier"),
    ],
)
def test_invalid_requirements(text: str, fragment: str) -> None:
    with pytest.raises(InvalidRequirement) as caught:
        parse_requirement(text)
    assert fragment in str(caught.value)
