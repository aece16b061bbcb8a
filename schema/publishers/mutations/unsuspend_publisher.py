"""unsuspendPublisher (admin): Lift a suspension."""

from __future__ import annotations

from domain.services import publishers
from schema.publishers.mutations.decision import admin_decision

unsuspend_publisher = admin_decision(publishers.admin_unsuspend)
