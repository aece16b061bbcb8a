"""POST /resolve and GET /resolve/check (REST_CONTRACT §4.7): both request shapes."""

from __future__ import annotations

from msgspec import UNSET
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from domain.exceptions import InvalidInput
from domain.resolver import NoSolution, Resolution
from domain.services import resolution
from registry.auth import optional_actor
from registry.rest import shapes
from registry.rest.encode import ShapeResponse
from registry.rest.params import decode_body, query_text


def _entry_text(entry: str | shapes.Requirement) -> str:
    """A requirement string from `"name spec"` or `{name, version_spec|version}`."""
    if isinstance(entry, str):
        return entry
    spec = entry.version_spec if entry.version_spec is not None else entry.version
    return f"{entry.name} {spec or '*'}"


def requirements_from(body: shapes.ResolveRequest) -> list[str]:
    entries = body.requirements if body.requirements is not UNSET else body.packages
    if entries is UNSET:
        raise InvalidInput("Send {requirements: [...]} or {packages: [{name, version?}]}")
    return [_entry_text(entry) for entry in entries]


def resolution_json(result: Resolution | NoSolution) -> shapes.ResolveResult:
    if isinstance(result, NoSolution):
        reasons = list(result.errors) or [result.explanation]
        return shapes.ResolveResult(
            success=False,
            resolved={},
            install_order=[],
            conflicts=reasons,
            errors=reasons,
            warnings=list(result.warnings),
            explanation=result.explanation,
        )
    resolved: dict[str, shapes.ResolvedPackage] = {}
    for name, package in result.packages.items():
        artifact = package.payload
        assert isinstance(artifact, resolution.Artifact)  # what the resolution service attaches
        resolved[name] = shapes.ResolvedPackage(
            name=name,
            version=package.version,
            download_url=artifact.download_url,
            checksum_sha256=artifact.sha256,
            checksum=artifact.sha256,
            size_bytes=artifact.size_bytes,
            yanked=package.yanked,
            dependencies=[
                shapes.ResolvedDependency(
                    name=d.name, version=d.version, version_spec=d.spec, optional=d.optional
                )
                for d in package.dependencies
            ],
        )
    return shapes.ResolveResult(
        success=True,
        resolved=resolved,
        install_order=list(result.install_order),
        conflicts=[],
        errors=[],
        warnings=list(result.warnings),
    )


async def resolve(request: Request) -> Response:
    actor = await optional_actor(request)
    body = await decode_body(request, shapes.ResolveRequest)
    result = await resolution.resolve(
        actor,
        requirements_from(body),
        toolbox_version=body.toolbox_version,
        platform=body.platform,
        include_optional=body.include_optional is True,
        base_url=request.app.state.runtime.ctx.policy.public_base_url,
    )
    return ShapeResponse(resolution_json(result))


async def check(request: Request) -> Response:
    actor = await optional_actor(request)
    compatible, warnings, conflicts = await resolution.check_compatibility(
        actor,
        query_text(request, "package") or "",
        query_text(request, "version") or "",
        query_text(request, "toolbox_version"),
    )
    return ShapeResponse(
        shapes.CompatibilityCheck(compatible=compatible, warnings=warnings, conflicts=conflicts)
    )


routes = [
    Route("/resolve", resolve, methods=["POST"]),
    Route("/resolve/check", check, methods=["GET"]),
]
