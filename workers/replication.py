"""Mirror jobs: copy one object to one backend, and the periodic reconciliation."""

from __future__ import annotations

import logging
from typing import Any

from domain.jobs import RECONCILE_STORAGE, REPLICATE_OBJECT, Retry
from domain.services import reconciliation, replication
from storage.errors import StorageError
from workers.functions import runs

log = logging.getLogger("registry.replication")


@runs(REPLICATE_OBJECT)
async def replicate_object(ctx: dict[str, Any], key: str, backend: str) -> str:
    """Make `backend` hold a verified copy of `key`."""
    try:
        return await replication.replicate(ctx["registry"], key, backend)
    except replication.NoGoodCopy as exc:
        # Retrying cannot conjure a copy; reconciliation reports the object as lost.
        log.error("cannot replicate %s to %s: %s", key, backend, exc)
        return "no-source"
    except StorageError as exc:
        # The mirror (or every source) is down: retry with backoff. Once the runner gives
        # up, the periodic reconciliation finds the copy still missing and makes it.
        delay = ctx["registry"].policy.replication.retry_delay(ctx.get("job_try", 1))
        log.warning("replicating %s to %s failed, retry in %.0f s: %s", key, backend, delay, exc)
        raise Retry(defer_seconds=delay) from exc


@runs(RECONCILE_STORAGE)
async def reconcile_storage(ctx: dict[str, Any]) -> dict[str, Any]:
    """Periodic: repair missing/corrupt copies everywhere and delete orphaned ones."""
    summary = await reconciliation.reconcile(ctx["registry"])
    return summary.as_dict()
