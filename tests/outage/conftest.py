"""Fixtures the outage tests share: a database of their own on the shared PostgreSQL, or a
private PostgreSQL cluster they may stop and start."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator

import pytest

from tests.fixtures.services import create_postgres_database, drop_postgres_database
from tests.outage.pg_cluster import PostgresCluster


@pytest.fixture
def postgres_database() -> Iterator[str]:
    url = asyncio.run(create_postgres_database())
    try:
        yield url
    finally:
        asyncio.run(drop_postgres_database(url))


@pytest.fixture
def cluster() -> Iterator[PostgresCluster]:
    cluster = PostgresCluster()
    cluster.create()
    try:
        cluster.start()
        yield cluster
    finally:
        cluster.destroy()
