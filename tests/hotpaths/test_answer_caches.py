"""The hot read paths' caches (issue 14 item 7): anonymous GraphQL answers, REST resolutions
and the resolver's package universe are served from memory only to whoever may see them, until
the next committed write; mutations and errors are never kept; every protection still holds for
a document answered or analysed from a cache; every cache is bounded."""

from __future__ import annotations

import httpx
import pytest

from domain.enums import MemberRole
from domain.models import Publisher, PublisherMember
from domain.services import resolution_cache
from domain.services.users import upsert_user
from registry.graphql.answers import MAX_CACHED_REQUEST_BYTES
from registry.read_cache import ResponseCache
from schema.core import charging, cost
from schema.core.analysis import ANALYSIS_ENTRIES, BoundedLRU
from tests.fixtures.stack import Stack, bearer
from tests.graphql.support import add_package, add_version, post
from tests.helpers import make_publisher
from tests.ratelimit.support import assert_429, limited

PACKAGE_NAME = "{ package(name: %s) { name description latestVersion } }"


def answers(stack: Stack) -> ResponseCache:
    return stack.runtime.graphql_cache


async def name_of(client: httpx.AsyncClient, name: str, **kw: object) -> object:
    response = await post(client, PACKAGE_NAME % f'"{name}"', **kw)  # type: ignore[arg-type]
    assert response.status_code == 200 and "errors" not in response.json(), response.text
    return response.json()["data"]["package"]


async def private_world() -> Publisher:
    publisher = await make_publisher("alice", "alices")
    hidden = await add_package(publisher, "Hidden", visibility="private")
    await add_version(hidden, "1.0.0")
    shown = await add_package(publisher, "Shown")
    await add_version(shown, "1.0.0")
    return publisher


# --- GraphQL: who gets a cached answer ------------------------------------------------------


async def test_a_members_answer_never_reaches_anonymous_callers(stack: Stack) -> None:
    await private_world()
    client = stack.client
    for _ in range(2):
        assert await name_of(client, "Hidden", user="alice") is not None
        assert await name_of(client, "Hidden") is None  # not the member's answer
    assert await name_of(client, "Hidden", user="alice") is not None  # not the anonymous one
    assert await name_of(client, "Hidden", user="bob") is None


async def test_an_anonymous_answer_never_reaches_a_member(stack: Stack) -> None:
    await private_world()
    client = stack.client
    assert await name_of(client, "Hidden") is None
    assert await name_of(client, "Hidden") is None  # now from memory
    assert len(answers(stack)._entries) == 1
    assert await name_of(client, "Hidden", user="alice") == {
        "name": "Hidden",
        "description": "",
        "latestVersion": "1.0.0",
    }


async def test_a_reader_without_memberships_shares_the_anonymous_entry(stack: Stack) -> None:
    await private_world()
    client = stack.client
    await name_of(client, "Shown")
    (key,) = answers(stack)._entries
    expires, entry = answers(stack)._entries[key]
    assert entry.startswith(b"s")  # read nothing of who asked
    # A marked entry proves where an answer came from.
    marked = entry.replace(b'"description":""', b'"description":"from memory"')
    answers(stack)._entries[key] = (expires, marked)
    for who in ("bob", "carol"):
        assert (await name_of(client, "Shown", user=who))["description"] == "from memory"  # type: ignore[index]
    # A refused or non-Bearer credential is an anonymous caller, as when the query runs.
    for header in ("Basic YWxpY2U6eA==", "Bearer not-a-token"):
        answer = await name_of(client, "Shown", headers={"Authorization": header})
        assert answer["description"] == "from memory"  # type: ignore[index]
    # A member's class has its own entry.
    assert (await name_of(client, "Shown", user="alice"))["description"] == ""  # type: ignore[index]
    assert len(answers(stack)._entries) == 2


async def test_a_members_cached_answer_never_reaches_a_reader_and_back(stack: Stack) -> None:
    await private_world()
    client = stack.client
    for first, second in (("alice", "bob"), ("bob", "alice")):
        answers(stack).invalidate()
        for _ in range(2):  # the second round is answered from memory
            seen = {who: await name_of(client, "Hidden", user=who) for who in (first, second)}
            assert seen["alice"] is not None and seen["bob"] is None
            assert await name_of(client, "Hidden") is None
        assert len(answers(stack)._entries) == 2  # the members' class and the public one


async def test_a_new_membership_is_a_new_class(stack: Stack) -> None:
    publisher = await private_world()
    client = stack.client
    await upsert_user("bob", "user-bob", "bob@example.com")
    assert await name_of(client, "Hidden", user="bob") is None
    await PublisherMember.create(publisher=publisher, user_id="bob")
    stack.runtime.invalidate_reads()  # what announcing the committed write does
    assert await name_of(client, "Hidden", user="bob") is not None
    # Another reader still gets the public class's answer.
    assert await name_of(client, "Hidden", user="carol") is None


ME = "{ me { username } }"


async def me(client: httpx.AsyncClient, user: str | None = None) -> object:
    response = await post(client, ME, user=user)
    assert response.status_code == 200 and "errors" not in response.json(), response.text
    return response.json()["data"]["me"]


async def test_personal_answers_go_to_nobody_else(stack: Stack) -> None:
    client = stack.client
    for user in ("bob", "carol"):
        await upsert_user(user, f"user-{user}", f"{user}@example.com")
    for _ in range(2):
        assert await me(client) is None
        assert await me(client, "bob") == {"username": "user-bob"}
        assert await me(client, "carol") == {"username": "user-carol"}
    # Only the anonymous caller's answer is kept, for anonymous callers only.
    ((key, (_, entry)),) = answers(stack)._entries.items()
    assert entry.startswith(b"p")
    # The same for a personal field beside shared ones.
    await private_world()
    mixed = '{ package(name: "Shown") { name } me { username } }'
    for _ in range(2):
        answer = (await post(client, mixed, user="bob")).json()["data"]
        assert answer["me"] == {"username": "user-bob"}
    assert len(answers(stack)._entries) == 0  # the write above emptied it; bob's not kept


async def test_an_owners_answer_never_reaches_a_member_of_the_same_class(stack: Stack) -> None:
    # Owner and plain member of one publisher see the same packages (one visibility class);
    # owning is decided from who asks (domain.services.publishers.require_owner), so the
    # owner's webhooks answer is personal: not kept, never the member's answer.
    publisher = await private_world()
    await upsert_user("bob", "user-bob", "bob@example.com")
    await PublisherMember.create(publisher=publisher, user_id="bob", role=MemberRole.MEMBER)
    hooks = '{ webhooks(publisher: "alices") { url } }'
    for _ in range(2):
        owner = (await post(stack.client, hooks, user="alice")).json()
        assert owner == {"data": {"webhooks": []}}, owner
        member = (await post(stack.client, hooks, user="bob")).json()
        assert member["errors"][0]["extensions"]["code"] == "forbidden", member
    assert len(answers(stack)._entries) == 0


# --- GraphQL: what is never kept ------------------------------------------------------------


async def test_answers_with_errors_are_never_kept(stack: Stack) -> None:
    await private_world()
    client = stack.client
    failing = [
        "{ package(name: 1) { name } }",  # validation
        '{ package(name: "Shown") { nope } }',  # validation
        '{ nodes(ids: ["x"]) { id } }',  # unknown field
        "query($n: Int!) { packages(first: $n) { totalCount } }",  # variable not given
    ]
    for document in failing:
        for _ in range(2):
            response = await post(client, document)
            assert "errors" in response.json(), response.text
    assert len(answers(stack)._entries) == 0


async def test_a_mutation_answered_without_errors_is_not_kept(stack: Stack) -> None:
    # The payload reports the refusal, the operation itself has no errors: still a mutation.
    await private_world()
    document = (
        'mutation { updatePackage(input: {name: "Shown", description: "x"}) { errors { code } } }'
    )
    for _ in range(2):
        response = await post(stack.client, document)
        assert response.status_code == 200
    assert len(answers(stack)._entries) == 0


# --- GraphQL: invalidation ------------------------------------------------------------------


async def test_a_committed_write_is_seen_by_the_next_anonymous_query(stack: Stack) -> None:
    await private_world()
    client = stack.client
    assert (await name_of(client, "Shown"))["description"] == ""  # type: ignore[index]
    assert (await name_of(client, "Shown"))["description"] == ""  # type: ignore[index]
    updated = await client.patch(
        "/api/v1/packages/Shown", json={"description": "Now described"}, headers=bearer("alice")
    )
    assert updated.status_code == 200, updated.text
    assert (await name_of(client, "Shown"))["description"] == "Now described"  # type: ignore[index]
    yanked = await client.post(
        "/api/v1/packages/Shown/versions/1.0.0/yank", json={}, headers=bearer("alice")
    )
    assert yanked.status_code == 200, yanked.text
    assert (await name_of(client, "Shown"))["latestVersion"] is None  # type: ignore[index]


async def test_a_fill_that_raced_a_write_is_dropped(stack: Stack) -> None:
    await private_world()
    cache = answers(stack)
    generation = cache.generation
    cache.invalidate()  # a write commits while an answer is being computed
    cache.put("graphql:x", b"{}", generation)
    assert cache.get("graphql:x") is None


# --- GraphQL: protections hold for cached documents -----------------------------------------


async def test_too_deep_or_too_costly_documents_are_refused_every_time(stack: Stack) -> None:
    await private_world()
    level = "publisher { packages(first: 1) { edges { node { "
    deep = '{ package(name: "Shown") { ' + level * 4 + "name" + " } } } }" * 4 + " } }"
    costly = (
        "query($n: Int!) { packages(first: $n) { edges { node { versions(first: 500) "
        "{ package { name } } } } } }"
    )
    for _ in range(3):
        refused = (await post(stack.client, deep)).json()
        assert "exceeds maximum operation depth" in refused["errors"][0]["message"], refused
        too_costly = (await post(stack.client, costly, {"n": 100})).json()
        assert too_costly["errors"][0]["extensions"]["code"] == "query_too_costly"
        fine = (await post(stack.client, costly, {"n": 1})).json()
        assert "errors" not in fine, fine
    assert len(answers(stack)._entries) == 1  # only the answer without errors


async def test_a_cached_answer_is_still_charged_its_search_budget(stack: Stack) -> None:
    await private_world()
    search = '{ packages(search: "shown") { totalCount } }'
    async with limited(stack, rate_limit_search=(2, 60), rate_limit_read=(100, 60)) as (
        _,
        client_from,
    ):
        client = client_from("10.0.14.1")
        for _ in range(2):
            answer = await post(client, search)
            assert answer.status_code == 200 and "errors" not in answer.json(), answer.text
        assert len(answers(stack)._entries) == 1
        refused = await post(client, search)  # from memory, but over the search budget
        assert_429(refused)
        assert refused.json()["errors"][0]["extensions"]["code"] == "rate_limited"
        other = client_from("10.0.14.2")  # another address has its own budget
        assert (await post(other, search)).status_code == 200


# --- bounds ---------------------------------------------------------------------------------


async def test_large_requests_and_answers_are_not_kept(stack: Stack) -> None:
    await private_world()
    padding = " " * MAX_CACHED_REQUEST_BYTES
    await name_of(stack.client, "Shown")
    entries = len(answers(stack)._entries)
    response = await stack.client.post(
        "/graphql", json={"query": PACKAGE_NAME % '"Shown"' + padding}
    )
    assert response.status_code == 200 and "errors" not in response.json()
    assert len(answers(stack)._entries) == entries


def test_every_cache_is_bounded() -> None:
    lru: BoundedLRU[int, int] = BoundedLRU(3)
    for number in range(10):
        lru.put(number, number)
    assert len(lru) == 3 and lru.get(9) == 9 and lru.get(0) is None
    assert cost._MEASURED.max_entries == ANALYSIS_ENTRIES
    assert charging._CHARGES.max_entries == ANALYSIS_ENTRIES
    cache = ResponseCache(60, max_entries=2, max_bytes=100)
    for index in range(5):
        cache.put(f"k{index}", b"x" * 10, cache.generation)
    assert len(cache._entries) == 2
    cache.put("big", b"x" * 200, cache.generation)
    assert cache.get("big") is None
    universe = resolution_cache.Universe(max_packages=2)
    universe.keep(None, {"a": None, "b": None, "c": None}, universe.generation)
    assert len(universe) == 2


async def test_many_distinct_documents_stay_within_the_analysis_bounds(stack: Stack) -> None:
    for index in range(40):
        await post(stack.client, f'{{ a{index}: package(name: "x{index}") {{ name }} }}')
    assert len(cost._MEASURED) <= ANALYSIS_ENTRIES
    assert len(answers(stack)._entries) <= answers(stack).max_entries


# --- REST resolve and the package universe --------------------------------------------------


async def chain(publisher: Publisher) -> None:
    a = await add_package(publisher, "chain-a")
    b = await add_package(publisher, "chain-b")
    await add_version(a, "1.0.0", dependencies=[("chain-b", ">=1.0.0")])
    await add_version(b, "1.0.0")
    await add_version(b, "1.1.0")


async def resolve(client: httpx.AsyncClient, *names: str, user: str | None = None) -> dict:
    response = await client.post(
        "/api/v1/resolve",
        json={"requirements": list(names)},
        headers=bearer(user) if user else {},
    )
    assert response.status_code == 200, response.text
    return response.json()


@pytest.mark.parametrize("user", [None, "alice"])
async def test_resolutions_see_a_yank_at_once(stack: Stack, user: str | None) -> None:
    # Anonymous callers get the kept answer until the write; members (never answered from
    # memory) resolve over the kept universe, which the write empties too.
    await chain(await private_world())
    for _ in range(2):
        resolved = await resolve(stack.client, "chain-a", user=user)
        assert resolved["resolved"]["chain-b"]["version"] == "1.1.0"
    assert len(resolution_cache.universe) >= 2
    yanked = await stack.client.post(
        "/api/v1/packages/chain-b/versions/1.1.0/yank", json={}, headers=bearer("alice")
    )
    assert yanked.status_code == 200, yanked.text
    resolved = await resolve(stack.client, "chain-a", user=user)
    assert resolved["resolved"]["chain-b"]["version"] == "1.0.0"


async def test_the_shared_universe_keeps_private_packages_private(stack: Stack) -> None:
    publisher = await private_world()
    needs_hidden = await add_package(publisher, "needs-hidden")
    await add_version(needs_hidden, "1.0.0", dependencies=[("Hidden", ">=1.0.0")])
    member = await resolve(stack.client, "needs-hidden", user="alice")
    assert member["success"] and set(member["resolved"]) == {"needs-hidden", "Hidden"}
    anonymous = await resolve(stack.client, "needs-hidden")
    assert "Hidden" not in anonymous["resolved"]
    assert not (await resolve(stack.client, "Hidden"))["success"]
    assert not (await resolve(stack.client, "Hidden", user="bob"))["success"]
    assert (await resolve(stack.client, "Hidden", user="alice"))["success"]


async def test_a_resolution_answer_is_not_shared_across_credentials(stack: Stack) -> None:
    await private_world()
    assert not (await resolve(stack.client, "Hidden"))["success"]
    assert (await resolve(stack.client, "Hidden", user="alice"))["success"]
    assert not (await resolve(stack.client, "Hidden"))["success"]
    refused = await stack.client.post("/api/v1/resolve", json={"requirements": ["bad name !"]})
    assert refused.status_code == 400
    assert len(stack.runtime.resolve_cache._entries) == 1
