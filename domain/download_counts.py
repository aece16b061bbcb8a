"""Download counts, summed in memory and written in batches.

Counting writes nothing on the hot path: downloads are summed in memory and flushed in one
statement per row every few seconds (and at shutdown), so a burst of downloads costs a handful
of UPDATEs, and several web processes simply add their own sums. One counter lives in each
process's `RegistryContext` (domain/context.py), which is why it sits apart from the download
service that uses it: the context must not import the services.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections import Counter

from tortoise.expressions import F

from domain.models import ArtifactBuild, Package, PackageVersion

log = logging.getLogger("registry.downloads")


class DownloadCounter:
    def __init__(self, flush_interval: float = 5.0) -> None:
        self.flush_interval = flush_interval
        self._versions: Counter[int] = Counter()
        self._packages: Counter[int] = Counter()
        self._builds: Counter[int] = Counter()
        self._task: asyncio.Task[None] | None = None

    def count_version(self, package_id: int, version_id: int) -> None:
        self._versions[version_id] += 1
        self._packages[package_id] += 1

    def count_build(self, build_id: int) -> None:
        self._builds[build_id] += 1

    async def flush(self) -> None:
        batches = (
            (PackageVersion, self._versions),
            (Package, self._packages),
            (ArtifactBuild, self._builds),
        )
        self._versions, self._packages, self._builds = Counter(), Counter(), Counter()
        for model, counts in batches:
            field = "total_downloads" if model is Package else "downloads"
            for row_id, n in counts.items():
                await model.filter(id=row_id).update(**{field: F(field) + n})

    async def _loop(self) -> None:
        while True:
            await asyncio.sleep(self.flush_interval)
            try:
                await self.flush()
            except Exception:  # counting must never take the server down
                log.exception("download counter flush failed")

    def start(self) -> None:
        if self._task is None:
            self._task = asyncio.create_task(self._loop())

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
            self._task = None
        with contextlib.suppress(Exception):
            await self.flush()
