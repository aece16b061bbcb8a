"""Retention of the per-day download statistics: rows older than
DOWNLOAD_STATS_RETENTION_DAYS are deleted (hourly, workers/tasks.py PERIODIC)."""

from __future__ import annotations

import logging
from typing import Any

from domain.jobs import PRUNE_DOWNLOAD_STATS
from domain.services import download_stats
from workers.functions import runs

log = logging.getLogger("registry.jobs")


@runs(PRUNE_DOWNLOAD_STATS)
async def prune_download_stats(ctx: dict[str, Any]) -> int:
    retention = ctx["registry"].policy.download_stats_retention_days
    deleted = await download_stats.prune(retention)
    if deleted:
        log.info(
            "download statistics: %d daily rows older than %d days deleted", deleted, retention
        )
    return deleted
