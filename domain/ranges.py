"""Version ranges and requirement strings, over PEP 440 versions.

Syntax accepted by :func:`parse_range` (one grammar for every client):

* npm / Cargo: exact ``1.2.3``, ``=1.2.3``, ``>``, ``>=``, ``<``, ``<=``, caret ``^`` (with the
  0.x and 0.0.x rules), tilde ``~`` / ``~>``, x-ranges (``1.x``, ``1.2.*``, ``*``, ``""``),
  hyphen ranges (``1.2 - 2.3``), AND by whitespace or commas, OR by ``||``;
* PEP 440: ``==`` (with ``.*`` prefixes), ``!=``, ``~=``, ``===``, comma-joined;
* the contract's requirement forms: ``some-mod >= 1.0.0 < 2.0.0`` (space between an operator and
  its version is allowed).

Semantics follow npm where the syntaxes overlap (a bare partial ``1.2`` is the x-range ``1.2.x``,
``<=1.2`` is ``<1.3.0``, ``>1.2`` is ``>=1.3.0``); PEP 440 operators keep PEP 440 meaning (``==1.2``
is exactly ``1.2.0``). Versions are compared by PEP 440 precedence, so the stored form
``1.0.0-alpha.1`` is the pre-release ``1.0.0a1``. Build metadata / local labels (``+build``) are
ignored on both sides, as semver prescribes. ``1.2.3-0`` keeps its npm meaning, "the lowest
pre-release of 1.2.3" (PEP 440 alone would read it as a post-release).

Pre-releases follow node-semver: a pre-release version matches a comparator set (one ``||``
alternative) only if it satisfies every comparator *and* some comparator of that set names a
pre-release with the same major.minor.patch. To keep that rule closed under set algebra, a
:class:`VersionRange` holds two interval sets over the PEP 440 line: one consulted for final
releases, one for pre-releases. Intersection, union, complement and subset work component-wise.

Deliberate deviations: ``>V`` is plain precedence (PEP 440 would also skip post-releases of
``V``); ``===V`` is treated as ``==V`` rather than as string equality; an empty ``||``
alternative is an error (npm reads ``1.x ||`` as "anything", which is more likely a typo).

Bounds (``domain/bounds.py``): a specifier longer than ``SPEC_MAX_LENGTH``, with more than
``MAX_ALTERNATIVES`` ``||`` alternatives or more than ``MAX_COMPARATORS`` comparators, and a
requirement longer than ``REQUIREMENT_MAX_LENGTH`` or with a name longer than
``NAME_MAX_LENGTH``, are refused before any regex runs. Parsing is linear in the text: every
regex is anchored at a position and has no two unbounded quantifiers that can share
characters, and the alternatives are merged once rather than once per ``||``.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from functools import lru_cache

from packaging.version import InvalidVersion, Version

from domain.bounds import (
    MAX_ALTERNATIVES,
    MAX_COMPARATORS,
    NAME_MAX_LENGTH,
    REQUIREMENT_MAX_LENGTH,
    SPEC_MAX_LENGTH,
    quoted,
)

__all__ = [
    "InvalidRange",
    "InvalidRequirement",
    "IntervalSet",
    "Requirement",
    "VersionRange",
    "as_version",
    "parse_range",
    "parse_requirement",
    "sort_key",
    "version_info",
]


class InvalidRange(ValueError):
    """A range text that cannot be parsed; the message quotes the offending part."""

    def __init__(self, text: str, reason: str, position: int | None = None) -> None:
        where = f" (at character {position + 1})" if position is not None else ""
        super().__init__(f"Invalid version range {quoted(text)}: {reason}{where}")
        self.text = text
        self.reason = reason
        self.position = position


class InvalidRequirement(ValueError):
    """A requirement string that is not ``name`` + optional specifier."""

    def __init__(self, text: str, reason: str) -> None:
        super().__init__(f"Invalid requirement {quoted(text)}: {reason}")
        self.text = text
        self.reason = reason


def as_version(version: Version | str) -> Version:
    """Parse ``version`` and drop its local label (build metadata never affects matching).

    Strings are cached: a registry repeats the same few thousand version strings across all
    packages, and the resolver parses every candidate it looks at.
    """
    if isinstance(version, Version):
        return Version(version.public) if version.local is not None else version
    return _version_from_text(version)


def _public_version(text: str) -> Version:
    parsed = Version(text)
    return Version(parsed.public) if parsed.local is not None else parsed


# For candidate versions (the registry's own). Versions written in specifiers are parsed with
# `_public_version` instead: callers could otherwise fill this cache with 131,072 objects of
# their choosing, each one more for every full garbage collection to walk.
_version_from_text = lru_cache(maxsize=131072)(_public_version)


# A version's PEP 440 precedence as a tuple of ints: comparing these is several times faster
# than comparing ``Version`` objects, which matters when a solve sorts and matches thousands
# of candidates. Local labels are ignored, as everywhere in this module.
SortKey = tuple[int, tuple[int, ...], tuple[int, int], int, int]

_PRE_CODES = {"a": 0, "b": 1, "rc": 2}
_NO_DEV = 1 << 62  # a release without .devN sorts after all of its dev releases


def sort_key(version: Version) -> SortKey:
    """Order-preserving key: ``sort_key(a) < sort_key(b)`` iff ``a < b`` (locals ignored)."""
    release = version.release
    while len(release) > 1 and release[-1] == 0:
        release = release[:-1]
    if version.pre is not None:
        pre = (_PRE_CODES[version.pre[0]], version.pre[1])
    elif version.post is None and version.dev is not None:
        pre = (-1, 0)  # 1.0.dev1 sorts before 1.0a1
    else:
        pre = (3, 0)  # final (or post) release: after every pre-release
    post = -1 if version.post is None else version.post
    dev = _NO_DEV if version.dev is None else version.dev
    return (version.epoch, release, pre, post, dev)


@lru_cache(maxsize=131072)
def version_info(text: str) -> tuple[SortKey, bool]:
    """``(sort_key, is_prerelease)`` of a version string; raises ``InvalidVersion``."""
    parsed = _version_from_text(text)
    return sort_key(parsed), parsed.is_prerelease


# --------------------------------------------------------------------------------------------
# Interval sets over the PEP 440 version line
# --------------------------------------------------------------------------------------------

# (lower, lower_inclusive, upper, upper_inclusive); None means unbounded on that side.
Interval = tuple[Version | None, bool, Version | None, bool]
KeyInterval = tuple["SortKey | None", bool, "SortKey | None", bool]


def _interval_is_empty(interval: Interval) -> bool:
    lower, lower_inclusive, upper, upper_inclusive = interval
    if lower is None or upper is None:
        return False
    if lower < upper:
        return False
    return not (lower == upper and lower_inclusive and upper_inclusive)


def _lower_sort_key(interval: Interval) -> tuple[int, Version | None, int]:
    lower, inclusive, _, _ = interval
    if lower is None:
        return (0, None, 0)
    return (1, lower, 0 if inclusive else 1)


def _upper_exceeds(a: Interval, b: Interval) -> bool:
    """True when ``a`` reaches strictly further up than ``b``."""
    if b[2] is None:
        return False
    if a[2] is None:
        return True
    if a[2] != b[2]:
        return a[2] > b[2]
    return a[3] and not b[3]


def _touches(left: Interval, right: Interval) -> bool:
    """Whether ``right`` (whose lower bound is >= left's) overlaps or abuts ``left``."""
    upper, upper_inclusive = left[2], left[3]
    lower, lower_inclusive = right[0], right[1]
    if upper is None or lower is None:
        return True
    if lower < upper:
        return True
    return lower == upper and (upper_inclusive or lower_inclusive)


class IntervalSet:
    """A union of disjoint, sorted, non-adjacent intervals of versions (immutable)."""

    __slots__ = ("intervals", "_key_intervals")

    def __init__(self, intervals: Iterable[Interval] = ()) -> None:
        self.intervals: tuple[Interval, ...] = self._normalize(intervals)
        self._key_intervals: tuple[KeyInterval, ...] | None = None

    @property
    def key_intervals(self) -> tuple[KeyInterval, ...]:
        """The intervals with bounds as :func:`sort_key` tuples (computed once)."""
        if self._key_intervals is None:
            self._key_intervals = tuple(
                (
                    None if lower is None else sort_key(lower),
                    lower_inclusive,
                    None if upper is None else sort_key(upper),
                    upper_inclusive,
                )
                for lower, lower_inclusive, upper, upper_inclusive in self.intervals
            )
        return self._key_intervals

    @staticmethod
    def _normalize(intervals: Iterable[Interval]) -> tuple[Interval, ...]:
        pending = sorted((i for i in intervals if not _interval_is_empty(i)), key=_lower_sort_key)
        merged: list[Interval] = []
        for interval in pending:
            if merged and _touches(merged[-1], interval):
                last = merged[-1]
                if _upper_exceeds(interval, last):
                    merged[-1] = (last[0], last[1], interval[2], interval[3])
            else:
                merged.append(interval)
        return tuple(merged)

    @classmethod
    def everything(cls) -> IntervalSet:
        return cls([(None, False, None, False)])

    @classmethod
    def nothing(cls) -> IntervalSet:
        return cls()

    @property
    def is_empty(self) -> bool:
        return not self.intervals

    @property
    def is_everything(self) -> bool:
        return (
            len(self.intervals) == 1
            and self.intervals[0][0] is None
            and (self.intervals[0][2] is None)
        )

    def contains(self, version: Version) -> bool:
        for low, low_inclusive, high, high_inclusive in self.intervals:
            if low is not None and not (low < version or (low_inclusive and low == version)):
                continue
            if high is not None and not (version < high or (high_inclusive and version == high)):
                continue
            return True
        return False

    def union(self, other: IntervalSet) -> IntervalSet:
        return IntervalSet(self.intervals + other.intervals)

    def intersect(self, other: IntervalSet) -> IntervalSet:
        # Both sides are sorted and disjoint, so one sweep finds every overlap: after a pair,
        # the interval that ends first cannot meet anything further on the other side.
        # (Every pair was tried before, which made `!=1 !=2 ... !=50` quadratic per step.)
        result: list[Interval] = []
        left, right = self.intervals, other.intervals
        i = j = 0
        while i < len(left) and j < len(right):
            a, b = left[i], right[j]
            lower = max(a, b, key=_lower_sort_key)
            upper = b if _upper_exceeds(a, b) else a
            candidate = (lower[0], lower[1], upper[2], upper[3])
            if not _interval_is_empty(candidate):
                result.append(candidate)
            if upper is a:
                i += 1
            else:
                j += 1
        return IntervalSet(result)

    def complement(self) -> IntervalSet:
        gaps: list[Interval] = []
        previous_upper: Version | None = None
        previous_inclusive = False
        at_start = True
        for lower, lower_inclusive, upper, upper_inclusive in self.intervals:
            if lower is not None:
                if at_start:
                    gaps.append((None, False, lower, not lower_inclusive))
                else:
                    gap = (previous_upper, not previous_inclusive, lower, not lower_inclusive)
                    gaps.append(gap)
            at_start = False
            previous_upper, previous_inclusive = upper, upper_inclusive
            if upper is None:
                return IntervalSet(gaps)
        if at_start:
            return IntervalSet.everything()
        gaps.append((previous_upper, not previous_inclusive, None, False))
        return IntervalSet(gaps)

    def __eq__(self, other: object) -> bool:
        return isinstance(other, IntervalSet) and self.intervals == other.intervals

    def __hash__(self) -> int:
        return hash(self.intervals)

    def __str__(self) -> str:
        if self.is_empty:
            return "<none>"
        return " || ".join(_describe_interval(i) for i in self.intervals)

    def __repr__(self) -> str:
        return f"IntervalSet({self})"


def _describe_interval(interval: Interval) -> str:
    lower, lower_inclusive, upper, upper_inclusive = interval
    if lower is None and upper is None:
        return "*"
    if lower is not None and lower == upper:
        return f"=={lower}"
    parts = []
    if lower is not None:
        parts.append(f"{'>=' if lower_inclusive else '>'}{lower}")
    if upper is not None:
        parts.append(f"{'<=' if upper_inclusive else '<'}{upper}")
    return " ".join(parts)


# --------------------------------------------------------------------------------------------
# VersionRange
# --------------------------------------------------------------------------------------------


class VersionRange:
    """A set of versions: one interval set for final releases, one for pre-releases."""

    __slots__ = ("stable", "prerelease", "is_exact_pin", "_text")

    def __init__(
        self,
        stable: IntervalSet,
        prerelease: IntervalSet,
        *,
        text: str | None = None,
        is_exact_pin: bool = False,
    ) -> None:
        self.stable = stable
        self.prerelease = prerelease
        # True only for a single ==X / ===X / =X / bare X: the yanked rule keys on it.
        self.is_exact_pin = is_exact_pin
        self._text = text

    @classmethod
    def any(cls) -> VersionRange:
        return cls(IntervalSet.everything(), IntervalSet.nothing(), text="*")

    def contains(self, version: Version | str, *, include_prereleases: bool = False) -> bool:
        """Whether ``version`` is in the range.

        ``include_prereleases`` waives the node-semver pre-release rule (a pre-release is then
        judged by the comparators alone); useful when the version describes an environment,
        e.g. a ToolBox build, rather than a candidate.
        """
        parsed = as_version(version)
        if not parsed.is_prerelease:
            return self.stable.contains(parsed)
        if include_prereleases and self.stable.contains(parsed):
            return True
        return self.prerelease.contains(parsed)

    def __contains__(self, version: object) -> bool:
        if not isinstance(version, Version | str):
            return False
        return self.contains(version)

    # -- set algebra ---------------------------------------------------------------------

    def intersect(self, other: VersionRange) -> VersionRange:
        return VersionRange(
            self.stable.intersect(other.stable), self.prerelease.intersect(other.prerelease)
        )

    def union(self, other: VersionRange) -> VersionRange:
        return VersionRange(
            self.stable.union(other.stable), self.prerelease.union(other.prerelease)
        )

    def complement(self) -> VersionRange:
        return VersionRange(self.stable.complement(), self.prerelease.complement())

    def difference(self, other: VersionRange) -> VersionRange:
        return self.intersect(other.complement())

    def is_subset_of(self, other: VersionRange) -> bool:
        return self.difference(other).is_empty

    def is_disjoint_from(self, other: VersionRange) -> bool:
        return self.intersect(other).is_empty

    @property
    def is_empty(self) -> bool:
        return self.stable.is_empty and self.prerelease.is_empty

    @property
    def is_any(self) -> bool:
        return self.stable.is_everything and self.prerelease.is_everything

    def __eq__(self, other: object) -> bool:
        return (
            isinstance(other, VersionRange)
            and self.stable == other.stable
            and self.prerelease == other.prerelease
        )

    def __hash__(self) -> int:
        return hash((self.stable, self.prerelease))

    def __str__(self) -> str:
        if self._text is not None:
            return self._text
        if self.is_empty:
            return "<none>"
        if self.prerelease.is_empty:
            return str(self.stable)
        return f"{self.stable} (pre-releases: {self.prerelease})"

    def __repr__(self) -> str:
        return f"VersionRange({str(self)!r})"


# --------------------------------------------------------------------------------------------
# Parsing
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class _Partial:
    """An npm partial version: ``1``, ``1.2``, ``1.x``, ``1.2.*``, ``*``. None = wildcard.

    ``written_wildcard`` tells ``1.2.*`` (PEP 440 prefix match) from ``1.2``, which ``==``
    reads as exactly ``1.2.0`` while npm reads it as the x-range ``1.2.x``.
    """

    major: int | None
    minor: int | None
    patch: int | None
    written_wildcard: bool

    @property
    def has_wildcard(self) -> bool:
        return self.major is None or self.minor is None or self.patch is None


_Operand = Version | _Partial

_PARTIAL = re.compile(r"(\d+|[xX*])(?:\.(\d+|[xX*]))?(?:\.(\d+|[xX*]))?")
_LOWEST_PRERELEASE = re.compile(r"(\d+\.\d+\.\d+)-0")
_OPERATOR = re.compile(r"===|==|!=|~=|~>|<=|>=|<|>|=|\^|~")
_OPERAND_CHARS = re.compile(r"[^\s,|]+")
_PEP440_ONLY = frozenset({"==", "!=", "~=", "==="})


def _wild(part: str | None) -> int | None:
    if part is None or part in ("x", "X", "*"):
        return None
    return int(part)


def _parse_operand(text: str, token: str, position: int) -> _Operand:
    body = token[1:] if token[:1] in ("v", "V") and token[1:2].isdigit() else token
    partial = _PARTIAL.fullmatch(body)
    if partial:
        written = partial.groups()
        if all(part is not None and part.isdigit() for part in written):
            return Version(body)
        major, minor, patch = (_wild(part) for part in written)
        # npm: anything after a wildcard is a wildcard too (1.x.3 means 1.x).
        if major is None:
            minor = patch = None
        elif minor is None:
            patch = None
        has_star = any(part in ("x", "X", "*") for part in written if part is not None)
        return _Partial(major, minor, patch, written_wildcard=has_star)
    lowest = _LOWEST_PRERELEASE.fullmatch(body)
    if lowest:
        return Version(f"{lowest.group(1)}.dev0")
    try:
        return _public_version(body)
    except InvalidVersion:
        raise InvalidRange(text, f"{token!r} is not a valid version", position) from None


def _v(release: Iterable[int], epoch: int = 0, suffix: str = "") -> Version:
    prefix = f"{epoch}!" if epoch else ""
    return Version(prefix + ".".join(str(p) for p in release) + suffix)


def _floor(release: Iterable[int], epoch: int = 0) -> Version:
    """The lowest version with this release (npm's ``X.Y.Z-0``, PEP 440's ``X.Y.Z.dev0``)."""
    return _v(release, epoch, ".dev0")


def _release3(version: Version) -> tuple[int, int, int]:
    padded = (*version.release, 0, 0, 0)
    return padded[0], padded[1], padded[2]


def _at_least(v: Version) -> IntervalSet:
    return IntervalSet([(v, True, None, False)])


def _greater(v: Version) -> IntervalSet:
    return IntervalSet([(v, False, None, False)])


def _at_most(v: Version) -> IntervalSet:
    return IntervalSet([(None, False, v, True)])


def _less(v: Version) -> IntervalSet:
    return IntervalSet([(None, False, v, False)])


def _half_open(lower: Version, upper: Version) -> IntervalSet:
    return IntervalSet([(lower, True, upper, False)])


def _exactly(v: Version) -> IntervalSet:
    return IntervalSet([(v, True, v, True)])


def _partial_span(p: _Partial) -> IntervalSet:
    """All versions an x-range partial covers (npm: ``1.2`` == ``>=1.2.0 <1.3.0-0``)."""
    if p.major is None:
        return IntervalSet.everything()
    if p.minor is None:
        return _half_open(_v((p.major, 0, 0)), _floor((p.major + 1, 0, 0)))
    return _half_open(_v((p.major, p.minor, 0)), _floor((p.major, p.minor + 1, 0)))


def _pep440_prefix_span(p: _Partial) -> IntervalSet:
    """PEP 440 ``==1.2.*``: every version (pre-releases included) whose release starts 1.2."""
    if p.major is None:
        return IntervalSet.everything()
    if p.minor is None:
        return _half_open(_floor((p.major,)), _floor((p.major + 1,)))
    return _half_open(_floor((p.major, p.minor)), _floor((p.major, p.minor + 1)))


def _caret(operand: _Operand) -> IntervalSet:
    if isinstance(operand, _Partial):
        major, minor = operand.major, operand.minor
        if major is None:
            return IntervalSet.everything()
        if minor is None:
            return _half_open(_v((major, 0, 0)), _floor((major + 1, 0, 0)))
        # ^1.2.x == >=1.2.0 <2.0.0-0; ^0.2.x / ^0.0 == >=0.m.0 <0.(m+1).0-0
        upper = _floor((major + 1, 0, 0)) if major else _floor((0, minor + 1, 0))
        return _half_open(_v((major, minor, 0)), upper)
    major, minor, patch = _release3(operand)
    if major:
        upper = _floor((major + 1, 0, 0), operand.epoch)
    elif minor:
        upper = _floor((0, minor + 1, 0), operand.epoch)
    else:
        upper = _floor((0, 0, patch + 1), operand.epoch)
    return _half_open(operand, upper)


def _tilde(operand: _Operand) -> IntervalSet:
    if isinstance(operand, _Partial):
        return _partial_span(operand)
    major, minor, _ = _release3(operand)
    return _half_open(operand, _floor((major, minor + 1, 0), operand.epoch))


def _compatible_release(text: str, operand: _Operand, position: int) -> IntervalSet:
    if isinstance(operand, _Partial):
        if operand.written_wildcard or operand.major is None or operand.minor is None:
            raise InvalidRange(text, "'~=' needs a version with at least two parts", position)
        operand = _v([operand.major, operand.minor])
    if len(operand.release) < 2:
        raise InvalidRange(text, "'~=' needs a version with at least two parts", position)
    prefix = list(operand.release[:-1])
    prefix[-1] += 1
    return _half_open(operand, _floor(prefix, operand.epoch))


def _comparator_set(text: str, op: str, operand: _Operand, position: int) -> IntervalSet:
    """Translate one comparator into the interval set it allows (ignoring the pre-release rule)."""
    if op in ("", "="):
        return _partial_span(operand) if isinstance(operand, _Partial) else _exactly(operand)
    if op in ("==", "===", "!="):
        if isinstance(operand, _Partial):
            if operand.written_wildcard and op == "===":
                raise InvalidRange(text, "'===' does not accept wildcards", position)
            if operand.written_wildcard:
                span = _pep440_prefix_span(operand)
            else:  # ==1 / ==1.2: PEP 440 pads with zeros
                span = _exactly(_v([operand.major or 0, operand.minor or 0]))
        else:
            span = _exactly(operand)
        return span.complement() if op == "!=" else span
    if op == "^":
        return _caret(operand)
    if op in ("~", "~>"):
        return _tilde(operand)
    if op == "~=":
        return _compatible_release(text, operand, position)
    if isinstance(operand, Version):
        return {
            ">": _greater,
            ">=": _at_least,
            "<": _less,
            "<=": _at_most,
        }[op](operand)
    return _partial_comparison(op, operand)


def _partial_comparison(op: str, p: _Partial) -> IntervalSet:
    """npm's comparison against a partial: ``>1.2`` -> ``>=1.3.0``, ``<=1.2`` -> ``<1.3.0-0``."""
    if p.major is None:
        return IntervalSet.nothing() if op in (">", "<") else IntervalSet.everything()
    major, minor = p.major, p.minor
    if op == ">=":
        return _at_least(_v((major, minor or 0, 0)))
    if op == "<":
        return _less(_floor((major, minor or 0, 0)))
    # ">" and "<=" both step to the next minor (or major) boundary.
    boundary = (major + 1, 0, 0) if minor is None else (major, minor + 1, 0)
    if op == ">":
        return _at_least(_v(boundary))
    return _less(_floor(boundary))


def _prerelease_window(version: Version) -> IntervalSet:
    """Every version sharing ``version``'s major.minor.patch (only pre-releases are consulted)."""
    major, minor, patch = _release3(version)
    return _half_open(
        _floor((major, minor, patch), version.epoch),
        _floor((major, minor, patch + 1), version.epoch),
    )


def _hyphen_lower(operand: _Operand) -> IntervalSet:
    if isinstance(operand, Version):
        return _at_least(operand)
    if operand.major is None:
        return IntervalSet.everything()
    return _at_least(_v((operand.major, operand.minor or 0, operand.patch or 0)))


def _hyphen_upper(operand: _Operand) -> IntervalSet:
    if isinstance(operand, Version):
        return _at_most(operand)
    return _partial_comparison("<=", operand)


@dataclass(slots=True)
class _Alternative:
    """One ``||`` branch: its comparator intersection and the pre-release windows it names."""

    allowed: IntervalSet
    windows: IntervalSet
    canonical: str
    exact: bool
    comparators: int


def _find_hyphen(segment: str) -> tuple[int, int] | None:
    """The first `` - `` of a hyphen range: (start, end) of the ``-`` with the whitespace runs
    around it, or None.

    Written as a scan because the regex ``\\s+-\\s+`` with ``search`` restarts at every
    whitespace character of a long run and consumes the rest of the run each time (quadratic
    in the run's length); here each character is looked at a bounded number of times.
    """
    dash = segment.find("-")
    while dash >= 0:
        if (
            0 < dash < len(segment) - 1
            and segment[dash - 1].isspace()
            and (segment[dash + 1].isspace())
        ):
            start, end = dash - 1, dash + 2
            while start > 0 and segment[start - 1].isspace():
                start -= 1
            while end < len(segment) and segment[end].isspace():
                end += 1
            return start, end
        dash = segment.find("-", dash + 1)
    return None


def _too_many_comparators(text: str, position: int) -> InvalidRange:
    return InvalidRange(text, f"more than {MAX_COMPARATORS} comparators", position)


def _scan_comparators(
    text: str, start: int, end: int, limit: int
) -> Iterator[tuple[str, str, int]]:
    """Yield (operator, operand token, operand position) for one alternative; at most `limit`
    of them (refused before the next one is matched)."""
    position = start
    expecting_clause = True  # after the start or a comma, a clause must follow
    last_comma = -1
    found = 0
    while position < end:
        char = text[position]
        if char.isspace():
            position += 1
            continue
        if char == ",":
            if expecting_clause:
                raise InvalidRange(text, "empty clause before ','", position)
            expecting_clause = True
            last_comma = position
            position += 1
            continue
        if found == limit:
            raise _too_many_comparators(text, position)
        found += 1
        operator = _OPERATOR.match(text, position, end)
        op = operator.group(0) if operator else ""
        op_position = position
        position = operator.end() if operator else position
        while position < end and text[position].isspace() and op:
            position += 1
        operand = _OPERAND_CHARS.match(text, position, end)
        if operand is None:
            if op:
                raise InvalidRange(text, f"operator {op!r} is missing a version", op_position)
            raise InvalidRange(text, f"unexpected character {text[position]!r}", position)
        yield op, operand.group(0), position
        position = operand.end()
        expecting_clause = False
    if expecting_clause and last_comma >= 0:
        raise InvalidRange(text, "nothing follows ','", last_comma)


def _parse_alternative(text: str, start: int, end: int, limit: int) -> _Alternative:
    """One ``||`` branch with at most `limit` comparators."""
    segment = text[start:end]
    if not segment.strip():
        if start == 0 and end == len(text):
            return _Alternative(IntervalSet.everything(), IntervalSet.nothing(), "*", False, 0)
        # Point at the '||' that has nothing on one side.
        bar = start - 2 if start >= 2 else end
        raise InvalidRange(text, "empty alternative around '||'", bar)
    hyphen = _find_hyphen(segment)
    if hyphen:
        if limit < 2:
            raise _too_many_comparators(text, start)
        return _parse_hyphen(text, start, segment, hyphen)
    allowed = IntervalSet.everything()
    # Gathered and normalised once each, so an alternative costs O(k log k) in its k
    # comparators: intersecting the growing result with every `!=` (each one splits an
    # interval) and re-sorting the windows per pre-release was O(k^2).
    excluded: list[Interval] = []  # what the `!=` comparators take out: A - B1 - B2 = A - (B1|B2)
    windows: list[Interval] = []
    parts: list[str] = []
    count = 0
    exact = False
    for op, token, position in _scan_comparators(text, start, end, limit):
        if token.startswith(("<", ">", "=", "~", "^", "!")):
            raise InvalidRange(text, f"misplaced operator in {token!r}", position)
        operand = _parse_operand(text, token, position)
        if op == "!=":
            excluded.extend(_comparator_set(text, "==", operand, position).intervals)
        else:
            allowed = allowed.intersect(_comparator_set(text, op, operand, position))
        if isinstance(operand, Version) and operand.is_prerelease:
            windows.extend(_prerelease_window(operand).intervals)
        exact = op in ("", "=", "==", "===") and (
            isinstance(operand, Version) or (op in _PEP440_ONLY and not operand.written_wildcard)
        )
        parts.append(f"{op}{token}")
        count += 1
    if excluded:
        allowed = allowed.intersect(IntervalSet(excluded).complement())
    return _Alternative(allowed, IntervalSet(windows), " ".join(parts), exact and count == 1, count)


def _parse_hyphen(text: str, start: int, segment: str, hyphen: tuple[int, int]) -> _Alternative:
    left, right = segment[: hyphen[0]].strip(), segment[hyphen[1] :].strip()
    left_position = start + segment.index(left) if left else start
    right_position = start + hyphen[1]
    if (
        not left
        or not right
        or _OPERAND_CHARS.fullmatch(left) is None
        or (_OPERAND_CHARS.fullmatch(right) is None)
    ):
        raise InvalidRange(text, "a hyphen range needs exactly one version on each side", start)
    lower = _parse_operand(text, left, left_position)
    upper = _parse_operand(text, right, right_position)
    allowed = _hyphen_lower(lower).intersect(_hyphen_upper(upper))
    windows = IntervalSet.nothing()
    for operand in (lower, upper):
        if isinstance(operand, Version) and operand.is_prerelease:
            windows = windows.union(_prerelease_window(operand))
    return _Alternative(allowed, windows, f"{left} - {right}", False, 2)


def _split_alternatives(text: str) -> list[tuple[int, int]]:
    spans: list[tuple[int, int]] = []
    start = 0
    while True:
        bar = text.find("||", start)
        if bar < 0:
            spans.append((start, len(text)))
            return spans
        spans.append((start, bar))
        start = bar + 2


# Few entries on purpose: every cached range holds some 30 objects the cyclic garbage collector
# walks on each full collection, which stops every thread, the event loop's included. Filled
# with 65,536 distinct specifiers (a caller can send 500 new ones per request) a collection took
# 0.5 s; 4,096 keep it near 50 ms while still covering the specifiers a registry repeats
# (each solve also caches the ones it uses, per package).
@lru_cache(maxsize=4096)
def _parse_range_cached(text: str) -> VersionRange:
    stripped_edges = text.strip()
    if stripped_edges in ("", "*"):
        return VersionRange.any()
    if "|" in text.replace("||", ""):
        raise InvalidRange(text, "single '|' (use '||' for OR)", text.replace("||", "  ").find("|"))
    stable: list[Interval] = []
    prerelease: list[Interval] = []
    canonical: list[str] = []
    spans = _split_alternatives(text)
    exact = False
    budget = MAX_COMPARATORS
    for start, end in spans:
        alternative = _parse_alternative(text, start, end, budget)
        budget -= alternative.comparators
        # Collected and normalised once at the end: a union per alternative re-sorted
        # everything gathered so far (quadratic in the number of alternatives).
        stable.extend(alternative.allowed.intervals)
        prerelease.extend(alternative.allowed.intersect(alternative.windows).intervals)
        canonical.append(alternative.canonical)
        exact = alternative.exact
    return VersionRange(
        IntervalSet(stable),
        IntervalSet(prerelease),
        text=" || ".join(canonical),
        is_exact_pin=exact and len(spans) == 1,
    )


def parse_range(text: str) -> VersionRange:
    """Parse a range; raises :class:`InvalidRange` naming the bad part. Results are cached.

    The bounds are checked here, before the cache: a refused text must not take a cache slot.
    """
    if not isinstance(text, str):
        raise InvalidRange(repr(text), "a version range must be a string")
    if len(text) > SPEC_MAX_LENGTH:
        raise InvalidRange(text, f"longer than {SPEC_MAX_LENGTH} characters")
    if text.count("||") >= MAX_ALTERNATIVES:
        raise InvalidRange(text, f"more than {MAX_ALTERNATIVES} '||' alternatives")
    return _parse_range_cached(text)


# --------------------------------------------------------------------------------------------
# Requirements
# --------------------------------------------------------------------------------------------

# Anchored with `match` and followed by plain string slicing: the former fullmatch of
# `\s*([A-Za-z0-9_-]+)\s*(.*?)\s*` tried every split of a long whitespace run between the lazy
# group and the trailing `\s*` (7.5 s for 40,000 spaces).
_REQUIREMENT_NAME = re.compile(r"[A-Za-z0-9_-]+")


@dataclass(frozen=True, slots=True)
class Requirement:
    """``name`` plus the specifier text (``"*"`` when none) and its parsed range."""

    name: str
    spec: str
    range: VersionRange

    def __str__(self) -> str:
        return self.name if self.spec == "*" else f"{self.name} {self.spec}"


def refuse_long_requirement(text: object) -> None:
    """The checks of :func:`parse_requirement` that need no parsing (type and length), for
    callers that refuse a request before queueing it for the parser."""
    if not isinstance(text, str):
        raise InvalidRequirement(str(text), "a requirement must be a string")
    if len(text) > REQUIREMENT_MAX_LENGTH:
        raise InvalidRequirement(text, f"longer than {REQUIREMENT_MAX_LENGTH} characters")


def parse_requirement(text: str) -> Requirement:
    """Parse ``CloudM``, ``CloudM>=2.0.0``, ``some-mod >= 1.0.0 < 2.0.0``, ``x ^1.2``...

    Raises :class:`InvalidRequirement` for a missing/invalid name or an invalid specifier,
    and for a text, name or specifier longer than its bound (``domain/bounds.py``).
    """
    refuse_long_requirement(text)
    stripped = text.strip()
    match = _REQUIREMENT_NAME.match(stripped)
    if match is None:
        raise InvalidRequirement(text, "expected a package name ([A-Za-z0-9_-]+) first")
    name, spec = match.group(0), stripped[match.end() :].lstrip() or "*"
    if len(name) > NAME_MAX_LENGTH:
        raise InvalidRequirement(text, f"the name is longer than {NAME_MAX_LENGTH} characters")
    try:
        parsed = parse_range(spec)
    except InvalidRange as error:
        raise InvalidRequirement(text, f"specifier {quoted(spec)}: {error.reason}") from error
    return Requirement(name=name, spec=spec, range=parsed)
