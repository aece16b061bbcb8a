"""Scan reports and the quarantine queue over REST [N]: thin adapters over
domain.services.quarantine.

- `GET /packages/{name}/versions/{version}/scan` — owners and admins; 404 for everyone else.
- `GET /admin/quarantine` — admins: quarantined versions, newest first.
- `POST /admin/versions/{name}/{version}/release` — admins: publish it, with a reason.
- `DELETE /admin/versions/{name}/{version}` — admins: remove it (204).

The OpenAPI metadata of these routes lives here too, next to the handlers, and is added to
the document's operation table when this module is imported by the router.
"""

from __future__ import annotations

from typing import Any, cast

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from domain.context import RegistryContext
from domain.enums import VersionStatus
from domain.models import Package, PackageVersion
from domain.services import quarantine
from registry.auth import required_actor
from registry.rest import openapi, shapes
from registry.rest.encode import ShapeResponse
from registry.rest.openapi import API_PREFIX, PAGE, Op, Param, per_page
from registry.rest.params import decode_body, paging, query_text
from registry.rest.serializers import iso, version_detail


def _ctx(request: Request) -> RegistryContext:
    return request.app.state.runtime.ctx


def _stored_report(report: dict[str, Any] | None) -> shapes.ScanReport | None:
    # Encoded as the scanner stored it (a dict): shapes.ScanReport documents that dict.
    return cast("shapes.ScanReport | None", report)


def quarantined_json(row: PackageVersion) -> shapes.QuarantinedVersion:
    package: Package = row.package
    report = row.scan_report or {}
    # scan_report is the stored report as the scanner wrote it (shapes.ScanReport documents it).
    return shapes.QuarantinedVersion(
        package=package.name,
        version=row.version,
        status=VersionStatus(row.status),
        publisher=package.publisher.name,
        publisher_id=package.publisher.id,
        uploaded_by=row.uploaded_by,
        uploaded_at=iso(row.created_at),
        checksum_sha256=row.sha256,
        size_bytes=row.size_bytes,
        rule=report.get("rule") or "",
        message=report.get("message") or "",
        scan_report=_stored_report(row.scan_report),
    )


async def version_scan(request: Request) -> Response:
    actor = await required_actor(request)
    view = await quarantine.scan_report(
        actor, request.path_params["name"], request.path_params["version"]
    )
    return ShapeResponse(
        shapes.VersionScan(
            package=view.package.name,
            version=view.version.version,
            status=VersionStatus(view.version.status),
            scan_report=_stored_report(view.report),
        )
    )


async def list_quarantine(request: Request) -> Response:
    actor = await required_actor(request)
    page, size = paging(request, default_per_page=50)
    result = await quarantine.list_quarantined(
        actor, page=page, per_page=size, package=query_text(request, "package")
    )
    return ShapeResponse(
        shapes.QuarantinePage(
            versions=[quarantined_json(row) for row in result.versions],
            total=result.total,
            page=page,
            per_page=size,
        )
    )


async def release_version(request: Request) -> Response:
    actor = await required_actor(request)
    body = await decode_body(request, shapes.ReleaseBody, allow_empty=True)
    ctx = _ctx(request)
    row = await quarantine.release_version(
        actor, ctx, request.path_params["name"], request.path_params["version"], body.reason
    )
    package: Package = await row.package
    detail = version_detail(
        package, row, await row.dependencies.all().order_by("id"), ctx.policy.public_base_url
    )
    detail.scan_report = row.scan_report
    return ShapeResponse(detail)


async def delete_version(request: Request) -> Response:
    actor = await required_actor(request)
    body = await decode_body(request, shapes.DeleteVersionBody, allow_empty=True)
    await quarantine.delete_version(
        actor,
        _ctx(request),
        request.path_params["name"],
        request.path_params["version"],
        body.reason or "",
    )
    return Response(status_code=204)


routes = [
    Route("/packages/{name}/versions/{version}/scan", version_scan, methods=["GET"]),
    Route("/admin/quarantine", list_quarantine, methods=["GET"]),
    Route("/admin/versions/{name}/{version}/release", release_version, methods=["POST"]),
    Route("/admin/versions/{name}/{version}", delete_version, methods=["DELETE"]),
]


# --- OpenAPI metadata ------------------------------------------------------------------------

V = API_PREFIX
openapi.OPERATIONS.update(
    {
        ("GET", f"{V}/packages/{{name}}/versions/{{version}}/scan"): Op(
            "The version's scan report (owners and admins; 404 for anyone else)",
            "packages",
            "user",
            ok={200: shapes.VersionScan},
            errors=(404,),
        ),
        ("GET", f"{V}/admin/quarantine"): Op(
            "Admin: quarantined versions, newest first",
            "admin",
            "admin",
            query=(PAGE, per_page(50), Param("package", description="Only this package")),
            ok={200: shapes.QuarantinePage},
            errors=(400, 404),
        ),
        ("POST", f"{V}/admin/versions/{{name}}/{{version}}/release"): Op(
            "Admin: publish a quarantined version (reason required, audited)",
            "admin",
            "admin",
            body=shapes.ReleaseBody,
            ok={200: shapes.VersionDetail},
            errors=(400, 404, 409),
        ),
        ("DELETE", f"{V}/admin/versions/{{name}}/{{version}}"): Op(
            "Admin: delete a version and, when unused, its object (audited)",
            "admin",
            "admin",
            body=shapes.DeleteVersionBody,
            body_required=False,
            ok={204: None},
            errors=(400, 404),
        ),
    }
)
