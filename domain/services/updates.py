"""Update checks: latest versions by name, file lookups by hash, and batch update queries."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from domain.actor import Actor
from domain.bounds import MAX_UPDATE_ITEMS, VERSION_MAX_LENGTH
from domain.enums import VersionStatus
from domain.exceptions import InvalidInput
from domain.models import Package, PackageVersion
from domain.names import lookup_keys
from domain.services.access import can_view, listed_filter
from domain.services.packages import find_package
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
    rows = await published.filter(sha256=digest).prefetch_related("package") + await (
        published.filter(upload_sha256=digest).exclude(sha256=digest)
        .prefetch_related("package"))
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


async def newest_compatible(actor: Actor, items: list[Any], *, toolbox_version: str | None,
                            platform: str | None) -> list[dict[str, Any]]:
    """For each `{sha256}` or `{name, version}` item: the newest compatible version."""
    if not isinstance(items, list) or len(items) > MAX_BATCH:
        raise InvalidInput(f"items must be a list of at most {MAX_BATCH} entries", field="items")
    _refuse_long_version(toolbox_version, "toolbox_version", "toolbox_version")
    for index, item in enumerate(items):
        if isinstance(item, dict):
            _refuse_long_version(item.get("version"), f"items[{index}].version", "items")
    answers: list[dict[str, Any]] = []
    for index, item in enumerate(items):
        if not isinstance(item, dict):
            raise InvalidInput(f"items[{index}] must be an object", field="items")
        package: Package | None = None
        current = ""
        if item.get("sha256"):
            matches = await find_by_sha256(actor, str(item["sha256"]))
            if matches:
                package, current = matches[0].package, matches[0].version.version
        elif item.get("name"):
            package = await find_package(str(item["name"]))
            if package is not None and not can_view(actor, package):
                package = None
            current = str(item.get("version") or "")
        else:
            raise InvalidInput(f"items[{index}] needs sha256 or name", field="items")
        if package is None:
            answers.append({"query": item, "found": False})
            continue
        rows = await PackageVersion.filter(package_id=package.id,
                                           status=VersionStatus.PUBLISHED,
                                           yanked=False)
        candidates = [r for r in sort_newest_first(rows, key=lambda r: r.version)
                      if _compatible(r, toolbox_version, platform)
                      and (not (v := loose_version(r.version)) or not v.is_prerelease)]
        best = candidates[0] if candidates else None
        current_v = loose_version(current)
        newer = bool(best and current_v and loose_version(best.version) > current_v)
        answers.append({"query": item, "found": True, "name": package.name,
                        "current_version": current,
                        "latest_version": best.version if best else "",
                        "update_available": newer,
                        "checksum_sha256": best.sha256 if best else ""})
    return answers
