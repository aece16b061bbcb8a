"""verifyPublisher (admin): Any status to verified; grants both publishing flags."""

from __future__ import annotations

from domain.services import publishers
from schema.publishers.mutations.decision import admin_decision

verify_publisher = admin_decision(publishers.admin_verify)
