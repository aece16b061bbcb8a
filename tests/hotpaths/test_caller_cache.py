"""A signed-in caller's user row is kept between requests (registry/auth.py) only until the
next committed write: a membership given or taken away shows on the very next request, a
read that raced a write is not kept, and the row is read once for repeated requests."""

from __future__ import annotations

from typing import Any

import pytest

from domain import changes
from domain.actor import Actor
from domain.services import members, users
from tests.fixtures.stack import Stack, bearer
from tests.graphql.support import add_package, add_version, post
from tests.helpers import make_publisher
from tests.publishers.support import join_publisher

HIDDEN = '{ package(name: "Hidden") { name } }'


async def sees_hidden(stack: Stack, user: str) -> bool:
    response = await post(stack.client, HIDDEN, user=user)
    body = response.json()
    assert response.status_code == 200 and "errors" not in body, response.text
    return body["data"]["package"] is not None


@pytest.fixture
def lookups(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The user ids whose row was read from the database."""
    seen: list[str] = []
    real = users.actor_from_claims

    async def counted(user_id: str, *args: Any, **kwargs: Any) -> Actor:
        seen.append(user_id)
        return await real(user_id, *args, **kwargs)

    monkeypatch.setattr(users, "actor_from_claims", counted)
    return seen


async def test_membership_changes_show_on_the_next_request(
    stack: Stack, lookups: list[str]
) -> None:
    publisher = await make_publisher("alice", "alices")
    hidden = await add_package(publisher, "Hidden", visibility="private")
    await add_version(hidden, "1.0.0")
    assert not await sees_hidden(stack, "bob")
    await join_publisher(stack.client, "alice", "alices", "bob")  # committed writes
    assert await sees_hidden(stack, "bob")
    lookups.clear()
    assert await sees_hidden(stack, "bob")
    assert await sees_hidden(stack, "bob")
    assert lookups == []  # kept: nothing was written since
    await members.remove_member(Actor(user_id="alice"), "alices", "bob")
    assert not await sees_hidden(stack, "bob")
    assert lookups == ["bob"]


async def test_a_read_that_raced_a_write_is_not_kept(
    stack: Stack, lookups: list[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    await make_publisher("alice", "alices")
    counted = users.actor_from_claims

    async def write_meanwhile(*args: Any, **kwargs: Any) -> Actor:
        actor = await counted(*args, **kwargs)
        changes.announce()  # a write committed while the row was being read
        return actor

    monkeypatch.setattr(users, "actor_from_claims", write_meanwhile)
    await sees_hidden(stack, "alice")
    monkeypatch.setattr(users, "actor_from_claims", counted)
    lookups.clear()
    await sees_hidden(stack, "alice")
    assert lookups == ["alice"]  # what raced the write was not kept
    await sees_hidden(stack, "alice")
    assert lookups == ["alice"]  # this one was


async def test_another_name_or_email_in_the_token_is_read_again(
    stack: Stack, lookups: list[str]
) -> None:
    await make_publisher("alice", "alices")
    await sees_hidden(stack, "alice")
    lookups.clear()
    await sees_hidden(stack, "alice")
    assert lookups == []
    response = await stack.client.post(
        "/graphql", json={"query": HIDDEN}, headers=bearer("alice", "alice-renamed")
    )
    assert response.status_code == 200
    assert lookups == ["alice"]
