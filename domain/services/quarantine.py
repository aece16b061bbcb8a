"""Scan results and their moderation: who sees a scan report, how a published version is
held (by a rescan or on an abuse report), and what admins do with a quarantined version
(release it with a reason, or delete it).

One place for these rules; REST (`registry/rest/admin_versions.py`) and GraphQL call them.
Every admin decision is audited in the same transaction as the change it records.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from domain.actor import Actor
from domain.changes import write_transaction
from domain.context import RegistryContext
from domain.enums import VersionStatus, WebhookEvent
from domain.events import VERSION_STATUS_CHANGED, publish_committed
from domain.exceptions import Conflict
from domain.models import Dependency, Package, PackageVersion
from domain.services import audit, blobs, packages, versions, webhook_outbox
from domain.services.access import not_found
from domain.services.scans import announce_published
from domain.textrules import bounded_text

MAX_REASON = 1000


@dataclass(frozen=True)
class QuarantinePage:
    """Quarantined versions, newest upload first; each has `package` (and its publisher)
    prefetched."""

    versions: list[PackageVersion]
    total: int


@dataclass(frozen=True)
class ScanReportView:
    package: Package
    version: PackageVersion

    @property
    def report(self) -> dict[str, Any] | None:
        """The stored report; None while the version is still pending."""
        return self.version.scan_report


@dataclass(frozen=True)
class DeletedVersion:
    package: str
    version: str
    status: str  # what the version was before deletion
    object_released: bool  # no other row used its object: a delete job was queued


def _reason(value: object, *, required: bool) -> str:
    missing = "A reason is required" if required else None
    return bounded_text(value, field="reason", limit=MAX_REASON, missing=missing)


def _target(package: Package, row: PackageVersion) -> str:
    return f"{package.name}=={row.version}"


async def _admin_target(actor: Actor, name: str, version: str) -> tuple[Package, PackageVersion]:
    """Admins act on any live package, whatever its visibility. The admin check (scope and
    package globs) comes before any lookup, so a refused caller learns nothing about which
    packages and versions exist."""
    actor.require_admin(name)
    package = await packages.find_package(name)
    if package is None:
        raise not_found(name)
    row = await versions.find_version(package, version)
    if row is None:
        raise versions.version_not_found(package.name, version)
    return package, row


async def hold_published(
    actor: Actor,
    package: Package,
    row: PackageVersion,
    details: dict[str, Any],
    *,
    using_db: Any,
    scan_report: dict[str, Any] | None = None,
) -> bool:
    """Quarantine a published version inside the caller's transaction, which holds the
    package lock (`packages.lock_package`): the conditional update (a version released,
    deleted or quarantined meanwhile is left alone: False), the package's latest version
    recomputed and `version.quarantine` audited with `details`. Once committed, the caller
    sends `announce_held`. Rescans and abuse reports quarantine through here alike."""
    changes: dict[str, Any] = {"status": VersionStatus.QUARANTINED}
    if scan_report is not None:
        changes["scan_report"] = scan_report
    return await _change_status(
        actor,
        package,
        row,
        VersionStatus.PUBLISHED,
        changes,
        "version.quarantine",
        details,
        using_db=using_db,
    )


async def _change_status(
    actor: Actor,
    package: Package,
    row: PackageVersion,
    expected: VersionStatus,
    changes: dict[str, Any],
    action: str,
    details: dict[str, Any],
    *,
    using_db: Any,
) -> bool:
    """A version's status change inside the caller's transaction, which holds the package
    lock: the conditional update (only while the version is still `expected`; one changed,
    released or deleted meanwhile is left alone: False), the package's latest version
    recomputed and `action` audited with `details` and the archive's sha256."""
    updated = (
        await PackageVersion.filter(id=row.id, status=expected).using_db(using_db).update(**changes)
    )
    if not updated:
        return False
    await packages.refresh_latest_version(package.id, using_db=using_db)
    await audit.record(
        actor,
        action,
        target_type="version",
        target_id=_target(package, row),
        publisher_id=package.publisher_id,
        details={**details, "sha256": row.sha256},
        using_db=using_db,
    )
    row.status = changes["status"]
    row.published_at = changes.get("published_at", row.published_at)
    await webhook_outbox.emit(
        WebhookEvent.VERSION_PUBLISHED
        if row.status == VersionStatus.PUBLISHED
        else WebhookEvent.VERSION_QUARANTINED,
        package.publisher_id,
        package=package,
        version=row,
        # Why, as far as the owners may read it: who decided (scan, rescan, report, admin)
        # and the scan rule; not the admin's notes.
        details={k: details[k] for k in ("by", "rule") if details.get(k)},
        using_db=using_db,
    )
    return True


async def announce_held(
    ctx: RegistryContext, package: Package, row: PackageVersion, rule: str
) -> None:
    """The status event of a version `hold_published` quarantined, after the commit."""
    await publish_committed(
        ctx.events,
        VERSION_STATUS_CHANGED,
        {
            "package": package.name,
            "version": row.version,
            "status": VersionStatus.QUARANTINED,
            "rule": rule,
        },
    )


async def list_quarantined(
    actor: Actor, *, page: int = 1, per_page: int = 50, package: str | None = None
) -> QuarantinePage:
    """Admin: the quarantine queue, optionally for one package. The queue is registry-wide
    work: it needs an admin credential not limited by package globs."""
    actor.require_admin()
    query = PackageVersion.filter(
        status=VersionStatus.QUARANTINED, package__deleted_at__isnull=True
    )
    if package:
        found = await packages.find_package(package)
        if found is None:
            raise not_found(package)
        query = query.filter(package_id=found.id)
    total = await query.count()
    rows = await (
        query.order_by("-id")
        .offset((page - 1) * per_page)
        .limit(per_page)
        .prefetch_related("package__publisher")
    )
    return QuarantinePage(list(rows), total)


async def scan_report(actor: Actor, name: str, version: str) -> ScanReportView:
    """The scan report of a version, for its owners and admins; anyone else gets the same
    404 as for a version that does not exist."""
    package = await packages.get_package(actor, name)
    row = await versions.find_version(package, version)
    if row is None or not sees_scan_report(actor, package):
        raise versions.version_not_found(package.name, version)
    return ScanReportView(package, row)


def sees_scan_report(actor: Actor, package: versions.PackageIdentity) -> bool:
    """Scan reports are for the package's owners and for admins (an admin-scoped token
    included: reviewing the quarantine is admin work), within a token's package globs."""
    return versions.sees_unpublished(actor, package) or actor.admin_for(package.name)


async def release_version(
    actor: Actor, ctx: RegistryContext, name: str, version: str, reason: str
) -> PackageVersion:
    """Admin: publish a quarantined version despite its scan (a false positive), with a
    reason for the audit log. Only quarantined versions can be released (409 otherwise)."""
    reason = _reason(reason, required=True)
    package, row = await _admin_target(actor, name, version)
    refused = Conflict(
        f"Only a quarantined version can be released; {package.name} {row.version} is {row.status}"
    )
    if row.status != VersionStatus.QUARANTINED:
        raise refused
    report = row.scan_report or {}
    async with write_transaction() as conn:
        await packages.lock_package(package.id, using_db=conn)
        # Conditional: a concurrent release or deletion leaves nothing to update.
        released = await _change_status(
            actor,
            package,
            row,
            VersionStatus.QUARANTINED,
            {"status": VersionStatus.PUBLISHED, "published_at": datetime.now(UTC)},
            "version.release",
            {"reason": reason, "rule": report.get("rule")},
            using_db=conn,
        )
        if not released:
            raise refused
    await row.refresh_from_db()
    await publish_committed(
        ctx.events,
        VERSION_STATUS_CHANGED,
        {
            "package": package.name,
            "version": row.version,
            "status": row.status,
            "rule": report.get("rule") or "",
        },
    )
    await announce_published(ctx, package, row)
    return row


async def delete_version(
    actor: Actor, ctx: RegistryContext, name: str, version: str, reason: str = ""
) -> DeletedVersion:
    """Admin: remove a version row (usually a quarantined one; any status is allowed so that
    malware found after publication can be taken down). The version string becomes free
    again. Its object is deleted from every backend by a job when no other version or build
    uses it."""
    reason = _reason(reason, required=False)
    package, row = await _admin_target(actor, name, version)
    async with write_transaction() as conn:
        await packages.lock_package(package.id, using_db=conn)
        await Dependency.filter(version_id=row.id).using_db(conn).delete()
        deleted = await PackageVersion.filter(id=row.id).using_db(conn).delete()
        if not deleted:
            raise versions.version_not_found(package.name, version)
        await packages.refresh_latest_version(package.id, using_db=conn)
        await audit.record(
            actor,
            "version.delete",
            target_type="version",
            target_id=_target(package, row),
            publisher_id=package.publisher_id,
            details={
                "reason": reason,
                "status": row.status,
                "sha256": row.sha256,
                "rule": (row.scan_report or {}).get("rule"),
            },
            using_db=conn,
        )
    released = not await blobs.is_referenced(row.blob_key)
    if released:
        await blobs.schedule_deletes(ctx, [row.blob_key])
    if row.icon_key and not await blobs.is_referenced(row.icon_key):
        await blobs.schedule_deletes(ctx, [row.icon_key])
    return DeletedVersion(package.name, row.version, row.status, released)
