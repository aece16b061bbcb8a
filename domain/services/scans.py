"""The scan step of the publishing pipeline: a pending version gets a verdict.

Idempotent by construction: only a `pending` version is scanned, and the verdict is written
with a conditional update (`status = 'pending'` in the WHERE clause), so of two runs of the same
job (arq may start one again after a crash) exactly one records the verdict and announces it;
the other changes nothing.

Infrastructure failures never become a verdict: a storage error while reading the object is
carried through the scanner as an `OSError` (which it re-raises instead of judging) and comes
out of `scan_version` as the original `StorageError`, for the job runner to retry.

A version that passes also gets its page (domain/pages/): the scan's one pass over the archive
keeps README.md, CHANGELOG.md and the icon, the same worker thread renders and re-encodes them,
and the verdict's transaction stores the HTML and the icon's key with it. The icon is a
content-addressed object of its own, stored under a claim (services/blobs.py) before that
transaction and released by it, so it is replicated, reconciled and deleted like the version's
archive. What the page's files hold only ever adds warnings to the version.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, cast

from domain import search_index
from domain.changes import write_transaction
from domain.context import RegistryContext
from domain.enums import VersionStatus, WebhookEvent
from domain.events import PACKAGE_PUBLISHED, VERSION_STATUS_CHANGED, publish_committed
from domain.models import Package, PackageVersion
from domain.names import name_key
from domain.pages.build import BuiltPages, build_pages
from domain.scanning import ScanLimits, ScanReport, scan_archive
from domain.services import blobs, packages, replication, webhook_outbox
from storage.errors import StorageError
from storage.interface import BlobStore, ClosingReader, RandomAccessReader

log = logging.getLogger("registry.scan")


class StorageReadFailed(OSError):
    """A storage error met inside the scanner, disguised as the OSError the scanner lets
    through (it judges everything else); `scan_version` unwraps it again."""

    def __init__(self, error: StorageError) -> None:
        super().__init__(str(error))
        self.error = error


class _ScannerReader(ClosingReader):
    """The store's reader as the scanner sees it: storage errors surface as OSError."""

    def __init__(self, reader: RandomAccessReader) -> None:
        self._reader = reader

    @property
    def size(self) -> int:
        return self._reader.size

    def read_at(self, offset: int, length: int) -> bytes:
        try:
            return self._reader.read_at(offset, length)
        except StorageError as exc:
            raise StorageReadFailed(exc) from exc

    def close(self) -> None:
        self._reader.close()


def _scan_blocking(
    store: BlobStore,
    key: str,
    limits: ScanLimits,
    package_type: str,
    package_name: str,
    package_version: str,
    *,
    collect_pages: bool = True,
) -> tuple[ScanReport, BuiltPages]:
    """The scan and, for a passing archive, its page: both on this worker thread."""
    with _ScannerReader(store.reader(key)) as reader:
        report = scan_archive(
            reader,
            limits=limits,
            package_type=package_type,
            package_name=package_name,
            package_version=package_version,
            collect_pages=collect_pages,
        )
    return report, build_pages(report.pages if report.passed and collect_pages else None)


async def _scan_in_thread(
    ctx: RegistryContext,
    row: PackageVersion,
    package: Package,
    limits: ScanLimits | None,
    *,
    collect_pages: bool = True,
) -> tuple[ScanReport, BuiltPages]:
    """A stored version's archive scanned on a worker thread with `limits` (by default its
    package type's); storage errors propagate as `StorageError`."""
    try:
        return await asyncio.to_thread(
            _scan_blocking,
            ctx.storage.primary,
            row.blob_key,
            limits or ScanLimits.for_package_type(package.package_type),
            package.package_type,
            package.name,
            row.version,
            collect_pages=collect_pages,
        )
    except StorageReadFailed as failed:
        raise failed.error from failed


async def scan_stored(
    ctx: RegistryContext, row: PackageVersion, package: Package, limits: ScanLimits | None = None
) -> ScanReport:
    """Scan a stored version's archive again with the rules (and, by default, the limits of
    its package type) of today, on a worker thread, without taking its page: what a rescan
    judges by (domain/services/rescans.py). Storage errors propagate as `StorageError`."""
    report, _pages = await _scan_in_thread(ctx, row, package, limits, collect_pages=False)
    return report


def _temp_path() -> Path:
    handle, name = tempfile.mkstemp(prefix="tbr-icon-")
    os.close(handle)
    return Path(name)


def _write_scratch(path: Path, data: bytes) -> None:
    path.write_bytes(data)


async def _store_icon(ctx: RegistryContext, pages: BuiltPages) -> blobs.ClaimedObject | None:
    """Store the re-encoded icon under a claim (released by the verdict's transaction)."""
    if pages.icon is None:
        return None
    path = ctx.new_upload_path() if ctx.scratch is not None else _temp_path()
    try:
        await asyncio.to_thread(_write_scratch, path, pages.icon.data)
        return await blobs.store_file(ctx, path, pages.icon.sha256)
    finally:
        with contextlib.suppress(FileNotFoundError):
            path.unlink()


async def _record_verdict(
    row: PackageVersion,
    status: VersionStatus,
    report: dict[str, Any],
    *,
    ctx: RegistryContext | None = None,
    pages: BuiltPages | None = None,
    icon: blobs.ClaimedObject | None = None,
) -> bool:
    """Write the verdict (and the page, if any) if the version is still pending; False when
    another run (or an admin deletion) got there first."""
    fields: dict[str, Any] = {"status": status, "scan_report": report}
    if status == VersionStatus.PUBLISHED:
        fields["published_at"] = datetime.now(UTC)
    if pages is not None:
        fields["readme_html"] = pages.readme_html
        fields["changelog_html"] = pages.changelog_html
        fields["icon_key"] = icon.key if icon is not None else ""
        if pages.warnings:
            fields["warnings"] = _merged_warnings(row.warnings, pages.warnings)
    async with write_transaction() as conn:
        await packages.lock_package(row.package_id, using_db=conn)
        updated = (
            await PackageVersion.filter(id=row.id, status=VersionStatus.PENDING)
            .using_db(conn)
            .update(**fields)
        )
        if updated:
            if icon is not None and ctx is not None:
                await blobs.mark_stored(ctx, icon, using_db=conn)
            await packages.refresh_latest_version(row.package_id, using_db=conn)
            row.status, row.published_at = status, fields.get("published_at")
            await webhook_outbox.emit(
                WebhookEvent.VERSION_PUBLISHED
                if status == VersionStatus.PUBLISHED
                else WebhookEvent.VERSION_QUARANTINED,
                row.package.publisher_id,
                package=row.package,
                version=row,
                details={} if status == VersionStatus.PUBLISHED else {"rule": report.get("rule")},
                using_db=conn,
            )
    return bool(updated)


async def announce_published(ctx: RegistryContext, package: Package, row: PackageVersion) -> None:
    """After a version became published (scan or admin release): copy its object to the
    mirrors and tell subscribers."""
    await replication.enqueue_replication(ctx, row.blob_key)
    if row.icon_key:
        await replication.enqueue_replication(ctx, row.icon_key)
    await publish_committed(
        ctx.events,
        PACKAGE_PUBLISHED,
        {
            "package": package.name,
            "version": row.version,
            "package_type": package.package_type,
            "publisher_id": package.publisher_id,
        },
    )


async def scan_version(
    ctx: RegistryContext, version_id: int, limits: ScanLimits | None = None
) -> VersionStatus | None:
    """Scan one pending version and record the verdict. Returns the new status, or None when
    there was nothing to do. Storage errors propagate (as `StorageError`) so the job runner
    retries; a verdict is final."""
    row = await PackageVersion.get_or_none(id=version_id).prefetch_related("package")
    if row is None or row.status != VersionStatus.PENDING:
        return None
    package = row.package
    started = time.monotonic()
    report, pages = await _scan_in_thread(ctx, row, package, limits)
    data: dict[str, Any] = report.to_dict()
    data.setdefault("duration_ms", round((time.monotonic() - started) * 1000, 1))
    status = VersionStatus.PUBLISHED if report.passed else VersionStatus.QUARANTINED
    icon = await _store_icon(ctx, pages) if report.passed else None
    try:
        recorded = await _record_verdict(
            row, status, data, ctx=ctx, pages=pages if report.passed else None, icon=icon
        )
    except BaseException:
        if icon is not None:
            await blobs.abandon(ctx, icon)
        raise
    if not recorded:
        if icon is not None:
            await blobs.abandon(ctx, icon)
        return None
    if icon is not None:
        row.icon_key = icon.key
    log.info("scan %s==%s: %s (%s)", package.name, row.version, status, report.rule or "clean")
    await publish_committed(
        ctx.events,
        VERSION_STATUS_CHANGED,
        {
            "package": package.name,
            "version": row.version,
            "status": status,
            "rule": report.rule or "",
        },
    )
    if status == VersionStatus.PUBLISHED:
        await announce_published(ctx, package, row)
    return status


def _merged_warnings(current: list[str] | None, added: list[str]) -> list[str]:
    existing = list(current or [])
    return [*existing, *(w for w in added if w not in existing)]


async def rebuild_page(ctx: RegistryContext, version_id: int) -> bool:
    """Take the page of a version that is already published (one published before pages
    existed, or whose page should be taken again) from its archive: the same scan with the
    same limits, then the same rendering. Returns whether the version's page was written.
    An archive that no longer passes the scan is left alone (logged); storage errors
    propagate. A replaced icon nothing else uses is deleted."""
    row = await PackageVersion.get_or_none(id=version_id).prefetch_related("package")
    if row is None or row.status != VersionStatus.PUBLISHED:
        return False
    package = row.package
    try:
        report, pages = await asyncio.to_thread(
            _scan_blocking,
            ctx.storage.primary,
            row.blob_key,
            ScanLimits.for_package_type(package.package_type),
            package.package_type,
            package.name,
            row.version,
        )
    except StorageReadFailed as failed:
        raise failed.error from failed
    if not report.passed:
        log.warning(
            "page of %s==%s not rebuilt: the archive no longer passes the scan (%s)",
            package.name,
            row.version,
            report.rule,
        )
        return False
    icon = await _store_icon(ctx, pages)
    new_key = icon.key if icon is not None else ""
    try:
        async with write_transaction() as conn:
            await packages.lock_package(row.package_id, using_db=conn)
            updated = await (
                PackageVersion.filter(
                    id=row.id, status=VersionStatus.PUBLISHED, icon_key=row.icon_key
                )
                .using_db(conn)
                .update(
                    readme_html=pages.readme_html,
                    changelog_html=pages.changelog_html,
                    icon_key=new_key,
                    warnings=_merged_warnings(row.warnings, pages.warnings),
                )
            )
            if updated and icon is not None:
                await blobs.mark_stored(ctx, icon, using_db=conn)
            if updated:  # the latest version's README is indexed as text (search_index)
                await search_index.backfill_readme_text(
                    using_db=conn, where=f"p.id = {int(row.package_id)}"
                )
    except BaseException:
        if icon is not None:
            await blobs.abandon(ctx, icon)
        raise
    if not updated:
        if icon is not None:
            await blobs.abandon(ctx, icon)
        return False
    if row.icon_key and row.icon_key != new_key and not await blobs.is_referenced(row.icon_key):
        await blobs.schedule_deletes(ctx, [row.icon_key])
    if new_key and new_key != row.icon_key:
        await replication.enqueue_replication(ctx, new_key)
    return True


async def rebuild_pages(
    ctx: RegistryContext, *, package: str | None = None, missing_only: bool = True
) -> tuple[int, int]:
    """`rebuild_page` for every published version (of one package, by name), by default
    only those without any page yet. Returns (pages written, versions looked at)."""
    query = PackageVersion.filter(status=VersionStatus.PUBLISHED)
    if package is not None:
        query = query.filter(package__name_key=name_key(package))
    if missing_only:
        query = query.filter(readme_html="", changelog_html="", icon_key="")
    # Tortoise types values_list(flat=True) as tuples; one column gives the values themselves.
    ids = cast("list[int]", await query.order_by("id").values_list("id", flat=True))
    written = 0
    for version_id in ids:
        written += await rebuild_page(ctx, version_id)
    return written, len(ids)
