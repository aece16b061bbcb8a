"""An operator's CATEGORIES list replaces the defaults everywhere: GET /categories, the
GraphQL query, and what packages may choose (a registry of its own, on both stacks)."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator

import pytest

from tests.fixtures.stack import STACKS, Stack, start_stack, stop_stack
from tests.graphql.support import data
from tests.helpers import create_package, make_publisher
from tests.lifecycle.support import patch

OPERATOR_LIST = json.dumps(
    [
        {"slug": "mods", "title": "Mods", "description": "Everything that extends ToolBox"},
        {"slug": "tools", "title": "Tools"},
        "extras",
    ]
)


@pytest.fixture(scope="module", params=STACKS)
async def custom_stack(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> AsyncIterator[Stack]:
    s3 = request.getfixturevalue("seaweed_s3") if request.param == "production" else None
    tmp = tmp_path_factory.mktemp(f"categories-{request.param}")
    stack, pg_url = await start_stack(request.param, tmp, s3, categories=OPERATOR_LIST)
    try:
        yield stack
    finally:
        await stop_stack(stack, pg_url)


async def test_operator_list_is_served_and_enforced(custom_stack: Stack) -> None:
    stack = custom_stack
    client = stack.client
    listed = await client.get("/api/v1/categories")
    assert listed.status_code == 200
    assert [
        (entry["slug"], entry["title"], entry["description"])
        for entry in listed.json()["categories"]
    ] == [
        ("mods", "Mods", "Everything that extends ToolBox"),
        ("tools", "Tools", ""),
        ("extras", "Extras", ""),
    ]
    query = await data(stack, "{ categories { slug title } }")
    assert [c["slug"] for c in query["categories"]] == ["mods", "tools", "extras"]

    await make_publisher("u1")
    default_only = await create_package(client, "u1", "Gadget", categories=["ai"])
    assert default_only.status_code == 400 and "ai" in default_only.json()["detail"]
    created = await create_package(client, "u1", "Gadget", categories=["tools"])
    assert created.status_code == 201, created.text
    assert created.json()["categories"] == ["tools"]
    changed = await patch(stack, "Gadget", "u1", categories=["mods", "extras"])
    assert changed.status_code == 200 and changed.json()["categories"] == ["mods", "extras"]
