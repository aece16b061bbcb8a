"""Audit log route [N]: admins query every event with filters; publishers see their own."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from domain.models import AuditEvent
from domain.services import audit_log
from domain.timeparse import parse_timestamp
from registry.auth import required_actor
from registry.rest import shapes
from registry.rest.encode import ShapeResponse
from registry.rest.params import paging, query_text
from registry.rest.serializers import iso


def event_json(event: AuditEvent, *, shows_ip: bool) -> shapes.AuditEvent:
    return shapes.AuditEvent(
        id=event.id,
        created_at=iso(event.created_at),
        actor_id=event.actor_id,
        action=event.action,
        target_type=event.target_type,
        target_id=event.target_id,
        publisher_id=event.publisher_id,
        request_id=event.request_id,
        ip=event.ip if shows_ip else "",
        details=event.details or {},
    )


async def list_events(request: Request) -> Response:
    actor = await required_actor(request)
    page, per_page = paging(request, default_per_page=50, max_per_page=200)
    filters = audit_log.AuditFilter(
        actor=query_text(request, "actor"),
        action=query_text(request, "action"),
        target=query_text(request, "target"),
        target_type=query_text(request, "target_type"),
        publisher=query_text(request, "publisher"),
        since=parse_timestamp(query_text(request, "since"), "since"),
        until=parse_timestamp(query_text(request, "until"), "until"),
    )
    result = await audit_log.query(actor, filters, page=page, per_page=per_page)
    return ShapeResponse(
        shapes.AuditPage(
            events=[event_json(e, shows_ip=result.shows_ip) for e in result.events],
            total=result.total,
            page=page,
            per_page=per_page,
        )
    )


routes = [Route("/audit", list_events, methods=["GET"])]
