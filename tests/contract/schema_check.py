"""Checking real responses against the served OpenAPI document.

A deliberately small JSON Schema evaluator for the subset `registry/rest/openapi.py` uses
($ref, allOf/anyOf/oneOf, type, const, enum, pattern, properties, required,
additionalProperties, items, format date-time), plus the lookup of the operation a request hit.
"""

from __future__ import annotations

import re
from typing import Any
from urllib.parse import unquote

TIMESTAMP = re.compile(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?Z")
_TYPES: dict[str, Any] = {
    "string": lambda v: isinstance(v, str),
    "integer": lambda v: isinstance(v, int) and not isinstance(v, bool),
    "number": lambda v: isinstance(v, int | float) and not isinstance(v, bool),
    "boolean": lambda v: isinstance(v, bool),
    "object": lambda v: isinstance(v, dict),
    "array": lambda v: isinstance(v, list),
    "null": lambda v: v is None,
}


def resolve_ref(document: dict[str, Any], pointer: str) -> dict[str, Any]:
    assert pointer.startswith("#/"), pointer
    node: Any = document
    for part in pointer[2:].split("/"):
        node = node[part]
    return node


def errors_of(value: Any, schema: dict[str, Any], document: dict[str, Any],
              where: str = "$") -> list[str]:
    """Every way `value` violates `schema` (empty when it conforms)."""
    if "$ref" in schema:
        return errors_of(value, resolve_ref(document, schema["$ref"]), document, where)
    problems: list[str] = []
    for sub in schema.get("allOf", []):
        problems += errors_of(value, sub, document, where)
    if "anyOf" in schema and not any(
            not errors_of(value, sub, document, where) for sub in schema["anyOf"]):
        problems.append(f"{where}: matches none of anyOf ({value!r:.80})")
    if "oneOf" in schema:
        matching = [sub for sub in schema["oneOf"] if not errors_of(value, sub, document, where)]
        if len(matching) != 1:
            problems.append(f"{where}: matches {len(matching)} of oneOf, expected exactly 1")
    kind = schema.get("type")
    if kind is not None:
        kinds = kind if isinstance(kind, list) else [kind]
        if not any(_TYPES[k](value) for k in kinds):
            return [*problems, f"{where}: expected {kind}, got {type(value).__name__} "
                               f"({value!r:.80})"]
    if "const" in schema and value != schema["const"]:
        problems.append(f"{where}: expected {schema['const']!r}, got {value!r}")
    if "enum" in schema and value not in schema["enum"]:
        problems.append(f"{where}: {value!r} not in {schema['enum']}")
    if isinstance(value, str):
        if "pattern" in schema and not re.search(schema["pattern"], value):
            problems.append(f"{where}: {value!r} does not match {schema['pattern']}")
        if schema.get("format") == "date-time" and not TIMESTAMP.fullmatch(value):
            problems.append(f"{where}: {value!r} is not an ISO 8601 UTC timestamp ending in Z")
        if schema.get("format") == "uri" and not re.match(r"https?://", value):
            problems.append(f"{where}: {value!r} is not an absolute URL")
    if isinstance(value, dict):
        properties = schema.get("properties", {})
        for key in schema.get("required", []):
            if key not in value:
                problems.append(f"{where}: missing required key {key!r}")
        extra = schema.get("additionalProperties")
        for key, item in value.items():
            if key in properties:
                problems += errors_of(item, properties[key], document, f"{where}.{key}")
            elif isinstance(extra, dict):
                problems += errors_of(item, extra, document, f"{where}.{key}")
    if isinstance(value, list) and "items" in schema:
        for index, item in enumerate(value):
            problems += errors_of(item, schema["items"], document, f"{where}[{index}]")
    return problems


def _template_regex(template: str) -> re.Pattern[str]:
    parts = re.split(r"({[^}]+})", template)
    return re.compile("".join("[^/]+" if p.startswith("{") else re.escape(p) for p in parts))


def find_operation(document: dict[str, Any], method: str, raw_path: str
                   ) -> tuple[str, dict[str, Any]] | None:
    """The (template, operation) a request hit. Like the router, literal segments win over
    parameters (`/publishers/verify` before `/publishers/{name}`)."""
    path = unquote(raw_path)
    candidates = [template for template, item in document["paths"].items()
                  if method.lower() in item and _template_regex(template).fullmatch(path)]
    if not candidates:
        return None
    best = min(candidates, key=lambda t: (t.count("{"), -len(t)))
    return best, document["paths"][best][method.lower()]


def response_problems(document: dict[str, Any], method: str, raw_path: str, status: int,
                      content_type: str, body: Any) -> list[str]:
    """How a response disagrees with the document: unknown route, undocumented status, or a
    JSON body that violates the documented schema."""
    found = find_operation(document, method, raw_path)
    if found is None:
        return [f"{method} {raw_path}: not in the OpenAPI document"]
    template, operation = found
    spec = operation["responses"].get(str(status))
    if spec is None:
        return [f"{method} {template}: status {status} is not documented "
                f"({sorted(operation['responses'])})"]
    content = spec.get("content", {})
    if method == "HEAD" or not content:
        return []
    media = content_type.split(";")[0].strip()
    if media not in content:
        return [f"{method} {template} {status}: content type {media!r} not documented "
                f"({sorted(content)})"]
    if media != "application/json":
        return []
    return [f"{method} {template} {status}: {p}"
            for p in errors_of(body, content[media]["schema"], document)]
