"""Checking real responses against the served OpenAPI document, with `jsonschema`.

The document is OpenAPI 3.1, whose schemas are JSON Schema 2020-12: a response schema is
validated by `Draft202012Validator`, its `#/components/...` references resolved in the
document. Two formats carry the contract's own meaning (REST_CONTRACT §1.5): a `date-time` is
an ISO 8601 UTC timestamp ending in `Z` (an offset like `+00:00` is not accepted), a `uri` an
absolute http(s) URL. Also here: the lookup of the operation a request hit.
"""

from __future__ import annotations

import re
from typing import Any
from urllib.parse import unquote

from jsonschema import Draft202012Validator, FormatChecker
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT202012

TIMESTAMP = re.compile(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?Z")
DOCUMENT_URI = "urn:tb-registry:openapi"

CONTRACT_FORMATS = FormatChecker(formats=())


@CONTRACT_FORMATS.checks("date-time")
def _utc_timestamp(value: object) -> bool:
    return not isinstance(value, str) or TIMESTAMP.fullmatch(value) is not None


@CONTRACT_FORMATS.checks("uri")
def _absolute_url(value: object) -> bool:
    return not isinstance(value, str) or re.match(r"https?://", value) is not None


def resolve_ref(document: dict[str, Any], pointer: str) -> dict[str, Any]:
    """The schema a `#/...` reference of the document names (raises when it dangles)."""
    assert pointer.startswith("#/"), pointer
    registry = Registry().with_resource(
        DOCUMENT_URI, Resource.from_contents(document, default_specification=DRAFT202012)
    )
    return registry.resolver(base_uri=DOCUMENT_URI).lookup(pointer).contents


# Validators by schema, built once per schema (the contract client checks every response).
_validators: dict[int, tuple[dict[str, Any], dict[str, Any], Draft202012Validator]] = {}


def _validator(schema: dict[str, Any], document: dict[str, Any]) -> Draft202012Validator:
    cached = _validators.get(id(schema))
    if cached is not None and cached[0] is schema and cached[1] is document:
        return cached[2]
    # The schema is a fragment of the document whose references point into the document
    # (`#/components/schemas/...`): placed at the document's root, they resolve there. A
    # schema's own keywords never collide with the document's top-level keys.
    validator = Draft202012Validator({**document, **schema}, format_checker=CONTRACT_FORMATS)
    _validators[id(schema)] = (schema, document, validator)
    return validator


def errors_of(
    value: Any, schema: dict[str, Any], document: dict[str, Any], where: str = "$"
) -> list[str]:
    """Every way `value` violates `schema` (empty when it conforms)."""
    errors = sorted(
        _validator(schema, document).iter_errors(value),
        key=lambda error: list(map(str, error.absolute_path)),
    )
    return [f"{where}{error.json_path.removeprefix('$')}: {error.message}" for error in errors]


def _template_regex(template: str) -> re.Pattern[str]:
    parts = re.split(r"({[^}]+})", template)
    return re.compile("".join("[^/]+" if p.startswith("{") else re.escape(p) for p in parts))


def find_operation(
    document: dict[str, Any], method: str, raw_path: str
) -> tuple[str, dict[str, Any]] | None:
    """The (template, operation) a request hit. Like the router, literal segments win over
    parameters (`/publishers/verify` before `/publishers/{name}`)."""
    path = unquote(raw_path)
    candidates = [
        template
        for template, item in document["paths"].items()
        if method.lower() in item and _template_regex(template).fullmatch(path)
    ]
    if not candidates:
        return None
    best = min(candidates, key=lambda t: (t.count("{"), -len(t)))
    return best, document["paths"][best][method.lower()]


def response_problems(
    document: dict[str, Any], method: str, raw_path: str, status: int, content_type: str, body: Any
) -> list[str]:
    """How a response disagrees with the document: unknown route, undocumented status, or a
    JSON body that violates the documented schema."""
    found = find_operation(document, method, raw_path)
    if found is None:
        return [f"{method} {raw_path}: not in the OpenAPI document"]
    template, operation = found
    spec = operation["responses"].get(str(status))
    if spec is None:
        return [
            f"{method} {template}: status {status} is not documented "
            f"({sorted(operation['responses'])})"
        ]
    content = spec.get("content", {})
    if method == "HEAD" or not content:
        return []
    media = content_type.split(";")[0].strip()
    if media not in content:
        return [
            f"{method} {template} {status}: content type {media!r} not documented "
            f"({sorted(content)})"
        ]
    if media != "application/json":
        return []
    return [
        f"{method} {template} {status}: {p}"
        for p in errors_of(body, content[media]["schema"], document)
    ]
