"""Heavy GraphQL requests take turns (issue #12, finding 1 and 8): however many arrive at once,
one at a time does its work on the event loop, so cheap requests (`/health` included) never
queue behind more than one such step. bench/dos_bench.py measures the effect on `/health`.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import Iterator
from typing import Any

import pytest
from graphql import parse

from domain.bounds import MAX_UPDATE_ITEMS
from domain.services import updates
from registry.graphql.view import LARGE_REQUEST_BYTES
from schema.core.cost import measure
from schema.core.protection import HEAVY_QUERY_COST
from schema.schema import schema
from tests.fixtures.stack import Stack
from tests.graphql.support import post

CHECK = "query($i: [UpdateQueryInput!]!) { checkUpdates(items: $i) { found name } }"
# A few aliases of one batch: a small body whose cost is still heavy. The aliases of one
# request run side by side, so overlap up to their number is that one request's own.
ALIASES = 3
ALIASED = (
    "query($i: [UpdateQueryInput!]!) { "
    + " ".join(f"c{n}: checkUpdates(items: $i) {{ found }}" for n in range(ALIASES))
    + " }"
)


class Overlap:
    """Counts how many update checks run at the same time."""

    def __init__(self) -> None:
        self.running = 0
        self.most = 0

    async def wrap(self, original: Any, *args: Any, **kwargs: Any) -> Any:
        self.running += 1
        self.most = max(self.most, self.running)
        try:
            await asyncio.sleep(0.05)  # long enough for every request to have arrived
            return await original(*args, **kwargs)
        finally:
            self.running -= 1


@pytest.fixture
def overlap(monkeypatch: pytest.MonkeyPatch) -> Iterator[Overlap]:
    seen = Overlap()
    original = updates.newest_compatible

    async def counted(*args: Any, **kwargs: Any) -> Any:
        return await seen.wrap(original, *args, **kwargs)

    monkeypatch.setattr(updates, "newest_compatible", counted)
    yield seen


def items(count: int) -> list[dict[str, str]]:
    return [{"name": f"p{n}", "version": "1.0.0"} for n in range(count)]


@pytest.mark.parametrize(
    ("query", "variables", "one_request"),
    [
        pytest.param(CHECK, {"i": items(MAX_UPDATE_ITEMS)}, 1, id="large-body"),
        pytest.param(ALIASED, {"i": items(40)}, ALIASES, id="small-body-heavy-cost"),
    ],
)
async def test_heavy_queries_do_their_work_one_at_a_time(
    stack: Stack, overlap: Overlap, query: str, variables: dict[str, Any], one_request: int
) -> None:
    answers = await asyncio.gather(*(post(stack.client, query, variables) for _ in range(4)))
    assert all(a.status_code == 200 and "errors" not in a.json() for a in answers)
    assert overlap.most == one_request


async def test_cheap_queries_are_not_held_back(stack: Stack, overlap: Overlap) -> None:
    variables = {"i": items(3)}
    assert len(json.dumps({"query": CHECK, "variables": variables})) < LARGE_REQUEST_BYTES
    answers = await asyncio.gather(*(post(stack.client, CHECK, variables) for _ in range(4)))
    assert all(a.status_code == 200 and "errors" not in a.json() for a in answers)
    assert overlap.most > 1


def test_the_cases_are_what_they_claim() -> None:
    small = {"query": ALIASED, "variables": {"i": items(40)}}
    assert len(json.dumps(small)) < LARGE_REQUEST_BYTES  # held back by its cost, not its size
    assert measure(schema._schema, parse(ALIASED), variables=small["variables"]).cost >= (
        HEAVY_QUERY_COST
    )
    cheap = measure(schema._schema, parse(CHECK), variables={"i": items(3)}).cost
    assert cheap < HEAVY_QUERY_COST


async def test_a_slowly_sent_body_does_not_hold_the_turn(stack: Stack) -> None:
    """The turn is taken once the whole body is in: a client trickling its body holds none."""
    body = json.dumps({"query": CHECK, "variables": {"i": items(MAX_UPDATE_ITEMS)}}).encode()
    assert len(body) > LARGE_REQUEST_BYTES
    release = asyncio.Event()

    async def trickle() -> Any:
        yield body[:100]
        await release.wait()
        yield body[100:]

    slow = asyncio.create_task(
        stack.client.post(
            "/graphql",
            content=trickle(),
            headers={"content-type": "application/json", "content-length": str(len(body))},
        )
    )
    await asyncio.sleep(0.2)  # the slow request is in, its body half sent
    other = await asyncio.wait_for(post(stack.client, CHECK, {"i": items(MAX_UPDATE_ITEMS)}), 20)
    assert other.status_code == 200 and "errors" not in other.json()
    assert not slow.done()
    release.set()
    answered = await asyncio.wait_for(slow, 20)
    assert answered.status_code == 200 and "errors" not in answered.json()
