"""POST /resolve and GET /resolve/check (REST_CONTRACT §4.7): both request shapes."""

from __future__ import annotations

from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

from domain.exceptions import InvalidInput
from domain.resolver import NoSolution, Resolution
from domain.services import resolution
from registry.auth import optional_actor
from registry.rest.params import json_body, query_text


def _entry_text(entry: Any, index: int) -> str:
    """A requirement string from `"name spec"` or `{name, version_spec|version}`."""
    if isinstance(entry, str):
        return entry
    if isinstance(entry, dict) and isinstance(entry.get("name"), str):
        spec = entry.get("version_spec", entry.get("version")) or "*"
        if not isinstance(spec, str):
            raise InvalidInput(f"requirements[{index}].version must be a string")
        return f"{entry['name']} {spec}"
    raise InvalidInput(f"requirements[{index}] must be a string or an object with a name")


def requirements_from(body: dict[str, Any]) -> list[str]:
    entries = body.get("requirements")
    if entries is None:
        entries = body.get("packages")
    if not isinstance(entries, list):
        raise InvalidInput("Send {requirements: [...]} or {packages: [{name, version?}]}")
    return [_entry_text(entry, i) for i, entry in enumerate(entries)]


def resolution_json(result: Resolution | NoSolution) -> dict[str, Any]:
    if isinstance(result, NoSolution):
        reasons = list(result.errors) or [result.explanation]
        return {"success": False, "resolved": {}, "install_order": [], "conflicts": reasons,
                "errors": reasons, "warnings": list(result.warnings),
                "explanation": result.explanation}
    resolved: dict[str, Any] = {}
    for name, package in result.packages.items():
        artifact = package.payload
        resolved[name] = {
            "name": name, "version": package.version,
            "download_url": artifact.download_url,
            "checksum_sha256": artifact.sha256, "checksum": artifact.sha256,
            "size_bytes": artifact.size_bytes, "yanked": package.yanked,
            "dependencies": [{"name": d.name, "version": d.version, "version_spec": d.spec,
                              "optional": d.optional} for d in package.dependencies],
        }
    return {"success": True, "resolved": resolved, "install_order": list(result.install_order),
            "conflicts": [], "errors": [], "warnings": list(result.warnings)}


async def resolve(request: Request) -> JSONResponse:
    actor = await optional_actor(request)
    body = await json_body(request)
    toolbox = body.get("toolbox_version")
    platform = body.get("platform")
    if toolbox is not None and not isinstance(toolbox, str):
        raise InvalidInput("toolbox_version must be a string")
    if platform is not None and not isinstance(platform, str):
        raise InvalidInput("platform must be a string")
    result = await resolution.resolve(
        actor, requirements_from(body), toolbox_version=toolbox, platform=platform,
        include_optional=body.get("include_optional") is True,
        base_url=request.app.state.runtime.ctx.policy.public_base_url)
    return JSONResponse(resolution_json(result))


async def check(request: Request) -> JSONResponse:
    actor = await optional_actor(request)
    compatible, warnings, conflicts = await resolution.check_compatibility(
        actor, query_text(request, "package") or "", query_text(request, "version") or "",
        query_text(request, "toolbox_version"))
    return JSONResponse({"compatible": compatible, "warnings": warnings,
                         "conflicts": conflicts})


routes = [
    Route("/resolve", resolve, methods=["POST"]),
    Route("/resolve/check", check, methods=["GET"]),
]
