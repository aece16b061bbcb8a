"""Download counts, summed in memory and written in batches.

Counting writes nothing on the hot path: a download adds one to an in-memory sum keyed by
(package, version, UTC day) or (build, day), and a flush every few seconds (and at shutdown)
writes each sum twice: onto the running totals (`total_downloads`, `downloads`; one UPDATE per
row) and into the per-day statistics (`version_download_days`, `build_download_days`; one
multi-row upsert per batch, `INSERT ... ON CONFLICT (.., day) DO UPDATE SET downloads =
downloads + excluded.downloads`, which SQLite and PostgreSQL both speak). Several web processes
simply add their own sums. The totals are derived from the daily sums at flush time, so the
hot path costs one dict increment, as it did before the daily rows existed.

A flush that fails (the database is away) puts back what it had not written, so the next flush
writes it: no increment is lost to an outage, only delayed. One counter lives in each process's
`RegistryContext` (domain/context.py), which is why it sits apart from the download service that
uses it: the context must not import the services.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections import Counter
from collections.abc import Iterable, Sequence
from datetime import date, timedelta
from typing import Any

from tortoise import connections
from tortoise.exceptions import IntegrityError
from tortoise.expressions import F
from tortoise.models import Model

from domain.models import (
    ArtifactBuild,
    BuildDownloadDay,
    Package,
    PackageVersion,
    VersionDownloadDay,
)

log = logging.getLogger("registry.downloads")

_SECONDS_PER_DAY = 86_400
_EPOCH = date(1970, 1, 1)
# Rows per upsert statement: 4 parameters each stays far below SQLite's 32,766 and
# PostgreSQL's 32,767 bound parameters.
UPSERT_BATCH = 500

VersionKey = tuple[int, int, int]  # (package id, version id, UTC day number)
BuildKey = tuple[int, int]  # (build id, UTC day number)


def day_number() -> int:
    """Today's UTC day as days since 1970-01-01: an integer division, cheaper than a date."""
    return int(time.time()) // _SECONDS_PER_DAY


def day_of(number: int) -> date:
    return _EPOCH + timedelta(days=number)


class DownloadCounter:
    def __init__(self, flush_interval: float = 5.0) -> None:
        self.flush_interval = flush_interval
        self._versions: Counter[VersionKey] = Counter()
        self._builds: Counter[BuildKey] = Counter()
        self._task: asyncio.Task[None] | None = None
        # One flush at a time: the loop's and the shutdown's must not write the same sums.
        self._flushing = asyncio.Lock()

    def count_version(self, package_id: int, version_id: int) -> None:
        self._versions[package_id, version_id, day_number()] += 1

    def count_build(self, build_id: int) -> None:
        self._builds[build_id, day_number()] += 1

    @property
    def pending(self) -> int:
        """Downloads counted but not yet written."""
        return sum(self._versions.values()) + sum(self._builds.values())

    async def flush(self) -> None:
        async with self._flushing:
            versions, self._versions = self._versions, Counter()
            builds, self._builds = self._builds, Counter()
            try:
                await self._write_versions(versions)
            finally:
                # Whatever was not written (an exception stopped the writes) goes back.
                self._versions.update(versions)
            try:
                await self._write_builds(builds)
            finally:
                self._builds.update(builds)

    async def _write_versions(self, pending: Counter[VersionKey]) -> None:
        """Write and remove from `pending` what was written; raises on a failed write."""
        per_version: Counter[int] = Counter()
        per_package: Counter[int] = Counter()
        for (package_id, version_id, _day), n in pending.items():
            per_version[version_id] += n
            per_package[package_id] += n
        rows = [
            (package_id, version_id, day, n) for (package_id, version_id, day), n in pending.items()
        ]
        # Daily rows first: they are one statement per batch and fail or succeed whole; the
        # totals below are one UPDATE per row and cannot be taken back, so once they start
        # the sums count as written (a failure there loses at most those totals' rest).
        for batch in _batches(rows):
            await _upsert_days(VersionDownloadDay, ("package_id", "version_id"), batch)
            for package_id, version_id, day, _n in batch:
                del pending[package_id, version_id, day]
        await _add_totals(PackageVersion, "downloads", per_version)
        await _add_totals(Package, "total_downloads", per_package)

    async def _write_builds(self, pending: Counter[BuildKey]) -> None:
        per_build: Counter[int] = Counter()
        for (build_id, _day), n in pending.items():
            per_build[build_id] += n
        rows = [(build_id, day, n) for (build_id, day), n in pending.items()]
        for batch in _batches(rows):
            await _upsert_days(BuildDownloadDay, ("build_id",), batch)
            for build_id, day, _n in batch:
                del pending[build_id, day]
        await _add_totals(ArtifactBuild, "downloads", per_build)

    async def _loop(self) -> None:
        while True:
            await asyncio.sleep(self.flush_interval)
            try:
                await self.flush()
            except Exception:  # counting must never take the server down
                log.exception("download counter flush failed; the counts are kept for the next")

    def start(self) -> None:
        if self._task is None:
            self._task = asyncio.create_task(self._loop())

    async def stop(self) -> None:
        if self._task is not None:
            # Not in the middle of a flush: a statement cancelled after the database ran it
            # would leave its batch counted and put back, so written twice.
            async with self._flushing:
                self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
            self._task = None
        try:
            await self.flush()
        except Exception:
            log.exception("download counter: %d downloads not written at shutdown", self.pending)


def _batches(rows: Sequence[tuple[int, ...]]) -> Iterable[Sequence[tuple[int, ...]]]:
    for start in range(0, len(rows), UPSERT_BATCH):
        yield rows[start : start + UPSERT_BATCH]


async def _add_totals(model: type[Model], field: str, counts: Counter[int]) -> None:
    for row_id, n in counts.items():
        await model.filter(id=row_id).update(**{field: F(field) + n})


async def _upsert_days(
    model: type[Model], key_columns: tuple[str, ...], batch: Sequence[tuple[int, ...]]
) -> None:
    """Add each row's count to its (key..., day) row, creating it at need. A row whose
    version or build was deleted since it was counted fails the batch's foreign key: the
    batch is then written row by row and such rows are dropped (their downloads are of
    something that no longer exists)."""
    connection = connections.get("default")
    postgres = connection.capabilities.dialect == "postgres"
    table = model._meta.db_table
    columns = (*key_columns, "day", "downloads")
    # The unique (row, day) pair: the last key column names the row (a version's package
    # comes with it but is not part of the key).
    conflict = f"{key_columns[-1]}, day"

    def statement(rows: int) -> str:
        if postgres:
            marks = [
                "(" + ", ".join(f"${r * len(columns) + c + 1}" for c in range(len(columns))) + ")"
                for r in range(rows)
            ]
        else:
            marks = ["(" + ", ".join("?" * len(columns)) + ")"] * rows
        return (
            f'INSERT INTO "{table}" ({", ".join(columns)}) VALUES {", ".join(marks)} '
            f"ON CONFLICT ({conflict}) DO UPDATE "
            f'SET downloads = "{table}".downloads + excluded.downloads'
        )

    def values(row: tuple[int, ...]) -> list[Any]:
        *keys, day, n = row
        # asyncpg binds a DATE from a `date`; SQLite stores Tortoise's DateField as ISO text.
        when: date | str = day_of(day) if postgres else day_of(day).isoformat()
        return [*keys, when, n]

    params = [value for row in batch for value in values(row)]
    try:
        await connection.execute_query(statement(len(batch)), params)
    except IntegrityError:
        if len(batch) == 1:
            log.warning("download counts of a deleted row dropped (%s: %s)", table, batch[0])
            return
        for row in batch:
            await _upsert_days(model, key_columns, [row])
