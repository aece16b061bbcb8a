"""The composition root: database, storage backends, job queue and event bus, started once.

`tb-registry serve` and `tb-registry worker` (registry/worker.py) both build their process
from `Runtime`. This module and registry/worker.py are the only places in registry/ that reach
into workers/: they hand its job functions to the queues, which run whatever they are given.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from typing import Any

from domain import database, search_index
from domain.categories import parse_catalog
from domain.context import Policy, RegistryContext, StorageSet
from domain.events import EventBus, InMemoryEventBus
from domain.outbound import OutboundRules
from domain.services import (
    lifecycle,
    replication,
    resolution_cache,
    verification,
    webhook_outbox,
)
from registry import metrics
from registry.change_feed import ChangeFeed
from registry.config import Settings
from registry.queues.arq_queue import ArqQueue
from registry.queues.inprocess import InProcessQueue
from registry.read_cache import ResponseCache
from registry.redis_event_bus import RedisEventBus
from registry.startup_wait import wait_for
from storage.errors import StorageError
from storage.factory import build_store
from storage.failover import BreakerBoard
from storage.interface import BlobStore
from storage.scratch import ScratchArea
from workers import tasks
from workers.functions import JOBS

log = logging.getLogger("registry")

PAGE_CACHE_BYTES = 64 * 1024 * 1024
ANSWER_CACHE_BYTES = 32 * 1024 * 1024


def policy_from(settings: Settings) -> Policy:
    """What the domain services read, taken from the settings (which hold every default)."""
    return Policy(
        max_upload_bytes=settings.max_upload_bytes,
        public_base_url=settings.public_base_url,
        allowed_hosts=settings.allowed_hosts,
        normalize_mod_layout=settings.normalize_mod_layout,
        unlisted_require_auth=settings.unlisted_require_auth,
        max_api_tokens_per_user=settings.max_api_tokens_per_user,
        verification=verification_config_from(settings),
        replication=replication_config_from(settings),
        categories=parse_catalog(settings.categories),
        outbound=OutboundRules(
            allow_hosts=settings.outbound_allow_hosts,
            allow_networks=settings.outbound_allow_networks,
        ),
        download_stats_retention_days=settings.download_stats_retention_days,
        webhooks=webhook_config_from(settings),
    )


def webhook_config_from(settings: Settings) -> webhook_outbox.WebhookConfig:
    return webhook_outbox.WebhookConfig(
        timeout_seconds=settings.webhook_timeout_seconds,
        response_limit_bytes=settings.webhook_response_limit_bytes,
        max_attempts=settings.webhook_max_attempts,
        retry_base_seconds=settings.webhook_retry_base_seconds,
        retry_max_seconds=settings.webhook_retry_max_seconds,
        disable_after=settings.webhook_disable_after,
        log_retention_days=settings.webhook_log_retention_days,
    )


def verification_config_from(settings: Settings) -> verification.VerificationConfig:
    return verification.VerificationConfig(
        github_base_url=settings.verify_github_base_url,
        domain_url_template=settings.verify_domain_url_template,
        dns_nameservers=settings.verify_dns_nameservers,
        dns_port=settings.verify_dns_port,
        timeout_seconds=float(settings.verify_timeout_seconds),
        max_response_bytes=settings.verify_max_response_bytes,
        challenge_ttl_seconds=settings.verify_challenge_ttl_seconds,
        recheck_interval_seconds=settings.verify_recheck_interval_seconds,
    )


def replication_config_from(settings: Settings) -> replication.ReplicationConfig:
    return replication.ReplicationConfig(
        reconcile_full=settings.reconcile_mode == "full",
        sample_size=settings.reconcile_sample_size,
        retry_base_seconds=settings.replication_retry_base_seconds,
    )


async def open_storage(settings: Settings) -> StorageSet:
    """Build and check every backend. An unreachable primary fails the start with a clear
    error; an unreachable mirror is only logged (its breaker starts open): mirrors exist to
    survive outages, so one must not keep the server or the worker from starting.
    Reconciliation sets the mirror up once it is back."""
    settings.spool_dir.mkdir(parents=True, exist_ok=True)
    breakers = BreakerBoard(
        settings.storage_breaker_cooldown_seconds, on_change=metrics.breaker_changed
    )
    stores: list[BlobStore] = []
    try:
        for spec in (settings.primary_storage, *settings.mirrors):
            store = build_store(spec, spool_dir=settings.spool_dir)
            stores.append(store)
            try:
                await store.ensure_ready()
                await store.startup_cleanup()
            except StorageError as exc:
                if spec is settings.primary_storage:
                    raise
                log.warning("mirror %s is unavailable at start: %s", spec.name, exc)
                breakers.get(spec.name).record_failure(str(exc))
    except BaseException:
        for store in stores:
            await store.aclose()
        raise
    return StorageSet(primary=stores[0], mirrors=stores[1:], breakers=breakers)


def event_bus_for(settings: Settings) -> EventBus:
    """Events cross processes through Redis pub/sub when Redis is configured (scans run in
    worker processes, subscribers sit in web processes); otherwise one process has them all."""
    if settings.redis_url is not None:
        return RedisEventBus.from_url(settings.redis_url, prefix=f"{settings.queue_name}:events:")
    return InMemoryEventBus()


def in_process_queue(job_ctx: dict[str, Any]) -> InProcessQueue:
    """The embedded runner over the registry's job functions."""
    return InProcessQueue(job_ctx, JOBS)


async def job_queue_for(settings: Settings, job_ctx: dict[str, Any]) -> InProcessQueue | ArqQueue:
    """arq over Redis when REDIS_URL is set (workers run the jobs), else the in-process one."""
    if settings.redis_url is not None:
        return await ArqQueue.connect(settings.redis_url, settings.queue_name, JOBS)
    return in_process_queue(job_ctx)


class Runtime:
    """Everything a web or worker process holds open, with one start and one stop."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        # The ToolBoxV2 releases the listing's `toolbox` facet counts (domain/search_index.py).
        search_index.configure(toolbox_releases=settings.toolbox_releases)
        self.context: RegistryContext | None = None
        self.queue: InProcessQueue | ArqQueue | None = None
        # Undoes `webhook_outbox.connect` (the queue events' deliveries are sent through).
        self._disconnect_webhooks: Callable[[], None] | None = None
        # Anonymous package details (registry/read_cache.py), dropped on every committed
        # write of this process and, through the change feed, of every other one.
        self.package_cache = ResponseCache(settings.package_cache_ttl_seconds, name="package")
        # Anonymous pages of the package list, search and categories (registry/rest/cached.py):
        # larger bodies, so fewer of them and a byte budget.
        self.page_cache = ResponseCache(
            settings.package_cache_ttl_seconds,
            max_entries=2_000,
            max_bytes=PAGE_CACHE_BYTES,
            name="page",
        )
        # GraphQL answers, per visibility class (registry/graphql/answers.py), and anonymous
        # REST resolutions (registry/rest/resolve.py), under the same rules and budget kind.
        self.graphql_cache = ResponseCache(
            settings.package_cache_ttl_seconds,
            max_entries=2_000,
            max_bytes=ANSWER_CACHE_BYTES,
            name="graphql",
        )
        self.resolve_cache = ResponseCache(
            settings.package_cache_ttl_seconds,
            max_entries=2_000,
            max_bytes=ANSWER_CACHE_BYTES,
            name="resolve",
        )
        self.change_feed: ChangeFeed | None = None

    def invalidate_reads(self) -> None:
        """A write committed: no cached read may be served again."""
        self.package_cache.invalidate()
        self.page_cache.invalidate()
        # Deprecation notices resolve names (domain/services/lifecycle.py).
        lifecycle.invalidate()
        self.graphql_cache.invalidate()
        self.resolve_cache.invalidate()
        # The resolver's package universe (domain/services/resolution_cache.py).
        resolution_cache.invalidate()

    @property
    def ctx(self) -> RegistryContext:
        if self.context is None:
            raise RuntimeError("runtime not started")
        return self.context

    async def start(self, *, migrate: bool | None = None) -> None:
        settings = self.settings
        should_migrate = settings.is_sqlite if migrate is None else migrate
        # A database or Redis still starting (or restarting) is waited for, within a bound.
        await wait_for(
            f"the database at {database.describe_database(settings.database_url)}",
            lambda: database.init_database(settings.database_url, migrate=should_migrate),
            settings.startup_wait_seconds,
            on_failure=database.close_database,
        )
        try:
            storage = await open_storage(settings)
            job_ctx: dict[str, Any] = {}
            self.queue = await wait_for(
                "Redis", lambda: job_queue_for(settings, job_ctx), settings.startup_wait_seconds
            )
            scratch = ScratchArea(settings.spool_dir / "uploads")
            self.context = RegistryContext(
                storage=storage,
                jobs=self.queue,
                policy=policy_from(settings),
                events=event_bus_for(settings),
                scratch=scratch,
            )
            await asyncio.to_thread(scratch.cleanup_stale)
            job_ctx["registry"] = self.context
            self._disconnect_webhooks = webhook_outbox.connect(self.queue, settings.public_base_url)
            shared_bus = (
                self.context.events if isinstance(self.context.events, RedisEventBus) else None
            )
            self.change_feed = ChangeFeed(shared_bus, self.invalidate_reads)
            self.change_feed.start()
            self.context.downloads.start()
            if isinstance(self.queue, InProcessQueue):
                self.queue.start_periodic((p.job, p.every_minutes) for p in tasks.PERIODIC)
        except BaseException:
            await self.stop()
            raise
        if not settings.jwt_secret:
            log.warning(
                "CLOUDM_JWT_SECRET is not set: tokens cannot be verified, the registry "
                "is read-only for anonymous users"
            )

    async def stop(self) -> None:
        if self._disconnect_webhooks is not None:
            self._disconnect_webhooks()
            self._disconnect_webhooks = None
        if self.change_feed is not None:
            await self.change_feed.stop()
            self.change_feed = None
        if self.context is not None:
            await self.context.downloads.stop()
            if isinstance(self.context.events, RedisEventBus):
                await self.context.events.aclose()
        if self.queue is not None:
            await self.queue.aclose()
        if self.context is not None:
            for store in self.context.storage.all:
                await store.aclose()
            if self.context.scratch is not None:
                self.context.scratch.release()
        await database.close_database()
