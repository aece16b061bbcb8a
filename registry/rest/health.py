"""Liveness and readiness (REST_CONTRACT §4.1).

`/ready` keeps the contract's shape for everyone — `status`, `details` with `database`,
`storage` and `redis`, and `errors` when not ready — but only an admin (acting with the
`admin` scope) sees what lies behind each flag: probe details, storage kinds and roles,
breakers, replication lag and object counts. Anyone else gets booleans and generic errors, so
paths, free disk space, endpoints, buckets and counts that include private packages stay with
the operator (the GraphQL `storageStatus` is guarded the same way).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

from domain.context import RegistryContext
from domain.database import database_ok
from domain.enums import StorageRole
from domain.services import replication
from registry.auth import optional_actor
from storage.failover import BreakerState

log = logging.getLogger("registry.health")


async def health(request: Request) -> JSONResponse:
    return JSONResponse({"status": "healthy"})


@dataclass
class _Check:
    """One probe's outcome: `ok` is public, `detail` (why it failed) is for admins only."""

    ok: bool
    detail: str = ""


@dataclass
class _Readiness:
    database: _Check
    redis: _Check | None  # None: not configured (jobs run in-process)
    storage: dict[str, _Check]
    storage_details: dict[str, Any] = field(default_factory=dict)
    replication: dict[str, Any] | None = None

    def failures(self) -> list[tuple[str, str]]:
        """(what, why) for each failed probe, in a stable order."""
        failed = [("database", self.database.detail)] if not self.database.ok else []
        failed += [
            (f"storage {name}", check.detail)
            for name, check in self.storage.items()
            if not check.ok
        ]
        if self.redis is not None and not self.redis.ok:
            failed.append(("redis", self.redis.detail))
        return failed

    def body(self, *, for_admin: bool) -> tuple[int, dict[str, Any]]:
        if for_admin:
            details: dict[str, Any] = {
                "database": self.database.ok,
                "storage": self.storage_details,
                "replication": self.replication,
                "redis": None if self.redis is None else self.redis.ok,
            }
            errors = [f"{what}: {why}" for what, why in self.failures()]
        else:
            details = {
                "database": self.database.ok,
                "storage": {name: check.ok for name, check in self.storage.items()},
                "redis": None if self.redis is None else self.redis.ok,
            }
            errors = [f"{what} unavailable" for what, _ in self.failures()]
        if errors:
            # `detail` too: every 5xx carries a string detail (REST_CONTRACT §1.7).
            return 503, {
                "status": "not_ready",
                "detail": "Not ready: " + "; ".join(errors),
                "errors": errors,
                "details": details,
            }
        return 200, {"status": "ready", "details": details}


async def ready(request: Request) -> JSONResponse:
    actor = await optional_actor(request)
    for_admin = actor.acts_as_admin
    status, body = (await _readiness(request.app.state.runtime, for_admin=for_admin)).body(
        for_admin=for_admin
    )
    return JSONResponse(body, status_code=status)


async def _readiness(runtime: Any, *, for_admin: bool) -> _Readiness:
    database, detail = await database_ok()
    redis = None
    if hasattr(runtime.queue, "ping"):
        redis_ok, redis_detail = await runtime.queue.ping()
        redis = _Check(redis_ok, redis_detail)
    readiness = _Readiness(database=_Check(database, detail), redis=redis, storage={})
    if for_admin:
        await _storage_for_admin(runtime.ctx, readiness)
    else:  # the probes alone: no database counts for an anonymous caller to trigger
        for store in runtime.ctx.storage.all:
            probe = await store.check()
            readiness.storage[store.name] = _Check(probe.ok, probe.detail)
    return readiness


async def _storage_for_admin(ctx: RegistryContext, readiness: _Readiness) -> None:
    """Each backend's probe and breaker, plus replication lag (referenced objects without a
    verified copy on that backend) when the database can tell."""
    status = None
    if readiness.database.ok:
        try:
            status = await replication.replication_status(ctx)
        except Exception:  # readiness must answer even if bookkeeping fails
            log.exception("could not compute replication status")
    # name, role, kind, probe ok, probe detail, breaker, replication lag (None: unknown)
    reports: list[tuple[str, StorageRole, str, bool, str, BreakerState, int | None]]
    if status is not None:
        reports = [
            (r.name, r.role, r.kind, r.ok, r.detail, r.breaker.state, r.lag)
            for r in status.backends
        ]
    else:
        reports = []
        for store in ctx.storage.all:
            probe = await store.check()
            role = StorageRole.PRIMARY if store is ctx.storage.primary else StorageRole.MIRROR
            reports.append(
                (
                    store.name,
                    role,
                    store.kind,
                    probe.ok,
                    probe.detail,
                    ctx.storage.breakers.snapshot(store.name).state,
                    None,
                )
            )
    for name, role, kind, ok, detail, breaker, lag in reports:
        readiness.storage[name] = _Check(ok, detail)
        readiness.storage_details[name] = {
            "ok": ok,
            "kind": kind,
            "detail": detail,
            "role": role,
            "breaker": breaker,
            "replication_lag": lag,
        }
    readiness.replication = (
        None
        if status is None
        else {"objects": status.objects, "lag": {r.name: r.lag for r in status.backends}}
    )


routes = [
    Route("/health", health, methods=["GET", "HEAD"]),
    Route("/ready", ready, methods=["GET"]),
]
