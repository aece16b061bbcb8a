"""The acceptance bench's small mode (bench/download_stats_bench.py): 2,000 downloads split
across two real `tb-registry serve` processes on one PostgreSQL database, one of them stopped
with SIGTERM and started again midway, every download counted exactly once in the daily rows,
the version and package totals, and a third process's REST statistics. About a minute on a
loaded machine (the downloads are real HTTP requests)."""

from __future__ import annotations

from pathlib import Path

from bench.download_stats_bench import exactness
from domain.database import apply_migrations

DOWNLOADS = 2000


async def _migrated(url: str) -> str:
    await apply_migrations(url)
    return url


def test_downloads_across_two_processes_and_a_restart_are_counted_exactly(
    postgres_url: str, tmp_path: Path
) -> None:
    import asyncio

    asyncio.run(_migrated(postgres_url))
    result = exactness(DOWNLOADS, concurrency=16, workdir=tmp_path, database_url=postgres_url)
    assert result["restart"]["exit_status"] == 0
    assert result["exit_status"] == {"a": 0, "b": 0}
    assert sum(result["sent_per_version"].values()) == DOWNLOADS
    assert result["daily_per_version"] == result["sent_per_version"]
    assert result["version_totals"] == result["sent_per_version"]
    assert result["package_total"] == DOWNLOADS
    assert result["rest_stats_total"] == DOWNLOADS
    assert result["exact"]
