"""POST /resolve and GET /resolve/check (REST_CONTRACT §4.7): both request shapes."""

from __future__ import annotations

import hashlib
import json

from msgspec import UNSET
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from domain.exceptions import InvalidInput
from domain.resolver import NoSolution, Resolution
from domain.services import resolution
from registry.auth import optional_actor
from registry.rest import shapes
from registry.rest.encode import ShapeResponse, encode
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


# Requests with more requirements than this are resolved, not cached (keys stay small).
MAX_CACHED_REQUIREMENTS = 50


async def resolve(request: Request) -> Response:
    """A resolution. An anonymous one (no Authorization header of any kind) is answered from
    `Runtime.resolve_cache` when the same request was resolved since the last committed
    write: it depends only on the request and the registry's state (deprecation warnings
    included), like the anonymous package detail (registry/rest/cached.py). Refused
    requests (400) are never kept; the route's `search` budget is charged either way."""
    body = await decode_body(request, shapes.ResolveRequest)
    requirements = requirements_from(body)
    runtime = request.app.state.runtime
    base_url = runtime.ctx.policy.public_base_url
    cache = runtime.resolve_cache
    key = None
    if (
        cache.enabled
        and "authorization" not in request.headers
        and len(requirements) <= MAX_CACHED_REQUIREMENTS
    ):
        key = _answer_key(requirements, body, base_url)
        cached = cache.get(key)
        if cached is not None:
            return Response(cached, media_type="application/json")
        generation = cache.generation
    result = await resolution.resolve(
        await optional_actor(request),
        requirements,
        toolbox_version=body.toolbox_version,
        platform=body.platform,
        include_optional=body.include_optional is True,
        base_url=base_url,
    )
    answer = encode(resolution_json(result))
    if key is not None:
        cache.put(key, answer, generation)
    return Response(answer, media_type="application/json")


def _answer_key(requirements: list[str], body: shapes.ResolveRequest, base_url: str | None) -> str:
    """Everything the answer depends on besides the registry: the requirements in order
    (the install order may follow them), the environment and the download base URL."""
    canonical = json.dumps(
        [
            requirements,
            body.toolbox_version,
            body.platform,
            body.include_optional is True,
            base_url,
        ]
    ).encode()
    return "resolve:" + hashlib.blake2b(canonical, digest_size=20).hexdigest()


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
