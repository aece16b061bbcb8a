"""Runtime dependencies the domain services need, assembled by the process that hosts them."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from domain.categories import CategoryCatalog
from domain.download_counts import DownloadCounter
from domain.events import EventBus, InMemoryEventBus
from domain.jobs import JobQueue
from domain.outbound import OutboundRules
from storage.failover import BreakerBoard
from storage.interface import BlobStore
from storage.scratch import ScratchArea

if TYPE_CHECKING:  # annotations only: the services import this module
    from domain.services.replication import ReplicationConfig
    from domain.services.verification import VerificationConfig
    from domain.services.webhook_outbox import WebhookConfig


@dataclass(frozen=True)
class Policy:
    """The settings the domain rules read. No defaults here: the composition root builds it
    from the declared settings (registry/runtime.py `policy_from`), which hold the defaults."""

    max_upload_bytes: int
    public_base_url: str | None
    # Hosts whose Host header may stand in for PUBLIC_BASE_URL (domain/services/urls.py).
    allowed_hosts: tuple[str, ...]
    normalize_mod_layout: bool
    unlisted_require_auth: bool
    # Active API tokens one user may hold at once (domain/services/tokens.py).
    max_api_tokens_per_user: int
    verification: VerificationConfig
    replication: ReplicationConfig
    # The curated categories packages choose from (domain/categories.py; CATEGORIES setting).
    categories: CategoryCatalog
    # Which hosts outbound requests (proof fetches, webhooks) may reach beyond public addresses.
    outbound: OutboundRules
    # Days of per-day download statistics kept (domain/services/download_stats.py `prune`).
    download_stats_retention_days: int
    # Webhook delivery: timeout, response cap, retries, disabling, log retention.
    webhooks: WebhookConfig


@dataclass
class StorageSet:
    primary: BlobStore
    mirrors: list[BlobStore] = field(default_factory=list)
    # Per-backend circuit breakers shared by this process's reads (storage/failover.py).
    breakers: BreakerBoard = field(default_factory=BreakerBoard)

    @property
    def all(self) -> list[BlobStore]:
        return [self.primary, *self.mirrors]

    def by_name(self, name: str) -> BlobStore | None:
        return next((store for store in self.all if store.name == name), None)


@dataclass
class RegistryContext:
    storage: StorageSet
    jobs: JobQueue
    policy: Policy
    events: EventBus = field(default_factory=InMemoryEventBus)
    downloads: DownloadCounter = field(default_factory=DownloadCounter)
    scratch: ScratchArea | None = None

    def new_upload_path(self) -> Path:
        """A scratch path for an incoming or rewritten upload (removed if we are killed)."""
        if self.scratch is None:
            raise RuntimeError("no scratch area configured")
        return self.scratch.new_path("upload-")
