"""Byte routes for package versions and the feature-loader fallback (§4.5, §4.11)."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import Route

from domain.enums import Visibility
from domain.exceptions import InvalidInput, NotFound
from domain.names import FEATURE_PREFIX
from domain.services import packages
from domain.services.downloads import downloadable_version
from domain.services.urls import package_file_url
from registry.auth import optional_actor
from registry.rest import shapes
from registry.rest.blobs import BlobDescriptor, blob_response
from registry.rest.encode import ShapeResponse
from registry.rest.params import request_base


async def package_file(request: Request) -> Response:
    actor = await optional_actor(request)
    ctx = request.app.state.runtime.ctx
    package, row = await downloadable_version(
        actor,
        request.path_params["name"],
        request.path_params["version"],
        unlisted_require_auth=ctx.policy.unlisted_require_auth,
    )
    blob = BlobDescriptor(
        key=row.blob_key,
        sha256=row.sha256,
        size=row.size_bytes,
        filename=f"{package.name}-{row.version}.zip",
        content_type="application/zip",
        private=package.visibility == Visibility.PRIVATE,
    )
    return await blob_response(
        request, ctx, blob, on_complete=lambda: ctx.downloads.count_version(package.id, row.id)
    )


async def _latest(request: Request, name: str) -> tuple[str, str, str]:
    actor = await optional_actor(request)
    package = await packages.get_package(actor, name)
    if not package.latest_version:
        raise NotFound(f"No published version of {package.name}")
    _, row = await downloadable_version(actor, package.name, package.latest_version)
    return package.name, row.version, row.sha256


async def feature_latest(request: Request) -> Response:
    """§4.11: `download_url` MUST be absolute here (urllib cannot join a relative one), from
    "PUBLIC_BASE_URL, else the request's scheme and host". An answer naming the request's own
    Host is marked uncacheable, so no shared cache can hand it to anyone else."""
    base = request_base(request, unlisted_host=True)
    if base is None:
        raise InvalidInput(
            "This registry cannot name its own address for this request's Host "
            "header: its operator sets PUBLIC_BASE_URL or ALLOWED_HOSTS"
        )
    name, version, sha256 = await _latest(request, request.path_params["package"])
    headers = (
        {}
        if request.app.state.runtime.ctx.policy.public_base_url
        else {"Cache-Control": "no-store", "Vary": "Host"}
    )
    return ShapeResponse(
        shapes.FeatureLatest(
            name=name,
            version=version,
            checksum_sha256=sha256,
            download_url=package_file_url(name, version, base),
        ),
        headers=headers,
    )


async def feature_latest_zip(request: Request) -> Response:
    """(root) /features/{package}-latest.zip: a redirect urllib follows to the file URL."""
    name = request.path_params["package"]
    if not name.lower().startswith(FEATURE_PREFIX):
        name = FEATURE_PREFIX + name
    package_name, version, _ = await _latest(request, name)
    base = request_base(request)
    if base is not None:
        return RedirectResponse(package_file_url(package_name, version, base), status_code=302)
    # No trusted origin: a reference relative to this route (/features/...), which urllib
    # resolves against the URL it asked for, keeping any proxy path prefix (a root-relative
    # "/api/v1/..." would drop it).
    return RedirectResponse(".." + package_file_url(package_name, version, None), status_code=302)


routes = [
    Route("/packages/{name}/versions/{version}/file", package_file, methods=["GET", "HEAD"]),
    Route("/features/{package}/latest", feature_latest, methods=["GET"]),
]
root_routes = [
    Route("/features/{package}-latest.zip", feature_latest_zip, methods=["GET"]),
]
