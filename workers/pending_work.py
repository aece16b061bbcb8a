"""The sweep that queues again every job the database says is still to do."""

from __future__ import annotations

from typing import Any

from domain.jobs import REQUEUE_PENDING_WORK
from domain.services import pending_work
from workers.functions import runs


@runs(REQUEUE_PENDING_WORK)
async def requeue_pending_work(ctx: dict[str, Any]) -> dict[str, int]:
    counts = await pending_work.requeue_pending(ctx["registry"])
    return counts.as_dict()
