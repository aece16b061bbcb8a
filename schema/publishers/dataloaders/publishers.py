"""Publishers by id and slug, their counters, and their current verification request."""

from __future__ import annotations

from tortoise.expressions import Q

from domain.enums import VerificationRequestState
from domain.models import Publisher, VerificationRequest
from domain.services import publishers
from domain.services.publishers import PublisherStats
from schema.core.dataloaders import RegistryDataLoader, select_models


class PublisherByIdLoader(RegistryDataLoader[str, Publisher | None]):
    async def batch_load(self, keys: list[str]) -> list[Publisher | None]:
        ids = list(keys)
        found = await select_models(
            Publisher, "publisher-by-id", (len(ids),), ids, lambda: Publisher.filter(id__in=ids)
        )
        rows = {p.id: p for p in found}
        return [rows.get(key) for key in keys]


class PublisherByNameLoader(RegistryDataLoader[str, Publisher | None]):
    """By slug (case-insensitive), falling back to the id like `publishers.get_publisher`."""

    async def batch_load(self, keys: list[str]) -> list[Publisher | None]:
        wanted = list({key.lower() for key in keys} | set(keys))
        rows = await Publisher.filter(Q(name__in=wanted) | Q(id__in=wanted))
        by_name = {p.name: p for p in rows}
        by_id = {p.id: p for p in rows}
        ids = self.context.loader(PublisherByIdLoader)
        for row in rows:
            ids.prime(row.id, row)
        return [by_name.get(key.lower()) or by_id.get(key) for key in keys]


class PublisherStatsByIdLoader(RegistryDataLoader[tuple[str, bool], PublisherStats]):
    """Counters by (publisher id, include hidden packages): the public view counts public
    packages only, the members' view all of them (`publishers.stats_for`)."""

    async def batch_load(self, keys: list[tuple[str, bool]]) -> list[PublisherStats]:
        found: dict[tuple[str, bool], PublisherStats] = {}
        for include_hidden in (False, True):
            ids = [key for key, hidden in keys if hidden is include_hidden]
            if ids:
                stats = await publishers.stats_for(ids, include_hidden=include_hidden)
                found.update({(key, include_hidden): value for key, value in stats.items()})
        return [found.get(key, PublisherStats()) for key in keys]


class LatestVerificationRequestByPublisherIdLoader(
    RegistryDataLoader[str, VerificationRequest | None]
):
    """The newest real request (not a bare challenge) of each publisher, like
    `verification.current_request`, for many publishers in one query."""

    async def batch_load(self, keys: list[str]) -> list[VerificationRequest | None]:
        latest: dict[str, VerificationRequest] = {}
        rows = await (
            VerificationRequest.filter(publisher_id__in=keys)
            .exclude(state=VerificationRequestState.CHALLENGE)
            .order_by("id")
        )
        for row in rows:
            latest[row.publisher_id] = row
        return [latest.get(key) for key in keys]
