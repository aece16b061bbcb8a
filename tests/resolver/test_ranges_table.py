"""Range matching against documented semantics: node-semver, Cargo and PEP 440.

The node-semver rows come from its README and its range-include / range-exclude fixtures
(rows with non-PEP 440 versions such as ``1.2.3-foo`` are left out: the registry rejects those
versions at upload). The Cargo rows are the equivalences listed in the Cargo Book's
"Specifying dependencies". PEP 440 rows are from the PEP's examples.
"""

from __future__ import annotations

import pytest

from domain.ranges import parse_range

# (range, version) pairs that must match.
NODE_SEMVER_INCLUDE = [
    ("1.0.0 - 2.0.0", "1.2.3"),
    ("^1.2.3+build", "1.2.3"),
    ("^1.2.3+build", "1.3.0"),
    ("1.2.3-pre+asdf - 2.4.3-pre+asdf", "1.2.3"),
    ("1.2.3-pre+asdf - 2.4.3-pre+asdf", "1.2.3-pre.2"),
    ("1.2.3-pre+asdf - 2.4.3-pre+asdf", "2.4.3-alpha"),
    ("1.2.3+asdf - 2.4.3+asdf", "1.2.3"),
    ("1.0.0", "1.0.0"),
    (">=*", "0.2.4"),
    ("", "1.0.0"),
    ("*", "1.2.3"),
    (">=1.0.0", "1.0.0"),
    (">=1.0.0", "1.0.1"),
    (">=1.0.0", "1.1.0"),
    (">1.0.0", "1.0.1"),
    (">1.0.0", "1.1.0"),
    ("<=2.0.0", "2.0.0"),
    ("<=2.0.0", "1.9999.9999"),
    ("<=2.0.0", "0.2.9"),
    ("<2.0.0", "1.9999.9999"),
    ("<2.0.0", "0.2.9"),
    (">= 1.0.0", "1.0.0"),
    (">=  1.0.0", "1.0.1"),
    (">=   1.0.0", "1.1.0"),
    ("> 1.0.0", "1.0.1"),
    (">  1.0.0", "1.1.0"),
    ("<=   2.0.0", "2.0.0"),
    ("<= 2.0.0", "1.9999.9999"),
    ("<=  2.0.0", "0.2.9"),
    ("<    2.0.0", "1.9999.9999"),
    ("<\t2.0.0", "0.2.9"),
    (">=0.1.97", "0.1.97"),
    ("0.1.20 || 1.2.4", "1.2.4"),
    (">=0.2.3 || <0.0.1", "0.0.0"),
    (">=0.2.3 || <0.0.1", "0.2.3"),
    (">=0.2.3 || <0.0.1", "0.2.4"),
    ("2.x.x", "2.1.3"),
    ("1.2.x", "1.2.3"),
    ("1.2.x || 2.x", "2.1.3"),
    ("1.2.x || 2.x", "1.2.3"),
    ("x", "1.2.3"),
    ("2.*.*", "2.1.3"),
    ("1.2.*", "1.2.3"),
    ("1.2.* || 2.*", "2.1.3"),
    ("1.2.* || 2.*", "1.2.3"),
    ("2", "2.1.2"),
    ("2.3", "2.3.1"),
    ("~0.0.1", "0.0.1"),
    ("~0.0.1", "0.0.2"),
    ("~x", "0.0.9"),
    ("~2", "2.0.9"),
    ("~2.4", "2.4.0"),
    ("~2.4", "2.4.5"),
    ("~>3.2.1", "3.2.2"),
    ("~1", "1.2.3"),
    ("~>1", "1.2.3"),
    ("~> 1", "1.2.3"),
    ("~1.0", "1.0.2"),
    ("~ 1.0", "1.0.2"),
    ("~ 1.0.3", "1.0.12"),
    (">=1", "1.0.0"),
    (">= 1", "1.0.0"),
    ("<1.2", "1.1.1"),
    ("< 1.2", "1.1.1"),
    ("~v0.5.4-pre", "0.5.5"),
    ("~v0.5.4-pre", "0.5.4"),
    ("=0.7.x", "0.7.2"),
    ("<=0.7.x", "0.7.2"),
    (">=0.7.x", "0.7.2"),
    ("<=0.7.x", "0.6.2"),
    ("~1.2.1 >=1.2.3", "1.2.3"),
    ("~1.2.1 =1.2.3", "1.2.3"),
    ("~1.2.1 1.2.3", "1.2.3"),
    ("~1.2.1 >=1.2.3 1.2.3", "1.2.3"),
    ("~1.2.1 1.2.3 >=1.2.3", "1.2.3"),
    (">=1.2.1 1.2.3", "1.2.3"),
    ("1.2.3 >=1.2.1", "1.2.3"),
    (">=1.2.3 >=1.2.1", "1.2.3"),
    (">=1.2.1 >=1.2.3", "1.2.3"),
    (">=1.2", "1.2.8"),
    ("^1.2.3", "1.8.1"),
    ("^0.1.2", "0.1.2"),
    ("^0.1", "0.1.2"),
    ("^0.0.1", "0.0.1"),
    ("^1.2", "1.4.2"),
    ("^1.2 ^1", "1.4.2"),
    ("^1.2.3-alpha", "1.2.3-pre"),
    ("^1.2.0-alpha", "1.2.0-pre"),
    ("^0.0.1-alpha", "0.0.1-beta"),
    ("^0.0.1-alpha", "0.0.1"),
    ("^0.1.1-alpha", "0.1.1-beta"),
    ("^x", "1.2.3"),
    ("x - 1.0.0", "0.9.7"),
    ("x - 1.x", "0.9.7"),
    ("1.0.0 - x", "1.9.7"),
    ("1.x - x", "1.9.7"),
    ("<=7.x", "7.9.9"),
    ("v1.2.3", "1.2.3"),
    ("=v1.2.3", "1.2.3"),
]

# (range, version) pairs that must not match.
NODE_SEMVER_EXCLUDE = [
    ("1.0.0 - 2.0.0", "2.2.3"),
    ("1.2.3+asdf - 2.4.3+asdf", "1.2.3-pre.2"),
    ("1.2.3+asdf - 2.4.3+asdf", "2.4.3-alpha"),
    ("^1.2.3+build", "2.0.0"),
    ("^1.2.3+build", "1.2.0"),
    ("^1.2.3", "1.2.3-pre"),
    ("^1.2", "1.2.0-pre"),
    (">1.2", "1.3.0-beta"),
    ("<=1.2.3", "1.2.3-beta"),
    ("^1.2.3", "1.2.3-beta"),
    ("1.0.0", "1.0.1"),
    (">=1.0.0", "0.0.0"),
    (">=1.0.0", "0.0.1"),
    (">=1.0.0", "0.1.0"),
    (">1.0.0", "0.0.1"),
    (">1.0.0", "0.1.0"),
    ("<=2.0.0", "3.0.0"),
    ("<=2.0.0", "2.9999.9999"),
    ("<=2.0.0", "2.2.9"),
    ("<2.0.0", "2.9999.9999"),
    ("<2.0.0", "2.2.9"),
    (">=0.1.97", "0.1.93"),
    ("0.1.20 || 1.2.4", "1.2.3"),
    (">=0.2.3 || <0.0.1", "0.0.3"),
    (">=0.2.3 || <0.0.1", "0.2.2"),
    ("2.x.x", "1.1.3"),
    ("2.x.x", "3.1.3"),
    ("1.2.x", "1.3.3"),
    ("1.2.x || 2.x", "3.1.3"),
    ("1.2.x || 2.x", "1.1.3"),
    ("2.*.*", "1.1.3"),
    ("2.*.*", "3.1.3"),
    ("1.2.*", "1.3.3"),
    ("1.2.* || 2.*", "3.1.3"),
    ("1.2.* || 2.*", "1.1.3"),
    ("2", "1.1.2"),
    ("2.3", "2.4.1"),
    ("~0.0.1", "0.1.0-alpha"),
    ("~0.0.1", "0.1.0"),
    ("~2.4", "2.5.0"),
    ("~2.4", "2.3.9"),
    ("~>3.2.1", "3.3.2"),
    ("~>3.2.1", "3.2.0"),
    ("~1", "0.2.3"),
    ("~>1", "2.2.3"),
    ("~1.0", "1.1.0"),
    ("<1", "1.0.0"),
    (">=1.2", "1.1.1"),
    ("~v0.5.4-beta", "0.5.4-alpha"),
    ("=0.7.x", "0.8.2"),
    (">=0.7.x", "0.6.2"),
    ("<0.7.x", "0.7.2"),
    ("<1.2.3", "1.2.3-beta"),
    ("=1.2.3", "1.2.3-beta"),
    (">1.2", "1.2.8"),
    ("^0.0.1", "0.0.2-alpha"),
    ("^0.0.1", "0.0.2"),
    ("^1.2.3", "2.0.0-alpha"),
    ("^1.2.3", "1.2.2"),
    ("^1.2", "1.1.9"),
    ("^1.0.0", "2.0.0-rc1"),
    ("1 - 2", "2.0.0-pre"),
    ("1 - 2", "1.0.0-pre"),
    ("1.0 - 2", "1.0.0-pre"),
    ("1.1.x", "1.0.0-a"),
    ("1.1.x", "1.1.0-a"),
    ("1.1.x", "1.2.0-a"),
    ("1.x", "1.0.0-a"),
    ("1.x", "1.1.0-a"),
    ("1.x", "1.2.0-a"),
    (">=1.0.0 <1.1.0", "1.1.0"),
    (">=1.0.0 <1.1.0", "1.1.0-pre"),
    (">=1.0.0 <1.1.0-pre", "1.1.0-pre"),
    # A pre-release of another major.minor.patch never sneaks in through a range that names
    # a pre-release of some other version.
    (">=1.0.0-alpha.1 <3.0.0", "2.0.0-beta"),
    ("*", "1.0.0-alpha.1"),
]

# "A := B": the two ranges accept exactly the same versions (Cargo Book equivalences, plus
# the npm README's desugaring table and this project's contract forms).
EQUIVALENT = [
    # Cargo: caret requirements
    ("^1.2.3", ">=1.2.3, <2.0.0"),
    ("^1.2", ">=1.2.0, <2.0.0"),
    ("^1", ">=1.0.0, <2.0.0"),
    ("^0.2.3", ">=0.2.3, <0.3.0"),
    ("^0.2", ">=0.2.0, <0.3.0"),
    ("^0.0.3", ">=0.0.3, <0.0.4"),
    ("^0.0", ">=0.0.0, <0.1.0"),
    ("^0", ">=0.0.0, <1.0.0"),
    # Cargo: tilde requirements
    ("~1.2.3", ">=1.2.3, <1.3.0"),
    ("~1.2", ">=1.2.0, <1.3.0"),
    ("~1", ">=1.0.0, <2.0.0"),
    # Cargo: wildcards and comparisons
    ("*", ">=0.0.0"),
    ("1.*", ">=1.0.0, <2.0.0"),
    ("1.2.*", ">=1.2.0, <1.3.0"),
    ("> 1", ">=2.0.0"),
    ("< 2", "<2.0.0"),
    ("= 1.2.3", "==1.2.3"),
    (">= 1.2, < 1.5", ">=1.2.0 <1.5.0"),
    # npm README: hyphen ranges, x-ranges, tilde, caret
    ("1.2.3 - 2.3.4", ">=1.2.3 <=2.3.4"),
    ("1.2 - 2.3.4", ">=1.2.0 <=2.3.4"),
    ("1.2.3 - 2.3", ">=1.2.3 <2.4.0-0"),
    ("1.2.3 - 2", ">=1.2.3 <3.0.0-0"),
    ("1.x", ">=1.0.0 <2.0.0-0"),
    ("1.2.x", ">=1.2.0 <1.3.0-0"),
    ("", "*"),
    ("1", "1.x.x"),
    ("1.2", "1.2.x"),
    ("~0.2.3", ">=0.2.3 <0.3.0-0"),
    ("~0.2", ">=0.2.0 <0.3.0-0"),
    ("~0", ">=0.0.0 <1.0.0-0"),
    ("~1.2.3-beta.2", ">=1.2.3-beta.2 <1.3.0-0"),
    ("^1.2.3-beta.2", ">=1.2.3-beta.2 <2.0.0-0"),
    ("^0.0.3-beta", ">=0.0.3-beta <0.0.4-0"),
    ("^1.2.x", ">=1.2.0 <2.0.0-0"),
    ("^0.0.x", ">=0.0.0 <0.1.0-0"),
    ("^1.x", ">=1.0.0 <2.0.0-0"),
    ("^0.x", ">=0.0.0 <1.0.0-0"),
    # Contract (REST_CONTRACT.md section 7) forms
    ("^2.3.4", ">=2.3.4,<3.0.0"),
    ("^0.3.4", ">=0.3.4,<0.4.0"),
    ("~2.3.4", ">=2.3.4,<2.4.0"),
    (">= 1.0.0 < 2.0.0", ">=1.0.0,<2.0.0"),
    # PEP 440: compatible release and prefix matching
    ("~=2.2", ">=2.2, ==2.*"),
    ("~=1.4.5", ">=1.4.5, ==1.4.*"),
    ("~=2.2.post3", ">=2.2.post3, ==2.*"),
    ("~=1.4.5a4", ">=1.4.5a4, ==1.4.*"),
    ("~=2.2.0", ">=2.2.0, ==2.2.*"),
]

GRID = [
    "0.0.0",
    "0.0.1",
    "0.0.3",
    "0.0.4",
    "0.1.0",
    "0.1.9",
    "0.2.0",
    "0.2.2",
    "0.2.3",
    "0.2.9",
    "0.3.0",
    "0.9.0",
    "1.0.0-alpha",
    "1.0.0",
    "1.0.1",
    "1.1.0",
    "1.1.9",
    "1.2.0",
    "1.2.2",
    "1.2.3-beta.1",
    "1.2.3-beta.2",
    "1.2.3",
    "1.2.4",
    "1.2.9",
    "1.3.0-rc.1",
    "1.3.0",
    "1.4.0",
    "1.4.4",
    "1.4.5a3",
    "1.4.5a4",
    "1.4.5",
    "1.4.9",
    "1.5.0",
    "1.9.9",
    "2.0.0-alpha.1",
    "2.0.0",
    "2.2",
    "2.2.post3",
    "2.2.1",
    "2.3.0",
    "2.3.4",
    "2.3.5",
    "2.4.0",
    "2.9.9",
    "3.0.0",
    "3.0.1",
    "10.0.0",
]


@pytest.mark.parametrize(("text", "version"), NODE_SEMVER_INCLUDE)
def test_node_semver_includes(text: str, version: str) -> None:
    assert parse_range(text).contains(version), f"{text!r} should contain {version}"


@pytest.mark.parametrize(("text", "version"), NODE_SEMVER_EXCLUDE)
def test_node_semver_excludes(text: str, version: str) -> None:
    assert not parse_range(text).contains(version), f"{text!r} should not contain {version}"


@pytest.mark.parametrize(("text", "expanded"), EQUIVALENT)
def test_equivalent_forms(text: str, expanded: str) -> None:
    left, right = parse_range(text), parse_range(expanded)
    mismatches = [v for v in GRID if left.contains(v) != right.contains(v)]
    assert not mismatches, f"{text!r} and {expanded!r} disagree on {mismatches}"


@pytest.mark.parametrize(
    ("text", "version", "expected"),
    [
        # PEP 440 examples: zero padding, prefix matching, exclusion, arbitrary equality.
        ("==1.1", "1.1.0", True),
        ("==1.1.0", "1.1", True),
        ("==1.1.*", "1.1.0", True),
        ("==1.1.*", "1.1.post1", True),
        ("==1.1.*", "1.2.0", False),
        ("!=1.1.*", "1.1.5", False),
        ("!=1.1.*", "1.2.0", True),
        ("!=1.1.0", "1.1.0", False),
        ("!=1.1.0", "1.1.1", True),
        ("===1.0.0", "1.0.0", True),
        (">=1.0, <2.0, !=1.5.0", "1.5.0", False),
        (">=1.0, <2.0, !=1.5.0", "1.5.1", True),
        ("<=1.0.0", "1.0.0.post1", False),
        ("==1.0.0", "1.0.0+local.7", True),  # build metadata never matters
        ("~=1.4.5", "1.5.0", False),
        ("~=1.4.5", "1.4.99", True),
        # Stored versions in the forms the contract allows.
        ("^1.0.0-alpha.1", "1.0.0-alpha.2", True),
        ("^1.0.0-alpha.1", "1.0.0-rc.2", True),
        ("^1.0.0-alpha.1", "1.1.0-alpha.1", False),
        (">=1.0.0-dev.3", "1.0.0-dev.4", True),
        (">=1.0.0", "1.0.0-post.1", True),
        ("1.0.0-post.1", "1.0.0.post1", True),
    ],
)
def test_pep440_and_contract_forms(text: str, version: str, expected: bool) -> None:
    assert parse_range(text).contains(version) is expected


@pytest.mark.parametrize(
    ("text", "pinned"),
    [
        ("==1.2.3", True),
        ("===1.2.3", True),
        ("1.2.3", True),
        ("=1.2.3", True),
        ("v1.2.3", True),
        ("==1.2", True),
        ("1.2", False),  # npm x-range
        ("==1.2.*", False),
        (">=1.2.3", False),
        ("^1.2.3", False),
        ("1.2.3 || 1.2.4", False),
        ("1.2.3 >=1.0.0", False),
        ("*", False),
    ],
)
def test_exact_pins(text: str, pinned: bool) -> None:
    assert parse_range(text).is_exact_pin is pinned


def test_prerelease_rule_is_per_alternative() -> None:
    # Only the alternative naming 1.2.3-beta admits pre-releases of 1.2.3.
    version_range = parse_range(">=1.2.3-beta <1.3.0 || >=2.0.0")
    assert version_range.contains("1.2.3-rc.1")
    assert not version_range.contains("2.0.1-alpha")
    assert version_range.contains("2.0.1")


def test_toolbox_style_check_can_waive_the_prerelease_rule() -> None:
    assert not parse_range(">=0.1.20").contains("0.2.0-dev.1")
    assert parse_range(">=0.1.20").contains("0.2.0-dev.1", include_prereleases=True)


def test_text_round_trips() -> None:
    for text, _ in NODE_SEMVER_INCLUDE + NODE_SEMVER_EXCLUDE:
        version_range = parse_range(text)
        again = parse_range(str(version_range))
        assert again == version_range, (text, str(version_range))
