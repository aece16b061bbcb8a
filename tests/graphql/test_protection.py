"""Limits that keep the endpoint safe on the internet: every oversized request is refused
before execution, without a single SQL statement."""

from __future__ import annotations

import time
from dataclasses import replace

import httpx
import pytest
from graphql import get_introspection_query

from registry.app import create_app
from schema.core.graphql_limits import GraphQLLimits
from tests.fixtures.stack import Stack
from tests.graphql.support import count_queries, execute, post


def nested_query(depth: int) -> str:
    """package -> version -> package -> version ... `depth` levels deep, cheap (no lists), so
    only the depth limit can refuse it."""
    selection = "__typename"
    for level in range(depth - 1):
        selection = (
            f"package {{ {selection} }}"
            if level % 2
            else f'version(version: "1.0.0") {{ {selection} }}'
        )
    return f'{{ package(name: "x") {{ {selection} }} }}'


OVER_COST = """{ packages(first: 100) { edges { node { name
  versions(first: 100) { version dependencies { package { versions(first: 100) { version } } } }
} } } }"""


async def test_depth_20_query_is_refused_without_touching_the_database(stack: Stack) -> None:
    with count_queries() as counter:
        response = await post(stack.client, nested_query(20))
    assert counter.count == 0, counter.statements
    errors = response.json()["errors"]
    assert "exceeds maximum operation depth of 12" in errors[0]["message"]
    assert response.json().get("data") is None


async def test_10000_alias_query_is_refused_without_touching_the_database(stack: Stack) -> None:
    query = "{ " + " ".join(f'a{i}: package(name: "p{i}") {{ name }}' for i in range(10_000)) + " }"
    started = time.perf_counter()
    with count_queries() as counter:
        response = await post(stack.client, query)
    assert counter.count == 0, counter.statements[:3]
    assert time.perf_counter() - started < 5
    assert response.json()["errors"][0]["message"].startswith(
        "Syntax Error: Document contains more than 4000 tokens"
    )


async def test_alias_limit_applies_below_the_token_limit(stack: Stack) -> None:
    query = "{ " + " ".join(f"a{i}: __typename" for i in range(60)) + " }"
    with count_queries() as counter:
        result = await execute(stack, query)
    assert counter.count == 0
    assert result.errors[0].message == "60 aliases found. Allowed: 50"


async def test_over_cost_query_is_refused_naming_cost_and_limit(stack: Stack) -> None:
    with count_queries() as counter:
        response = await post(stack.client, OVER_COST)
    assert counter.count == 0
    error = response.json()["errors"][0]
    assert error["message"] == "Query cost 110301 exceeds the maximum cost of 5000"
    assert error["extensions"] == {
        "code": "query_too_costly",
        "cost": 110301,
        "maxCost": 5000,
        "requestId": response.headers["x-request-id"],
    }


async def test_cost_follows_variables_and_argument_defaults(stack: Stack) -> None:
    query = """query Page($n: Int) { packages(first: $n) { edges { node {
        versions { dependencies { name } } } } } }"""
    small = await execute(stack, query, {"n": 2})
    assert small.errors is None
    # 100 packages x (1 + 100 default versions x 1 dependency list) > the 5000 limit.
    big = await execute(stack, query, {"n": 100})
    assert big.errors[0].message.startswith("Query cost 10")


async def test_fragment_bomb_is_refused_quickly(stack: Stack) -> None:
    fragments = "\n".join(
        f"fragment F{i} on Query {{ ...F{i + 1} ...F{i + 1} }}" for i in range(40)
    )
    query = f"query {{ ...F0 }}\n{fragments}\nfragment F40 on Query {{ __typename }}"
    started = time.perf_counter()
    with count_queries() as counter:
        result = await execute(stack, query)
    assert time.perf_counter() - started < 2
    assert counter.count == 0
    assert "expands to more than 5000 fields" in result.errors[0].message


async def test_standard_introspection_passes_every_limit(stack: Stack) -> None:
    result = await execute(
        stack, get_introspection_query(descriptions=True, input_value_deprecation=True)
    )
    assert result.errors is None
    assert result.data["__schema"]["queryType"]["name"] == "Query"


async def test_nested_introspection_is_refused(stack: Stack) -> None:
    query = "{ __schema { types { fields { type { fields { type { fields { name } } } } } } } }"
    result = await execute(stack, query)
    assert result.errors[0].message == "Maximum introspection depth exceeded"


async def test_introspection_can_be_switched_off(stack: Stack) -> None:
    result = await execute(
        stack, "{ __schema { queryType { name } } }", limits=GraphQLLimits(introspection=False)
    )
    assert result.errors and "introspection" in result.errors[0].message.lower()
    assert (
        await execute(stack, "{ __typename }", limits=GraphQLLimits(introspection=False))
    ).errors is None


async def test_get_serves_queries_but_never_mutations(stack: Stack) -> None:
    client = stack.client
    ok = await client.get("/graphql", params={"query": "{ packages { totalCount } }"})
    assert ok.status_code == 200 and ok.json() == {"data": {"packages": {"totalCount": 0}}}
    with count_queries() as counter:
        refused = await client.get(
            "/graphql", params={"query": 'mutation { deletePackage(name: "x") { deletedName } }'}
        )
    # GraphQL over HTTP: 405, and the method that would do
    assert refused.status_code == 405 and "mutations are not allowed" in refused.text.lower()
    assert refused.headers["allow"] == "POST"
    assert counter.count == 0
    for method in ("GET", "POST"):
        query = "subscription { packagePublished { version { version } } }"
        subscription = await (
            client.get("/graphql", params={"query": query})
            if method == "GET"
            else post(client, query)
        )
        assert subscription.json()["errors"][0]["message"] == (
            "Subscriptions are only available over WebSocket (graphql-transport-ws)"
        )


async def test_request_body_size_is_limited(stack: Stack) -> None:
    padding = "#" + "x" * (1024 * 1024) + "\n"
    with count_queries() as counter:
        response = await stack.client.post(
            "/graphql",
            content=f'{{"query": "{padding[:-1]}\\n{{ __typename }}"}}',
            headers={"content-type": "application/json"},
        )
    assert response.status_code == 413
    assert response.json()["errors"][0]["extensions"]["code"] == "too_large"
    assert counter.count == 0


async def test_chunked_body_over_the_limit_is_refused(stack: Stack) -> None:
    async def chunks():  # no Content-Length: the limit is enforced while reading
        yield b'{"query": "{ __typename }", "padding": "'
        for _ in range(20):
            yield b"x" * 100_000
        yield b'"}'

    response = await stack.client.post(
        "/graphql", content=chunks(), headers={"content-type": "application/json"}
    )
    assert response.status_code == 413


@pytest.fixture
async def locked_down(stack: Stack) -> httpx.AsyncClient:
    """The same registry with the IDE and introspection switched off by settings."""
    settings = replace(
        stack.settings,
        graphql_ide=False,
        graphql_introspection=False,
        graphql_max_depth=3,
        graphql_max_cost=50,
    )
    app = create_app(settings, runtime=stack.runtime)
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=app), base_url="http://testserver"
    ) as client:
        yield client


async def test_settings_switch_ide_introspection_depth_and_cost(
    stack: Stack, locked_down: httpx.AsyncClient
) -> None:
    page = await locked_down.get("/graphql", headers={"accept": "text/html"})
    assert page.status_code == 404
    introspection = await post(locked_down, "{ __schema { queryType { name } } }")
    assert "introspection" in introspection.json()["errors"][0]["message"].lower()
    deep = await post(locked_down, nested_query(5))
    assert "maximum operation depth of 3" in deep.json()["errors"][0]["message"]
    costly = await post(
        locked_down, "{ packages(first: 60) { edges { node { name publisher { name } } } } }"
    )
    assert costly.json()["errors"][0]["message"].endswith("exceeds the maximum cost of 50")
    # The default app still has them on.
    assert (await stack.client.get("/graphql", headers={"accept": "text/html"})).status_code == 200


async def test_graphiql_page_and_assets_are_served_locally(stack: Stack) -> None:
    page = await stack.client.get("/graphql", headers={"accept": "text/html"})
    assert page.status_code == 200 and "text/html" in page.headers["content-type"]
    assert "/graphql/static/graphiql.js" in page.text and "unpkg" not in page.text
    script = await stack.client.get("/graphql/static/graphiql.js")
    assert script.status_code == 200 and len(script.content) > 1000


async def test_cached_validation_still_follows_each_requests_limits(stack: Stack) -> None:
    query = nested_query(6)
    for _ in range(2):  # the second round is served from the parse/validation caches
        assert (await execute(stack, query)).errors is None
        shallow = await execute(stack, query, limits=GraphQLLimits(max_depth=3))
        assert "maximum operation depth of 3" in shallow.errors[0].message
        costly = await execute(stack, query, limits=GraphQLLimits(max_cost=2))
        assert costly.errors[0].message == "Query cost 6 exceeds the maximum cost of 2"
