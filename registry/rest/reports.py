"""Abuse and malware reports over REST: thin adapters over domain.services.reports.

- `POST /packages/{name}/reports` — signed-in users: report a package or one of its versions.
- `GET /reports/mine` — the caller's own reports.
- `GET /admin/reports` — admins: the queue, newest first (`state=open|resolved`).
- `GET /admin/reports/{id}` — admins: one report.
- `POST /admin/reports/{id}/dismiss` — admins: resolve it without acting.
- `POST /admin/reports/{id}/quarantine` — admins: quarantine the reported version and resolve
  every open report on it.

The OpenAPI metadata of these routes lives here too, next to the handlers.
"""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from domain.enums import ReportAction, ReportReason, ReportState, VersionStatus
from domain.models import AbuseReport, Package
from domain.names import choice
from domain.services import reports
from registry.auth import required_actor
from registry.rest import openapi, shapes
from registry.rest.encode import ShapeResponse
from registry.rest.openapi import API_PREFIX, PAGE, Op, Param, per_page
from registry.rest.params import decode_body, paging, query_text
from registry.rest.serializers import iso


def report_json(row: AbuseReport, *, for_admin: bool) -> shapes.Report:
    package: Package = row.package
    return shapes.Report(
        id=row.id,
        package=package.name,
        version=row.version or None,
        reason=ReportReason(row.reason),
        details=row.details,
        state=ReportState(row.state),
        action=ReportAction(row.action) if row.action else None,
        reporter_id=row.reporter_id,
        created_at=iso(row.created_at),
        resolved_at=iso(row.resolved_at) if row.resolved_at else None,
        resolved_by=reports.shown_resolver(row, for_admin=for_admin),
        resolution_note=row.resolution_note,
    )


def _report_id(request: Request) -> int:
    return reports.report_number(request.path_params["id"])


def _page(result: reports.ReportPage, page: int, size: int, *, admin: bool) -> Response:
    return ShapeResponse(
        shapes.ReportPage(
            reports=[report_json(row, for_admin=admin) for row in result.reports],
            total=result.total,
            page=page,
            per_page=size,
        )
    )


async def create_report(request: Request) -> Response:
    actor = await required_actor(request)
    body = await decode_body(request, shapes.ReportBody)
    row = await reports.create_report(
        actor,
        request.path_params["name"],
        reason=body.reason,
        details=body.details,
        version=body.version,
    )
    return ShapeResponse(report_json(row, for_admin=False), status_code=201)


async def my_reports(request: Request) -> Response:
    actor = await required_actor(request)
    page, size = paging(request, default_per_page=50, max_per_page=reports.MAX_PER_PAGE)
    result = await reports.list_mine(actor, page=page, per_page=size)
    return _page(result, page, size, admin=False)


def _state(request: Request) -> ReportState | None:
    raw = query_text(request, "state")
    return None if raw is None else choice(raw, ReportState, "state", "state")


async def report_queue(request: Request) -> Response:
    actor = await required_actor(request)
    state = _state(request)
    page, size = paging(request, default_per_page=50, max_per_page=reports.MAX_PER_PAGE)
    result = await reports.list_queue(actor, state=state, page=page, per_page=size)
    return _page(result, page, size, admin=True)


async def report_detail(request: Request) -> Response:
    actor = await required_actor(request)
    row = await reports.get_report(actor, _report_id(request))
    return ShapeResponse(report_json(row, for_admin=True))


async def dismiss_report(request: Request) -> Response:
    actor = await required_actor(request)
    body = await decode_body(request, shapes.DismissReportBody, allow_empty=True)
    row = await reports.dismiss(actor, _report_id(request), body.note or "")
    return ShapeResponse(report_json(row, for_admin=True))


async def quarantine_report(request: Request) -> Response:
    actor = await required_actor(request)
    body = await decode_body(request, shapes.QuarantineReportBody, allow_empty=True)
    outcome = await reports.quarantine(
        actor,
        request.app.state.runtime.ctx,
        _report_id(request),
        body.note or "",
        version=body.version,
    )
    return ShapeResponse(
        shapes.ReportQuarantined(
            report=report_json(outcome.report, for_admin=True),
            package=outcome.report.package.name,
            version=outcome.version.version,
            status=VersionStatus(outcome.version.status),
            newly_quarantined=outcome.newly_quarantined,
            resolved=outcome.resolved,
        )
    )


routes = [
    Route("/packages/{name}/reports", create_report, methods=["POST"]),
    Route("/reports/mine", my_reports, methods=["GET"]),
    Route("/admin/reports", report_queue, methods=["GET"]),
    Route("/admin/reports/{id}", report_detail, methods=["GET"]),
    Route("/admin/reports/{id}/dismiss", dismiss_report, methods=["POST"]),
    Route("/admin/reports/{id}/quarantine", quarantine_report, methods=["POST"]),
]


# --- OpenAPI metadata ------------------------------------------------------------------------

V = API_PREFIX
REPORT_ID = Param("id", {"type": "string", "pattern": "^[0-9]{1,18}$"}, "The report's id")
STATE = Param("state", {"type": "string", "enum": [*ReportState, ""]}, "Only reports in this state")
openapi.OPERATIONS.update(
    {
        ("POST", f"{V}/packages/{{name}}/reports"): Op(
            f"Report a package or version to the admins (signed in; at most "
            f"{reports.REPORTS_PER_DAY} reports per 24 hours; one open report per target)",
            "reports",
            "user",
            body=shapes.ReportBody,
            ok={201: shapes.Report},
            errors=(400, 404, 409, 429),
        ),
        ("GET", f"{V}/reports/mine"): Op(
            "The caller's own reports, newest first",
            "reports",
            "user",
            query=(PAGE, per_page(50, reports.MAX_PER_PAGE)),
            ok={200: shapes.ReportPage},
            errors=(400,),
        ),
        ("GET", f"{V}/admin/reports"): Op(
            "Admin: the report queue, newest first",
            "admin",
            "admin",
            query=(STATE, PAGE, per_page(50, reports.MAX_PER_PAGE)),
            ok={200: shapes.ReportPage},
            errors=(400,),
        ),
        ("GET", f"{V}/admin/reports/{{id}}"): Op(
            "Admin: one report",
            "admin",
            "admin",
            path=(REPORT_ID,),
            ok={200: shapes.Report},
            errors=(404,),
        ),
        ("POST", f"{V}/admin/reports/{{id}}/dismiss"): Op(
            "Admin: resolve a report without acting on the package (audited)",
            "admin",
            "admin",
            path=(REPORT_ID,),
            body=shapes.DismissReportBody,
            body_required=False,
            ok={200: shapes.Report},
            errors=(400, 404, 409),
        ),
        ("POST", f"{V}/admin/reports/{{id}}/quarantine"): Op(
            "Admin: quarantine the reported version and resolve every open report on it (audited)",
            "admin",
            "admin",
            path=(REPORT_ID,),
            body=shapes.QuarantineReportBody,
            body_required=False,
            ok={200: shapes.ReportQuarantined},
            errors=(400, 404, 409),
        ),
    }
)
