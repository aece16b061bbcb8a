"""Artifact routes (REST_CONTRACT §4.10): thin adapters over domain.services.artifacts."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from domain.commands import CreateArtifact
from domain.context import RegistryContext
from domain.enums import Architecture, ArtifactType, Platform, TokenScope
from domain.exceptions import InvalidInput
from domain.models import Artifact, ArtifactBuild, ArtifactVersion
from domain.services import artifacts
from domain.services.artifacts import BuildUpload, ChosenBuild
from domain.services.urls import artifact_build_url
from registry.auth import required_actor
from registry.multipart import read_upload_form
from registry.rest import shapes
from registry.rest.blobs import BlobDescriptor, blob_response
from registry.rest.encode import ShapeResponse
from registry.rest.params import decode_body, paging, query_text
from registry.rest.serializers import iso

DOWNLOAD_URL_EXPIRES_IN = 3600
OCTET_STREAM = "application/octet-stream"


def _ctx(request: Request) -> RegistryContext:
    return request.app.state.runtime.ctx


def _base_url(request: Request) -> str | None:
    return _ctx(request).policy.public_base_url


# --- JSON shapes --------------------------------------------------------------------------


def build_json(
    artifact: Artifact, version: ArtifactVersion, build: ArtifactBuild, base_url: str | None
) -> shapes.ArtifactBuild:
    return shapes.ArtifactBuild(
        platform=Platform(build.platform),
        architecture=Architecture(build.architecture),
        filename=build.filename,
        checksum_sha256=build.sha256,
        size_bytes=build.size_bytes,
        installer_type=build.installer_type,
        downloads=build.downloads,
        download_url=artifact_build_url(
            artifact.name, version.version, build.platform, build.architecture, base_url
        ),
    )


def version_json(
    artifact: Artifact, version: ArtifactVersion, base_url: str | None
) -> shapes.ArtifactVersion:
    return shapes.ArtifactVersion(
        version=version.version,
        released_at=iso(version.released_at),
        changelog=version.changelog,
        min_os_version=version.min_os_version,
        builds=[build_json(artifact, version, b, base_url) for b in artifacts.builds_of(version)],
    )


def artifact_json(
    artifact: Artifact, versions: list[ArtifactVersion], base_url: str | None
) -> shapes.Artifact:
    return shapes.Artifact(
        id=str(artifact.id),
        name=artifact.name,
        artifact_type=ArtifactType(artifact.artifact_type),
        publisher_id=artifact.publisher_id,
        description=artifact.description,
        homepage=artifact.homepage,
        repository=artifact.repository,
        latest_version=artifacts.latest_version_of(versions),
        created_at=iso(artifact.created_at),
        updated_at=iso(artifact.updated_at),
        versions=[version_json(artifact, v, base_url) for v in versions],
    )


def _download_json(chosen: ChosenBuild, base_url: str | None) -> shapes.ArtifactDownload:
    build = chosen.build
    return shapes.ArtifactDownload(
        url=artifact_build_url(
            chosen.artifact.name,
            chosen.version.version,
            build.platform,
            build.architecture,
            base_url,
        ),
        expires_in=DOWNLOAD_URL_EXPIRES_IN,
        filename=build.filename,
        checksum_sha256=build.sha256,
        size_bytes=build.size_bytes,
        version=chosen.version.version,
        platform=Platform(build.platform),
        architecture=Architecture(build.architecture),
    )


# --- routes -------------------------------------------------------------------------------


async def list_artifacts(request: Request) -> Response:
    page, per_page = paging(request, default_per_page=20)
    items, total = await artifacts.list_artifacts(
        page=page, per_page=per_page, artifact_type=query_text(request, "artifact_type")
    )
    by_artifact = await artifacts.versions_by_artifact([a.id for a in items])
    base_url = _base_url(request)
    return ShapeResponse(
        shapes.ArtifactPage(
            artifacts=[artifact_json(a, by_artifact[a.id], base_url) for a in items],
            total=total,
            page=page,
            per_page=per_page,
        )
    )


async def create_artifact(request: Request) -> Response:
    actor = await required_actor(request)
    command = await decode_body(request, CreateArtifact)
    artifact = await artifacts.create_artifact(actor, command)
    return ShapeResponse(artifact_json(artifact, [], _base_url(request)), status_code=201)


async def get_artifact(request: Request) -> Response:
    artifact = await artifacts.get_artifact(request.path_params["name"])
    versions = await artifacts.versions_of(artifact)
    return ShapeResponse(artifact_json(artifact, versions, _base_url(request)))


async def upload_build(request: Request) -> Response:
    actor = await required_actor(request)
    ctx = _ctx(request)
    name = request.path_params["name"]
    # Unknown artifacts and non-owners are refused before the body is read.
    artifact = await artifacts.get_artifact(name)
    artifacts.require_manage_artifact(actor, artifact, TokenScope.PUBLISH_UPDATE)
    form = await read_upload_form(request, ctx.new_upload_path, ctx.policy.max_upload_bytes)
    try:
        if form.file is None:
            raise InvalidInput("The multipart body has no 'file' part", field="file")
        version = await artifacts.upload_build(
            ctx,
            actor,
            artifact.name,
            BuildUpload(
                file=form.file,
                version=form.fields.get("version", ""),
                platform=form.fields.get("platform", ""),
                architecture=form.fields.get("architecture", ""),
                changelog=form.fields.get("changelog", ""),
                installer_type=form.fields.get("installer_type", ""),
                min_os_version=form.fields.get("min_os_version", ""),
            ),
        )
    finally:
        form.discard()
    return ShapeResponse(
        version_json(artifact, version, ctx.policy.public_base_url), status_code=201
    )


async def latest_build(request: Request) -> Response:
    chosen = await artifacts.latest_build(
        request.path_params["name"],
        request.query_params.get("platform"),
        request.query_params.get("architecture"),
    )
    build = build_json(chosen.artifact, chosen.version, chosen.build, _base_url(request))
    return ShapeResponse(
        shapes.LatestBuild(
            version=chosen.version.version,
            released_at=iso(chosen.version.released_at),
            changelog=chosen.version.changelog,
            min_os_version=chosen.version.min_os_version,
            build=build,
        )
    )


def _wants_bytes(request: Request) -> bool:
    """urllib-based installers send no Accept header at all; httpx sends `*/*` (§4.10)."""
    accept = request.headers.get("accept")
    if accept is None:
        return True
    types = {part.split(";")[0].strip().lower() for part in accept.split(",")}
    return OCTET_STREAM in types and "application/json" not in types


async def _serve(request: Request, chosen: ChosenBuild) -> Response:
    ctx = _ctx(request)
    build = chosen.build
    blob = BlobDescriptor(
        key=build.blob_key,
        sha256=build.sha256,
        size=build.size_bytes,
        filename=build.filename,
        content_type=OCTET_STREAM,
        private=False,
    )
    return await blob_response(
        request, ctx, blob, on_complete=lambda: ctx.downloads.count_build(build.id)
    )


async def download_build(request: Request) -> Response:
    chosen = await artifacts.build_for_download(
        request.path_params["name"],
        request.path_params["version"],
        request.query_params.get("platform"),
        request.query_params.get("architecture"),
    )
    if _wants_bytes(request):
        return await _serve(request, chosen)
    return ShapeResponse(_download_json(chosen, _base_url(request)))


async def build_file(request: Request) -> Response:
    params = request.path_params
    chosen = await artifacts.exact_build(
        params["name"], params["version"], params["platform"], params["architecture"]
    )
    return await _serve(request, chosen)


routes = [
    Route("/artifacts", list_artifacts, methods=["GET"]),
    Route("/artifacts", create_artifact, methods=["POST"]),
    Route("/artifacts/{name}", get_artifact, methods=["GET"]),
    Route("/artifacts/{name}/builds", upload_build, methods=["POST"]),
    Route("/artifacts/{name}/latest", latest_build, methods=["GET"]),
    Route("/artifacts/{name}/versions/{version}/download", download_build, methods=["GET"]),
    Route(
        "/artifacts/{name}/versions/{version}/builds/{platform}/{architecture}/file",
        build_file,
        methods=["GET", "HEAD"],
    ),
]
