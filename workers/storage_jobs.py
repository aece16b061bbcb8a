"""Object lifecycle jobs: deleting unreferenced objects from every backend."""

from __future__ import annotations

from typing import Any

from domain.jobs import DELETE_OBJECT, Retry
from domain.services import blobs
from storage.errors import StorageError
from workers.functions import runs


@runs(DELETE_OBJECT)
async def delete_object(ctx: dict[str, Any], key: str) -> bool:
    try:
        return await blobs.delete_everywhere(ctx["registry"], key)
    except StorageError as exc:
        # A backend is down: keep trying (with backoff) so no copy is left as an orphan.
        raise Retry(defer_seconds=min(10 * ctx.get("job_try", 1), 300)) from exc
