"""Abuse and malware reports (issue 18 part 4): signed-in users report a package, or one of
its versions, with a reason and details; admins work the queue.

Rules, one place for REST (`registry/rest/reports.py`) and GraphQL (`schema/reports/`):

- Only a signed-in user reports (anonymous: NotAuthenticated), and only what they can see: a
  package or version hidden from them is the same NotFound as one that does not exist.
- A reporter may hold one open report per target (package, or package and version): a second
  one is a Conflict, so a report cannot be repeated to push it up the queue.
- Rate limit: at most REPORTS_PER_DAY reports per reporter in any rolling 24 hours, counted
  in the database. A count in the database holds across every process and in embedded mode
  alike (the HTTP limiter's buckets are per process without Redis), survives restarts, and the
  reporter's user row is locked while counting, so concurrent reports cannot overshoot it.
- Reporters see their own reports (`list_mine`), never anyone else's; the queue, a single
  report, and the decisions are registry-wide admin work.
- `dismiss` resolves a report with a note. `quarantine` quarantines a version and resolves,
  in the same transaction, every open report on that version: the version is the one the
  report names, or the one the admin names (a report on a whole package names none, and the
  registry never guesses which version is bad). A published version becomes quarantined
  (hidden from listings, resolution and downloads; `version.quarantine` audited and the
  status event sent by `quarantine.hold_published`, as when a rescan quarantines it; an
  admin may release it like any quarantined version); one already quarantined stays so, and
  the reports are resolved; a pending version is a Conflict (its scan is still to judge it).

Audit events: `report.created`, `report.dismissed`, `report.quarantined` (one per report
resolved), in the same transaction as the change they record.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from tortoise.backends.base.client import BaseDBAsyncClient
from tortoise.queryset import QuerySet

from domain.actor import Actor
from domain.changes import write_transaction
from domain.context import RegistryContext
from domain.enums import ReportAction, ReportReason, ReportState, VersionStatus
from domain.exceptions import Conflict, InvalidInput, NotFound, RateLimited
from domain.models import AbuseReport, Package, PackageVersion, User
from domain.names import choice
from domain.services import audit, packages, versions
from domain.services import quarantine as quarantine_rules
from domain.textrules import bounded_text

MAX_DETAILS = 4000  # characters of a report's details
MAX_NOTE = 1000  # characters of an admin's resolution note
REPORTS_PER_DAY = 10  # reports one user may file in any rolling 24 hours
RATE_WINDOW = timedelta(hours=24)
MAX_PER_PAGE = 100


@dataclass(frozen=True)
class ReportPage:
    """Reports, newest first; each has `package` prefetched."""

    reports: list[AbuseReport]
    total: int


@dataclass(frozen=True)
class QuarantineOutcome:
    report: AbuseReport  # the report acted on, resolved
    version: PackageVersion  # the version, quarantined now
    newly_quarantined: bool  # False: it was quarantined already
    resolved: list[int]  # ids of every report this resolved (the one acted on included)


def _note(value: object) -> str:
    """An admin's resolution note: optional free text, control characters removed."""
    return bounded_text(value, field="note", limit=MAX_NOTE, drop_control=True)


# Digits of the largest id a caller may name (a BIGINT has 19); longer text is no report's.
_MAX_ID_DIGITS = 18


def report_number(text: str) -> int:
    """A report's database id from a caller's text (REST path, GraphQL global id); text that
    cannot be any report's id is 0, which no report has, so the lookup answers NotFound after
    its own access check."""
    return int(text) if text.isascii() and text.isdigit() and len(text) <= _MAX_ID_DIGITS else 0


def shown_resolver(report: AbuseReport, *, for_admin: bool) -> str | None:
    """Who resolved a report, as a caller may see it: admins see the admin, reporters never."""
    return (report.resolved_by or None) if for_admin else None


def _target_of(report: AbuseReport, package: Package) -> str:
    return f"{package.name}=={report.version}" if report.version else package.name


async def create_report(
    actor: Actor,
    name: str,
    *,
    reason: object,
    details: object,
    version: str | None = None,
) -> AbuseReport:
    """File a report on package `name` (or its `version`) as the signed-in `actor`."""
    reporter = actor.require_user()
    chosen = choice(reason, ReportReason, "reason", "reason")
    text = bounded_text(
        details,
        field="details",
        limit=MAX_DETAILS,
        drop_control=True,
        missing="details is required",
    )
    if version:
        package, row = await versions.get_version(actor, name, version)
        version_text, key = row.version, row.version_key
    else:
        package = await packages.get_package(actor, name)
        version_text, key = "", ""
    async with write_transaction() as conn:
        # Holding the reporter's row serializes their reports: the count and the duplicate
        # check below see every report they filed before (SQLite runs one writer anyway).
        await User.select_for_update(no_key=True).using_db(conn).get_or_none(id=reporter)
        since = datetime.now(UTC) - RATE_WINDOW
        recent = await (
            AbuseReport.filter(reporter_id=reporter, created_at__gte=since)
            .using_db(conn)
            .order_by("created_at")
            .limit(REPORTS_PER_DAY)
            .values_list("created_at", flat=True)
        )
        if len(recent) >= REPORTS_PER_DAY:
            oldest: datetime = recent[0]  # type: ignore[assignment]
            wait = oldest + RATE_WINDOW - datetime.now(UTC)
            raise RateLimited(
                f"At most {REPORTS_PER_DAY} reports per 24 hours",
                retry_after=max(1, int(wait.total_seconds()) + 1),
            )
        duplicate = (
            await AbuseReport.filter(
                reporter_id=reporter,
                package_id=package.id,
                version_key=key,
                state=ReportState.OPEN,
            )
            .using_db(conn)
            .exists()
        )
        if duplicate:
            raise Conflict("You already have an open report on this package or version")
        report = await AbuseReport.create(
            package_id=package.id,
            version=version_text,
            version_key=key,
            reporter_id=reporter,
            reason=chosen,
            details=text,
            using_db=conn,
        )
        await audit.record(
            actor,
            "report.created",
            target_type="report",
            target_id=str(report.id),
            publisher_id=package.publisher_id,
            details={"target": _target_of(report, package), "reason": chosen},
            using_db=conn,
        )
    report.package = package
    return report


async def list_mine(actor: Actor, *, page: int = 1, per_page: int = 50) -> ReportPage:
    """The caller's own reports, newest first (every state)."""
    reporter = actor.require_user()
    return await _page(AbuseReport.filter(reporter_id=reporter), page, per_page)


async def list_queue(
    actor: Actor, *, state: ReportState | None = None, page: int = 1, per_page: int = 50
) -> ReportPage:
    """Admin: every report, or those in `state`, newest first."""
    actor.require_admin()
    query = AbuseReport.all() if state is None else AbuseReport.filter(state=state)
    return await _page(query, page, per_page)


async def _page(query: QuerySet[AbuseReport], page: int, per_page: int) -> ReportPage:
    per_page = max(1, min(per_page, MAX_PER_PAGE))
    page = max(1, page)
    total = await query.count()
    rows = await (
        query.order_by("-id")
        .offset((page - 1) * per_page)
        .limit(per_page)
        .prefetch_related("package")
    )
    return ReportPage(list(rows), total)


async def get_report(actor: Actor, report_id: int) -> AbuseReport:
    """Admin: one report. The admin check comes first: a refused caller learns nothing."""
    actor.require_admin()
    report = await AbuseReport.get_or_none(id=report_id).prefetch_related("package")
    if report is None:
        raise NotFound(f"Report not found: {report_id}")
    return report


def _already_resolved(report: AbuseReport) -> Conflict:
    return Conflict(f"Report {report.id} is already resolved ({report.action})")


async def dismiss(actor: Actor, report_id: int, note: object = "") -> AbuseReport:
    """Admin: close a report without acting on the package."""
    text = _note(note)
    report = await get_report(actor, report_id)
    package: Package = report.package
    async with write_transaction() as conn:
        if not await _resolve([report.id], actor, ReportAction.DISMISSED, text, conn):
            raise _already_resolved(report)
        await _audit_resolved(actor, "report.dismissed", report, package, text, conn)
    await report.refresh_from_db()
    return report


async def quarantine(
    actor: Actor,
    ctx: RegistryContext,
    report_id: int,
    note: object = "",
    version: str | None = None,
) -> QuarantineOutcome:
    """Admin: quarantine the reported version (or `version`, required when the report names
    none) and resolve every open report on it (module docstring)."""
    text = _note(note)
    report = await get_report(actor, report_id)
    if report.state != ReportState.OPEN:
        raise _already_resolved(report)
    wanted = version or report.version
    if not wanted:
        raise InvalidInput(
            "This report names no version: say which version to quarantine", field="version"
        )
    package: Package = report.package
    if package.deleted_at is not None:
        raise NotFound(f"Package not found: {package.name}")
    row = await versions.find_version(package, wanted)
    if row is None:
        raise versions.version_not_found(package.name, wanted)
    if row.status == VersionStatus.PENDING:
        raise Conflict(f"{package.name} {row.version} is still pending its scan")
    async with write_transaction() as conn:
        await packages.lock_package(package.id, using_db=conn)
        changed = await quarantine_rules.hold_published(
            actor,
            package,
            row,
            {"by": "report", "report": report.id, "note": text},
            using_db=conn,
        )
        if not changed:
            # Released or deleted meanwhile: only a version that is quarantined now counts.
            still = (
                await PackageVersion.filter(id=row.id, status=VersionStatus.QUARANTINED)
                .using_db(conn)
                .exists()
            )
            if not still:
                raise Conflict(f"{package.name} {row.version} changed meanwhile; try again")
        on_version = await (
            AbuseReport.filter(
                package_id=package.id, version_key=row.version_key, state=ReportState.OPEN
            )
            .using_db(conn)
            .values_list("id", flat=True)
        )
        ids = sorted({report.id, *(int(str(i)) for i in on_version)})
        resolved = await AbuseReport.filter(id__in=ids, state=ReportState.OPEN).using_db(conn)
        if report.id not in {r.id for r in resolved}:
            raise _already_resolved(report)
        await _resolve(ids, actor, ReportAction.QUARANTINED, text, conn)
        for each in resolved:
            await _audit_resolved(actor, "report.quarantined", each, package, text, conn)
    if changed:
        await quarantine_rules.announce_held(ctx, package, row, "report")
    await report.refresh_from_db()
    await row.refresh_from_db()
    return QuarantineOutcome(report, row, changed, [r.id for r in resolved])


async def _resolve(
    ids: list[int], actor: Actor, action: ReportAction, note: str, conn: BaseDBAsyncClient
) -> int:
    """Resolve the reports among `ids` still open (conditional: a concurrent decision on
    one of them leaves it as that decision made it); how many were resolved."""
    return await (
        AbuseReport.filter(id__in=ids, state=ReportState.OPEN)
        .using_db(conn)
        .update(
            state=ReportState.RESOLVED,
            action=action,
            resolved_by=actor.user_id or "",
            resolved_at=datetime.now(UTC),
            resolution_note=note,
        )
    )


async def _audit_resolved(
    actor: Actor,
    action: str,
    report: AbuseReport,
    package: Package,
    note: str,
    conn: BaseDBAsyncClient,
) -> None:
    await audit.record(
        actor,
        action,
        target_type="report",
        target_id=str(report.id),
        publisher_id=package.publisher_id,
        details={
            "target": _target_of(report, package),
            "reason": report.reason,
            "reporter": report.reporter_id,
            "note": note,
        },
        using_db=conn,
    )


async def visible_reports(actor: Actor, report_ids: list[int]) -> dict[int, AbuseReport]:
    """The reports among `report_ids` the caller may see, by id: admins every one, anyone
    signed in their own; each has `package` prefetched."""
    if not actor.is_authenticated or not report_ids:
        return {}
    query = AbuseReport.filter(id__in=report_ids[:MAX_PER_PAGE])
    if not actor.acts_as_admin:
        query = query.filter(reporter_id=actor.user_id)
    return {row.id: row for row in await query.prefetch_related("package")}
