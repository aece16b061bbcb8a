"""The storage backends as admins see them: up or down, circuit breaker, replication lag.

The numbers come from domain.services.replication.replication_status, the function behind
the `storage` and `replication` details of REST GET /ready.
"""

from __future__ import annotations

from datetime import datetime

import strawberry

from domain.enums import StorageRole
from domain.services.replication import BackendReport, ReplicationStatus
from schema.core.enums import graphql_enum
from schema.core.scalars import BigInt
from storage.failover import BreakerState

graphql_enum(
    StorageRole,
    "What a backend is for.",
    {
        StorageRole.PRIMARY: "Receives every upload first.",
        StorageRole.MIRROR: "Holds copies made from verified copies; serves reads on failover.",
    },
)

graphql_enum(
    BreakerState,
    "State of a backend's circuit breaker.",
    {
        BreakerState.CLOSED: "Reads use the backend.",
        BreakerState.OPEN: "A read failed: reads skip the backend until the cool-down ends.",
        BreakerState.HALF_OPEN: "One read is probing whether the backend is back.",
    },
)


@strawberry.type(description="A backend's circuit breaker, which keeps reads off a dead backend.")
class CircuitBreaker:
    state: BreakerState = strawberry.field(description="Closed, open or half-open.")
    consecutive_failures: int = strawberry.field(description="Failures since the last success.")
    last_error: str = strawberry.field(description="The last failure, or empty.")
    seconds_until_probe: float = strawberry.field(
        description="Seconds until reads may probe an open backend again (0 when closed)."
    )


@strawberry.type(description="How many copy records a backend has in one state.")
class StoredCopyCount:
    state: str = strawberry.field(
        description="present (verified), missing, corrupt, copying, writing or deleting."
    )
    count: BigInt = strawberry.field(description="Number of copy records in that state.")


@strawberry.type(description="One configured storage backend.")
class StorageBackend:
    name: str = strawberry.field(description="The backend's configured name.")
    role: StorageRole = strawberry.field(description="Primary or mirror.")
    kind: str = strawberry.field(description="Storage kind, e.g. local or s3.")
    up: bool = strawberry.field(
        description="The probe succeeded (without a probe: the breaker is closed)."
    )
    detail: str = strawberry.field(description="What the probe (or the breaker) reported.")
    breaker: CircuitBreaker = strawberry.field(description="Its circuit breaker.")
    replication_lag: BigInt = strawberry.field(
        description="Referenced objects without a verified copy on this backend."
    )
    copies: list[StoredCopyCount] = strawberry.field(
        description="Its copy records by state, in state order."
    )

    @classmethod
    def from_report(cls, report: BackendReport) -> StorageBackend:
        snapshot = report.breaker
        return cls(
            name=report.name,
            role=StorageRole(report.role),
            kind=report.kind,
            up=report.ok,
            detail=report.detail,
            breaker=CircuitBreaker(
                state=BreakerState(snapshot.state),
                consecutive_failures=snapshot.consecutive_failures,
                last_error=snapshot.last_error,
                seconds_until_probe=snapshot.seconds_until_probe,
            ),
            replication_lag=BigInt(report.lag),
            copies=[
                StoredCopyCount(state=state, count=BigInt(count))
                for state, count in sorted(report.copies.items())
            ],
        )


@strawberry.type(description="The storage backends and how far each lags behind.")
class StorageStatus:
    objects: BigInt = strawberry.field(
        description="Distinct objects referenced by package versions and artifact builds."
    )
    checked_at: datetime = strawberry.field(description="When this was computed.")
    backends: list[StorageBackend] = strawberry.field(
        description="Every configured backend: the primary first, then the mirrors."
    )

    @classmethod
    def from_status(cls, status: ReplicationStatus) -> StorageStatus:
        return cls(
            objects=BigInt(status.objects),
            checked_at=status.checked_at,
            backends=[StorageBackend.from_report(r) for r in status.backends],
        )
