"""Metrics read at scrape time: replication lag from the database, the arq queue's depth from
Redis. They describe shared state, not one process, so whichever web process is scraped
reads them afresh (in multiprocess mode too: they are not kept in the shared files).

Each source is read within `READ_TIMEOUT_SECONDS`; one that fails or is slow is left out of
that scrape (and logged) instead of failing `/metrics`, and `registry_metrics_source_up`
says which sources answered.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Iterator
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from prometheus_client.core import GaugeMetricFamily, Metric
from prometheus_client.registry import Collector
from tortoise.functions import Min

from domain.context import RegistryContext
from domain.enums import CopyState
from domain.models import StoredCopy
from domain.services import replication

log = logging.getLogger("registry.metrics")

READ_TIMEOUT_SECONDS = 5.0
# Copies that are not (yet) a verified copy: what replication and repair still have to do.
_PENDING_STATES = (CopyState.COPYING, CopyState.MISSING, CopyState.CORRUPT)


@dataclass(eq=False)  # hashable by identity: a registry keeps its collectors in a dict
class Snapshot(Collector):
    """What one scrape read; collected into the scrape's registry like any collector."""

    lag: dict[str, int] = field(default_factory=dict)
    oldest_pending_seconds: dict[str, float] = field(default_factory=dict)
    arq_depth: dict[str, int] = field(default_factory=dict)
    sources_up: dict[str, bool] = field(default_factory=dict)

    def collect(self) -> Iterator[Metric]:
        lag = GaugeMetricFamily(
            "registry_replication_lag_objects",
            "Referenced objects without a verified copy on the backend (from the database).",
            labels=["backend"],
        )
        for backend, count in sorted(self.lag.items()):
            lag.add_metric([backend], count)
        oldest = GaugeMetricFamily(
            "registry_replication_oldest_pending_seconds",
            "Age of the backend's oldest copy still copying, missing or corrupt (0: none).",
            labels=["backend"],
        )
        for backend, seconds in sorted(self.oldest_pending_seconds.items()):
            oldest.add_metric([backend], seconds)
        depth = GaugeMetricFamily(
            "registry_arq_queue_depth",
            "Jobs in the arq queue in Redis (queued, deferred or running).",
            labels=["queue"],
        )
        for queue, count in sorted(self.arq_depth.items()):
            depth.add_metric([queue], count)
        up = GaugeMetricFamily(
            "registry_metrics_source_up",
            "Whether a scrape-time source answered this scrape (1) or not (0).",
            labels=["source"],
        )
        for source, ok in sorted(self.sources_up.items()):
            up.add_metric([source], 1 if ok else 0)
        yield from (lag, oldest, depth, up)


async def _oldest_pending(ctx: RegistryContext) -> dict[str, float]:
    rows = (
        await StoredCopy.filter(state__in=_PENDING_STATES)
        .annotate(since=Min("updated_at"))
        .group_by("backend")
        .values("backend", "since")
    )
    since: dict[str, datetime] = {
        str(row["backend"]): row["since"] for row in rows if row["since"] is not None
    }
    ages = {}
    for store in ctx.storage.all:
        first = since.get(store.name)
        # Naive or aware as the database connection returns them (SQLite, PostgreSQL).
        ages[store.name] = (
            max((datetime.now(first.tzinfo) - first).total_seconds(), 0.0) if first else 0.0
        )
    return ages


async def _arq_depth(queue: Any) -> dict[str, int]:
    return {queue.queue_name: int(await queue.pool.zcard(queue.queue_name))}


async def _read(snapshot: Snapshot, source: str, reading: Awaitable[Any]) -> Any:
    try:
        async with asyncio.timeout(READ_TIMEOUT_SECONDS):
            value = await reading
    except Exception as error:  # a metrics source never fails the scrape
        log.warning("metrics: reading %s failed: %s", source, error)
        snapshot.sources_up[source] = False
        return None
    snapshot.sources_up[source] = True
    return value


async def take_snapshot(runtime: Any) -> Snapshot:
    """Read every scrape-time source of this runtime (a started registry.runtime.Runtime)."""
    snapshot = Snapshot()
    ctx: RegistryContext = runtime.ctx
    lag = await _read(snapshot, "database", replication.replication_lag(ctx))
    if lag is not None:
        snapshot.lag = lag
        oldest = await _read(snapshot, "database", _oldest_pending(ctx))
        snapshot.oldest_pending_seconds = oldest or {}
    # The arq queue (REDIS_URL set) has a pool; the in-process one counts itself (metrics.py).
    queue = runtime.queue
    if getattr(queue, "pool", None) is not None:
        depth = await _read(snapshot, "redis", _arq_depth(queue))
        snapshot.arq_depth = depth or {}
    # Breakers are made on first use: make each configured backend's, so all are shown.
    for store in ctx.storage.all:
        ctx.storage.breakers.get(store.name)
    return snapshot
