"""Property tests: the range set algebra agrees with membership, and PEP 440 with packaging."""

from __future__ import annotations

from hypothesis import assume, given, settings
from hypothesis import strategies as st
from packaging.specifiers import SpecifierSet
from packaging.version import Version

from domain.ranges import InvalidRange, VersionRange, parse_range, sort_key

RELEASES = ["0.0.1", "0.1.0", "0.2.3", "1.0.0", "1.0.1", "1.2.0", "1.2.3", "2.0.0", "2.1.0"]
PRERELEASES = ["1.0.0-alpha.1", "1.0.0-rc.1", "1.2.3-beta.2", "2.0.0-alpha.1", "2.0.0-dev.1"]
POSTS = ["1.0.0-post.1", "1.2.3.post2"]
POOL = RELEASES + PRERELEASES + POSTS + ["0.0.0", "1.1.9", "1.3.0", "3.0.0", "1.2.3+build.5"]

OPERATORS = ["", "=", "==", "!=", ">", ">=", "<", "<=", "^", "~", "~>", "~="]
OPERANDS = [*RELEASES, *PRERELEASES, "1", "1.2", "1.x", "1.2.*", "*", "0", "0.2", "2.x.x"]


@st.composite
def range_texts(draw: st.DrawFn) -> str:
    alternatives = []
    for _ in range(draw(st.integers(1, 3))):
        if draw(st.integers(0, 5)) == 0:
            low, high = draw(st.sampled_from(OPERANDS)), draw(st.sampled_from(OPERANDS))
            alternatives.append(f"{low} - {high}")
            continue
        comparators = [
            draw(st.sampled_from(OPERATORS))
            + draw(st.sampled_from(["", " "]))
            + draw(st.sampled_from(OPERANDS))
            for _ in range(draw(st.integers(1, 3)))
        ]
        alternatives.append(draw(st.sampled_from([" ", ", "])).join(comparators))
    return " || ".join(alternatives)


def parsed(text: str) -> VersionRange:
    try:
        return parse_range(text)
    except InvalidRange:
        assume(False)
        raise


@settings(max_examples=400, deadline=None)
@given(range_texts(), range_texts())
def test_set_algebra_matches_membership(left_text: str, right_text: str) -> None:
    left, right = parsed(left_text), parsed(right_text)
    both = left.intersect(right)
    either = left.union(right)
    not_left = left.complement()
    for version in POOL:
        in_left, in_right = left.contains(version), right.contains(version)
        assert both.contains(version) == (in_left and in_right)
        assert either.contains(version) == (in_left or in_right)
        assert not_left.contains(version) == (not in_left)
        assert left.difference(right).contains(version) == (in_left and not in_right)
    if left.is_subset_of(right):
        assert all(right.contains(v) for v in POOL if left.contains(v))
    if left.is_disjoint_from(right):
        assert not any(left.contains(v) and right.contains(v) for v in POOL)
    assert left.is_subset_of(either) and both.is_subset_of(left)
    assert left.complement().complement() == left


@settings(max_examples=300, deadline=None)
@given(range_texts())
def test_text_form_round_trips(text: str) -> None:
    version_range = parsed(text)
    again = parse_range(str(version_range))
    assert all(again.contains(v) == version_range.contains(v) for v in POOL)


PEP440_OPERATORS = ["==", "!=", ">=", "<", "<=", "~="]
PEP440_OPERANDS = ["1.0", "1.0.0", "1.2.3", "2.0.0", "0.2.3", "1.2", "1.2.*", "1.*", "2.1.0"]
FINAL_VERSIONS = [v for v in POOL if not Version(v).is_prerelease]


@st.composite
def pep440_specifiers(draw: st.DrawFn) -> str:
    clauses = []
    for _ in range(draw(st.integers(1, 3))):
        operator = draw(st.sampled_from(PEP440_OPERATORS))
        operand = draw(st.sampled_from(PEP440_OPERANDS))
        if "*" in operand and operator not in ("==", "!="):
            operand = operand.replace(".*", ".0")
        if operator == "~=" and operand.count(".") == 0:
            operand += ".0"
        if operator == "<=" and operand.count(".") < 2:
            # Deliberate npm reading of a partial: "<=1.2" means "<1.3.0" (PEP 440: <=1.2.0).
            operand += ".0" * (2 - operand.count("."))
        clauses.append(f"{operator}{operand}")
    return ",".join(clauses)


@settings(max_examples=400, deadline=None)
@given(pep440_specifiers())
def test_pep440_specifiers_agree_with_packaging_on_final_releases(text: str) -> None:
    ours = parse_range(text)
    theirs = SpecifierSet(text)
    for version in FINAL_VERSIONS:
        assert ours.contains(version) == theirs.contains(version), (text, version)


@settings(max_examples=300, deadline=None)
@given(st.sampled_from(POOL), st.sampled_from(POOL))
def test_sort_key_preserves_pep440_order(left: str, right: str) -> None:
    a, b = Version(Version(left).public), Version(Version(right).public)
    assert (sort_key(a) < sort_key(b)) == (a < b)
    assert (sort_key(a) == sort_key(b)) == (a == b)
