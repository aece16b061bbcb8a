"""The acceptance bench's small mode (bench/download_stats_bench.py): 2,000 downloads of two
package versions and two artifact builds, split across two real `tb-registry serve` processes
on one PostgreSQL database, one of them stopped with SIGTERM and started again midway, every
download counted exactly once in the daily rows (on the run's UTC day), the version, build and
package totals, and a third process's REST statistics of the package and the artifact. About a
minute on a loaded machine (the downloads are real HTTP requests)."""

from __future__ import annotations

from pathlib import Path

from bench.download_stats_bench import ARTIFACT_LABELS, TARGETS, exactness
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
    sent = result["sent_per_target"]
    assert sum(sent.values()) == DOWNLOADS
    assert set(sent) == set(TARGETS) and min(sent.values()) > DOWNLOADS // len(TARGETS) // 2
    assert result["daily_per_target"] == sent
    assert result["target_totals"] == sent
    assert set(result["days"]) <= set(result["run_days"])
    artifact_sent = sum(n for label, n in sent.items() if label in ARTIFACT_LABELS)
    assert result["package_total"] == result["rest_package_total"] == DOWNLOADS - artifact_sent
    assert result["rest_artifact_total"] == artifact_sent
    assert result["exact"]
