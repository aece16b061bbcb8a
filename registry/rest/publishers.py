"""Publisher routes (REST_CONTRACT §4.3): listing, lookup, verification, members and their
invitations (not in the contract), and the admin routes, which answer under both
`/publishers/admin/...` and `/packages/admin/...`.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable

import msgspec
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from domain.actor import Actor
from domain.commands import PublisherPolicy, PublisherProfile, VerificationSubmission
from domain.enums import InvitationState, MemberRole, PublisherDecision, PublisherStatus
from domain.models import Publisher, VerificationRequest
from domain.services import members, publishers, verification
from registry.auth import required_actor
from registry.rest import shapes
from registry.rest.encode import ShapeResponse
from registry.rest.params import decode_body, paging, query_bool, query_text
from registry.rest.serializers import iso, publisher_json


async def _page_json(items: list[Publisher]) -> list[shapes.Publisher]:
    stats = await publishers.stats_for([p.id for p in items])  # one query for the whole page
    return [publisher_json(p, stats.get(p.id)) for p in items]


async def list_publishers(request: Request) -> Response:
    page, per_page = paging(request, default_per_page=20)
    items, total = await publishers.list_publishers(
        page=page,
        per_page=per_page,
        status=query_text(request, "status"),
        verified_only=query_bool(request, "verified_only"),
    )
    return ShapeResponse(
        shapes.PublisherPage(
            publishers=await _page_json(items), total=total, page=page, per_page=per_page
        )
    )


async def get_publisher(request: Request) -> Response:
    publisher = await publishers.get_publisher(request.path_params["name"])
    return ShapeResponse((await _page_json([publisher]))[0])


async def update_publisher(request: Request) -> Response:
    actor = await required_actor(request)
    command = await decode_body(request, PublisherProfile)
    publisher = await publishers.update_profile(actor, request.path_params["name"], command)
    return ShapeResponse((await _page_json([publisher]))[0])


# --- verification ----------------------------------------------------------------------------


async def submit_verification(request: Request) -> Response:
    actor = await required_actor(request)
    command = await decode_body(request, VerificationSubmission)
    ctx = request.app.state.runtime.ctx
    submission = await verification.submit_verification(
        ctx.jobs, ctx.policy.verification, actor, command
    )
    # Exactly 202: the client counts 200 and 201 as failure here (§4.0).
    return ShapeResponse(
        shapes.VerificationSubmitted(
            status="submitted",
            message=submission.message,
            challenge=submission.challenge.value,
            challenge_expires_at=iso(submission.challenge.expires_at),
            instructions=submission.instructions,
            method=submission.request.method,
            request_id=submission.request.id,
            verification_status=PublisherStatus(submission.publisher.verification_status),
        ),
        status_code=202,
    )


async def issue_challenge(request: Request) -> Response:
    actor = await required_actor(request)
    challenge = await verification.issue_challenge(
        actor, request.app.state.runtime.ctx.policy.verification
    )
    return ShapeResponse(
        shapes.Challenge(
            challenge=challenge.value,
            expires_at=iso(challenge.expires_at),
            user_id=actor.require_user(),
        )
    )


# --- members ---------------------------------------------------------------------------------


def _member_json(member: members.Member) -> shapes.Member:
    return shapes.Member(
        user_id=member.user_id,
        username=member.username,
        role=MemberRole(member.role),
        added_at=iso(member.added_at),
    )


async def list_members(request: Request) -> Response:
    actor = await required_actor(request)
    rows = await members.list_members(actor, request.path_params["name"])
    return ShapeResponse(shapes.MemberList(members=[_member_json(m) for m in rows]))


def _invitation_json(invitation: members.Invitation) -> shapes.Invitation:
    return shapes.Invitation(
        id=invitation.id,
        publisher=invitation.publisher_name,
        publisher_id=invitation.publisher_id,
        user_id=invitation.user_id,
        username=invitation.username,
        role=MemberRole(invitation.role),
        state=InvitationState(invitation.state),
        invited_by=invitation.invited_by,
        created_at=iso(invitation.created_at),
        expires_at=iso(invitation.expires_at),
        responded_at=iso(invitation.responded_at),
    )


async def invite_member(request: Request) -> Response:
    """Also the old "add member" route: it invites, and nobody joins until they accept."""
    actor = await required_actor(request)
    body = await decode_body(request, shapes.AddMember)
    invitation = await members.invite_member(
        actor,
        request.path_params["name"],
        user_id=body.user_id,
        username=body.username,
        role=body.role,
    )
    return ShapeResponse(_invitation_json(invitation), status_code=201)


async def publisher_invitations(request: Request) -> Response:
    actor = await required_actor(request)
    rows = await members.publisher_invitations(actor, request.path_params["name"])
    return ShapeResponse(shapes.InvitationList(invitations=[_invitation_json(i) for i in rows]))


async def cancel_invitation(request: Request) -> Response:
    actor = await required_actor(request)
    await members.cancel_invitation(
        actor, request.path_params["name"], request.path_params["invitation_id"]
    )
    return Response(status_code=204)


async def my_invitations(request: Request) -> Response:
    actor = await required_actor(request)
    rows = await members.my_invitations(actor)
    return ShapeResponse(shapes.InvitationList(invitations=[_invitation_json(i) for i in rows]))


async def accept_invitation(request: Request) -> Response:
    actor = await required_actor(request)
    invitation = await members.accept_invitation(actor, request.path_params["invitation_id"])
    return ShapeResponse(_invitation_json(invitation))


async def decline_invitation(request: Request) -> Response:
    actor = await required_actor(request)
    invitation = await members.decline_invitation(actor, request.path_params["invitation_id"])
    return ShapeResponse(_invitation_json(invitation))


async def leave_publisher(request: Request) -> Response:
    actor = await required_actor(request)
    await members.leave_publisher(actor, request.path_params["name"])
    return Response(status_code=204)


async def remove_member(request: Request) -> Response:
    actor = await required_actor(request)
    user_id = request.path_params.get("user_id")
    if user_id is None:
        user_id = (await decode_body(request, shapes.RemoveMember)).user_id
    await members.remove_member(actor, request.path_params["name"], user_id)
    return Response(status_code=204)


# --- admin -----------------------------------------------------------------------------------


def _request_json(row: VerificationRequest | None) -> shapes.VerificationRequest | None:
    if row is None:
        return None
    return shapes.VerificationRequest(
        id=row.id,
        method=row.method,
        data=row.data,
        state=row.state,
        submitted_by=row.submitted_by,
        submitted_at=iso(row.submitted_at),
        checked_at=iso(row.checked_at),
        check_result=row.check_result,
    )


async def admin_pending(request: Request) -> Response:
    actor = await required_actor(request)
    page, per_page = paging(request, default_per_page=50)
    items, total, requests = await publishers.pending_publishers(
        actor, page=page, per_page=per_page
    )
    pending = [
        shapes.PendingPublisher(
            **msgspec.structs.asdict(item),
            verification_request=_request_json(requests.get(publisher.id)),
        )
        for item, publisher in zip(await _page_json(items), items, strict=True)
    ]
    return ShapeResponse(
        shapes.PendingPublisherPage(publishers=pending, total=total, page=page, per_page=per_page)
    )


AdminAction = Callable[[Actor, str, object], Awaitable[Publisher]]
_ADMIN_ACTIONS: dict[str, tuple[AdminAction, PublisherDecision]] = {
    "verify": (publishers.admin_verify, PublisherDecision.VERIFIED),
    "reject": (publishers.admin_reject, PublisherDecision.REJECTED),
    "revoke": (publishers.admin_revoke, PublisherDecision.REVOKED),
    "suspend": (publishers.admin_suspend, PublisherDecision.SUSPENDED),
    "unsuspend": (publishers.admin_unsuspend, PublisherDecision.UNSUSPENDED),
}


def _admin_action(name: str) -> Callable[[Request], Awaitable[Response]]:
    action, outcome = _ADMIN_ACTIONS[name]

    async def handler(request: Request) -> Response:
        actor = await required_actor(request)
        actor.require_admin()  # 403 before the body is even looked at
        body = await decode_body(request, shapes.AdminNotes, allow_empty=True)
        publisher = await action(actor, request.path_params["publisher_id"], body.notes)
        return ShapeResponse(
            shapes.AdminDecision(
                status=outcome,
                publisher_id=publisher.id,
                verification_status=PublisherStatus(publisher.verification_status),
            )
        )

    handler.__name__ = f"admin_{name}"
    return handler


async def admin_set_policy(request: Request) -> Response:
    actor = await required_actor(request)
    actor.require_admin()
    command = await decode_body(request, PublisherPolicy)
    publisher = await publishers.admin_set_policy(
        actor, request.path_params["publisher_id"], command
    )
    return ShapeResponse(
        shapes.AdminPublisher(
            **msgspec.structs.asdict((await _page_json([publisher]))[0]),
            **{field: getattr(publisher, field) for field in publishers.POLICY_FIELDS},
        )
    )


async def admin_get_publisher(request: Request) -> Response:
    """The full admin view: flags, limits, notes and the current request."""
    actor = await required_actor(request)
    actor.require_admin()
    publisher = await publishers.get_publisher(request.path_params["publisher_id"])
    return ShapeResponse(
        shapes.AdminPublisher(
            **msgspec.structs.asdict((await _page_json([publisher]))[0]),
            **{field: getattr(publisher, field) for field in publishers.POLICY_FIELDS},
            email=publisher.email,
            verified_by=publisher.verified_by,
            verification_notes=publisher.verification_notes,
            verification_request=_request_json(await verification.current_request(publisher.id)),
        )
    )


def _admin_routes(prefix: str) -> list[Route]:
    routes = [
        Route(f"{prefix}/admin/pending", admin_pending, methods=["GET"]),
        Route(f"{prefix}/admin/{{publisher_id}}", admin_get_publisher, methods=["GET"]),
        Route(f"{prefix}/admin/{{publisher_id}}", admin_set_policy, methods=["PATCH"]),
    ]
    routes += [
        Route(f"{prefix}/admin/{{publisher_id}}/{name}", _admin_action(name), methods=["POST"])
        for name in _ADMIN_ACTIONS
    ]
    return routes


routes = [
    *_admin_routes("/publishers"),
    *_admin_routes("/packages"),
    Route("/publishers", list_publishers, methods=["GET"]),
    Route("/publishers/verify", submit_verification, methods=["POST"]),
    Route("/publishers/verify/challenge", issue_challenge, methods=["POST"]),
    Route("/publishers/{name}", get_publisher, methods=["GET"]),
    Route("/publishers/{name}", update_publisher, methods=["PATCH"]),
    Route("/publishers/{name}/members", list_members, methods=["GET"]),
    Route("/publishers/{name}/members", invite_member, methods=["POST"]),
    Route("/publishers/{name}/members", remove_member, methods=["DELETE"]),
    # Before {user_id}: "me" is the caller (removing oneself by id is leaving too).
    Route("/publishers/{name}/members/me", leave_publisher, methods=["DELETE"]),
    Route("/publishers/{name}/members/{user_id}", remove_member, methods=["DELETE"]),
    Route("/publishers/{name}/invitations", publisher_invitations, methods=["GET"]),
    Route("/publishers/{name}/invitations", invite_member, methods=["POST"]),
    Route("/publishers/{name}/invitations/{invitation_id}", cancel_invitation, methods=["DELETE"]),
    Route("/auth/invitations", my_invitations, methods=["GET"]),
    Route("/invitations/{invitation_id}/accept", accept_invitation, methods=["POST"]),
    Route("/invitations/{invitation_id}/decline", decline_invitation, methods=["POST"]),
]
