"""Dependency resolution over the registry: load what the solver may see, then solve.

The solver (domain/resolver) is pure and synchronous. Its source is loaded here breadth-first,
one dependency level at a time, with two batched queries per level (packages; their published
versions with each version's compact dependency list, `domain/requires.py`) and cached for the
request, so a 50-root request costs a couple of dozen queries rather than one per candidate
version.
"""

from __future__ import annotations

import json
from collections import defaultdict
from collections.abc import Sequence
from functools import cache
from typing import Any, NamedTuple, TypeVar

from tortoise import connections

from domain.actor import Actor
from domain.bounds import MAX_RESOLVE_REQUIREMENTS, VERSION_MAX_LENGTH
from domain.enums import VersionStatus
from domain.exceptions import InvalidInput
from domain.manifest import DependencySpec
from domain.models import Dependency as DependencyRow
from domain.models import Package, PackageVersion
from domain.names import lookup_keys, name_key
from domain.offload import expensive_gate, run_cpu_bound
from domain.ranges import (
    InvalidRange,
    InvalidRequirement,
    parse_requirement,
    refuse_long_requirement,
)
from domain.requires import NOT_RECORDED, RequiresDecoder, encode_requires
from domain.resolver import (
    Candidate,
    InMemorySource,
    InvalidToolboxVersion,
    NoSolution,
    Requirement,
    Resolution,
    solve,
)
from domain.services import lifecycle, resolution_cache
from domain.services.access import can_view_live
from domain.services.resolution_cache import PackageFacts, UniverseSource
from domain.services.urls import package_file_url

MAX_LEVELS = 64
# Bound on the names bound into one `IN (...)`: PostgreSQL takes at most 32,767 parameters
# per statement.
IN_BATCH = 5_000
_T = TypeVar("_T")


def _chunks(items: Sequence[_T]) -> list[Sequence[_T]]:
    return [items[start : start + IN_BATCH] for start in range(0, len(items), IN_BATCH)]


class Artifact(NamedTuple):
    """What a client needs to fetch a resolved version (the solver's opaque payload).

    A named tuple, and the URL built only for the versions the solver picks: a 50-root
    request loads tens of thousands of candidates, and building a URL (or a dataclass) for
    each cost more than solving."""

    package: str
    version: str
    sha256: str
    size_bytes: int
    base_url: str | None

    @property
    def download_url(self) -> str:
        return package_file_url(self.package, self.version, self.base_url)


@cache
def _level_sql() -> tuple[str, str]:
    """(published versions of a set of packages, dependency rows of a set of versions);
    `{ids}` is filled with integer ids (never caller text), so one text serves both dialects."""
    versions = PackageVersion._meta.db_table
    dependencies = DependencyRow._meta.db_table
    return (
        f'SELECT "id", "package_id", "version", "yanked", "toolbox_version", "platforms", '
        f'"sha256", "size_bytes", "requires" FROM "{versions}" '
        f'WHERE "status" = \'{VersionStatus.PUBLISHED}\' AND "package_id" IN ({{ids}})',
        f'SELECT "version_id", "name", "version_spec", "optional" FROM "{dependencies}" '
        f'WHERE "version_id" IN ({{ids}})',
    )


def _platforms(value: Any) -> tuple[str, ...]:
    if not value or value == "[]":  # the common case: no platform restriction
        return ()
    decoded = json.loads(value) if isinstance(value, str) else value
    return tuple(decoded or ())


def _in_list(ids: Sequence[int]) -> list[str]:
    return [", ".join(str(int(i)) for i in chunk) for chunk in _chunks(ids)]


async def _published_versions(package_ids: Sequence[int]) -> list[Any]:
    conn = connections.get("default")
    sql = _level_sql()[0]
    return [
        row
        for ids in _in_list(package_ids)
        for row in (await conn.execute_query(sql.format(ids=ids)))[1]
    ]


async def _requires_from_rows(version_ids: Sequence[int]) -> dict[int, str]:
    """`requires` texts rebuilt from the dependency rows, for versions written before the
    column existed."""
    conn = connections.get("default")
    sql = _level_sql()[1]
    found: dict[int, list[DependencySpec]] = {version_id: [] for version_id in version_ids}
    for ids in _in_list(version_ids):
        for version_id, name, spec, optional in (await conn.execute_query(sql.format(ids=ids)))[1]:
            found[version_id].append(DependencySpec(name, spec or "*", bool(optional)))
    return {version_id: encode_requires(deps) for version_id, deps in found.items()}


async def load_source(
    actor: Actor, root_names: Sequence[str], *, base_url: str | None
) -> InMemorySource:
    """Everything reachable from `root_names` that `actor` may install, level by level.

    Each package's facts come from the kept universe (domain/services/resolution_cache.py)
    when a resolution since the last committed write loaded them; the rest are read per level
    with one query for the packages and one pre-built query for their published versions,
    dependencies included. What `actor` may see is decided here, on every request, from
    those facts (`can_view_live`, as everywhere)."""
    source = UniverseSource()
    seen: set[str] = set()
    frontier = set(lookup_keys(list(root_names)))  # a name nothing can have finds nothing
    kept = resolution_cache.universe
    for _ in range(MAX_LEVELS):
        frontier -= seen
        if not frontier:
            break
        seen |= frontier
        found = kept.known(base_url, frontier)
        missing = sorted(frontier - found.keys())
        if missing:
            generation = kept.generation
            loaded = await _load_facts(missing, base_url)
            kept.keep(base_url, loaded, generation)
            found.update(loaded)
        frontier = set()
        for facts in found.values():
            if facts is not None and can_view_live(
                actor, facts.visibility, facts.publisher_id, facts.name
            ):
                source.add_facts(facts)
                frontier |= facts.depends_on
    return source


async def _load_facts(keys: Sequence[str], base_url: str | None) -> dict[str, PackageFacts | None]:
    """The facts of the live packages named by `keys` (whoever may see them); None for a key
    no live package has."""
    packages: dict[int, tuple[str, str, str, str]] = {
        package_id: (key, name, visibility, publisher_id)
        for chunk in _chunks(keys)
        for package_id, key, name, visibility, publisher_id in await Package.filter(
            name_key__in=chunk, deleted_at__isnull=True
        ).values_list("id", "name_key", "name", "visibility", "publisher_id")
    }
    rows = await _published_versions(list(packages)) if packages else []
    unrecorded = [row[0] for row in rows if row[8] == NOT_RECORDED]
    rebuilt = await _requires_from_rows(unrecorded) if unrecorded else {}
    # Turning rows into candidates is pure CPU (tens of thousands of rows on a large
    # registry): off the loop, while the queries above stay on it.
    facts = await run_cpu_bound(_facts_of, packages, rows, rebuilt, base_url)
    loaded: dict[str, PackageFacts | None] = dict.fromkeys(keys)
    loaded.update(facts)
    return loaded


def _facts_of(
    packages: dict[int, tuple[str, str, str, str]],
    rows: list[Any],
    rebuilt: dict[int, str],
    base_url: str | None,
) -> dict[str, PackageFacts]:
    """Each package's facts by its name key, from its published version rows."""
    decoder = RequiresDecoder()
    candidates: dict[int, list[Candidate]] = defaultdict(list)
    for (
        version_id,
        package_id,
        version,
        yanked,
        toolbox_version,
        platforms,
        sha256,
        size_bytes,
        requires,
    ) in rows:
        candidates[package_id].append(
            Candidate(
                version,
                bool(yanked),
                toolbox_version or "",
                _platforms(platforms),
                decoder.decode(rebuilt.get(version_id, requires)),
                Artifact(packages[package_id][1], version, sha256, size_bytes, base_url),
            )
        )
    facts: dict[str, PackageFacts] = {}
    for package_id, (key, name, visibility, publisher_id) in packages.items():
        own = tuple(candidates.get(package_id, ()))
        depends_on = frozenset(
            name_key(dependency.name) for candidate in own for dependency in candidate.dependencies
        )
        facts[key] = PackageFacts(name, str(visibility), str(publisher_id), own, depends_on)
    return facts


def check_request_bounds(requirements: Sequence[object], toolbox_version: str | None) -> None:
    """The request's sizes (`domain/bounds.py`), checked before anything is parsed or
    waits for the CPU pool: a refusal costs no parsing and no place in the queue."""
    if len(requirements) > MAX_RESOLVE_REQUIREMENTS:
        raise InvalidInput(
            f"At most {MAX_RESOLVE_REQUIREMENTS} requirements per request", field="requirements"
        )
    if toolbox_version is not None and len(toolbox_version) > VERSION_MAX_LENGTH:
        raise InvalidInput(
            f"toolbox_version is longer than {VERSION_MAX_LENGTH} characters",
            field="toolbox_version",
        )
    for item in requirements:
        if isinstance(item, str):
            try:
                refuse_long_requirement(item)
            except InvalidRequirement as exc:
                raise InvalidInput(str(exc), field="requirements") from None


def parse_roots(requirements: Sequence[str | tuple[str, str]]) -> list[Requirement]:
    """Validate root requirements up front: an unparseable one is the caller's 400."""
    roots: list[Requirement] = []
    for item in requirements:
        text = item if isinstance(item, str) else f"{item[0]} {item[1]}"
        try:
            roots.append(parse_requirement(text))
        except (InvalidRequirement, InvalidRange) as exc:
            # The parser's message already quotes the text (shortened when long).
            raise InvalidInput(str(exc), field="requirements") from None
    return roots


async def resolve(
    actor: Actor,
    requirements: Sequence[str | tuple[str, str]],
    *,
    toolbox_version: str | None = None,
    platform: str | None = None,
    include_optional: bool = False,
    base_url: str | None = None,
) -> Resolution | NoSolution:
    check_request_bounds(requirements, toolbox_version)
    async with expensive_gate():
        # Parsing and solving are pure CPU: both run on the CPU pool (`domain/offload.py`),
        # the database reads in between on the loop.
        roots = await run_cpu_bound(parse_roots, requirements)
        if not roots:
            raise InvalidInput("At least one requirement is required", field="requirements")
        source = await load_source(actor, [r.name for r in roots], base_url=base_url)
        try:
            result = await run_cpu_bound(
                solve,
                roots,
                source,
                toolbox_version=toolbox_version or None,
                platform=platform or None,
                include_optional=include_optional,
            )
        except InvalidToolboxVersion as exc:
            raise InvalidInput(str(exc), field="toolbox_version") from None
        except (InvalidRequirement, InvalidRange) as exc:
            raise InvalidInput(str(exc), field="requirements") from None
    # Deprecated and archived packages name their successor: those resolved, or the roots
    # asked for when nothing could be (domain/services/lifecycle.py).
    touched = list(result.packages) if isinstance(result, Resolution) else [r.name for r in roots]
    result.warnings.extend(await lifecycle.warnings_for(actor, touched))
    return result


async def check_compatibility(
    actor: Actor, package: str, version: str, toolbox_version: str | None
) -> tuple[bool, list[str], list[str]]:
    """(compatible, warnings, conflicts) for installing exactly `package==version`."""
    if not package or not version:
        raise InvalidInput("package and version are required")
    result = await resolve(actor, [f"{package}=={version}"], toolbox_version=toolbox_version)
    if isinstance(result, NoSolution):
        return False, list(result.warnings), list(result.errors)
    return not result.toolbox_incompatible, list(result.warnings), []
