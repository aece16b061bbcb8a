"""Package routes (REST_CONTRACT §4.4): thin adapters over domain.services."""

from __future__ import annotations

from typing import Any

from msgspec import UNSET
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from domain.actor import Actor
from domain.commands import CreatePackage, PackageUpdate
from domain.context import RegistryContext
from domain.enums import PackageSort, VersionStatus, YankState
from domain.exceptions import InvalidInput, NotFound
from domain.jsontext import load_json
from domain.models import Dependency, Package
from domain.names import name_key
from domain.services import (
    blobs,
    lifecycle,
    listing,
    package_view,
    packages,
    pages,
    publishing,
    versions,
)
from domain.services.publishing import PublishResult, UploadRequest
from registry.auth import optional_actor, required_actor
from registry.multipart import read_upload_form
from registry.rest import serializers, shapes
from registry.rest.cached import anonymous_cached
from registry.rest.encode import ShapeResponse, encode
from registry.rest.listing_params import facets_of, listing_query, wants_facets
from registry.rest.params import decode_body, paging


def _ctx(request: Request) -> RegistryContext:
    return request.app.state.runtime.ctx


async def list_packages(request: Request) -> Response:
    return await anonymous_cached(request, request.app.state.runtime.page_cache, _package_page)


async def _package_page(request: Request, actor: Actor) -> bytes:
    page, per_page = paging(request, default_per_page=100)
    with_facets = wants_facets(request)
    # §4.4: by name; members of the filtered publisher (and admins) also see its hidden ones.
    query = listing_query(request, search="", default_sort=PackageSort.NAME)
    items, total = await listing.numbered_page(actor, query, page=page, per_page=per_page)
    return encode(
        shapes.PackagePage(
            packages=[serializers.package_summary(p) for p in items],
            total=total,
            page=page,
            per_page=per_page,
            facets=await facets_of(actor, query) if with_facets else UNSET,
        )
    )


async def _detail(actor: Any, package: Package) -> shapes.PackageDetail:
    return serializers.package_detail(
        package,
        await versions.visible_versions(actor, package),
        await pages.latest_page(package),
    )


async def create_package(request: Request) -> Response:
    content_type = request.headers.get("content-type", "")
    if content_type.startswith("multipart/form-data"):
        return await publish_package(request)
    actor = await required_actor(request)
    command = await decode_body(request, CreatePackage)  # the domain checks the values
    package = await packages.create_package(actor, command, catalog=_ctx(request).policy.categories)
    return ShapeResponse(await _detail(actor, package), status_code=201)


def _upload_response(result: PublishResult) -> Response:
    row = result.version
    return ShapeResponse(
        shapes.UploadResult(
            status=VersionStatus(row.status),
            package=result.package.name,
            version=row.version,
            checksum_sha256=row.sha256,
            upload_sha256=row.upload_sha256,
            size_bytes=row.size_bytes,
            download_url=result.download_url,
            warnings=result.warnings,
        ),
        status_code=201,
    )


async def publish_package(request: Request) -> Response:
    """One-step publish: multipart `file` + `metadata` JSON string."""
    actor = await required_actor(request)
    ctx = _ctx(request)
    form = await read_upload_form(request, ctx.new_upload_path, ctx.policy.max_upload_bytes)
    try:
        if form.file is None:
            raise InvalidInput("The multipart body has no 'file' part", field="file")
        raw = form.fields.get("metadata", "") or "{}"
        metadata = load_json(raw, "metadata is not valid JSON", field="metadata")
        if not isinstance(metadata, dict):
            raise InvalidInput("metadata must be a JSON object", field="metadata")
        result = await publishing.publish_with_metadata(
            ctx, actor, form.file, metadata, new_path=ctx.new_upload_path
        )
    finally:
        form.discard()
    return _upload_response(result)


async def upload_version(request: Request) -> Response:
    actor = await required_actor(request)
    ctx = _ctx(request)
    name = request.path_params["name"]
    # Unknown or invisible packages (and archived ones) are refused before the body is read.
    lifecycle.require_accepts_versions(await packages.get_package(actor, name))
    form = await read_upload_form(request, ctx.new_upload_path, ctx.policy.max_upload_bytes)
    try:
        if form.file is None:
            raise InvalidInput("The multipart body has no 'file' part", field="file")
        result = await publishing.upload_version(
            ctx,
            actor,
            name,
            UploadRequest(
                file=form.file,
                version=form.fields.get("version", ""),
                changelog=form.fields.get("changelog", ""),
                toolbox_version=form.fields.get("toolbox_version", ""),
                python_version=form.fields.get("python_version", ""),
            ),
            new_path=ctx.new_upload_path,
        )
    finally:
        form.discard()
    return _upload_response(result)


async def get_package(request: Request) -> Response:
    # The client's most frequent call. Anonymous answers are the same for every caller, so
    # they are kept until the next committed write (registry/rest/cached.py); otherwise one
    # query reads package, publisher and versions.
    name = request.path_params["name"]
    return await anonymous_cached(
        request,
        request.app.state.runtime.package_cache,
        _package_detail,
        key=f"detail:{name_key(name)}",
    )


async def _package_detail(request: Request, actor: Actor) -> bytes:
    package, rows = await package_view.package_detail(actor, request.path_params["name"])
    return encode(serializers.package_detail(package, rows, await pages.latest_page(package)))


async def update_package(request: Request) -> Response:
    actor = await required_actor(request)
    update = await decode_body(request, PackageUpdate)
    package = await packages.update_package(
        actor, request.path_params["name"], update, catalog=_ctx(request).policy.categories
    )
    return ShapeResponse(await _detail(actor, package))


async def delete_package(request: Request) -> Response:
    actor = await required_actor(request)
    orphaned = await packages.delete_package(actor, request.path_params["name"])
    await blobs.schedule_deletes(_ctx(request), orphaned)
    return Response(status_code=204)


async def list_versions(request: Request) -> Response:
    actor = await optional_actor(request)
    package = await packages.get_package(actor, request.path_params["name"])
    rows = await versions.visible_versions(actor, package)
    return ShapeResponse(
        shapes.VersionList(
            package=package.name, versions=[serializers.version_list_item(r) for r in rows]
        )
    )


async def get_version(request: Request) -> Response:
    actor = await optional_actor(request)
    package, row = await versions.get_version(
        actor, request.path_params["name"], request.path_params["version"]
    )
    deps = await Dependency.filter(version_id=row.id).order_by("id")
    body = serializers.version_detail(package, row, deps, _ctx(request).policy.public_base_url)
    if versions.sees_unpublished(actor, package) and row.scan_report is not None:
        body.scan_report = row.scan_report
    return ShapeResponse(body)


async def _yank(request: Request, yanked: bool) -> Response:
    actor = await required_actor(request)
    reason = ""
    if yanked:
        reason = (await decode_body(request, shapes.YankBody, allow_empty=True)).reason or ""
    package, row = await versions.set_yanked(
        actor, request.path_params["name"], request.path_params["version"], yanked, reason
    )
    return ShapeResponse(
        shapes.YankResult(
            status=YankState.YANKED if yanked else YankState.UNYANKED,
            package=package.name,
            version=row.version,
            reason=row.yank_reason,
        )
    )


async def yank_version(request: Request) -> Response:
    return await _yank(request, True)


async def unyank_version(request: Request) -> Response:
    return await _yank(request, False)


async def download_info(request: Request) -> Response:
    """Legacy JSON download descriptor (§4.5): a URL to the bytes route, no login needed."""
    from domain.services.downloads import downloadable_version
    from domain.services.urls import package_file_url

    actor = await optional_actor(request)
    ctx = _ctx(request)
    package, row = await downloadable_version(
        actor,
        request.path_params["name"],
        request.path_params["version"],
        unlisted_require_auth=ctx.policy.unlisted_require_auth,
    )
    return ShapeResponse(
        shapes.DownloadInfo(
            url=package_file_url(package.name, row.version, ctx.policy.public_base_url),
            expires_in=3600,
            package=package.name,
            version=row.version,
            checksum_sha256=row.sha256,
            size_bytes=row.size_bytes,
        )
    )


async def diff_not_available(request: Request) -> Response:
    # Always 404 by design: the client's diff path would install stale contents (§4.9).
    raise NotFound("Diff not available")


# Matched first of all API routes (see registry/rest/router.py): it is the hottest, and
# no other route has the shape /packages/<one segment>.
detail_route = Route("/packages/{name}", get_package, methods=["GET"])

routes = [
    Route("/packages", list_packages, methods=["GET"]),
    Route("/packages", create_package, methods=["POST"]),
    Route("/packages/{name}", update_package, methods=["PATCH"]),
    Route("/packages/{name}", delete_package, methods=["DELETE"]),
    Route("/packages/{name}/versions", list_versions, methods=["GET"]),
    Route("/packages/{name}/versions", upload_version, methods=["POST"]),
    Route("/packages/{name}/upload", upload_version, methods=["POST"]),
    Route("/packages/{name}/versions/{version}", get_version, methods=["GET"]),
    Route("/packages/{name}/versions/{version}/yank", yank_version, methods=["POST"]),
    Route("/packages/{name}/versions/{version}/yank", unyank_version, methods=["DELETE"]),
    Route("/packages/{name}/versions/{version}/unyank", unyank_version, methods=["POST"]),
    Route("/packages/{name}/versions/{version}/download", download_info, methods=["GET"]),
    Route("/packages/{name}/diff/{from_version}/{to_version}", diff_not_available, methods=["GET"]),
    Route(
        "/packages/{name}/diff/{from_version}/{to_version}/download",
        diff_not_available,
        methods=["GET"],
    ),
]
