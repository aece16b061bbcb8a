"""rejectPublisher (admin): Reject the open request."""

from __future__ import annotations

from domain.services import publishers
from schema.publishers.mutations.decision import admin_decision

reject_publisher = admin_decision(publishers.admin_reject)
