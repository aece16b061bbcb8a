"""Issue #12, finding 8: the GraphQL cost limit counts what an operation will really do.

The cost is computed from the arguments as execution coerces them (an Int sent as `100.0`,
null, left out, a variable's default), size arguments count by the same `ListSize` their
resolver pages with, batch fields pay for every item of their list, and a query that still
runs after its time budget is stopped with a typed `timeout` error.
"""

from __future__ import annotations

import asyncio
import json
import time
from dataclasses import replace
from typing import Any
from unittest.mock import ANY

import httpx
import pytest
from graphql import GraphQLSchema, get_nullable_type, is_list_type, is_object_type, parse

from domain.exceptions import InvalidInput
from domain.models import Package
from domain.services import packages, updates
from registry.app import create_app
from schema.core.cost import BATCH_FIELDS, SIZE_ARGUMENTS, measure
from schema.core.graphql_limits import GraphQLLimits
from schema.core.pagination import PAGE, list_size_of
from schema.schema import schema
from tests.fixtures.stack import Stack, make_jwt
from tests.graphiql.server import serve_on_free_port
from tests.graphql.support import actor, add_package, count_queries, execute, post
from tests.graphql.test_subscriptions import connect
from tests.helpers import make_publisher

GRAPHQL_SCHEMA: GraphQLSchema = schema._schema
DEFAULT_LIMITS = GraphQLLimits()

# 1 + n x (edge 1 + node 1 + versions(first: 100 by default) x dependencies 1): n = 100 is
# over the default maximum cost of 5000, n = 2 well under it.
VERSIONS_PAGE = """query Page($n: Int) { packages(first: $n) { edges { node {
    versions { dependencies { name } } } } } }"""


def cost_of(query: str, variables: dict[str, Any] | None = None) -> int:
    return measure(GRAPHQL_SCHEMA, parse(query), variables=variables).cost


def page_query(first: str, definitions: str = "") -> str:
    """A package page whose cost is 1 + 3 x (the page size charged)."""
    return (
        f"query Page{definitions} {{ packages{first} {{ edges {{ node {{ name "
        "publisher { name } } } } }"
    )


def charged_page_size(query: str, variables: dict[str, Any] | None = None) -> int:
    cost = cost_of(query, variables)
    assert (cost - 1) % 3 == 0, cost
    return (cost - 1) // 3


def refused_for_cost(body: dict[str, Any]) -> dict[str, Any]:
    assert body.get("data") is None, body
    error = body["errors"][0]
    assert error["extensions"]["code"] == "query_too_costly", error
    return error


# ------------------------------------------------------------------ coerced argument values


@pytest.mark.parametrize("n", [100, 100.0, 1e2], ids=["int", "float", "exponent"])
async def test_an_int_sent_as_a_float_is_refused_like_the_int(stack: Stack, n: float) -> None:
    """`$n: 100` was refused while `$n: 100.0` ran: GraphQL coerces 100.0 to the Int 100."""
    with count_queries() as counter:
        response = await post(stack.client, VERSIONS_PAGE, {"n": n})
    assert counter.count == 0, counter.statements
    error = refused_for_cost(response.json())
    assert error["extensions"]["cost"] == cost_of(VERSIONS_PAGE, {"n": 100}) > 5000


async def test_a_float_with_a_fraction_is_no_size_at_all(stack: Stack) -> None:
    """`100.5` does not coerce to an Int: execution refuses the variable, never a page."""
    with count_queries() as counter:
        response = await post(stack.client, VERSIONS_PAGE, {"n": 100.5})
    assert counter.count == 0
    body = response.json()
    assert body.get("data") is None
    assert "Int cannot represent non-integer value: 100.5" in body["errors"][0]["message"]


@pytest.mark.parametrize(
    ("first", "definitions", "variables", "expected"),
    [
        ("(first: 7)", "", None, 7),
        ("(first: $n)", "($n: Int)", {"n": 7}, 7),
        ("(first: $n)", "($n: Int)", {"n": 7.0}, 7),
        ("(first: $n)", "($n: Int = 7)", None, 7),  # the variable's default
        ("(first: $n)", "($n: Int = 7)", {"n": None}, PAGE.default),  # null beats the default
        ("(first: null)", "", None, PAGE.default),
        ("(first: $n)", "($n: Int)", {"n": None}, PAGE.default),
        ("(first: $n)", "($n: Int)", None, PAGE.default),  # a variable left out
        ("", "", None, PAGE.default),  # the argument left out
        ("(first: 0)", "", None, 0),
    ],
    ids=[
        "literal",
        "variable",
        "float-variable",
        "variable-default",
        "null-over-default",
        "literal-null",
        "variable-null",
        "variable-left-out",
        "argument-left-out",
        "zero",
    ],
)
async def test_the_size_charged_is_the_size_returned(
    stack: Stack, first: str, definitions: str, variables: dict[str, Any] | None, expected: int
) -> None:
    """Whatever form the size takes, the cost charges exactly the page the resolver returns
    (both read `PAGE`): `first: null` cost 1 but returned a default page of 2,081 fields."""
    team = await make_publisher("u1", "team")
    for index in range(PAGE.default + 5):
        await add_package(team, f"pkg{index:02d}")
    query = page_query(first, definitions)
    result = await execute(stack, query, variables)
    assert result.errors is None, result.errors
    returned = len(result.data["packages"]["edges"])
    assert returned == charged_page_size(query, variables) == expected


async def test_first_null_is_refused_where_the_default_page_is(stack: Stack) -> None:
    default_page = cost_of(page_query(f"(first: {PAGE.default})"))
    limits = GraphQLLimits(max_cost=default_page - 1)
    for query, variables in (
        (page_query("(first: null)"), None),
        (page_query("(first: $n)", "($n: Int)"), {"n": None}),
        (page_query(""), None),
    ):
        with count_queries() as counter:
            result = await execute(stack, query, variables, limits=limits)
        assert counter.count == 0
        assert result.errors[0].extensions == {
            "code": "query_too_costly",
            "cost": default_page,
            "maxCost": default_page - 1,
        }
    assert (await execute(stack, page_query("(first: 1)"), limits=limits)).errors is None


async def test_the_named_operation_is_costed_with_the_variables(stack: Stack) -> None:
    document = (
        VERSIONS_PAGE.replace("query Page", "query Heavy")
        + "\n"
        + page_query("(first: $n)", "($n: Int)").replace("query Page", "query Light")
    )
    for name, code in (("Light", None), ("Heavy", "query_too_costly")):
        with count_queries() as counter:
            response = await stack.client.post(
                "/graphql",
                json={"query": document, "operationName": name, "variables": {"n": 100.0}},
            )
        body = response.json()
        if code is None:
            assert body == {"data": {"packages": {"edges": []}}}, body
        else:
            assert counter.count == 0
            assert body["errors"][0]["extensions"]["cost"] == cost_of(VERSIONS_PAGE, {"n": 100})


async def test_a_variable_default_counts_when_the_variable_is_left_out(stack: Stack) -> None:
    query = VERSIONS_PAGE.replace("($n: Int)", "($n: Int = 100)")
    with count_queries() as counter:
        response = await post(stack.client, query)
    assert counter.count == 0
    assert refused_for_cost(response.json())["extensions"]["cost"] == cost_of(
        VERSIONS_PAGE, {"n": 100}
    )
    small = await post(stack.client, VERSIONS_PAGE.replace("($n: Int)", "($n: Int = 2)"))
    assert small.json()["data"]["packages"]["edges"] == []


NESTED = """query($a: Int, $b: Int, $c: Int!, $d: Int!) { publishers(first: $a) { edges { node {
    packages(first: $b) { edges { node {
        usedBy(first: $c) { publisher { name } }
        versions(first: $d) { dependencies { name } } } } } } } } }"""


@pytest.mark.parametrize(
    ("variables", "sizes"),
    [
        ({"a": 3, "b": 4, "c": 5, "d": 6}, (3, 4, 5, 6)),
        ({"a": 3.0, "b": 4.0, "c": 5.0, "d": 6.0}, (3, 4, 5, 6)),
        ({"a": None, "c": 1, "d": 1}, (PAGE.default, PAGE.default, 1, 1)),
        # Over their maximum: connections refuse it, usedBy/versions return their maximum; either
        # way no more than the maximum is charged.
        ({"a": 10**6, "b": 100, "c": 10**6, "d": 10**6}, (100, 100, 100, 500)),
    ],
    ids=["ints", "floats", "nulls-and-left-out", "over-maximum"],
)
def test_nested_connections_multiply_their_coerced_sizes(
    variables: dict[str, Any], sizes: tuple[int, int, int, int]
) -> None:
    a, b, c, d = sizes
    package = 1 + (1 + c) + (1 + d)  # the node, usedBy's publishers, versions' dependencies
    publisher = 1 + 1 + b * (1 + package)  # the node, its packages connection and edges
    assert cost_of(NESTED, variables) == 1 + a * (1 + publisher)


@pytest.mark.parametrize("value", [None, -1, 0, 1, 7, 100, 101, 500, 501, 10**9])
def test_every_declared_list_size_charges_what_it_returns(value: int | None) -> None:
    """For every size argument in the schema: the cost charges what the resolver returns
    (a value the resolver refuses does no work: anything up to the maximum bounds it)."""
    for where, _, rule in size_arguments():
        try:
            returned = rule.of(value)
        except InvalidInput:
            assert 0 <= rule.charged(value) <= rule.maximum, where
        else:
            assert rule.charged(value) == returned, where


def size_arguments() -> list[tuple[str, Any, Any]]:
    found = []
    for graphql_type in GRAPHQL_SCHEMA.type_map.values():
        if not is_object_type(graphql_type) or graphql_type.name.startswith("__"):
            continue
        for field_name, field in graphql_type.fields.items():
            for name in SIZE_ARGUMENTS:
                if name in field.args:
                    found.append(
                        (
                            f"{graphql_type.name}.{field_name}({name})",
                            field.args[name],
                            list_size_of(field.args[name]),
                        )
                    )
    return found


def test_every_size_argument_declares_one_list_size() -> None:
    """The cost rule and the resolver read one declaration: every size argument carries a
    ListSize, and the schema's default for it is that ListSize's default."""
    arguments = size_arguments()
    assert len(arguments) >= 10, arguments
    undeclared = [where for where, _, rule in arguments if rule is None]
    assert undeclared == []
    drifted = [
        where for where, argument, rule in arguments if argument.default_value != rule.default
    ]
    assert drifted == []


# ------------------------------------------------------------------------- batch fields


def items_for(field: str, count: int) -> tuple[str, dict[str, Any]]:
    """A query on the batch field `field` (`Query.x`) with `count` items in `$items`."""
    if field == "Query.checkUpdates":
        return (
            "query($items: [UpdateQueryInput!]!) { checkUpdates(items: $items) { name } }",
            {"items": [{"name": f"p{i}", "version": "1.0.0"} for i in range(count)]},
        )
    if field == "Query.resolve":
        return (
            "query($items: [String!]!) { resolve(requirements: $items) { packages { name } } }",
            {"items": [f"p{i}>=1.0" for i in range(count)]},
        )
    assert field == "Query.latestVersions"
    return (
        "query($items: [String!]) { latestVersions(names: $items) { name } }",
        {"items": [f"p{i}" for i in range(count)]},
    )


@pytest.mark.parametrize("field", sorted(BATCH_FIELDS))
def test_batch_fields_pay_for_every_item(field: str) -> None:
    query, one = items_for(field, 1)
    _, hundred = items_for(field, 100)
    _, thousand = items_for(field, 1000)
    per_item = cost_of(query, hundred) - cost_of(query, one)
    assert per_item == 99 * BATCH_FIELDS[field].cost > 0
    assert cost_of(query, thousand) - cost_of(query, hundred) == 900 * BATCH_FIELDS[field].cost


def test_latest_versions_without_names_is_charged_like_a_full_batch() -> None:
    """Without names it answers every listed package: charged like the largest batch."""
    from domain.bounds import MAX_UPDATE_ITEMS

    _, full = items_for("Query.latestVersions", MAX_UPDATE_ITEMS)
    query = "{ latestVersions { name } }"
    assert cost_of(query) == cost_of(items_for("Query.latestVersions", 0)[0], full)
    assert cost_of(
        "query($n: [String!]) { latestVersions(names: $n) { name } }", {"n": None}
    ) == cost_of(query)


def test_every_list_argument_of_a_root_field_is_charged_per_item() -> None:
    """A field that takes a list of things to work on is a batch field (BATCH_FIELDS)."""
    unpriced = []
    for root in (GRAPHQL_SCHEMA.query_type, GRAPHQL_SCHEMA.subscription_type):
        for field_name, field in root.fields.items():
            for argument_name, argument in field.args.items():
                batch = BATCH_FIELDS.get(f"{root.name}.{field_name}")
                if is_list_type(get_nullable_type(argument.type)) and (
                    batch is None or batch.argument != argument_name
                ):
                    unpriced.append(f"{root.name}.{field_name}({argument_name})")
    assert unpriced == []


@pytest.mark.parametrize("field", sorted(BATCH_FIELDS))
async def test_many_aliases_of_many_items_are_refused_before_any_sql(
    stack: Stack, field: str
) -> None:
    """50 aliases x 500 checkUpdates items took 36.6 s: now one item costs its share, and
    the document is refused before a single statement runs."""
    query, variables = items_for(field, 500)
    head, selection = query.split("{", 1)
    aliased = head + "{" + " ".join(f"a{i}: {selection.rsplit('}', 1)[0]}" for i in range(50)) + "}"
    started = time.perf_counter()
    with count_queries() as counter:
        response = await post(stack.client, aliased, variables)
    elapsed = time.perf_counter() - started
    assert counter.count == 0, counter.statements[:3]
    assert (
        refused_for_cost(response.json())["extensions"]["cost"]
        >= 50 * 500 * BATCH_FIELDS[field].cost
    )
    assert elapsed < 2, elapsed


async def test_one_full_update_batch_still_fits_and_a_second_does_not(stack: Stack) -> None:
    """REST /updates takes MAX_UPDATE_ITEMS items at once; so does one checkUpdates."""
    from domain.bounds import MAX_UPDATE_ITEMS

    query, variables = items_for("Query.checkUpdates", MAX_UPDATE_ITEMS)
    result = await execute(stack, query, variables)
    assert result.errors is None, result.errors
    assert len(result.data["checkUpdates"]) == MAX_UPDATE_ITEMS
    twice = query.replace("checkUpdates(", "a: checkUpdates(").replace(
        "{ name } }", "{ name } b: checkUpdates(items: $items) { name } }"
    )
    with count_queries() as counter:
        refused = await execute(stack, twice, variables)
    assert counter.count == 0
    assert refused.errors[0].extensions["code"] == "query_too_costly"


@pytest.mark.parametrize("field", sorted(BATCH_FIELDS))
async def test_a_list_over_the_domain_cap_is_refused_with_a_typed_error(
    stack: Stack, field: str
) -> None:
    from domain.bounds import MAX_RESOLVE_REQUIREMENTS, MAX_UPDATE_ITEMS

    cap = MAX_RESOLVE_REQUIREMENTS if field == "Query.resolve" else MAX_UPDATE_ITEMS
    query, variables = items_for(field, cap + 1)
    result = await execute(stack, query, variables)
    assert result.data is None
    assert result.errors[0].extensions["code"] == "invalid", result.errors


# -------------------------------------------------------------------------- time budget


@pytest.fixture
def stuck_latest_versions(monkeypatch: pytest.MonkeyPatch) -> asyncio.Event:
    """latestVersions never answers; the event is set when its work is cancelled."""
    cancelled = asyncio.Event()

    async def never_answers(*_args: Any, **_kwargs: Any) -> dict[str, str | None]:
        try:
            await asyncio.sleep(3600)
        except asyncio.CancelledError:
            cancelled.set()
            raise
        raise AssertionError("unreachable")

    monkeypatch.setattr(updates, "latest_versions", never_answers)
    return cancelled


STUCK = '{ latestVersions(names: ["a"]) { name } }'


def assert_timeout(body: dict[str, Any], seconds: float) -> None:
    assert body.get("data") is None, body
    assert len(body["errors"]) == 1, body
    assert body["errors"][0]["extensions"] == {
        "code": "timeout",
        "maxSeconds": seconds,
        "requestId": ANY,
    }


@pytest.fixture
def one_second_budget(stack: Stack) -> Any:
    """The registry with GRAPHQL_MAX_EXECUTION_SECONDS=1."""
    return create_app(
        replace(stack.settings, graphql_max_execution_seconds=1), runtime=stack.runtime
    )


async def test_a_query_over_its_time_budget_is_stopped_with_a_typed_error(
    stack: Stack, one_second_budget: Any, stuck_latest_versions: asyncio.Event
) -> None:
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=one_second_budget), base_url="http://testserver"
    ) as client:
        started = time.perf_counter()
        response = await post(client, STUCK)
        elapsed = time.perf_counter() - started
    assert response.status_code == 200
    assert_timeout(response.json(), 1)
    assert 1 <= elapsed < 3, elapsed
    assert stuck_latest_versions.is_set()  # the work was cancelled, not left running


async def test_the_time_budget_applies_over_websocket(
    stack: Stack, one_second_budget: Any, stuck_latest_versions: asyncio.Event
) -> None:
    async with serve_on_free_port(one_second_budget) as url, connect(url) as socket:
        started = time.perf_counter()
        await socket.subscribe("q1", STUCK)
        answer = await socket.receive()
        elapsed = time.perf_counter() - started
        assert answer["type"] == "next" and answer["id"] == "q1", answer
        assert_timeout(answer["payload"], 1)
        assert await socket.receive() == {"id": "q1", "type": "complete"}
        # The socket still serves the next operation.
        await socket.subscribe("q2", "{ __typename }")
        assert (await socket.receive())["payload"] == {"data": {"__typename": "Query"}}
    assert elapsed < 3, elapsed
    assert stuck_latest_versions.is_set()


@pytest.mark.parametrize("field", sorted(BATCH_FIELDS))
async def test_a_real_query_past_its_budget_stops_and_leaves_the_database_usable(
    stack: Stack, field: str
) -> None:
    """Nothing patched: a full batch the cost allows, under a budget it cannot meet (0 s:
    it runs out at the query's first wait on the database or a worker thread), answers the
    typed error, and the connection it was using serves the next query."""
    query, variables = items_for(field, 500)
    result = await execute(stack, query, variables, limits=GraphQLLimits(max_execution_seconds=0))
    assert result.data is None
    assert [error.extensions for error in result.errors] == [{"code": "timeout", "maxSeconds": 0}]
    after = await execute(stack, "{ packages { totalCount } }")
    assert after.errors is None and after.data == {"packages": {"totalCount": 0}}


async def test_mutations_are_never_cut_short(stack: Stack, monkeypatch: pytest.MonkeyPatch) -> None:
    """A mutation may be slow, but stopping one half-way could leave half a write: the
    budget is for queries only."""
    await make_publisher("u1", "team")
    create = packages.create_package

    async def slow_create(*args: Any, **kwargs: Any) -> Any:
        await asyncio.sleep(0.5)
        return await create(*args, **kwargs)

    monkeypatch.setattr(packages, "create_package", slow_create)
    result = await execute(
        stack,
        """mutation { createPackage(input: {name: "Slow"}) {
        package { name } errors { message } } }""",
        as_actor=await actor("u1"),
        limits=GraphQLLimits(max_execution_seconds=0.1),
    )
    assert result.errors is None, result.errors
    assert result.data["createPackage"] == {"package": {"name": "Slow"}, "errors": []}


@pytest.mark.parametrize("how", ["complete", "close"])
async def test_a_mutation_the_caller_cancels_still_finishes(
    stack: Stack, monkeypatch: pytest.MonkeyPatch, how: str
) -> None:
    """Over WebSocket a client can stop an operation (`complete`, or closing the socket):
    a mutation it stops half-way must not leave half a write, so it runs to its end."""
    await make_publisher("u1", "team")
    create = packages.create_package
    started, finished = asyncio.Event(), asyncio.Event()

    async def slow_create(*args: Any, **kwargs: Any) -> Any:
        started.set()
        await asyncio.sleep(0.3)
        row = await create(*args, **kwargs)
        finished.set()
        return row

    monkeypatch.setattr(packages, "create_package", slow_create)
    async with serve_on_free_port(create_app(stack.settings, runtime=stack.runtime)) as url:
        async with connect(url, make_jwt("u1")) as socket:
            await socket.subscribe(
                "m1",
                """mutation { createPackage(input: {name: "Kept"}) {
                errors { message } } }""",
            )
            async with asyncio.timeout(5):
                await started.wait()
            if how == "complete":
                await socket.socket.send(json.dumps({"id": "m1", "type": "complete"}))
                await socket.subscribe("q1", "{ __typename }")  # the socket goes on serving
                assert (await socket.receive())["id"] == "q1"
        async with asyncio.timeout(5):
            await finished.wait()
    assert await Package.filter(name="Kept").exists()


def test_the_budget_is_a_setting() -> None:
    from registry.config import load_settings

    settings = load_settings({"GRAPHQL_MAX_EXECUTION_SECONDS": "3"}, env_file=None)
    assert GraphQLLimits.from_settings(settings).max_execution_seconds == 3
    assert (
        DEFAULT_LIMITS.max_execution_seconds
        == load_settings({}, env_file=None).graphql_max_execution_seconds
    )
