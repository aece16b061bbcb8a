"""suspendPublisher (admin): Block a publisher from publishing; its packages show a notice."""

from __future__ import annotations

from domain.services import publishers
from schema.publishers.mutations.decision import admin_decision

suspend_publisher = admin_decision(publishers.admin_suspend)
