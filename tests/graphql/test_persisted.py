"""Automatic persisted queries at /graphql (registry/graphql/persisted.py): Apollo's protocol
over POST and GET, the per-process LRU store, and the UI build's manifest."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import httpx
import pytest

from registry.graphql.persisted import (
    PersistedQueries,
    PersistedQueryNotFound,
    PersistedQueryRefused,
    document_hash,
    load_manifest,
)
from registry.graphql.view import RegistryGraphQL
from schema.core.graphql_limits import GraphQLLimits
from schema.schema import schema
from tests.fixtures.stack import Stack, bearer

GRAPHQL_RESPONSE = "application/graphql-response+json"
QUERY = "query Total($n: Int!) { packages(first: $n) { totalCount } }"
ANSWER = {"data": {"packages": {"totalCount": 0}}}


def _persisted(digest: str) -> dict[str, Any]:
    return {"persistedQuery": {"version": 1, "sha256Hash": digest}}


async def test_unknown_hash_asks_for_the_text_then_the_hash_alone_runs(stack: Stack) -> None:
    digest = document_hash(QUERY)
    hash_only = {"variables": {"n": 1}, "extensions": _persisted(digest)}
    missing = await stack.client.post("/graphql", json=hash_only)
    assert missing.status_code == 200  # what Apollo clients expect in application/json
    assert missing.json() == {
        "errors": [
            {
                "message": "PersistedQueryNotFound",
                "extensions": {
                    "code": "PERSISTED_QUERY_NOT_FOUND",
                    "requestId": missing.headers["x-request-id"],
                },
            }
        ]
    }
    assert missing.headers["cache-control"] == "no-store"

    registered = await stack.client.post("/graphql", json={**hash_only, "query": QUERY})
    assert registered.json() == ANSWER
    again = await stack.client.post("/graphql", json=hash_only)
    assert again.json() == ANSWER


async def test_unknown_hash_is_404_in_the_new_media_type(stack: Stack) -> None:
    body = {"extensions": _persisted(document_hash("{ __typename }"))}
    missing = await stack.client.post("/graphql", json=body, headers={"Accept": GRAPHQL_RESPONSE})
    assert missing.status_code == 404
    assert missing.headers["content-type"].startswith(GRAPHQL_RESPONSE)
    assert missing.json()["errors"][0]["extensions"]["code"] == "PERSISTED_QUERY_NOT_FOUND"
    assert "data" not in missing.json()


@pytest.mark.parametrize(
    ("extensions", "code"),
    [
        (_persisted(document_hash("{ __typename }")), "persisted_query_hash_mismatch"),
        ({"persistedQuery": {"version": 2, "sha256Hash": document_hash(QUERY)}}, "bad_request"),
        ({"persistedQuery": {"version": 1, "sha256Hash": "abc"}}, "bad_request"),
        ({"persistedQuery": {"version": 1}}, "bad_request"),
        ({"persistedQuery": "yes"}, "bad_request"),
    ],
    ids=["mismatch", "version", "short-hash", "no-hash", "not-an-object"],
)
async def test_bad_persisted_query_extensions_are_400(
    stack: Stack, extensions: dict[str, Any], code: str
) -> None:
    for accept in ("application/json", GRAPHQL_RESPONSE):
        response = await stack.client.post(
            "/graphql",
            json={"query": QUERY, "variables": {"n": 1}, "extensions": extensions},
            headers={"Accept": accept},
        )
        assert response.status_code == 400, response.text
        assert response.json()["errors"][0]["extensions"]["code"] == code
    # A mismatching text was not stored under the hash it claimed.
    if code == "persisted_query_hash_mismatch":
        missing = await stack.client.post("/graphql", json={"extensions": extensions})
        assert missing.json()["errors"][0]["message"] == "PersistedQueryNotFound"


async def test_get_with_a_hash_runs_and_is_cacheable(stack: Stack) -> None:
    query = QUERY + "  # over GET"  # the app (and its store) lives as long as the module
    digest = document_hash(query)
    params = {"variables": json.dumps({"n": 1}), "extensions": json.dumps(_persisted(digest))}
    # A browser's Accept (*/* or text/html) must not turn this GET into the GraphiQL page.
    headers = {"Accept": "text/html,*/*;q=0.8"}
    missing = await stack.client.get("/graphql", params=params, headers=headers)
    assert missing.json()["errors"][0]["extensions"]["code"] == "PERSISTED_QUERY_NOT_FOUND"
    assert missing.headers["cache-control"] == "no-store"

    registered = await stack.client.get(
        "/graphql", params={**params, "query": query}, headers=headers
    )
    assert registered.json() == ANSWER
    first = await stack.client.get("/graphql", params=params, headers=headers)
    assert first.json() == ANSWER
    assert first.headers["cache-control"] == "public, max-age=10"
    etag = first.headers["etag"]
    # Answered from the anonymous answer cache: the key holds the hash's document and the
    # variables, so other variables are another entry.
    revalidated = await stack.client.get(
        "/graphql", params=params, headers={**headers, "If-None-Match": etag}
    )
    assert revalidated.status_code == 304
    other = await stack.client.get(
        "/graphql",
        params={**params, "variables": json.dumps({"n": 2})},
        headers={**headers, "If-None-Match": etag},
    )
    assert other.status_code == 200
    assert other.headers["etag"] != etag


async def test_persisted_mutation_over_get_is_405_and_runs_over_post(stack: Stack) -> None:
    mutation = "mutation Revoke($id: ID!) { revokeApiToken(id: $id) { errors { code } } }"
    digest = document_hash(mutation)
    body = {"query": mutation, "variables": {"id": "x"}, "extensions": _persisted(digest)}
    posted = await stack.client.post("/graphql", json=body, headers=bearer("alice"))
    assert posted.status_code == 200
    response = await stack.client.get(
        "/graphql",
        params={"variables": json.dumps({"id": "x"}), "extensions": json.dumps(_persisted(digest))},
        headers={"Accept": "application/json", **bearer("alice")},
    )
    assert response.status_code == 405
    assert response.headers["cache-control"] == "private, no-store"


def test_store_is_an_lru_bounded_by_count_and_bytes() -> None:
    documents = [f"{{ a{i}: __typename }}" for i in range(5)]
    digests = [document_hash(text) for text in documents]
    store = PersistedQueries(max_entries=3, max_bytes=10_000)
    for digest, text in zip(digests[:3], documents[:3], strict=True):
        store.resolve(text, _persisted(digest))
    assert store.resolve(None, _persisted(digests[0])) == documents[0]  # now the most recent
    store.resolve(documents[3], _persisted(digests[3]))
    assert len(store) == 3
    with pytest.raises(PersistedQueryNotFound):
        store.resolve(None, _persisted(digests[1]))  # the least recently used went
    assert store.get(digests[0]) == documents[0]

    size = len(digests[0]) + len(documents[0])
    small = PersistedQueries(max_entries=100, max_bytes=2 * size)
    for digest, text in zip(digests, documents, strict=True):
        small.remember(digest, text)
    assert len(small) == 2
    assert small.stored_bytes <= 2 * size
    small.remember("f" * 64, "x" * (3 * size))  # larger than the whole budget: not kept
    assert small.get("f" * 64) is None
    with pytest.raises(PersistedQueryRefused):
        small.resolve("{ __typename }", _persisted(digests[0]))


def test_manifest_entries_are_checked_and_absence_is_fine(tmp_path: Path) -> None:
    assert load_manifest(tmp_path / "missing.json") == {}
    good = "query Home { __typename }"
    path = tmp_path / "persisted-operations.json"
    path.write_text(json.dumps({document_hash(good): good, document_hash("{ a }"): "{ b }"}))
    assert load_manifest(path) == {document_hash(good): good}
    path.write_text("[1, 2]")
    assert load_manifest(path) == {}
    path.write_text("{not json")
    assert load_manifest(path) == {}


async def test_manifest_documents_are_always_known(stack: Stack, tmp_path: Path) -> None:
    text = "query Home { __typename }"
    path = tmp_path / "persisted-operations.json"
    path.write_text(json.dumps({document_hash(text): text}))
    # Even with no room for clients' documents, the manifest's stay.
    view = RegistryGraphQL(
        schema, GraphQLLimits(), persisted=PersistedQueries(load_manifest(path), max_entries=0)
    )
    view.persisted.remember(document_hash("{ __typename }"), "{ __typename }")
    assert view.persisted.get(document_hash("{ __typename }")) is None
    app = _app_with(stack, view)
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as client:
        response = await client.post(
            "/graphql", json={"extensions": _persisted(document_hash(text))}
        )
    assert response.json() == {"data": {"__typename": "Query"}}


def _app_with(stack: Stack, view: RegistryGraphQL) -> Any:
    from starlette.applications import Starlette
    from starlette.routing import Route

    app = Starlette(routes=[Route("/graphql", endpoint=view, methods=["GET", "POST"])])
    app.state.settings = stack.settings
    app.state.runtime = stack.runtime
    return app
