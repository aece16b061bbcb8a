"""revokePublisher (admin): Verified to unverified."""

from __future__ import annotations

from domain.services import publishers
from schema.publishers.mutations.decision import admin_decision

revoke_publisher = admin_decision(publishers.admin_revoke)
