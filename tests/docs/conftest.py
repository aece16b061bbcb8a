"""A real registry process (`python -m registry`) on a fresh data dir, for the /api/docs page
tests; the examples of docs/api.md start their own (they write to it)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.process.server import ServerProcess


@pytest.fixture(scope="package")
def docs_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ServerProcess]:
    server = ServerProcess(tmp_path_factory.mktemp("api-docs") / "data", {"ADMIN_USERS": ""})
    server.start()
    try:
        yield server
    finally:
        server.stop()
