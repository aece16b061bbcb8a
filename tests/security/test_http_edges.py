"""Issue #12, findings 10, 11, 14 and 15: the HTTP edges anonymous callers reach.

- GraphQL multipart bodies are read only for an authenticated caller running an upload
  mutation (nothing is spooled otherwise);
- no response names a Host the operator did not allow (Host, X-Forwarded-Host,
  absolute-form request targets);
- control characters and huge numbers in every path and query parameter of every route, NUL
  in JSON bodies and GraphQL strings, huge Range positions and deeply nested variables are
  4xx, never a 500;
- /ready tells anonymous callers booleans only, and is rate-limited.
"""

from __future__ import annotations

import asyncio
import json
import logging
import re
import socket
from collections.abc import AsyncIterator, Iterator
from dataclasses import replace
from typing import Any
from urllib.parse import quote, urljoin

import httpx
import pytest
import uvicorn
from starlette.routing import BaseRoute, Mount, Route

from domain.exceptions import InvalidInput
from domain.services import users
from registry.app import create_app
from registry.ratelimit_middleware import EXEMPT_PATHS
from tests.contract.client import feature_zip
from tests.fixtures.stack import Stack, bearer
from tests.helpers import create_package, make_publisher, mod_zip, upload_version

PUBLISH = """mutation($package: String!, $input: PublishVersionInput!, $file: Upload!) {
  publishVersion(package: $package, input: $input, file: $file) { downloadUrl
    errors { code message } } }"""
BOUNDARY = "edgesboundary"
ATTACKER = "attacker.example"


# --- multipart bodies (finding 10, and the multipart half of 14) ---------------------------------


def _part(name: str, body: bytes, filename: str | None = None) -> bytes:
    disposition = f'form-data; name="{name}"' + (f'; filename="{filename}"' if filename else "")
    return (f"--{BOUNDARY}\r\nContent-Disposition: {disposition}\r\n\r\n").encode() + body + b"\r\n"


class TrackedBody:
    """A multipart body sent as a stream: the JSON parts, then a large file part in 64 KiB
    chunks. Counts how many chunks the server pulled, i.e. how far it read."""

    def __init__(
        self,
        operations: dict[str, Any],
        file_map: dict[str, list[str]] | None = None,
        *,
        file_chunks: int = 64,
    ) -> None:
        self.head = _part("operations", json.dumps(operations).encode())
        self.head += _part("map", json.dumps(file_map or {"0": ["variables.file"]}).encode())
        self.file_chunks = file_chunks
        self.pulled = 0

    def __aiter__(self) -> AsyncIterator[bytes]:
        return self._chunks()

    async def _chunks(self) -> AsyncIterator[bytes]:
        self.pulled += 1
        yield self.head
        self.pulled += 1
        yield (
            f'--{BOUNDARY}\r\nContent-Disposition: form-data; name="0"; filename="big.zip"\r\n\r\n'
        ).encode()
        for _ in range(self.file_chunks):
            self.pulled += 1
            yield b"x" * 65536
        self.pulled += 1
        yield f"\r\n--{BOUNDARY}--\r\n".encode()

    @property
    def total_chunks(self) -> int:
        return self.file_chunks + 3


def _spooled(stack: Stack) -> list[str]:
    return [p.name for p in stack.settings.spool_dir.rglob("upload-*")]


async def _send_multipart(
    stack: Stack, body: Any, headers: dict[str, str] | None = None
) -> httpx.Response:
    return await stack.client.post(
        "/graphql",
        content=body,
        headers={"content-type": f"multipart/form-data; boundary={BOUNDARY}", **(headers or {})},
    )


@pytest.mark.parametrize("credential", ["none", "garbage-jwt", "garbage-api-token"])
async def test_anonymous_multipart_is_refused_before_the_body_is_read(
    stack: Stack, credential: str
) -> None:
    headers = {
        "none": {},
        "garbage-jwt": {"Authorization": "Bearer not.a.jwt"},
        "garbage-api-token": {"Authorization": "Bearer tbr_" + "A" * 40},
    }[credential]
    body = TrackedBody(
        {
            "query": PUBLISH,
            "variables": {"package": "p", "input": {"version": "1.0.0"}, "file": None},
        }
    )
    response = await _send_multipart(stack, body, headers)
    assert response.status_code == 401, response.text
    assert response.headers["www-authenticate"] == "Bearer"
    assert response.json()["errors"][0]["extensions"]["code"] == "not_authenticated"
    assert body.pulled == 0  # not one byte of the body was read
    assert _spooled(stack) == []


@pytest.mark.parametrize(
    "query",
    [
        "{ __typename }",
        "query { packages(first: 1) { totalCount } }",
        'mutation { createPackage(input: {name: "x"}) { errors { code } } }',
        # An upload mutation next to another mutation is not an upload-only operation.
        'mutation($file: Upload!) { a: publishVersion(package: "p", input: {version: "1.0.0"}, '
        'file: $file) { downloadUrl } createPackage(input: {name: "x"}) { errors { code } } }',
        # The operation run is the non-upload one.
        'mutation Up($file: Upload!) { publishVersion(package: "p", input: {version: "1.0.0"}, '
        "file: $file) { downloadUrl } } query Other { __typename }",
    ],
)
async def test_multipart_for_a_non_upload_operation_is_refused_before_spooling(
    stack: Stack, query: str
) -> None:
    await make_publisher("u1", "team")
    operations: dict[str, Any] = {"query": query, "variables": {"file": None}}
    if "query Other" in query:
        operations["operationName"] = "Other"
    body = TrackedBody(operations)
    response = await _send_multipart(stack, body, bearer("u1"))
    assert response.status_code == 400, response.text
    assert "upload mutations" in response.json()["errors"][0]["message"]
    assert body.pulled == 1  # the operations part arrived in the first chunk; no further read
    assert _spooled(stack) == []


def test_upload_mutations_are_derived_from_the_schema() -> None:
    from graphql import build_schema

    from schema.core.uploads import UploadOperations
    from schema.schema import schema

    registry = UploadOperations.of(schema._schema, max_tokens=1000).fields
    assert {"publishVersion", "uploadArtifactBuild"} <= registry
    assert not {"createPackage", "yankVersion", "createApiToken"} & registry
    # Any schema: an Upload as an argument, inside a list, or nested in input objects counts.
    toy = build_schema("""
        scalar Upload
        input Inner { files: [Upload!] }
        input Outer { inner: Inner, note: String }
        input Loop { again: Loop, name: String }
        type Query { ok: Boolean }
        type Mutation {
          direct(file: Upload!): Boolean
          listed(files: [Upload!]!): Boolean
          nested(input: Outer!): Boolean
          plain(name: String, loop: Loop): Boolean
        }""")
    assert UploadOperations.of(toy, max_tokens=1000).fields == {"direct", "listed", "nested"}
    only_uploads = UploadOperations.of(toy, max_tokens=1000)
    only_uploads.check(
        {"query": "mutation($f: Upload!) { ...F } fragment F on Mutation { direct(file: $f) }"}
    )
    for query in (
        "mutation { plain }",
        "mutation($f: Upload!) { direct(file: $f) plain }",
        "{ ok }",
        "mutation { ...F } fragment F on Mutation { plain }",
        "mutation { ...Missing }",
        "not graphql",
    ):
        with pytest.raises(InvalidInput):
            only_uploads.check({"query": query})


async def test_an_authenticated_upload_still_streams(stack: Stack) -> None:
    await make_publisher("u1", "team")
    await create_package(stack.client, "u1", "Streamed")
    content = mod_zip("Streamed", "1.0.0")
    body = (
        _part(
            "operations",
            json.dumps(
                {
                    "query": PUBLISH,
                    "variables": {
                        "package": "Streamed",
                        "input": {"version": "1.0.0"},
                        "file": None,
                    },
                }
            ).encode(),
        )
        + _part("map", b'{"0": ["variables.file"]}')
        + _part("0", content, "s.zip")
        + f"--{BOUNDARY}--\r\n".encode()
    )
    response = await _send_multipart(stack, body, bearer("u1"))
    assert response.status_code == 200, response.text
    assert response.json()["data"]["publishVersion"]["errors"] == []
    assert _spooled(stack) == []


@pytest.mark.parametrize(
    "target",
    ["operationName", "query", "extensions", "variables", "operationName.x", "variablesX.file"],
)
async def test_files_may_only_be_mapped_into_variables(stack: Stack, target: str) -> None:
    await make_publisher("u1", "team")
    body = TrackedBody(
        {"query": PUBLISH, "variables": {"file": None}}, {"0": [target]}, file_chunks=2
    )
    response = await _send_multipart(stack, body, bearer("u1"))
    assert response.status_code == 400, response.text
    assert "may only place files into 'variables'" in response.text
    spool = str(stack.settings.spool_dir)
    assert spool not in response.text and "upload-" not in response.text
    assert _spooled(stack) == []


async def test_a_file_in_a_string_variable_does_not_reveal_where_it_was_spooled(
    stack: Stack,
) -> None:
    await make_publisher("u1", "team")
    await create_package(stack.client, "u1", "Spooled")
    body = (
        _part(
            "operations",
            json.dumps(
                {
                    "query": PUBLISH,
                    "variables": {"package": None, "input": {"version": "1.0.0"}, "file": None},
                }
            ).encode(),
        )
        + _part("map", b'{"0": ["variables.file"], "1": ["variables.package"]}')
        + _part("0", mod_zip("Spooled", "1.0.0"), "s.zip")
        + _part("1", b"xyz", "p.zip")
        + f"--{BOUNDARY}--\r\n".encode()
    )
    response = await _send_multipart(stack, body, bearer("u1"))
    assert response.status_code in (200, 400) and response.json()["errors"]
    assert str(stack.settings.spool_dir) not in response.text
    assert "upload-" not in response.text and "/tmp" not in response.text
    assert _spooled(stack) == []


@pytest.mark.parametrize("where", ["version", "changelog", "filename", "field-name"])
async def test_unstorable_text_in_multipart_form_parts_is_a_400(stack: Stack, where: str) -> None:
    await make_publisher("u1", "team")
    await create_package(stack.client, "u1", "Formed")
    fields = {"version": "1.0.0", "changelog": "fine"}
    filename = "f.zip"
    if where in fields:
        fields[where] = "bad\x00text"
    elif where == "filename":
        filename = "f\x00.zip"
    else:
        fields["odd\x00name"] = "1"
    # Built by hand: httpx would percent-encode a NUL in a part's name or file name.
    form = b"".join(_part(name, value.encode()) for name, value in fields.items())
    form += _part("file", mod_zip("Formed", "1.0.0"), filename) + f"--{BOUNDARY}--\r\n".encode()
    rest = await stack.client.post(
        "/api/v1/packages/Formed/versions",
        content=form,
        headers={**bearer("u1"), "content-type": f"multipart/form-data; boundary={BOUNDARY}"},
    )
    assert rest.status_code == 400, rest.text
    assert "NUL character" in rest.json()["detail"]
    if where == "filename":  # GraphQL multipart file parts are checked alike
        body = (
            _part(
                "operations",
                json.dumps(
                    {
                        "query": PUBLISH,
                        "variables": {
                            "package": "Formed",
                            "input": {"version": "1.0.0"},
                            "file": None,
                        },
                    }
                ).encode(),
            )
            + _part("map", b'{"0": ["variables.file"]}')
            + _part("0", b"PK", filename)
            + f"--{BOUNDARY}--\r\n".encode()
        )
        graphql = await _send_multipart(stack, body, bearer("u1"))
        assert graphql.status_code == 400 and "NUL character" in graphql.text
    assert _spooled(stack) == []


def _nested(depth: int) -> str:
    """JSON text of objects and arrays nested `depth` levels (json.dumps itself would recurse)."""
    return '{"a": [' * depth + '"leaf"' + "]}" * depth


@pytest.mark.parametrize("depth", [40, 400, 5000])
async def test_deeply_nested_variables_are_a_400_without_a_log_flood(
    stack: Stack, caplog: pytest.LogCaptureFixture, depth: int
) -> None:
    await make_publisher("u1", "team")
    caplog.set_level(logging.DEBUG)
    body = TrackedBody({"query": PUBLISH}, file_chunks=1)
    body.head = _part(
        "operations",
        (
            '{"query": ' + json.dumps(PUBLISH) + ', "variables": '
            '{"package": "p", "file": null, "input": ' + _nested(depth) + "}}"
        ).encode(),
    ) + _part("map", b'{"0": ["variables.file"]}')
    multipart = await _send_multipart(stack, body, bearer("u1"))
    plain = await stack.client.post(
        "/graphql",
        headers={**bearer("u1"), "content-type": "application/json"},
        content=(
            '{"query": "query($v: String) { __typename }", "variables": {"v": '
            + _nested(depth)
            + "}}"
        ),
    )
    for response in (multipart, plain):
        assert response.status_code in (200, 400), response.text
        assert "errors" in response.json() and "Internal" not in response.text
    if depth > 64:  # domain.jsontext.MAX_JSON_DEPTH
        assert multipart.status_code == 400 and "nested too deeply" in multipart.text
        assert plain.status_code == 400
    assert "RecursionError" not in caplog.text
    assert not [r for r in caplog.records if r.levelno >= logging.ERROR]
    assert len(caplog.records) < 50
    assert _spooled(stack) == []


# --- Host header (finding 11) -------------------------------------------------------------------


@pytest.fixture
async def feature(stack: Stack) -> str:
    """A published feature package; returns its file path."""
    await make_publisher("f1", "features")
    await create_package(stack.client, "f1", "tbv2-feature-web", package_type="library")
    uploaded = await upload_version(
        stack.client, "f1", "tbv2-feature-web", "1.0.0", feature_zip("web", "1.0.0")
    )
    assert uploaded.status_code == 201, uploaded.text
    await stack.drain_jobs()
    return "/api/v1/packages/tbv2-feature-web/versions/1.0.0/file"


HOST_VARIANTS = [
    {"Host": ATTACKER},
    {"Host": f"{ATTACKER}:4025"},
    {"Host": f"testserver.{ATTACKER}"},
    {"Host": f"testserver@{ATTACKER}"},
    {"Host": f"{ATTACKER}/testserver"},
    {"Host": "TESTSERVER:80 " + ATTACKER},
    {"Host": "testserver", "X-Forwarded-Host": ATTACKER},
    {"Host": "testserver", "X-Forwarded-Server": ATTACKER, "Forwarded": f"host={ATTACKER}"},
]


@pytest.mark.parametrize("headers", HOST_VARIANTS)
async def test_no_response_names_a_host_that_is_not_allowed(
    stack: Stack, feature: str, headers: dict[str, str]
) -> None:
    client = stack.client
    redirect = await client.get("/features/web-latest.zip", headers=headers)
    assert redirect.status_code == 302
    location = redirect.headers["location"]
    assert ATTACKER not in location
    # The redirect resolves, against the URL asked for, to the file (urllib follows it).
    resolved = urljoin("http://testserver/prefix/features/web-latest.zip", location)
    assert resolved.endswith("/prefix" + feature) or resolved == "http://testserver" + feature

    latest = await client.get("/api/v1/features/tbv2-feature-web/latest", headers=headers)
    if latest.status_code == 200:  # only where the Host is allowed: then it is testserver's
        assert latest.json()["download_url"] == "http://testserver" + feature
    else:
        assert latest.status_code == 400 and "PUBLIC_BASE_URL" in latest.json()["detail"]
    for path in (
        "/api/v1/packages/tbv2-feature-web",
        "/api/v1/packages/tbv2-feature-web/versions/1.0.0",
        "/api/v1/search?q=web",
        "/api/v1/versions?names=tbv2-feature-web",
        "/api/v1/packages/tbv2-feature-web/versions/1.0.0/download",
        "/api/v1/openapi.json",
        "/api/v1/nothing-here",
        "/graphql?query={__typename}",
    ):
        response = await client.get(path, headers=headers)
        assert response.status_code < 500, (path, response.text)
        assert ATTACKER not in response.text, path
        assert all(ATTACKER not in value for value in response.headers.values()), path
    resolved_deps = await client.post(
        "/api/v1/resolve", headers=headers, json={"requirements": ["tbv2-feature-web"]}
    )
    assert ATTACKER not in resolved_deps.text


async def test_allowed_hosts_and_public_base_url_decide_the_absolute_origin(
    stack: Stack, feature: str
) -> None:
    client = stack.client
    allowed = await client.get(
        "/api/v1/features/tbv2-feature-web/latest", headers={"Host": "TestServer:8080"}
    )
    assert allowed.json()["download_url"] == "http://testserver:8080" + feature
    redirect = await client.get("/features/web-latest.zip")
    assert redirect.headers["location"] == "http://testserver" + feature  # contract §4.11

    ctx = stack.ctx
    original = ctx.policy
    ctx.policy = replace(original, public_base_url="https://registry.example/prefix")
    try:
        for headers in HOST_VARIANTS:
            body = (
                await client.get("/api/v1/features/tbv2-feature-web/latest", headers=headers)
            ).json()
            assert body["download_url"] == "https://registry.example/prefix" + feature
            moved = await client.get("/features/web-latest.zip", headers=headers)
            assert moved.headers["location"] == "https://registry.example/prefix" + feature
    finally:
        ctx.policy = original
    refused = await client.get(
        "/api/v1/features/tbv2-feature-web/latest", headers={"Host": ATTACKER}
    )
    assert refused.status_code == 400  # a list is set: nothing outside it is named
    ctx.policy = replace(original, allowed_hosts=())
    try:
        # Nothing listed: the contract (§4.11) makes this JSON absolute from the request's own
        # scheme and host, so it names a well-formed Host, uncacheably; a malformed one is 400.
        for host in (ATTACKER, f"{ATTACKER}:8080"):
            own = await client.get(
                "/api/v1/features/tbv2-feature-web/latest", headers={"Host": host}
            )
            assert own.json()["download_url"] == f"http://{host}" + feature
            assert own.headers["cache-control"] == "no-store"
        for headers in HOST_VARIANTS[3:6]:  # not a host[:port]
            malformed = await client.get(
                "/api/v1/features/tbv2-feature-web/latest", headers=headers
            )
            assert malformed.status_code == 400 and ATTACKER not in malformed.text
        # Redirects never name an unlisted Host.
        for headers in HOST_VARIANTS:
            relative = await client.get("/features/web-latest.zip", headers=headers)
            assert relative.headers["location"] == ".." + feature
    finally:
        ctx.policy = original


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


async def _raw_request(port: int, request: bytes) -> bytes:
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    try:
        writer.write(request)
        await writer.drain()
        return await asyncio.wait_for(reader.read(65536), 10)
    finally:
        writer.close()


async def test_absolute_form_request_targets_do_not_set_the_host(
    stack: Stack, feature: str
) -> None:
    """Over a real socket (uvicorn), where a request line may carry an absolute URL."""
    app = create_app(stack.settings, runtime=stack.runtime)
    port = _free_port()
    server = uvicorn.Server(
        uvicorn.Config(app, host="127.0.0.1", port=port, lifespan="off", log_level="warning")
    )
    serving = asyncio.create_task(server.serve())
    try:
        for _ in range(100):
            if server.started:
                break
            await asyncio.sleep(0.05)
        for target, host in (
            (f"http://{ATTACKER}/features/web-latest.zip", ATTACKER),
            (f"http://{ATTACKER}/features/web-latest.zip", "testserver"),
            (f"http://{ATTACKER}/api/v1/features/tbv2-feature-web/latest", ATTACKER),
        ):
            raw = await _raw_request(
                port,
                (f"GET {target} HTTP/1.1\r\nHost: {host}\r\nConnection: close\r\n\r\n").encode(),
            )
            assert raw.startswith(b"HTTP/1.1 "), raw[:80]
            assert int(raw[9:12]) < 500, raw[:200]
            assert ATTACKER.encode() not in raw, raw
    finally:
        server.should_exit = True
        await serving


# --- control characters and huge numbers (finding 14) -------------------------------------------

BAD_TEXT = {
    "nul": "a\x00b",
    "nul-alone": "\x00",
    "soh": "\x01",
    "newline": "a\nb",
    "esc": "\x1b[31m",
    "del": "\x7f",
    "c1": "\x85",
}
HUGE_NUMBERS = {
    "digits": "9" * 5000,
    "exp": "1e999",
    "neg-digits": "-" + "9" * 5000,
    "int64": str(2**63),
    "float": "1.5",
    "nan": "NaN",
}
# Parameters every route gets, documented or not, so an undocumented one is probed too.
GENERIC_QUERY = ("page", "per_page", "q", "limit", "names", "platform", "architecture")


def _all_routes(routes: list[BaseRoute], prefix: str = "") -> Iterator[tuple[str, str]]:
    for route in routes:
        if isinstance(route, Mount):
            if isinstance(getattr(route, "app", None), object) and hasattr(route.app, "routes"):
                yield from _all_routes(route.app.routes, prefix + route.path)
        elif isinstance(route, Route):
            for method in sorted(route.methods or {"GET"}):
                if method != "HEAD":
                    yield method, prefix + route.path


def _fill(template: str, values: dict[str, str]) -> str:
    return re.sub(
        r"\{(\w+)(?::\w+)?\}", lambda m: quote(values.get(m.group(1), "x"), safe=""), template
    )


FILLERS = {
    "name": "demo",
    "package": "demo",
    "version": "1.0.0",
    "slug": "team",
    "platform": "linux",
    "architecture": "x86_64",
}


@pytest.fixture
async def world(stack: Stack) -> dict[str, Any]:
    """A package with a version, an owner, and the documented query parameters per route."""
    await make_publisher("u1", "team")
    await create_package(stack.client, "u1", "demo")
    uploaded = await upload_version(stack.client, "u1", "demo", "1.0.0", mod_zip("demo", "1.0.0"))
    assert uploaded.status_code == 201, uploaded.text
    await stack.drain_jobs()
    document = (await stack.client.get("/api/v1/openapi.json")).json()
    documented: dict[tuple[str, str], list[str]] = {}
    for path, operations in document["paths"].items():
        for method, operation in operations.items():
            documented[(method.upper(), path)] = [
                p["name"] for p in operation.get("parameters", []) if p["in"] == "query"
            ]
    return {"documented": documented}


def _documented(world: dict[str, Any], method: str, template: str) -> list[str]:
    documented = world["documented"]
    return list(
        documented.get((method, template))
        or documented.get((method, template.removeprefix("/api/v1")))
        or []
    )


def _routes(stack: Stack) -> list[tuple[str, str]]:
    app = create_app(stack.settings, runtime=stack.runtime)
    routes = sorted(set(_all_routes(app.routes)))
    assert ("GET", "/api/v1/packages/{name}") in routes and len(routes) > 30
    return routes


@pytest.fixture
async def unlimited(stack: Stack) -> AsyncIterator[httpx.AsyncClient]:
    """The app without rate limits: these probes send thousands of requests."""
    app = create_app(replace(stack.settings, rate_limit_enabled=False), runtime=stack.runtime)
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=app), base_url="http://testserver"
    ) as client:
        yield client


async def test_control_characters_in_any_path_or_query_parameter_are_a_400(
    stack: Stack, world: dict[str, Any], unlimited: httpx.AsyncClient
) -> None:
    failures = []
    for method, template in _routes(stack):
        query_names = _documented(world, method, template)
        query_names += [n for n in GENERIC_QUERY if n not in query_names]
        params = re.findall(r"\{(\w+)", template)
        for label, bad in BAD_TEXT.items():
            urls = [_fill(template, {**FILLERS, param: bad}) for param in params]
            base = _fill(template, FILLERS)
            if template == "/graphql" and "nul" not in label:
                continue  # GraphQL documents over GET keep line breaks: only NUL is refused
            urls += [f"{base}?{quote(name)}={quote(bad)}" for name in query_names]
            urls.append(f"{base}?{quote(bad)}=1")
            for url in urls:
                for headers in ({}, bearer("u1")):
                    response = await unlimited.request(method, url, headers=headers)
                    ok = response.status_code == 400 and isinstance(
                        response.json().get("detail", response.json().get("errors")), str | list
                    )
                    if not ok:
                        failures.append(
                            (method, url, label, response.status_code, response.text[:120])
                        )
    assert failures == []


async def test_huge_numbers_in_any_path_or_query_parameter_are_never_a_500(
    stack: Stack, world: dict[str, Any], unlimited: httpx.AsyncClient
) -> None:
    failures = []
    for method, template in _routes(stack):
        query_names = _documented(world, method, template)
        query_names += [n for n in GENERIC_QUERY if n not in query_names]
        params = re.findall(r"\{(\w+)", template)
        for huge in HUGE_NUMBERS.values():
            urls = [_fill(template, {**FILLERS, param: huge}) for param in params]
            base = _fill(template, FILLERS)
            urls += [f"{base}?{quote(name)}={quote(huge)}" for name in query_names]
            for url in urls:
                response = await unlimited.request(method, url, headers=bearer("u1"))
                if response.status_code >= 500:
                    failures.append((method, url[:120], response.status_code, response.text[:120]))
    assert failures == []


async def test_huge_page_numbers_are_refused_or_clamped(
    stack: Stack, world: dict[str, Any]
) -> None:
    client = stack.client
    too_far = await client.get("/api/v1/packages", params={"page": "9" * 5000})
    assert too_far.status_code == 400 and "9" * 50 not in too_far.text
    clamped = await client.get("/api/v1/packages", params={"per_page": "9" * 5000})
    assert clamped.status_code == 200 and clamped.json()["per_page"] == 100
    for value in ("1e999", "-" + "9" * 5000, "1.5", "0x10"):
        assert (await client.get("/api/v1/packages", params={"page": value})).status_code == 400


@pytest.mark.parametrize(
    "header,status,body",
    [
        ("bytes=" + "9" * 5000 + "-", 416, None),
        ("bytes=" + "9" * 5000 + "-" + "9" * 5000, 416, None),
        ("bytes=0-" + "9" * 5000, 206, slice(0, None)),
        ("bytes=-" + "9" * 5000, 206, slice(0, None)),
        ("bytes=10-" + "9" * 30, 206, slice(10, None)),
        ("bytes=-" + "0" * 5000, 416, None),
        ("bytes=" + "0" * 5000 + "-" + "0" * 4999 + "9", 206, slice(0, 10)),
        ("bytes=0-1,5-9", 416, None),
        ("bytes=\u0661-\u0662", 416, None),  # Arabic-Indic digits are not HTTP digits
    ],
)
async def test_range_positions_of_any_length(
    stack: Stack, world: dict[str, Any], header: str, status: int, body: slice | None
) -> None:
    url = "/api/v1/packages/demo/versions/1.0.0/file"
    whole = (await stack.client.get(url)).content
    response = await stack.client.get(url, headers={"Range": header.encode("utf-8")})
    assert response.status_code == status, response.text[:200]
    if body is not None:
        assert response.content == whole[body]
        assert response.headers["content-range"].endswith(f"/{len(whole)}")
    else:
        assert response.headers["content-range"] == f"bytes */{len(whole)}"


@pytest.mark.parametrize("value", ["a\u0000b", "\ud800", "x\udfff"])
async def test_unstorable_strings_in_json_bodies_and_graphql_are_refused(
    stack: Stack, world: dict[str, Any], value: str
) -> None:
    client = stack.client
    encoded = json.dumps(value)  # keeps the escape: "\u0000", "\ud800"
    for path, body in (
        ("/api/v1/resolve", '{"requirements": [' + encoded + "]}"),
        ("/api/v1/updates", '{"items": [{"name": ' + encoded + ', "version": "1.0.0"}]}'),
        ("/api/v1/packages", '{"name": "ok-name", "description": ' + encoded + "}"),
        ("/api/v1/packages/demo", '{"description": ' + encoded + "}"),
    ):
        for method in ("POST", "PATCH"):
            response = await client.request(
                method,
                path,
                content=body,
                headers={**bearer("u1"), "content-type": "application/json"},
            )
            if response.status_code in (404, 405):
                continue
            assert response.status_code == 400, (method, path, response.text)
            assert "NUL character or an invalid Unicode code point" in response.json()["detail"]
    literal = value.encode("unicode_escape").decode().replace("\\x00", "\\u0000")
    graphql_cases = [
        {"query": 'query { package(name: "' + literal + '") { name } }'},
        {"query": "query($n: String!) { package(name: $n) { name } }", "variables": {"n": value}},
        {
            "query": "query($n: [String!]!) { latestVersions(names: $n) { __typename } }",
            "variables": {"n": ["demo", value]},
        },
    ]
    for operation in graphql_cases:
        raw = json.dumps(operation)
        response = await client.post(
            "/graphql", content=raw, headers={"content-type": "application/json"}
        )
        assert response.status_code in (200, 400), response.text
        errors = response.json()["errors"]
        # graphql-core's lexer already refuses a surrogate escape in a literal.
        assert errors and (
            "NUL character or an invalid Unicode code point" in errors[0]["message"]
            or "Invalid Unicode escape" in errors[0]["message"]
        ), errors
    get = await client.get(
        "/graphql",
        params={
            "query": "query($n: String!) { package(name: $n) { name } }",
            "variables": json.dumps({"n": value}),
        },
    )
    assert get.status_code in (200, 400) and "Internal" not in get.text


async def test_graphql_over_get_keeps_line_breaks(stack: Stack) -> None:
    response = await stack.client.get("/graphql", params={"query": "{\n\t__typename\n}"})
    assert response.status_code == 200 and response.json()["data"] == {"__typename": "Query"}


# --- /ready (finding 15) ------------------------------------------------------------------------


def _booleans_only(details: dict[str, Any]) -> None:
    assert set(details) == {"database", "storage", "redis"}
    assert isinstance(details["database"], bool)
    assert details["redis"] is None or isinstance(details["redis"], bool)
    assert details["storage"] and all(isinstance(ok, bool) for ok in details["storage"].values())


def _secrets(stack: Stack) -> list[str]:
    spec = stack.settings.primary_storage
    values = [
        str(stack.settings.data_dir),
        str(spec.root or ""),
        spec.endpoint or "",
        spec.bucket or "",
        "free",
        "objects",
        "replication",
        "breaker",
    ]
    return [v for v in values if v]


async def _ready_admin(stack: Stack) -> dict[str, str]:
    await users.upsert_user("root", "root", "root@example.com")
    await users.set_admin("root", True)
    return bearer("root")


async def test_ready_tells_anonymous_callers_booleans_only(
    stack: Stack, world: dict[str, Any]
) -> None:
    admin = await _ready_admin(stack)
    token = await stack.client.post(
        "/api/v1/tokens", headers=admin, json={"name": "yank-only", "scopes": ["yank"]}
    )
    assert token.status_code == 201, token.text
    yank_only = {"Authorization": f"Bearer {token.json()['token']}"}
    for headers in ({}, bearer("u1"), yank_only, {"Authorization": "Bearer junk"}):
        response = await stack.client.get("/api/v1/ready", headers=headers)
        assert response.status_code == 200, response.text
        body = response.json()
        assert body["status"] == "ready" and set(body) == {"status", "details"}
        _booleans_only(body["details"])
        assert body["details"]["storage"] == {"primary": True}
        for secret in _secrets(stack):
            assert secret not in response.text, secret

    full = (await stack.client.get("/api/v1/ready", headers=admin)).json()
    assert full["status"] == "ready"
    assert full["details"]["storage"]["primary"]["kind"] in ("local", "s3")
    assert full["details"]["replication"]["objects"] == 1


async def test_ready_failures_are_generic_for_anonymous_callers(
    stack: Stack, monkeypatch: pytest.MonkeyPatch
) -> None:
    from storage.interface import HealthStatus

    store = stack.ctx.storage.primary
    secret = f"disk full at {stack.settings.data_dir}/blobs (bucket s3://secret-bucket)"

    async def broken() -> HealthStatus:
        return HealthStatus(False, secret)

    monkeypatch.setattr(store, "check", broken)
    anonymous = await stack.client.get("/api/v1/ready")
    assert anonymous.status_code == 503
    body = anonymous.json()
    assert body["status"] == "not_ready" and body["errors"] == ["storage primary unavailable"]
    assert body["detail"] == "Not ready: storage primary unavailable"
    _booleans_only(body["details"])
    assert body["details"]["storage"] == {"primary": False}
    assert "secret" not in anonymous.text and str(stack.settings.data_dir) not in anonymous.text

    admin = await stack.client.get("/api/v1/ready", headers=await _ready_admin(stack))
    assert admin.status_code == 503 and secret in admin.json()["errors"][0]


async def test_ready_is_rate_limited_and_health_is_not(stack: Stack) -> None:
    assert "/api/v1/ready" not in EXEMPT_PATHS
    assert {"/health", "/api/v1/health"} <= EXEMPT_PATHS
    ready = await stack.client.get("/api/v1/ready")
    assert "x-ratelimit-limit" in ready.headers
    health = await stack.client.get("/api/v1/health")
    assert "x-ratelimit-limit" not in health.headers


async def test_unstorable_strings_over_the_websocket_get_a_typed_error(
    stack: Stack, world: dict[str, Any]
) -> None:
    from tests.graphql.test_subscriptions import connect, served

    async with served(stack) as url, connect(url) as connection:
        for index, (query, variables) in enumerate(
            (
                ("query($n: String!) { package(name: $n) { name } }", {"n": "a\x00b"}),
                ('query { package(name: "a\\u0000b") { name } }', {}),
            )
        ):
            await connection.subscribe(str(index), query, variables)
            message = await connection.receive()
            assert message["type"] in ("error", "next"), message
            errors = (
                message["payload"] if message["type"] == "error" else message["payload"]["errors"]
            )
            assert "NUL character" in errors[0]["message"], message
        # The socket stays usable.
        await connection.subscribe("ok", 'query { package(name: "demo") { name } }')
        assert (await connection.receive())["payload"]["data"] == {"package": {"name": "demo"}}
