"""Rate limiting through the real app: separate budgets, per user/IP, 429 with JSON and
whole-second Retry-After, and a burst of failed logins that blocks only its own IP."""

from __future__ import annotations

import uuid
from collections.abc import Awaitable, Callable
from typing import Any

import httpx
import redis.asyncio as aioredis

from domain.actor import Actor
from domain.services import tokens
from tests.fixtures.stack import Stack, bearer
from tests.helpers import make_publisher
from tests.ratelimit.support import assert_429, limited


async def failed_login_burst(stack: Stack, **settings: Any) -> None:
    """1,000 failed logins from one IP while legitimate users on other IPs keep working."""
    await make_publisher("alice", "alices")
    async with limited(stack, rate_limit_auth_failures=(25, 60), **settings) as (_, client_from):
        attacker = client_from("10.0.0.66")
        users = [client_from(f"10.0.1.{n}") for n in range(1, 4)]
        bad = {"Authorization": "Bearer forged.jwt.token"}
        statuses: dict[int, int] = {}
        for attempt in range(1000):
            response = await attacker.get("/api/v1/auth/me", headers=bad)
            statuses[response.status_code] = statuses.get(response.status_code, 0) + 1
            if response.status_code == 429 and statuses[429] == 1:
                assert_429(response)
            if attempt % 100 == 0:
                for number, user in enumerate(users):
                    me = await user.get("/api/v1/auth/me", headers=bearer(f"user{number}"))
                    assert me.status_code == 200, me.text
                    public = await user.get("/api/v1/publishers")
                    assert public.status_code == 200
                    # Even a legitimate user's own typo does not get them blocked.
                    typo = await user.get("/api/v1/auth/me", headers=bad)
                    assert typo.status_code == 401
        assert statuses == {401: 25, 429: 975}
        # The blocked IP is blocked for everything, even with a valid token...
        assert_429(await attacker.get("/api/v1/auth/me", headers=bearer("alice")))
        # ...and nobody else is.
        assert (
            await client_from("10.0.2.1").get("/api/v1/auth/me", headers=bearer("alice"))
        ).status_code == 200


async def test_burst_of_failed_logins_blocks_only_that_ip(stack: Stack) -> None:
    await failed_login_burst(stack)


async def test_burst_of_failed_logins_with_redis_counters(stack: Stack, redis_url: str) -> None:
    prefix = f"tbr-test:{uuid.uuid4().hex}:"
    try:
        await failed_login_burst(stack, redis_url=redis_url, rate_limit_key_prefix=prefix)
    finally:
        client = aioredis.from_url(redis_url)
        keys = [key async for key in client.scan_iter(f"{prefix}*")]
        assert keys, "the counters lived in Redis"
        await client.delete(*keys)
        await client.aclose()


async def test_anonymous_reads_are_limited_per_ip(stack: Stack) -> None:
    async with limited(stack, rate_limit_read=(5, 60)) as (_, client_from):
        first, other = client_from("10.0.0.1"), client_from("10.0.0.2")
        for expected_remaining in range(4, -1, -1):
            response = await first.get("/api/v1/publishers")
            assert response.status_code == 200
            assert response.headers["x-ratelimit-limit"] == "5"
            assert response.headers["x-ratelimit-remaining"] == str(expected_remaining)
        assert_429(await first.get("/api/v1/publishers"))
        assert_429(await first.get("/api/v1/packages/whatever"))
        assert (await other.get("/api/v1/publishers")).status_code == 200
        # Health checks are never limited.
        assert (await first.get("/api/v1/health")).status_code == 200
        assert (await first.get("/health")).status_code == 200


async def test_users_are_limited_per_user_not_per_ip(stack: Stack) -> None:
    async with limited(stack, rate_limit_read=(4, 60)) as (_, client_from):
        office, home = client_from("10.0.0.1"), client_from("10.0.0.2")
        for client in (office, home, office, home):
            assert (await client.get("/api/v1/auth/me", headers=bearer("alice"))).status_code == 200
        # Alice's budget follows her across addresses...
        assert_429(await home.get("/api/v1/auth/me", headers=bearer("alice")))
        assert_429(await client_from("10.0.0.3").get("/api/v1/publishers", headers=bearer("alice")))
        # ...while a colleague behind the same NAT, and anonymous readers, are unaffected.
        assert (await office.get("/api/v1/auth/me", headers=bearer("bob"))).status_code == 200
        assert (await office.get("/api/v1/publishers")).status_code == 200


async def test_api_tokens_pay_from_their_users_budget(stack: Stack) -> None:
    await make_publisher("alice", "alices")
    first = (await tokens.create_token(Actor(user_id="alice"), "a", ["read-private"])).plaintext
    second = (await tokens.create_token(Actor(user_id="alice"), "b", ["read-private"])).plaintext
    forged = tokens.generate_plaintext()  # well formed, never issued
    async with limited(stack, rate_limit_read=(3, 60)) as (_, client_from):
        client = client_from("10.0.0.1")

        async def with_token(token: str) -> httpx.Response:
            return await client.get(
                "/api/v1/publishers", headers={"Authorization": f"Bearer {token}"}
            )

        for _ in range(2):
            assert (await with_token(first)).status_code == 200
        assert (await with_token(second)).status_code == 200
        # Alice's second token draws on the same budget as her first.
        assert_429(await with_token(first))
        assert_429(await with_token(second))
        # A forged token is an anonymous caller: the IP pays, so inventing tokens gains nothing.
        for _ in range(3):
            assert (await with_token(forged)).status_code == 200
        assert_429(await client.get("/api/v1/publishers"))
        assert_429(await with_token(tokens.generate_plaintext()))


async def test_search_and_upload_budgets_are_separate(stack: Stack) -> None:
    await make_publisher("alice", "alices")
    async with limited(
        stack, rate_limit_search=(2, 60), rate_limit_upload=(1, 60), rate_limit_read=(50, 60)
    ) as (_, client_from):
        client = client_from("10.0.0.1")
        for _ in range(2):
            assert (await client.get("/api/v1/search?q=x")).status_code == 200
        assert_429(await client.get("/api/v1/search?q=x"))
        assert_429(await client.post("/api/v1/resolve", json={"requirements": ["x"]}))
        assert (await client.get("/api/v1/packages")).status_code == 200

        upload: Callable[[], Awaitable[httpx.Response]] = lambda: client.post(  # noqa: E731
            "/api/v1/packages/Nothing/versions",
            headers=bearer("alice"),
            data={"version": "1.0.0"},
            files={"file": ("x.zip", b"PK", "application/zip")},
        )
        first = await upload()
        assert first.status_code == 404  # refused uploads count too
        assert_429(await upload())
        assert (await client.get("/api/v1/auth/me", headers=bearer("alice"))).status_code == 200


async def test_limits_can_be_disabled(stack: Stack) -> None:
    async with limited(stack, rate_limit_enabled=False, rate_limit_auth_failures=(1, 60)) as (
        _,
        client_from,
    ):
        client = client_from("10.0.0.1")
        for _ in range(20):
            response = await client.get("/api/v1/auth/me", headers={"Authorization": "Bearer x"})
            assert response.status_code == 401
            assert "x-ratelimit-limit" not in response.headers
