"""Audit events, written by every mutating service inside the same transaction as the change.

Reading them back is domain/services/audit_log.py: it looks publishers up, and the publishers
service records events here, so the two sides live apart.
"""

from __future__ import annotations

from typing import Any

from domain.actor import Actor
from domain.models import AuditEvent


async def record(
    actor: Actor,
    action: str,
    *,
    target_type: str = "",
    target_id: str = "",
    publisher_id: str = "",
    details: dict[str, Any] | None = None,
    using_db: Any = None,
) -> AuditEvent:
    """Write one event; pass the open transaction as `using_db` so it rolls back with the change."""
    return await AuditEvent.create(
        actor_id=actor.user_id or "",
        action=action,
        target_type=target_type,
        target_id=target_id,
        publisher_id=publisher_id,
        request_id=actor.request_id,
        ip=actor.ip,
        details=details or {},
        using_db=using_db,
    )
