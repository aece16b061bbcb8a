"""Liveness and readiness (REST_CONTRACT §4.1)."""

from __future__ import annotations

import logging
from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

from domain.context import RegistryContext
from domain.database import database_ok
from domain.services import replication

log = logging.getLogger("registry.health")


async def health(request: Request) -> JSONResponse:
    return JSONResponse({"status": "healthy"})


async def ready(request: Request) -> JSONResponse:
    runtime = request.app.state.runtime
    details: dict[str, Any] = {}
    errors: list[str] = []
    ok, detail = await database_ok()
    details["database"] = ok
    if not ok:
        errors.append(f"database: {detail}")
    details["storage"], details["replication"] = await _storage_details(runtime.ctx, errors,
                                                                         database=ok)
    queue = runtime.queue
    if hasattr(queue, "ping"):
        redis_ok, redis_detail = await queue.ping()
        details["redis"] = redis_ok
        if not redis_ok:
            errors.append(f"redis: {redis_detail}")
    else:
        details["redis"] = None  # not configured: jobs run in-process
    if errors:
        # `detail` too: every 5xx carries a string detail (REST_CONTRACT §1.7).
        return JSONResponse({"status": "not_ready", "detail": "Not ready: " + "; ".join(errors),
                             "errors": errors, "details": details}, status_code=503)
    return JSONResponse({"status": "ready", "details": details})


async def _storage_details(ctx: RegistryContext, errors: list[str], *, database: bool
                          ) -> tuple[dict[str, Any], dict[str, Any] | None]:
    """Each backend's probe and breaker, plus replication lag (referenced objects without a
    verified copy on that backend) when the database can tell."""
    status = None
    if database:
        try:
            status = await replication.replication_status(ctx)
        except Exception:  # noqa: BLE001 - readiness must answer even if bookkeeping fails
            log.exception("could not compute replication status")
    if status is not None:
        reports = [(r.name, r.role, r.kind, r.ok, r.detail, r.breaker.state, r.lag)
                   for r in status.backends]
    else:
        reports = []
        for store in ctx.storage.all:
            health = await store.check()
            reports.append((store.name, "primary" if store is ctx.storage.primary else "mirror",
                            store.kind, health.ok, health.detail,
                            ctx.storage.breakers.snapshot(store.name).state, None))
    storage: dict[str, Any] = {}
    for name, role, kind, ok, detail, breaker, lag in reports:
        storage[name] = {"ok": ok, "kind": kind, "detail": detail, "role": role,
                         "breaker": breaker, "replication_lag": lag}
        if not ok:
            errors.append(f"storage {name}: {detail}")
    replication_info = None if status is None else {
        "objects": status.objects, "lag": {r.name: r.lag for r in status.backends}}
    return storage, replication_info


routes = [
    Route("/health", health, methods=["GET", "HEAD"]),
    Route("/ready", ready, methods=["GET"]),
]
