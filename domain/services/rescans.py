"""Rescans: judge stored versions again with today's scanner (`tb-registry rescan`).

Scan rules and limits get stricter over time; a version published under older rules may fail
today's. A rescan reads the stored archive with the scanner of the upload (same limits per
package type) and compares the verdict with the version's status:

| status now   | rescan verdict | what happens                                                  |
|--------------|----------------|---------------------------------------------------------------|
| published    | pass           | nothing                                                       |
| published    | fail           | quarantined, with the new report, an audit event and the      |
|              |                | status event; hidden from listings, resolution and downloads |
| quarantined  | fail           | nothing (its stored report stays the one it was held on)     |
| quarantined  | pass           | stays quarantined: an audit event says it passes now; only an |
|              |                | admin releases it (`POST .../release`), never the rescan     |
| pending      | -              | skipped: its own scan job is still to judge it                |

Being conservative both ways: a version a rescan clears may have been held for a reason the
scanner does not see, so the rescan never publishes anything.

Every write is conditional on the status the rescan judged (`status = 'published'` in the
update), so a rescan racing an admin's release or deletion changes nothing it did not see.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import cast

from domain.actor import Actor
from domain.changes import write_transaction
from domain.context import RegistryContext
from domain.enums import VersionStatus
from domain.exceptions import NotFound
from domain.models import Package, PackageVersion
from domain.names import name_key
from domain.scanning import ScanLimits
from domain.services import audit, packages, quarantine, scans
from domain.versions import version_key

log = logging.getLogger("registry.rescan")

# Who the audit log names for what a rescan decided.
SYSTEM = Actor(user_id="system:rescan", username="system")

# What a rescan may look at: a pending version is its own scan job's to judge.
RESCANNABLE = (VersionStatus.PUBLISHED, VersionStatus.QUARANTINED)


class Outcome(StrEnum):
    """What one version's rescan found and did."""

    STILL_PASSES = "still passes"
    STILL_FAILS = "still fails"
    QUARANTINED = "quarantined now"
    PASSES_NOW = "passes now, left in quarantine"
    SKIPPED = "skipped"  # gone, or no longer in a status a rescan judges


@dataclass(frozen=True)
class Selection:
    """Which versions to rescan; empty fields select everything. `versions` are version
    strings (exact or PEP 440-equal), of the selected packages or of any package."""

    packages: tuple[str, ...] = ()
    versions: tuple[str, ...] = ()
    statuses: tuple[VersionStatus, ...] = RESCANNABLE
    since: datetime | None = None  # uploaded at or after

    def describe(self) -> dict[str, object]:
        """The selection as plain JSON values (a resumed run must select the same)."""
        return {
            "packages": sorted(name_key(name) for name in self.packages),
            "versions": sorted(version_key(v) for v in self.versions),
            "statuses": sorted(str(status) for status in self.statuses),
            "since": self.since.isoformat() if self.since is not None else None,
        }


async def selected_version_ids(selection: Selection) -> list[int]:
    """Ids of the selected versions of live packages, oldest first. An unknown package name
    is an error (NotFound), not an empty selection: a typo must not look like success."""
    statuses = [status for status in selection.statuses if status in RESCANNABLE]
    query = PackageVersion.filter(status__in=statuses, package__deleted_at__isnull=True)
    if selection.packages:
        keys = {name_key(name) for name in selection.packages}
        found = set(
            await Package.filter(name_key__in=keys, deleted_at__isnull=True).values_list(
                "name_key", flat=True
            )
        )
        missing = sorted(keys - {str(key) for key in found})
        if missing:
            raise NotFound(f"Unknown package: {', '.join(missing)}")
        query = query.filter(package__name_key__in=keys)
    if selection.versions:
        query = query.filter(version_key__in={version_key(v) for v in selection.versions})
    if selection.since is not None:
        query = query.filter(created_at__gte=selection.since)
    # Tortoise types values_list(flat=True) as tuples; one column gives the values themselves.
    return cast("list[int]", await query.order_by("id").values_list("id", flat=True))


async def rescan_version(
    ctx: RegistryContext, version_id: int, limits: ScanLimits | None = None
) -> Outcome:
    """Scan one stored version again and act on the verdict (module docstring). Storage
    errors propagate (`StorageError`): nothing was decided, the caller may try again."""
    row = await PackageVersion.get_or_none(id=version_id).prefetch_related("package")
    if row is None or row.status not in RESCANNABLE or row.package.deleted_at is not None:
        return Outcome.SKIPPED
    package = row.package
    report = await scans.scan_stored(ctx, row, package, limits)
    if row.status == VersionStatus.PUBLISHED:
        if report.passed:
            return Outcome.STILL_PASSES
        return await _quarantine(ctx, package, row, report.to_dict())
    if not report.passed:
        return Outcome.STILL_FAILS
    held_by = (row.scan_report or {}).get("rule")
    await audit.record(
        SYSTEM,
        "version.rescan_passed",
        target_type="version",
        target_id=f"{package.name}=={row.version}",
        publisher_id=package.publisher_id,
        details={"held_by": held_by, "sha256": row.sha256, "released": False},
    )
    log.info("rescan %s==%s: passes now, stays quarantined", package.name, row.version)
    return Outcome.PASSES_NOW


async def _quarantine(
    ctx: RegistryContext, package: Package, row: PackageVersion, report: dict[str, object]
) -> Outcome:
    async with write_transaction() as conn:
        await packages.lock_package(package.id, using_db=conn)
        held = await quarantine.hold_published(
            SYSTEM,
            package,
            row,
            {"by": "rescan", "rule": report.get("rule"), "message": report.get("message")},
            using_db=conn,
            scan_report=dict(report),
        )
        if not held:  # released, deleted or quarantined by someone else meanwhile
            return Outcome.SKIPPED
    log.warning(
        "rescan %s==%s: fails today's scan (%s), quarantined",
        package.name,
        row.version,
        report.get("rule"),
    )
    await quarantine.announce_held(ctx, package, row, str(report.get("rule") or ""))
    return Outcome.QUARANTINED


def count(outcomes: Iterable[Outcome]) -> dict[Outcome, int]:
    """How many versions ended each way, every outcome listed (0 included)."""
    tally = dict.fromkeys(Outcome, 0)
    for outcome in outcomes:
        tally[outcome] += 1
    return tally
