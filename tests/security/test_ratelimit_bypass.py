"""Issue #12, finding 3: rate limits could be bypassed over HTTP and GraphQL.

- Every API token had its own budget: 20 tokens of one user got 90 reads against 5/min. Now a
  user's JWTs and tokens share one budget, users and anonymous IPs stay apart.
- GraphQL `resolve`, `packages(search:)` and `checkUpdates` were charged as reads, uploads over
  GraphQL as reads too. Now operations pay the budget of what they do, shared with REST.
- Minting tokens was unlimited. Now it is a write (write budget), and a user holds at most
  MAX_API_TOKENS_PER_USER active tokens, even under concurrent creation.
"""

from __future__ import annotations

import asyncio
import json
import uuid
from collections.abc import AsyncIterator
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest
import redis.asyncio as aioredis
from graphql import build_schema, parse

from domain.actor import Actor
from domain.exceptions import InvalidInput
from domain.models import ApiToken
from domain.services import tokens
from schema.core.charging import category_of, charges_of
from tests.fixtures.stack import Stack, bearer
from tests.graphql.support import post
from tests.helpers import make_publisher
from tests.ratelimit.support import assert_429, limited


def with_token(plaintext: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {plaintext}"}


async def mint(user_id: str, count: int) -> list[str]:
    return [
        (await tokens.create_token(Actor(user_id=user_id), f"t{n}", ["read-private"])).plaintext
        for n in range(count)
    ]


# --- one budget per user ------------------------------------------------------------------------


@pytest.fixture(params=["memory", "redis"])
async def counters(request: pytest.FixtureRequest) -> AsyncIterator[dict[str, Any]]:
    """Settings that keep the limiter's counters in this process, or in Redis (as several web
    processes do); the Redis keys are removed afterwards."""
    if request.param == "memory":
        yield {}
        return
    redis_url = request.getfixturevalue("redis_url")
    prefix = f"tbr-test:{uuid.uuid4().hex}:"
    try:
        yield {"redis_url": redis_url, "rate_limit_key_prefix": prefix}
    finally:
        client = aioredis.from_url(redis_url)
        keys = [key async for key in client.scan_iter(f"{prefix}*")]
        assert keys, "the counters lived in Redis"
        await client.delete(*keys)
        await client.aclose()


async def test_twenty_tokens_of_one_user_share_one_budget(
    stack: Stack, counters: dict[str, Any]
) -> None:
    """The audit's case: 90 reads spread over 20 tokens against a 5/min read budget."""
    await make_publisher("alice", "alices")
    minted = await mint("alice", 20)
    async with limited(stack, rate_limit_read=(5, 60), **counters) as (_, client_from):
        # From several addresses too: the user pays, wherever they call from.
        clients = [client_from(f"10.0.3.{n}") for n in range(1, 4)]
        statuses = []
        for attempt in range(90):
            response = await clients[attempt % 3].get(
                "/api/v1/publishers", headers=with_token(minted[attempt % 20])
            )
            statuses.append(response.status_code)
            if response.status_code == 429:
                assert_429(response)
        assert statuses.count(200) == 5 and statuses.count(429) == 85
        assert statuses[:5] == [200] * 5


async def test_a_jwt_and_a_token_of_one_user_share_a_budget(stack: Stack) -> None:
    await make_publisher("alice", "alices")
    await make_publisher("bob", "bobs")
    [alice_token] = await mint("alice", 1)
    [bob_token] = await mint("bob", 1)
    async with limited(stack, rate_limit_read=(4, 60)) as (_, client_from):
        client = client_from("10.0.4.1")
        for headers in (bearer("alice"), with_token(alice_token)) * 2:
            assert (await client.get("/api/v1/auth/me", headers=headers)).status_code == 200
        assert_429(await client.get("/api/v1/auth/me", headers=bearer("alice")))
        assert_429(await client.get("/api/v1/auth/me", headers=with_token(alice_token)))
        # GraphQL pays from the same budget.
        assert_429(await post(client, "{ me { username } }", user="alice"))
        # Another user on the same address, with either credential, has a budget of their own;
        # so do anonymous callers, per address.
        for headers in (bearer("bob"), with_token(bob_token)):
            assert (await client.get("/api/v1/auth/me", headers=headers)).status_code == 200
        for _ in range(4):
            assert (await client.get("/api/v1/publishers")).status_code == 200
        assert_429(await client.get("/api/v1/publishers"))
        assert (await client_from("10.0.4.2").get("/api/v1/publishers")).status_code == 200


async def test_anonymous_ipv6_callers_pay_per_64(stack: Stack) -> None:
    async with limited(stack, rate_limit_read=(3, 60)) as (_, client_from):
        rotating = [client_from(f"2001:db8:7:7::{n:x}") for n in range(1, 5)]
        for client in rotating[:3]:
            assert (await client.get("/api/v1/publishers")).status_code == 200
        assert_429(await rotating[3].get("/api/v1/publishers"))
        assert (await client_from("2001:db8:7:8::1").get("/api/v1/publishers")).status_code == 200


async def test_a_revoked_token_pays_from_the_address_not_the_user(stack: Stack) -> None:
    await make_publisher("alice", "alices")
    created = await tokens.create_token(Actor(user_id="alice"), "old", ["read-private"])
    await tokens.revoke_token(Actor(user_id="alice"), created.token.id)
    async with limited(stack, rate_limit_read=(2, 60)) as (_, client_from):
        client = client_from("10.0.5.1")
        for _ in range(2):
            assert (
                await client.get("/api/v1/publishers", headers=with_token(created.plaintext))
            ).status_code == 200
        assert_429(await client.get("/api/v1/publishers"))  # the address paid
        assert (
            await client.get("/api/v1/publishers", headers=bearer("alice"))
        ).status_code == 200  # Alice did not


# --- GraphQL operations pay for what they do ------------------------------------------------

SEARCHES = {
    "resolve": ('{ resolve(requirements: ["nothing-here"]) { success } }', None),
    "packages-search-literal": ('{ packages(search: "mod") { totalCount } }', None),
    "packages-search-variable": (
        "query($q: String) { packages(search: $q) { totalCount } }",
        {"q": "mod"},
    ),
    "packages-search-variable-default": (
        'query($q: String = "mod") { packages(search: $q) { totalCount } }',
        None,
    ),
    "check-updates": ('{ checkUpdates(items: [{name: "a", version: "1.0.0"}]) { found } }', None),
    "check-compatibility": (
        '{ checkCompatibility(package: "a", version: "1.0.0") { __typename } }',
        None,
    ),
    "suggest": ('{ suggestPackageNames(prefix: "mo", limit: 5) }', None),
    "in-a-fragment": (
        "query { ...F } fragment F on Query { resolve(requirements: []) { success } }",
        None,
    ),
    "in-an-inline-fragment": ('{ ... on Query { packages(search: "x") { totalCount } } }', None),
    "named-among-several": (
        "query A { me { username } } query B { resolve(requirements: []) { success } }",
        None,
    ),
}


@pytest.mark.parametrize("name", list(SEARCHES))
async def test_graphql_searches_spend_the_search_budget(stack: Stack, name: str) -> None:
    query, variables = SEARCHES[name]
    body: dict[str, Any] = {"query": query, "variables": variables or {}}
    if name == "named-among-several":
        body["operationName"] = "B"
    async with limited(stack, rate_limit_search=(2, 60), rate_limit_read=(100, 60)) as (
        _,
        client_from,
    ):
        client = client_from("10.0.6.1")
        for _ in range(2):
            answer = await client.post("/graphql", json=body)
            assert answer.status_code == 200, answer.text
            assert "errors" not in answer.json() or all(
                e["extensions"].get("code") != "rate_limited" for e in answer.json()["errors"]
            )
        refused = await client.post("/graphql", json=body)
        assert_429(refused)
        # The budget is the one REST searches use, and reads are untouched.
        assert_429(await client.get("/api/v1/search?q=x"))
        assert (await post(client, "{ packages { totalCount } }")).status_code == 200
        assert (await client.get("/api/v1/publishers")).status_code == 200


async def test_graphql_and_rest_searches_share_the_budget(stack: Stack) -> None:
    async with limited(stack, rate_limit_search=(3, 60), rate_limit_read=(100, 60)) as (
        _,
        client_from,
    ):
        client = client_from("10.0.6.2")
        assert (await client.get("/api/v1/search?q=x")).status_code == 200
        assert (
            await client.post("/api/v1/resolve", json={"requirements": ["x"]})
        ).status_code == 200
        assert (await client.post("/api/v1/updates", json={"items": []})).status_code != 429
        # A query sent with GET is charged the same way as one sent with POST.
        assert_429(
            await client.get(
                "/graphql", params={"query": '{ packages(search: "x") { totalCount } }'}
            )
        )
        assert_429(await post(client, '{ packages(search: "x") { totalCount } }'))


async def test_aliased_searches_each_cost_a_search(stack: Stack, counters: dict[str, Any]) -> None:
    def aliased(count: int) -> str:
        return (
            "{ "
            + " ".join(f'r{n}: resolve(requirements: ["a"]) {{ success }}' for n in range(count))
            + " }"
        )

    async with limited(stack, rate_limit_search=(4, 60), rate_limit_read=(100, 60), **counters) as (
        _,
        client_from,
    ):
        client = client_from("10.0.6.3")
        three = await post(client, aliased(3))
        assert three.status_code == 200 and three.headers["x-ratelimit-remaining"] == "1"
        assert_429(await post(client, aliased(2)))  # two more searches against one left
        assert_429(await client.get("/api/v1/search?q=x"))


@pytest.mark.parametrize("search", ['""', '"   "', "null", "$unset", "$empty"])
async def test_listing_without_a_search_is_a_read(stack: Stack, search: str) -> None:
    declared = f"({search}: String)" if search.startswith("$") else ""
    query = f"query{declared} {{ packages(search: {search}) {{ totalCount }} }}"
    async with limited(stack, rate_limit_search=(1, 60), rate_limit_read=(100, 60)) as (
        _,
        client_from,
    ):
        client = client_from("10.0.6.4")
        for _ in range(3):
            answer = await post(client, query, {"empty": ""} if search == "$empty" else {})
            assert answer.status_code == 200 and "errors" not in answer.json(), answer.text
        assert (await client.get("/api/v1/search?q=x")).status_code == 200


async def test_a_refused_operation_is_not_executed(stack: Stack) -> None:
    await make_publisher("alice", "alices")
    mutation = (
        'mutation { createApiToken(input: {name: "x", scopes: [READ_PRIVATE]}) '
        "{ plaintext errors { code } } }"
    )
    async with limited(stack, rate_limit_write=(1, 60)) as (_, client_from):
        client = client_from("10.0.6.5")
        made = await post(client, mutation, user="alice")
        assert made.json()["data"]["createApiToken"]["plaintext"], made.text
        assert_429(await post(client, mutation, user="alice"))
    assert await ApiToken.filter(user_id="alice").count() == 1


UPLOAD_MUTATIONS = {
    "publishVersion": (
        'mutation($f: Upload!) { publishVersion(package: "nothing", '
        'input: {version: "1.0.0"}, file: $f) { errors { code } } }'
    ),
    "uploadArtifactBuild": (
        'mutation($f: Upload!) { uploadArtifactBuild(artifact: "nothing", '
        'input: {version: "1.0.0", platform: "linux", architecture: "x64"}, '
        "file: $f) { errors { code } } }"
    ),
}


def multipart(query: str) -> dict[str, Any]:
    return {
        "data": {
            "operations": json.dumps({"query": query, "variables": {"f": None}}),
            "map": json.dumps({"0": ["variables.f"]}),
        },
        "files": {"0": ("x.zip", b"PK\x05\x06" + bytes(18), "application/zip")},
    }


@pytest.mark.parametrize("name", list(UPLOAD_MUTATIONS))
async def test_graphql_upload_mutations_spend_the_upload_budget(stack: Stack, name: str) -> None:
    await make_publisher("alice", "alices")
    mutation = UPLOAD_MUTATIONS[name]
    async with limited(stack, rate_limit_upload=(2, 60), rate_limit_read=(100, 60)) as (
        _,
        client_from,
    ):
        client = client_from("10.0.7.1")
        # Sent without a file part (a JSON body): still an upload operation, charged as one.
        as_json = await post(client, mutation, {"f": None}, user="alice")
        assert as_json.status_code == 200, as_json.text
        # A multipart request pays its upload once, not once for the body and again for the
        # operation: one upload left for it.
        assert (
            await client.post("/graphql", headers=bearer("alice"), **multipart(mutation))
        ).status_code == 200
        assert_429(await client.post("/graphql", headers=bearer("alice"), **multipart(mutation)))
        assert_429(await post(client, mutation, {"f": None}, user="alice"))
        # REST uploads draw on the same budget; reads do not.
        assert_429(
            await client.post(
                "/api/v1/packages/nothing/versions",
                headers=bearer("alice"),
                data={"version": "1.0.0"},
                files={"file": ("x.zip", b"PK", "application/zip")},
            )
        )
        assert (await post(client, "{ me { username } }", user="alice")).status_code == 200


# --- minting tokens -----------------------------------------------------------------------------


@pytest.fixture
async def token_cap(stack: Stack) -> AsyncIterator[int]:
    """MAX_API_TOKENS_PER_USER = 3 for one test."""
    policy = stack.ctx.policy
    stack.ctx.policy = replace(policy, max_api_tokens_per_user=3)
    try:
        yield 3
    finally:
        stack.ctx.policy = policy


async def rest_mint(client: httpx.AsyncClient, user: str, name: str = "t") -> httpx.Response:
    return await client.post(
        "/api/v1/tokens", headers=bearer(user), json={"name": name, "scopes": ["read-private"]}
    )


async def test_minting_tokens_spends_the_write_budget(stack: Stack) -> None:
    await make_publisher("alice", "alices")
    async with limited(stack, rate_limit_write=(3, 60)) as (_, client_from):
        client = client_from("10.0.8.1")
        for _ in range(3):
            assert (await rest_mint(client, "alice")).status_code == 201
        assert_429(await rest_mint(client, "alice"))
        assert_429(
            await post(
                client,
                'mutation { createApiToken(input: {name: "g", scopes: '
                "[READ_PRIVATE]}) { plaintext } }",
                user="alice",
            )
        )
        # Other writes share the budget: revoking is refused too (and so is not done).
        listed = await client.get("/api/v1/tokens", headers=bearer("alice"))
        assert listed.status_code == 200  # reads go on
        assert_429(
            await client.delete(
                f"/api/v1/tokens/{listed.json()['tokens'][0]['id']}", headers=bearer("alice")
            )
        )
        # Another user's writes have their own budget.
        assert (await rest_mint(client, "bob")).status_code == 201
    assert await ApiToken.filter(user_id="alice", revoked_at=None).count() == 3
    assert await ApiToken.filter(user_id="alice").count() == 3


async def test_rest_refuses_a_token_beyond_the_cap_until_one_is_revoked(
    stack: Stack, token_cap: int
) -> None:
    await make_publisher("alice", "alices")
    made = [await rest_mint(stack.client, "alice", f"t{n}") for n in range(token_cap)]
    assert [r.status_code for r in made] == [201] * token_cap
    refused = await rest_mint(stack.client, "alice")
    assert refused.status_code == 400
    assert f"{token_cap} active API tokens" in refused.json()["detail"]
    # Another user has their own allowance.
    assert (await rest_mint(stack.client, "bob")).status_code == 201
    # Revoking one frees a slot; so does one expiring.
    revoked = await stack.client.delete(
        f"/api/v1/tokens/{made[0].json()['id']}", headers=bearer("alice")
    )
    assert revoked.status_code == 204
    assert (await rest_mint(stack.client, "alice")).status_code == 201
    assert (await rest_mint(stack.client, "alice")).status_code == 400
    await ApiToken.filter(id=made[1].json()["id"]).update(
        expires_at=datetime.now(UTC) - timedelta(seconds=1)
    )
    assert (await rest_mint(stack.client, "alice")).status_code == 201
    assert (await rest_mint(stack.client, "alice")).status_code == 400


async def test_graphql_refuses_a_token_beyond_the_cap(stack: Stack, token_cap: int) -> None:
    await make_publisher("alice", "alices")
    mutation = (
        'mutation { createApiToken(input: {name: "g", scopes: [READ_PRIVATE]}) '
        "{ plaintext token { id } errors { code message field } } }"
    )
    for _ in range(token_cap):
        made = (await post(stack.client, mutation, user="alice")).json()["data"]
        assert made["createApiToken"]["plaintext"]
    refused = (await post(stack.client, mutation, user="alice")).json()["data"]["createApiToken"]
    assert refused["plaintext"] is None and refused["token"] is None
    [error] = refused["errors"]
    assert error["code"] == "INVALID" and f"{token_cap} active API tokens" in error["message"]
    token_id = made["createApiToken"]["token"]["id"]
    revoke = await post(
        stack.client,
        "mutation($id: ID!) { revokeApiToken(id: $id) { errors { code } } }",
        {"id": token_id},
        user="alice",
    )
    assert revoke.json()["data"]["revokeApiToken"]["errors"] == [], revoke.text
    again = (await post(stack.client, mutation, user="alice")).json()["data"]["createApiToken"]
    assert again["plaintext"] and again["errors"] == []


async def test_concurrent_minting_cannot_exceed_the_cap(stack: Stack) -> None:
    await make_publisher("alice", "alices")
    cap = 5
    alice = Actor(user_id="alice")

    async def attempt(number: int) -> bool:
        try:
            await tokens.create_token(alice, f"race{number}", ["read-private"], max_active=cap)
        except InvalidInput:
            return False
        return True

    outcomes = await asyncio.gather(*(attempt(n) for n in range(16)))
    assert outcomes.count(True) == cap
    assert await tokens.active_tokens("alice").count() == cap
    assert await ApiToken.filter(user_id="alice").count() == cap


# --- the rule itself, on any schema -------------------------------------------------------------

RULE_SCHEMA = build_schema("""
    scalar Upload
    type Query { resolve(requirements: [String!]): Int  shelf: Shelf  plain: Int }
    type Shelf { items(search: String, first: Int): [Int] }
    type Mutation {
        attach(files: [Upload!]!): Int
        attachOne(input: Int, file: Upload): Int
        rename(name: String): Int
    }
""")


@pytest.mark.parametrize(
    ("document", "variables", "expected", "category"),
    [
        ("{ plain }", None, {}, "read"),
        ("{ resolve shelf { items(first: 3) } }", None, {"search": 1}, "search"),
        # A search argument anywhere in the tree, literal or variable, is a search.
        ('{ shelf { items(search: "x") } }', None, {"search": 1}, "search"),
        ("query($s: String) { shelf { items(search: $s) } }", {"s": "x"}, {"search": 1}, "search"),
        ('query($s: String = "") { shelf { items(search: $s) } }', None, {}, "read"),
        # An omitted variable searches with its default.
        ('query($s: String = "x") { shelf { items(search: $s) } }', None, {"search": 1}, "search"),
        ('query($s: String = "x") { shelf { items(search: $s) } }', {"s": None}, {}, "read"),
        # Any mutation taking an Upload, even in a list, is an upload; the others are writes.
        ("mutation($f: [Upload!]!) { attach(files: $f) }", None, {"upload": 1}, "upload"),
        (
            'mutation { attachOne(input: 1) rename(name: "x") }',
            None,
            {"upload": 1, "write": 1},
            "upload",
        ),
        ("mutation { a: rename b: rename c: rename }", None, {"write": 3}, "write"),
        # Fragments are followed, and each one is counted once.
        ("{ ...F ...F } fragment F on Query { resolve }", None, {"search": 1}, "search"),
    ],
)
def test_operations_are_charged_by_what_they_do(
    document: str, variables: Any, expected: dict[str, int], category: str
) -> None:
    parsed = parse(document)
    assert charges_of(RULE_SCHEMA, parsed, None, variables) == expected
    assert category_of(RULE_SCHEMA, parsed, None, variables) == category


def test_only_the_named_operation_is_charged() -> None:
    parsed = parse("query A { plain } query B { resolve } mutation C { rename }")
    assert charges_of(RULE_SCHEMA, parsed, "A") == {}
    assert charges_of(RULE_SCHEMA, parsed, "B") == {"search": 1}
    assert charges_of(RULE_SCHEMA, parsed, "C") == {"write": 1}
    assert charges_of(RULE_SCHEMA, parsed, None) == {}  # ambiguous: nothing runs
