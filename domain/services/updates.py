"""Update checks: latest versions by name, file lookups by hash, and batch update queries."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from domain.actor import Actor
from domain.bounds import MAX_UPDATE_ITEMS, VERSION_MAX_LENGTH
from domain.enums import VersionStatus
from domain.exceptions import InvalidInput
from domain.models import Package, PackageVersion
from domain.names import lookup_key, lookup_keys
from domain.services import lifecycle
from domain.services.access import can_view, listed_filter
from domain.versions import loose_version, sort_newest_first
from storage.keys import is_sha256_hex

MAX_BATCH = MAX_UPDATE_ITEMS


async def latest_versions(actor: Actor, names: list[str] | None) -> dict[str, str | None]:
    """{canonical name: latest_version or None}; unknown or invisible names are omitted."""
    if names is None:
        rows = await Package.filter(await listed_filter(actor)).prefetch_related("publisher")
    else:
        if len(names) > MAX_BATCH:  # refused, not cut short: the rest would look unknown
            raise InvalidInput(f"At most {MAX_BATCH} names per request", field="names")
        keys = lookup_keys(names)
        rows = await Package.filter(name_key__in=keys, deleted_at__isnull=True)
        rows = [p for p in rows if can_view(actor, p)]
    return {p.name: (p.latest_version or None) for p in sorted(rows, key=lambda p: p.name_key)}


@dataclass
class FileMatch:
    package: Package
    version: PackageVersion


async def find_by_sha256(actor: Actor, sha256: str) -> list[FileMatch]:
    """Published versions whose stored bytes, or original upload, have this hash."""
    digest = (sha256 or "").strip().lower()
    if not is_sha256_hex(digest):
        raise InvalidInput("sha256 must be 64 hexadecimal characters", field="sha256")
    published = PackageVersion.filter(status=VersionStatus.PUBLISHED)
    rows = await published.filter(sha256=digest).prefetch_related(
        "package"
    ) + await published.filter(upload_sha256=digest).exclude(sha256=digest).prefetch_related(
        "package"
    )
    return [FileMatch(r.package, r) for r in rows if can_view(actor, r.package)]


def _compatible(row: PackageVersion, toolbox_version: str | None, platform: str | None) -> bool:
    from domain.ranges import InvalidRange, parse_range

    if platform and row.platforms and platform not in row.platforms:
        return False
    if toolbox_version and row.toolbox_version:
        wanted = loose_version(toolbox_version)
        try:
            return wanted is None or parse_range(row.toolbox_version).contains(wanted)
        except InvalidRange:
            return True
    return True


def _refuse_long_version(value: object, what: str, field: str) -> None:
    if isinstance(value, str) and len(value) > VERSION_MAX_LENGTH:
        raise InvalidInput(f"{what} is longer than {VERSION_MAX_LENGTH} characters", field=field)


async def newest_compatible(
    actor: Actor, items: list[Any], *, toolbox_version: str | None, platform: str | None
) -> list[dict[str, Any]]:
    """For each `{sha256}` or `{name, version}` item: the newest compatible version.

    The whole batch costs four queries (files by hash, packages by name, their versions),
    not two per item: 500 items used to be 1,000 queries and as many turns of the event loop,
    and the newest compatible version of a package is chosen once however often it is asked.
    """
    if not isinstance(items, list) or len(items) > MAX_BATCH:
        raise InvalidInput(f"items must be a list of at most {MAX_BATCH} entries", field="items")
    _refuse_long_version(toolbox_version, "toolbox_version", "toolbox_version")
    digests: dict[int, str] = {}
    names: dict[int, str] = {}
    for index, item in enumerate(items):
        if not isinstance(item, dict):
            raise InvalidInput(f"items[{index}] must be an object", field="items")
        _refuse_long_version(item.get("version"), f"items[{index}].version", "items")
        if item.get("sha256"):
            digests[index] = _digest(item["sha256"])
        elif item.get("name"):
            names[index] = str(item["name"])
        else:
            raise InvalidInput(f"items[{index}] needs sha256 or name", field="items")
    by_digest = await _first_visible_files(actor, set(digests.values()))
    by_key = {
        package.name_key: package
        for package in await Package.filter(
            name_key__in=lookup_keys(list(names.values())), deleted_at__isnull=True
        )
        if can_view(actor, package)
    }
    found: dict[int, tuple[Package, str]] = {}
    for index, digest in digests.items():
        if digest in by_digest:
            row = by_digest[digest]
            found[index] = (row.package, row.version)
    for index, name in names.items():
        key = lookup_key(name)
        if key in by_key:
            found[index] = (by_key[key], str(items[index].get("version") or ""))
    newest = await _newest_per_package(
        {package.id for package, _ in found.values()}, toolbox_version, platform
    )
    answers: list[dict[str, Any]] = []
    for index, item in enumerate(items):
        if index not in found:
            answers.append({"query": item, "found": False})
            continue
        package, current = found[index]
        best = newest.get(package.id)
        current_v = loose_version(current)
        best_v = loose_version(best.version) if best else None
        newer = bool(best_v and current_v and best_v > current_v)
        answers.append(
            {
                "query": item,
                "found": True,
                "name": package.name,
                "current_version": current,
                "latest_version": best.version if best else "",
                "update_available": newer,
                "checksum_sha256": best.sha256 if best else "",
                # Deprecated and archived packages name their successor (domain/services/
                # lifecycle.py); the fields above keep their meaning.
                "status": package.status,
                "warnings": [text] if (text := lifecycle.notice_of(package)) else [],
            }
        )
    return answers


def _digest(value: object) -> str:
    digest = str(value).strip().lower()
    if not is_sha256_hex(digest):
        raise InvalidInput("sha256 must be 64 hexadecimal characters", field="sha256")
    return digest


async def _first_visible_files(actor: Actor, digests: set[str]) -> dict[str, PackageVersion]:
    """Per hash, the first published version the caller may see whose stored bytes have it,
    else whose original upload has it (the order of `find_by_sha256`)."""
    if not digests:
        return {}
    published = PackageVersion.filter(status=VersionStatus.PUBLISHED)
    stored = await published.filter(sha256__in=digests).order_by("id").prefetch_related("package")
    uploaded = (
        await published.filter(upload_sha256__in=digests).order_by("id").prefetch_related("package")
    )
    first: dict[str, PackageVersion] = {}
    for row, digest in [
        *((r, r.sha256) for r in stored),
        *((r, r.upload_sha256) for r in uploaded if r.upload_sha256 != r.sha256),
    ]:
        if digest not in first and can_view(actor, row.package):
            first[digest] = row
    return first


async def _newest_per_package(
    package_ids: set[int], toolbox_version: str | None, platform: str | None
) -> dict[int, PackageVersion]:
    """The newest compatible, stable, non-yanked published version of each package."""
    if not package_ids:
        return {}
    by_package: dict[int, list[PackageVersion]] = {}
    for row in await PackageVersion.filter(
        package_id__in=package_ids, status=VersionStatus.PUBLISHED, yanked=False
    ):
        by_package.setdefault(row.package_id, []).append(row)
    newest: dict[int, PackageVersion] = {}
    for package_id, rows in by_package.items():
        for row in sort_newest_first(rows, key=lambda r: r.version):
            version = loose_version(row.version)
            if _compatible(row, toolbox_version, platform) and not (
                version and version.is_prerelease
            ):
                newest[package_id] = row
                break
    return newest
