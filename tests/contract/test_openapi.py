"""The OpenAPI document is served and describes exactly the REST routes the app has."""

from __future__ import annotations

import re
from typing import Any

from starlette.routing import BaseRoute, Mount, Route

from registry.rest.openapi import OPERATIONS, ROOT_REST_PATHS
from tests.contract.client import ContractClient
from tests.contract.schema_check import errors_of, resolve_ref
from tests.fixtures.stack import Stack

HTTP_METHODS = ("get", "post", "put", "patch", "delete", "head", "options")


def real_routes(routes: list[BaseRoute], prefix: str = "") -> dict[str, set[str]]:
    """path -> methods of every Starlette route, walked independently of the generator."""
    found: dict[str, set[str]] = {}
    for route in routes:
        if isinstance(route, Mount):
            for path, methods in real_routes(route.routes, prefix + route.path).items():
                found.setdefault(path, set()).update(methods)
        elif isinstance(route, Route):
            path = re.sub(r"{([^}:]+):[^}]+}", r"{\1}", prefix + route.path)
            found.setdefault(path, set()).update(route.methods or {"GET"})
    return found


def rest_only(routes: dict[str, set[str]]) -> dict[str, set[str]]:
    return {
        path: methods
        for path, methods in routes.items()
        if path.startswith("/api/v1/") or path in ROOT_REST_PATHS
    }


async def test_document_lists_every_route_with_its_methods(
    stack: Stack, openapi_document: dict
) -> None:
    app = stack.client._transport.app  # type: ignore[attr-defined]
    routes = rest_only(real_routes(app.routes))
    assert "/api/v1/openapi.json" in routes
    documented = {
        path: {m.upper() for m in item if m in HTTP_METHODS}
        for path, item in openapi_document["paths"].items()
    }
    assert set(documented) == set(routes), (
        f"routes without documentation: {sorted(set(routes) - set(documented))}; "
        f"documented paths without a route: {sorted(set(documented) - set(routes))}"
    )
    for path, methods in routes.items():
        # Starlette answers HEAD on every GET route; the document names HEAD where the
        # contract does (health, byte routes) and nowhere a route would not answer it.
        assert documented[path] - {"HEAD"} == methods - {"HEAD"}, path
        assert documented[path] <= methods, path
    for path, item in openapi_document["paths"].items():
        for method, operation in item.items():
            assert operation["tags"] != ["undocumented"], f"{method} {path} has no metadata"
    table = {(method, path) for method, path in OPERATIONS}
    served = {
        (m.upper(), p) for p, item in openapi_document["paths"].items() for m in item if m != "head"
    }
    assert table == served, f"metadata without a route: {sorted(table - served)}"


def _refs(node: Any) -> list[str]:
    if isinstance(node, dict):
        return [node["$ref"]] if "$ref" in node else [r for v in node.values() for r in _refs(v)]
    if isinstance(node, list):
        return [r for v in node for r in _refs(v)]
    return []


async def test_document_is_well_formed(openapi_document: dict) -> None:
    assert openapi_document["openapi"].startswith("3.")
    for pointer in _refs(openapi_document):
        resolve_ref(openapi_document, pointer)  # raises KeyError when dangling
    operation_ids: list[str] = []
    for path, item in openapi_document["paths"].items():
        path_params = set(re.findall(r"{([^}]+)}", path))
        for method, operation in item.items():
            operation_ids.append(operation["operationId"])
            declared = {p["name"] for p in operation.get("parameters", []) if p["in"] == "path"}
            assert declared == path_params, f"{method} {path}"
            assert operation["responses"], f"{method} {path}"
            for status, response in operation["responses"].items():
                assert re.fullmatch(r"[1-5]\d\d", status) and response["description"]
                if int(status) >= 400 and method != "head":
                    schema = response["content"]["application/json"]["schema"]
                    error_ref = {"$ref": "#/components/schemas/Error"}
                    assert schema == error_ref or error_ref in schema.get("allOf", [])
    assert len(operation_ids) == len(set(operation_ids))


async def test_main_objects_and_multipart_bodies_are_described(openapi_document: dict) -> None:
    paths = openapi_document["paths"]
    publish = paths["/api/v1/packages"]["post"]["requestBody"]["content"]
    assert set(publish) == {"application/json", "multipart/form-data"}
    upload = paths["/api/v1/packages/{name}/versions"]["post"]["requestBody"]["content"]
    form = resolve_ref(openapi_document, upload["multipart/form-data"]["schema"]["$ref"])
    assert {"file", "version"} <= set(form["required"])
    detail = paths["/api/v1/packages/{name}/versions/{version}"]["get"]["responses"]["200"]
    schema = detail["content"]["application/json"]["schema"]
    sample = {
        "version": "1.0.0",
        "published_at": "2026-01-31T12:00:00Z",
        "released_at": "2026-01-31T12:00:00Z",
        "yanked": False,
        "yank_reason": "",
        "downloads": 0,
        "checksum_sha256": "0" * 64,
        "download_url": "/x",
        "dependencies": [{"name": "DB", "version_spec": "*", "optional": False}],
        "changelog": "",
        "size_bytes": 1,
        "toolbox_version": "",
        "python_version": "",
        "package": "X",
        "status": "published",
    }
    assert errors_of(sample, schema, openapi_document) == []
    assert errors_of({**sample, "changelog": None}, schema, openapi_document)
    assert errors_of(
        {**sample, "published_at": "2026-01-31T12:00:00+00:00"}, schema, openapi_document
    )
    assert paths["/api/v1/publishers/verify"]["post"]["responses"].keys() >= {"202"}
    assert "200" not in paths["/api/v1/publishers/verify"]["post"]["responses"]
    assert set(paths["/api/v1/packages/{name}"]["delete"]["responses"]) >= {"204"}


async def test_served_through_the_client(api: ContractClient) -> None:
    response = await api.get("/api/v1/openapi.json")
    assert response.status_code == 200
    assert response.json()["paths"]["/api/v1/resolve"]["post"]["requestBody"]
