"""Fixtures for contract tests: a client that speaks like the ToolBoxV2 client, on both stacks."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import pytest

from tests.contract.client import ContractClient
from tests.contract.world import World, make_world
from tests.fixtures.stack import Stack


@pytest.fixture
async def openapi_document(stack: Stack) -> dict[str, Any]:
    response = await stack.client.get("/api/v1/openapi.json")
    assert response.status_code == 200, response.text
    return response.json()


@pytest.fixture
async def api(stack: Stack, openapi_document: dict[str, Any]) -> AsyncIterator[ContractClient]:
    client = ContractClient(stack.client._transport, openapi_document)
    try:
        yield client
    finally:
        await client.aclose()


@pytest.fixture
async def world(stack: Stack, api: ContractClient) -> World:
    return await make_world(stack, api)
