"""The per-solve view of the registry: package ids, candidate bitsets, dependency facts.

Packages are loaded lazily from the :class:`PackageSource` the first time the solver needs
them, so a solve only touches the part of the registry it explores. Each dependency spec is
parsed once (``parse_range`` is cached) and turned into a bitset once per package and solve.
"""

from __future__ import annotations

from bisect import bisect_left, bisect_right
from collections.abc import Sequence
from typing import NamedTuple

from packaging.version import Version

from domain.enums import Platform
from domain.ranges import InvalidRange, SortKey, VersionRange, parse_range
from domain.resolver.incompatibility import DependencyDetail, Incompatibility
from domain.resolver.model import Candidate, Dependency, PackageSource
from domain.resolver.prepared import PreparedPackage, PreparingSource, prepare_package

__all__ = ["ROOT", "ROOT_NAME", "ROOT_NONE", "PackageData", "SpecMatch", "Universe"]

ROOT = 0
# Cannot collide with a package: names are [A-Za-z0-9_-]+.
ROOT_NAME = "(root)"
ROOT_NONE = 2  # the root has exactly one candidate (bit 0), so "not selected" is bit 1


class SpecMatch(NamedTuple):
    mask: int  # candidates the spec allows after the yanked/ToolBox/platform rules
    raw: int  # candidates the range itself contains
    error: str  # non-empty when the spec does not parse


class PackageData:
    """One package in one solve: its prepared candidates plus this request's filter masks."""

    __slots__ = (
        "pid",
        "name",
        "prepared",
        "candidates",
        "versions",
        "count",
        "all",
        "none",
        "full",
        "range_ok",
        "pin_ok",
        "exclusion",
        "spec_cache",
        "listed",
        "expanded",
    )

    def __init__(
        self,
        pid: int,
        prepared: PreparedPackage,
        exclusion: list[str] | None,
        pin_exclusion: list[str] | None,
    ) -> None:
        self.pid = pid
        self.name = prepared.name
        self.prepared = prepared
        self.candidates = prepared.candidates
        self.versions = prepared.versions
        count = self.count = prepared.count
        self.all = (1 << count) - 1
        self.none = 1 << count
        self.full = self.all | self.none
        # Why a candidate may not satisfy a range ("" = it may); None = only yanked ones are
        # excluded. Pins only check the platform.
        self.exclusion = exclusion
        if exclusion is None:
            self.range_ok = self.all ^ prepared.yanked
        else:
            self.range_ok = self.all
            for index, reason in enumerate(exclusion):
                if reason:
                    self.range_ok ^= 1 << index
        self.pin_ok = self.all
        for index, reason in enumerate(pin_exclusion or ()):
            if reason:
                self.pin_ok ^= 1 << index
        self.spec_cache: dict[str, SpecMatch] = {}
        # Per dependency name: bits of the versions whose dependency on it is already an
        # incompatibility; ``expanded``: versions whose dependencies have all been handed out.
        self.listed: dict[str, int] = {}
        self.expanded = 0

    def exclusion_reason(self, index: int) -> str:
        if self.exclusion is not None:
            return self.exclusion[index]
        return "is yanked" if self.prepared.yanked >> index & 1 else ""

    def match(self, version_range: VersionRange) -> int:
        """Bits of the candidates inside ``version_range`` (node-semver pre-release rule)."""
        prepared = self.prepared
        return _match_intervals(
            version_range.stable.key_intervals, prepared.stable_keys, prepared.stable_prefix
        ) | _match_intervals(
            version_range.prerelease.key_intervals, prepared.pre_keys, prepared.pre_prefix
        )


def _match_intervals(
    intervals: Sequence[tuple[SortKey | None, bool, SortKey | None, bool]],
    ascending: list[SortKey],
    prefix: list[int],
) -> int:
    if not ascending:
        return 0
    bits = 0
    size = len(ascending)
    for lower, lower_inclusive, upper, upper_inclusive in intervals:
        if lower is None:
            start = 0
        elif lower_inclusive:
            start = bisect_left(ascending, lower)
        else:
            start = bisect_right(ascending, lower)
        if upper is None:
            stop = size
        elif upper_inclusive:
            stop = bisect_right(ascending, upper)
        else:
            stop = bisect_left(ascending, upper)
        if start < stop:
            bits |= prefix[stop] ^ prefix[start]
    return bits


def _platform_matches(candidate: Candidate, platform: str | None) -> bool:
    if platform is None or not candidate.platforms:
        return True
    wanted = platform.lower()
    return any(p.lower() in (wanted, Platform.ALL) for p in candidate.platforms)


class Universe:
    """Lazily loaded packages for one solve, addressed by small integer ids."""

    def __init__(
        self,
        source: PackageSource,
        root_requirements: Sequence[Dependency],
        *,
        toolbox_version: Version | None,
        platform: str | None,
        include_optional: bool,
    ) -> None:
        self.source = source
        self.toolbox_version = toolbox_version
        self.platform = platform
        self.include_optional = include_optional
        self.packages: list[PackageData] = []
        self.ids: dict[str, int] = {}
        self._canonical: dict[str, str | None] = {}
        self.skipped_versions: list[str] = []  # stored versions that do not parse
        self._descriptions: dict[tuple[int, int], str] = {}
        root = Candidate(version="0", dependencies=tuple(root_requirements))
        self.packages.append(PackageData(ROOT, prepare_package(ROOT_NAME, [root]), None, None))
        self._prepare = source.prepared if isinstance(source, PreparingSource) else None

    # -- loading -------------------------------------------------------------------------

    def canonical(self, name: str) -> str | None:
        key = name.lower()
        if key not in self._canonical:
            self._canonical[key] = self.source.canonical_name(name)
        return self._canonical[key]

    def package_id(self, canonical: str) -> int:
        pid = self.ids.get(canonical)
        if pid is None:
            pid = self._load(canonical)
        return pid

    def _load(self, canonical: str) -> int:
        if self._prepare is not None:
            prepared = self._prepare(canonical)
        else:
            prepared = prepare_package(canonical, self.source.candidates(canonical))
        self.skipped_versions.extend(f"{canonical} {text}" for text in prepared.skipped)
        exclusion: list[str] | None = None
        pin_exclusion: list[str] | None = None
        if self.platform is not None or self.toolbox_version is not None:
            pin_exclusion = [
                ""
                if _platform_matches(c, self.platform)
                else f"is not available for {self.platform}"
                for c in prepared.candidates
            ]
            exclusion = [
                platform_reason or self._range_exclusion(c)
                for c, platform_reason in zip(prepared.candidates, pin_exclusion, strict=True)
            ]
        pid = len(self.packages)
        self.packages.append(PackageData(pid, prepared, exclusion, pin_exclusion))
        self.ids[canonical] = pid
        return pid

    def _range_exclusion(self, candidate: Candidate) -> str:
        if candidate.yanked:
            return "is yanked"
        if not self.toolbox_incompatible(candidate):
            return ""
        return f"requires ToolBox {candidate.toolbox_version.strip()}"

    def toolbox_incompatible(self, candidate: Candidate) -> bool:
        """True when a ToolBox version was given and the candidate's constraint excludes it.

        An unparseable constraint counts as compatible (the caller reports it as a warning):
        a publisher's typo should not make a version uninstallable.
        """
        constraint = candidate.toolbox_version.strip()
        if self.toolbox_version is None or not constraint:
            return False
        try:
            allowed = parse_range(constraint)
        except InvalidRange:
            return False
        # The ToolBox build is an environment, not a candidate: its own pre-release status
        # must not hide it from a plain ">=0.1" constraint.
        return not allowed.contains(self.toolbox_version, include_prereleases=True)

    # -- ranges --------------------------------------------------------------------------

    def spec_match(self, pid: int, spec: str) -> SpecMatch:
        package = self.packages[pid]
        cached = package.spec_cache.get(spec)
        if cached is not None:
            return cached
        try:
            version_range = parse_range(spec)
        except InvalidRange as error:
            result = SpecMatch(0, 0, error.reason)
        else:
            raw = package.match(version_range)
            allowed = package.pin_ok if version_range.is_exact_pin else package.range_ok
            result = SpecMatch(raw & allowed, raw, "")
        package.spec_cache[spec] = result
        return result

    # -- dependencies --------------------------------------------------------------------

    def new_dependency_incompatibilities(self, pid: int, index: int) -> list[Incompatibility]:
        """Incompatibilities for version ``index``'s dependencies not handed out before.

        As in pub, adjacent versions declaring the identical dependency share one
        incompatibility ({pkg >=first <next, not dep M}), which lets conflict resolution rule
        out whole runs of versions at once and reads like the ranges people write.
        """
        package = self.packages[pid]
        bit = 1 << index
        if package.expanded & bit:
            return []
        package.expanded |= bit
        dependencies_of = package.prepared.dependencies_of
        include_optional = self.include_optional
        listed = package.listed
        last = package.count - 1
        result: list[Incompatibility] = []
        for name, specs in dependencies_of(index, include_optional).items():
            if listed.get(name, 0) & bit:
                continue
            low = high = index
            while low > 0 and dependencies_of(low - 1, include_optional).get(name) == specs:
                low -= 1
            while high < last and dependencies_of(high + 1, include_optional).get(name) == specs:
                high += 1
            dependers = ((1 << (high + 1)) - 1) ^ ((1 << low) - 1)
            listed[name] = listed.get(name, 0) | dependers
            incompatibility = self._dependency_incompatibility(package, name, specs, dependers)
            if incompatibility is not None:
                result.append(incompatibility)
        return result

    def _dependency_incompatibility(
        self, package: PackageData, display: str, specs: tuple[str, ...], dependers: int
    ) -> Incompatibility | None:
        canonical = self.canonical(display)
        if canonical is None:
            return None  # not a registry package (e.g. a pip name): skipped, warned later
        pid = package.pid
        spec_text = ", ".join(specs)
        depender_term = (pid, dependers, package.full ^ dependers, None)
        dependee = self.package_id(canonical)
        target = self.packages[dependee]
        allowed, raw = target.all, target.all
        cache = target.spec_cache
        for spec in specs:
            matched = cache.get(spec) or self.spec_match(dependee, spec)
            if matched.error:
                detail = DependencyDetail(pid, dependee, canonical, spec, 0, matched.error)
                return Incompatibility((depender_term,), "invalid_dependency", detail=detail)
            allowed &= matched.mask
            raw &= matched.raw
        detail = DependencyDetail(pid, dependee, canonical, spec_text, raw)
        if dependee == pid:
            # A self-dependency is harmless when it admits the version itself.
            invalid = dependers & ~allowed
            if not invalid:
                return None
            term = (pid, invalid, package.full ^ invalid, None)
            return Incompatibility((term,), "self_dependency", detail=detail)
        if allowed == 0:
            return Incompatibility((depender_term,), "unsatisfiable_dependency", detail=detail)
        dependee_term = (dependee, target.full ^ allowed, allowed, spec_text)
        return Incompatibility((depender_term, dependee_term), "dependency", detail=detail)

    # -- presentation --------------------------------------------------------------------

    def name(self, pid: int) -> str:
        return self.packages[pid].name

    def describe_set(self, pid: int, bits: int) -> str:
        """Render a candidate set as a range over the known versions, e.g. ``>=1.2.0 <2.0.0``."""
        package = self.packages[pid]
        bits &= package.all
        key = (pid, bits)
        described = self._descriptions.get(key)
        if described is None:
            described = self._descriptions[key] = self._describe(package, bits)
        return described

    def _describe(self, package: PackageData, bits: int) -> str:
        if bits == package.all:
            return "*"
        if bits == 0:
            return "<no versions>"
        count = package.count
        versions = package.versions
        # Walk oldest -> newest (bit count-1 is the oldest).
        included = [bool(bits >> (count - 1 - position) & 1) for position in range(count)]
        parts: list[str] = []
        position = 0
        while position < count:
            if not included[position]:
                position += 1
                continue
            end = position
            while end + 1 < count and included[end + 1]:
                end += 1
            if position == end:
                parts.append(versions[count - 1 - position])
            else:
                bounds = []
                if position > 0:
                    bounds.append(f">={versions[count - 1 - position]}")
                if end < count - 1:
                    bounds.append(f"<{versions[count - 2 - end]}")
                parts.append(" ".join(bounds))
            position = end + 1
        return " || ".join(parts)

    def exclusion_notes(self, pid: int, raw: int, allowed: int) -> list[str]:
        """Why candidates the range contains were not allowed, e.g. ``2.0.0 is yanked``."""
        package = self.packages[pid]
        notes = []
        excluded = raw & ~allowed
        for index in range(package.count):
            reason = package.exclusion_reason(index) if excluded >> index & 1 else ""
            if reason:
                notes.append(f"{package.versions[index]} {reason}")
        return notes
