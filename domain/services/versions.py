"""Package versions: lookup with the status rules, listing, yank and unyank."""

from __future__ import annotations

from typing import Protocol

from domain.actor import Actor
from domain.changes import write_transaction
from domain.enums import TokenScope, VersionStatus, WebhookEvent
from domain.exceptions import InvalidInput, NotFound
from domain.models import Package, PackageVersion, fits
from domain.services import audit, packages, webhook_outbox
from domain.services.access import can_read_private, is_member, require_manage
from domain.versions import loose_version, sort_newest_first

# The columns a version summary (and the versions list) reads.
SUMMARY_FIELDS = (
    "id",
    "version",
    "status",
    "yanked",
    "yank_reason",
    "downloads",
    "published_at",
    "created_at",
    "changelog",
    "toolbox_version",
    "python_version",
)


class PackageIdentity(Protocol):
    """What the version rules read of a package: a model row, or a listing's plain row
    (domain/services/listing.ListedPackage)."""

    @property
    def id(self) -> int: ...
    @property
    def name(self) -> str: ...
    @property
    def publisher_id(self) -> str: ...


def sees_unpublished(actor: Actor, package: PackageIdentity) -> bool:
    """Owners and admins see pending and quarantined versions; nobody else does. Owners need
    no `read-private` scope for their own uploads (a publish-only CI token checks its scan),
    but a token's package globs must cover the package."""
    publisher_id = package.publisher_id
    if is_member(actor, publisher_id):
        return actor.may_touch_package(package.name)
    return can_read_private(actor, publisher_id, package.name)


def version_not_found(name: str, version: str) -> NotFound:
    return NotFound(f"Version not found: {name} {version}")


async def find_version(package: PackageIdentity, version: str) -> PackageVersion | None:
    """Exact string first, then PEP 440-normalised equality (REST_CONTRACT §4.4)."""
    if not fits(PackageVersion, "version", version):
        return None
    row = await PackageVersion.get_or_none(package_id=package.id, version=version)
    wanted = loose_version(version) if row is None else None
    if wanted is not None:
        row = await PackageVersion.get_or_none(package_id=package.id, version_key=str(wanted))
        if row is None:
            # PEP 440 equality ignores trailing zeros (1.0 == 1.0.0), which the stored key
            # does not: compare against the package's versions (a rare miss path).
            for candidate in await PackageVersion.filter(package_id=package.id):
                if loose_version(candidate.version) == wanted:
                    return candidate
    return row


async def get_version(actor: Actor, name: str, version: str) -> tuple[Package, PackageVersion]:
    package = await packages.get_package(actor, name)
    row = await find_version(package, version)
    if row is None or (
        row.status != VersionStatus.PUBLISHED and not sees_unpublished(actor, package)
    ):
        raise version_not_found(package.name, version)
    return package, row


async def visible_versions(
    actor: Actor, package: PackageIdentity, rows: list[PackageVersion] | None = None
) -> list[PackageVersion]:
    """Newest first by precedence, yanked included, unpublished only for owners/admins."""
    if rows is None:
        # Only what version summaries show: the JSON columns (scan report, warnings,
        # platforms) would be decoded for every version on every read.
        rows = await PackageVersion.filter(package_id=package.id).only(*SUMMARY_FIELDS)
    if not sees_unpublished(actor, package):
        rows = [r for r in rows if r.status == VersionStatus.PUBLISHED]
    return sort_newest_first(rows, key=lambda r: r.version)


async def set_yanked(
    actor: Actor, name: str, version: str, yanked: bool, reason: str = ""
) -> tuple[Package, PackageVersion]:
    if not isinstance(reason, str) or len(reason) > 1000:
        raise InvalidInput("reason must be a string of at most 1000 characters", field="reason")
    package = await packages.get_package(actor, name)
    # Rights first: someone who may not manage the package must learn nothing about which
    # versions it has (an unpublished one would otherwise be a 403 and a missing one a 404).
    require_manage(actor, package, TokenScope.YANK)
    row = await find_version(package, version)
    if row is None:
        raise version_not_found(package.name, version)
    if row.yanked == yanked and (not yanked or row.yank_reason == reason):
        return package, row  # idempotent
    async with write_transaction() as conn:
        await packages.lock_package(package.id, using_db=conn)
        row.yanked = yanked
        row.yank_reason = reason if yanked else ""
        await row.save(using_db=conn, update_fields=["yanked", "yank_reason"])
        await packages.refresh_latest_version(package.id, using_db=conn)
        await audit.record(
            actor,
            "version.yank" if yanked else "version.unyank",
            target_type="version",
            target_id=f"{package.name}=={row.version}",
            publisher_id=package.publisher_id,
            details={"reason": reason},
            using_db=conn,
        )
        if yanked:
            await webhook_outbox.emit(
                WebhookEvent.VERSION_YANKED,
                package.publisher_id,
                package=package,
                version=row,
                details={"reason": reason},
                using_db=conn,
            )
    return package, row
