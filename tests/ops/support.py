"""The registry on the embedded stack only, for tests of the HTTP layer (logs, headers, client
addresses): what they check does not depend on the database or storage behind it."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from tests.fixtures.stack import Stack, start_stack, stop_stack


@pytest.fixture(scope="module")
async def embedded(tmp_path_factory: pytest.TempPathFactory) -> AsyncIterator[Stack]:
    stack, _ = await start_stack("embedded", tmp_path_factory.mktemp("embedded"), None)
    try:
        yield stack
    finally:
        await stop_stack(stack, None)
