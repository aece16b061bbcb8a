"""GraphQL over HTTP (https://graphql.github.io/graphql-over-http/draft/) at /graphql: the
reference audit of the npm package graphql-http, run with node against a live server, and the
media types and status codes one by one.

The audit is vendored as one file (tests/vendor/graphql-http, rebuilt by its build.sh), so the
test needs node but no network. Under CI=true a missing node fails the test.
"""

from __future__ import annotations

import asyncio
import json
import os
import shutil
from pathlib import Path

import httpx
import pytest

from domain import changes
from registry.app import create_app
from registry.graphql.view import RegistryGraphQL
from schema.core.graphql_limits import GraphQLLimits
from schema.schema import schema
from tests.fixtures.stack import Stack, bearer
from tests.graphiql.server import serve_on_free_port

AUDIT = Path(__file__).resolve().parents[1] / "vendor" / "graphql-http" / "audit.bundle.mjs"
AUDIT_TIMEOUT_SECONDS = 120


def _node() -> str:
    node = shutil.which("node")
    if node is None:
        if os.environ.get("CI") == "true":
            pytest.fail("node is required for the graphql-http audit (CI=true)")
        pytest.skip("node is not installed")
    return node


async def _audit(url: str) -> list[dict[str, str | None]]:
    process = await asyncio.create_subprocess_exec(
        _node(),
        str(AUDIT),
        url,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    try:
        async with asyncio.timeout(AUDIT_TIMEOUT_SECONDS):
            out, err = await process.communicate()
    except TimeoutError:
        process.kill()
        await process.wait()
        raise
    assert process.returncode == 0, err.decode()
    results: list[dict[str, str | None]] = json.loads(out)
    return results


async def test_graphql_http_audit_reports_no_error_and_no_warning(stack: Stack) -> None:
    app = create_app(stack.settings, runtime=stack.runtime)
    async with serve_on_free_port(app) as base_url:
        results = await _audit(f"{base_url}/graphql")
    assert len(results) > 50  # the whole audit ran
    problems = [r for r in results if r["status"] in ("warn", "error")]
    assert problems == [], json.dumps(problems, indent=1)


GRAPHQL_RESPONSE = "application/graphql-response+json"
QUERY = "query Total { packages(first: 1) { totalCount } }"


async def _post(stack: Stack, body: object, accept: str | None) -> httpx.Response:
    headers = {"Accept": accept} if accept else {}
    return await stack.client.post("/graphql", json=body, headers=headers)


@pytest.mark.parametrize(
    ("accept", "media"),
    [
        (None, "application/json"),
        ("*/*", "application/json"),
        ("application/json", "application/json"),
        ("text/html", "application/json"),
        (GRAPHQL_RESPONSE, GRAPHQL_RESPONSE),
        (f"{GRAPHQL_RESPONSE}, application/json;q=0.9", GRAPHQL_RESPONSE),
        (f"application/json, {GRAPHQL_RESPONSE}", GRAPHQL_RESPONSE),
        (f"{GRAPHQL_RESPONSE};q=0.5, application/json", "application/json"),
        (f"{GRAPHQL_RESPONSE};q=0", "application/json"),
    ],
)
async def test_accept_header_picks_the_media_type(
    stack: Stack, accept: str | None, media: str
) -> None:
    response = await _post(stack, {"query": QUERY}, accept)
    assert response.status_code == 200
    assert response.headers["content-type"].split(";")[0] == media
    assert response.json() == {"data": {"packages": {"totalCount": 0}}}


@pytest.mark.parametrize(
    "body",
    [
        {"query": "{ packages(first: 1) { totalCount }"},  # does not parse
        {"query": "{ noSuchField }"},  # does not validate
        {"query": "query($n: Int!) { packages(first: $n) { totalCount } }", "variables": {}},
        {
            "query": "query($n: Int!) { packages(first: $n) { totalCount } }",
            "variables": {"n": "many"},
        },
    ],
    ids=["parse", "validation", "missing-variable", "variable-coercion"],
)
async def test_request_errors_are_400_without_data_only_in_the_new_media_type(
    stack: Stack, body: dict[str, object]
) -> None:
    fresh = await _post(stack, body, GRAPHQL_RESPONSE)
    assert fresh.status_code == 400
    assert fresh.headers["content-type"] == f"{GRAPHQL_RESPONSE}; charset=utf-8"
    assert "data" not in fresh.json()
    assert fresh.json()["errors"]

    legacy = await _post(stack, body, "application/json")
    assert legacy.status_code == 200
    assert legacy.headers["content-type"] == "application/json"
    assert legacy.json()["data"] is None
    # The same errors, each naming its own request.
    assert _without_request_id(legacy) == _without_request_id(fresh)


def _without_request_id(response: httpx.Response) -> list[dict[str, object]]:
    errors = response.json()["errors"]
    for error in errors:
        assert error["extensions"].pop("requestId") == response.headers["x-request-id"]
    return errors


async def test_field_errors_keep_status_200_and_data(stack: Stack) -> None:
    # An execution that started keeps `data`, even in the new media type.
    response = await _post(
        stack, {"query": '{ package(name: "missing") { name } }'}, GRAPHQL_RESPONSE
    )
    assert response.status_code == 200
    assert "data" in response.json()


async def test_transport_refusals_use_the_negotiated_media_type(stack: Stack) -> None:
    response = await stack.client.post(
        "/graphql",
        content=b"{not json",
        headers={"Content-Type": "application/json", "Accept": GRAPHQL_RESPONSE},
    )
    assert response.status_code == 400
    assert response.headers["content-type"].startswith(GRAPHQL_RESPONSE)
    assert "data" not in response.json()


# --- GET ---------------------------------------------------------------------------------------


async def test_get_runs_a_query_with_variables_and_operation_name(stack: Stack) -> None:
    response = await stack.client.get(
        "/graphql",
        params={
            "query": "query Total($n: Int!) { packages(first: $n) { totalCount } }\n"
            "query Other { __typename }",
            "variables": json.dumps({"n": 1}),
            "operationName": "Total",
        },
        headers={"Accept": "application/json"},
    )
    assert response.status_code == 200
    assert response.json() == {"data": {"packages": {"totalCount": 0}}}
    assert response.headers["cache-control"] == "public, max-age=10"
    assert "Authorization" in response.headers["vary"]
    assert "Accept" in response.headers["vary"]


async def test_get_too_long_for_the_answer_cache_is_still_public(stack: Stack) -> None:
    query = QUERY + " #" + "x" * 3000  # past MAX_CACHED_REQUEST_BYTES: runs every time
    response = await stack.client.get(
        "/graphql", params={"query": query}, headers={"Accept": "application/json"}
    )
    assert response.json() == {"data": {"packages": {"totalCount": 0}}}
    assert response.headers["cache-control"] == "public, max-age=10"
    assert "etag" not in response.headers  # no cache entry names this answer


async def test_mutation_over_get_is_405(stack: Stack) -> None:
    for accept in ("application/json", GRAPHQL_RESPONSE):
        response = await stack.client.get(
            "/graphql",
            params={"query": 'mutation { createPackage(input: {name: "x"}) { errors { code } } }'},
            headers={"Accept": accept},
        )
        assert response.status_code == 405
        assert response.headers["allow"] == "POST"
        assert response.headers["cache-control"] == "no-store"
        assert response.headers["content-type"].startswith(accept)


async def test_get_answers_for_a_caller_are_private(stack: Stack) -> None:
    response = await stack.client.get(
        "/graphql",
        params={"query": QUERY},
        headers={"Accept": "application/json", **bearer("alice")},
    )
    assert response.status_code == 200
    assert response.headers["cache-control"] == "private, no-store"
    assert "etag" not in response.headers


async def test_a_shared_answer_to_a_caller_stays_private(stack: Stack) -> None:
    # A reader is answered from the anonymous caller's entry (registry/graphql/answers.py),
    # but as a caller's answer: never public, no ETag, no 304 for the anonymous ETag.
    params = {"query": QUERY}
    anonymous = await stack.client.get(
        "/graphql", params=params, headers={"Accept": "application/json"}
    )
    etag = anonymous.headers["etag"]
    for _ in range(2):
        reader = await stack.client.get(
            "/graphql",
            params=params,
            headers={"Accept": "application/json", "If-None-Match": etag, **bearer("bob")},
        )
        assert reader.status_code == 200 and reader.content == anonymous.content
        assert reader.headers["cache-control"] == "private, no-store"
        assert "etag" not in reader.headers


async def test_get_errors_are_not_kept(stack: Stack) -> None:
    response = await stack.client.get(
        "/graphql", params={"query": "{ noSuchField }"}, headers={"Accept": "application/json"}
    )
    assert response.status_code == 200
    assert response.headers["cache-control"] == "no-store"
    assert "etag" not in response.headers


async def test_get_etag_revalidates_until_a_write(stack: Stack) -> None:
    params = {"query": QUERY}
    headers = {"Accept": "application/json"}
    first = await stack.client.get("/graphql", params=params, headers=headers)
    etag = first.headers["etag"]
    # The second is answered from the anonymous answer cache, with the same ETag.
    second = await stack.client.get("/graphql", params=params, headers=headers)
    assert second.headers["etag"] == etag
    assert second.content == first.content
    revalidated = await stack.client.get(
        "/graphql", params=params, headers={**headers, "If-None-Match": etag}
    )
    assert revalidated.status_code == 304
    assert revalidated.content == b""
    assert revalidated.headers["etag"] == etag
    assert revalidated.headers["cache-control"] == "public, max-age=10"
    # Another media type is another representation.
    other = await stack.client.get(
        "/graphql", params=params, headers={"Accept": GRAPHQL_RESPONSE, "If-None-Match": etag}
    )
    assert other.status_code == 200
    assert other.headers["etag"] != etag
    # A committed write changes every answer's ETag.
    changes.announce()
    after = await stack.client.get(
        "/graphql", params=params, headers={**headers, "If-None-Match": etag}
    )
    assert after.status_code == 200
    assert after.headers["etag"] != etag


async def test_get_url_is_bounded() -> None:
    # The URL's query is checked against the body limit before anything parses it.
    view = RegistryGraphQL(schema, GraphQLLimits(max_body_bytes=512))
    transport = httpx.ASGITransport(app=view)
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as client:
        response = await client.get("/graphql", params={"query": "{" + " " * 600 + "}"})
    assert response.status_code == 414
    assert response.json()["errors"][0]["extensions"]["code"] == "too_large"
