"""Publishers: registration, lookup, the publishing policy and the admin decisions.

Status machine (REST_CONTRACT §7): `unverified` → `pending` (request) → `verified` or `rejected`
(admin or automated check); `verified` → `unverified` (revoke or failed re-check); any →
`suspended` (admin). Verification requests themselves live in `verification.py`, members in
`members.py`; this module owns the publisher row and its flags.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from tortoise.exceptions import IntegrityError
from tortoise.functions import Count, Sum

from domain.actor import Actor
from domain.changes import write_transaction
from domain.commands import PublisherPolicy, PublisherProfile, RegisterPublisher
from domain.enums import (
    MemberRole,
    PublisherStatus,
    VerificationRequestState,
    Visibility,
    WebhookEvent,
)
from domain.exceptions import Conflict, InvalidInput, NotFound, PermissionDenied
from domain.fieldtypes import GITHUB_LOGIN
from domain.models import (
    BIGINT_RANGE,
    Package,
    Publisher,
    PublisherMember,
    User,
    VerificationRequest,
    fits,
)
from domain.names import choice, validate_publisher_slug
from domain.services import audit, webhook_outbox

_EMAIL = re.compile(r"[^@\s]+@[^@\s]+\.[^@\s]+")
# Request states an admin decision closes (the newest open request is the one decided).
OPEN_REQUEST_STATES = (VerificationRequestState.PENDING,)
MAX_NOTES = 2000
SUSPENDED_NOTICE = "This publisher is suspended and cannot publish"


@dataclass(frozen=True)
class PublisherStats:
    package_count: int = 0
    total_downloads: int = 0


def require_session(actor: Actor, action: str) -> str:
    """Account and publisher management needs a CloudM session: API tokens are for CI and mod
    managers, and a leaked one must not be able to take over a publisher."""
    user_id = actor.require_user()
    if actor.scopes is not None:
        raise PermissionDenied(f"API tokens cannot {action}; use a CloudM session")
    return user_id


async def get_publisher(name_or_id: str) -> Publisher:
    """By slug (case-insensitive) or by id."""
    if not isinstance(name_or_id, str) or not name_or_id:
        raise NotFound(f"Publisher not found: {name_or_id}")
    publisher = None
    if fits(Publisher, "name", name_or_id):
        publisher = await Publisher.get_or_none(name=name_or_id.lower())
    if publisher is None and fits(Publisher, "id", name_or_id):
        publisher = await Publisher.get_or_none(id=name_or_id)
    if publisher is None:
        raise NotFound(f"Publisher not found: {name_or_id}")
    return publisher


async def publisher_of_user(user_id: str) -> Publisher | None:
    """The publisher a user owns (or, failing that, the oldest one it belongs to)."""
    memberships = await (
        PublisherMember.filter(user_id=user_id).order_by("id").prefetch_related("publisher")
    )
    if not memberships:
        return None
    owned = [m for m in memberships if m.role == MemberRole.OWNER]
    return (owned or memberships)[0].publisher


async def stats_for(
    publisher_ids: list[str], *, include_hidden: bool = False
) -> dict[str, PublisherStats]:
    """Counters for many publishers in one query. Public views count public packages only, so
    a publisher's private work does not leak through its counters."""
    if not publisher_ids:
        return {}
    query = Package.filter(publisher_id__in=publisher_ids, deleted_at__isnull=True)
    if not include_hidden:
        query = query.filter(visibility=Visibility.PUBLIC)
    rows = (
        await query.group_by("publisher_id")
        .annotate(count=Count("id"), downloads=Sum("total_downloads"))
        .values("publisher_id", "count", "downloads")
    )
    return {
        row["publisher_id"]: PublisherStats(int(row["count"]), int(row["downloads"] or 0))
        for row in rows
    }


def _text(value: object, field: str, *, required: bool, max_length: int) -> str:
    if value is None:
        value = ""
    if not isinstance(value, str):
        raise InvalidInput(f"{field} must be a string", field=field)
    value = value.strip()
    if required and not value:
        raise InvalidInput(f"{field} is required", field=field)
    if len(value) > max_length:
        raise InvalidInput(f"{field} is longer than {max_length} characters", field=field)
    return value


def _email(value: object) -> str:
    mail = _text(value, "email", required=True, max_length=320)
    if not _EMAIL.fullmatch(mail):
        raise InvalidInput(f"Invalid email address {mail!r}", field="email")
    return mail


def _homepage(value: object) -> str:
    home = _text(value, "homepage", required=False, max_length=500)
    if home and not re.match(r"https?://", home):
        raise InvalidInput("homepage must be an http(s) URL", field="homepage")
    return home


def _github(value: object) -> str:
    login = _text(value, "github", required=False, max_length=39)
    if login and not GITHUB_LOGIN.fullmatch(login):
        raise InvalidInput(f"Invalid GitHub login {login!r}", field="github")
    return login


def validate_github_login(value: object, field: str = "username") -> str:
    login = _text(value, field, required=True, max_length=39)
    if not GITHUB_LOGIN.fullmatch(login):
        raise InvalidInput(f"Invalid GitHub login {login!r}", field=field)
    return login


def _notes(value: object) -> str:
    return _text(value, "notes", required=False, max_length=MAX_NOTES)


async def register_publisher(actor: Actor, command: RegisterPublisher) -> Publisher:
    user_id = require_session(actor, "register publishers")
    slug = validate_publisher_slug(command.name)
    display = _text(command.display_name, "display_name", required=True, max_length=200)
    mail = _email(command.email)
    home = _homepage(command.homepage)
    gh = _github(command.github)
    taken = Conflict(f"Publisher name already taken: {slug}")
    try:
        async with write_transaction() as conn:
            # Concurrent registrations by one user queue on the user's row (PostgreSQL; SQLite
            # runs one write transaction at a time), so this check sees the winner's.
            await User.select_for_update(no_key=True).using_db(conn).get_or_none(id=user_id)
            if await PublisherMember.filter(user_id=user_id).using_db(conn).exists():
                raise InvalidInput("You are already a publisher")
            if await Publisher.filter(name=slug).using_db(conn).exists():
                raise taken
            publisher = await Publisher.create(
                name=slug, display_name=display, email=mail, homepage=home, github=gh, using_db=conn
            )
            await PublisherMember.create(
                publisher=publisher, user_id=user_id, role=MemberRole.OWNER, using_db=conn
            )
            await audit.record(
                actor,
                "publisher.register",
                target_type="publisher",
                target_id=publisher.id,
                publisher_id=publisher.id,
                details={"name": slug},
                using_db=conn,
            )
    except IntegrityError:  # the same name registered concurrently by someone else
        raise taken from None
    return publisher


async def require_owner(actor: Actor, publisher: Publisher, action: str) -> str:
    """The caller must own `publisher` (admins may act for any publisher)."""
    user_id = require_session(actor, action)
    if actor.is_admin:
        return user_id
    if not await PublisherMember.exists(
        publisher_id=publisher.id, user_id=user_id, role=MemberRole.OWNER
    ):
        raise PermissionDenied(f"Only owners of publisher {publisher.name} may {action}")
    return user_id


# The fields a verification vouches for. `github` is what the github method proves (a
# successful check writes the proven login into it). `display_name` is what users read next to
# the verified badge: were it free to change, a verified publisher could become "Linus
# Torvalds" and keep the badge. (A domain proof has no profile column: the proven domain lives
# in the verification request, which owners cannot edit.)
VERIFIED_FIELDS = ("display_name", "github")


def _vouched(publisher: Publisher) -> bool:
    """Whether a verification currently vouches for the profile: the publisher is verified,
    or suspended after verification (lifting it restores `verified` while `verified_at`
    is set)."""
    return publisher.verification_status == PublisherStatus.VERIFIED or (
        publisher.verification_status == PublisherStatus.SUSPENDED
        and publisher.verified_at is not None
    )


def _profile_changes(command: PublisherProfile) -> dict[str, str]:
    cleaners = {
        "display_name": lambda v: _text(v, "display_name", required=True, max_length=200),
        "email": _email,
        "homepage": _homepage,
        "github": _github,
    }
    return {key: cleaners[key](value) for key, value in command.changes().items()}


async def update_profile(actor: Actor, name_or_id: str, command: PublisherProfile) -> Publisher:
    """Owners edit display name, email, homepage and GitHub login; the slug never changes.

    Changing a field the verification vouches for (VERIFIED_FIELDS) withdraws the
    verification: the publisher returns to `unverified` (a suspended one stays suspended but
    will not come back verified), and the withdrawal is audited. The owner can then request
    verification of the new identity."""
    publisher = await get_publisher(name_or_id)
    await require_owner(actor, publisher, "edit the publisher profile")
    cleaned = _profile_changes(command)
    if all(getattr(publisher, k) == v for k, v in cleaned.items()):
        return publisher
    async with write_transaction() as conn:
        # Decide on the row as it is now: an automatic check may verify it concurrently.
        publisher = await (
            Publisher.select_for_update(no_key=True).using_db(conn).get(id=publisher.id)
        )
        changes = {k: v for k, v in cleaned.items() if getattr(publisher, k) != v}
        if not changes:
            return publisher
        before = {key: getattr(publisher, key) for key in changes}
        for key, value in changes.items():
            setattr(publisher, key, value)
        fields = [*changes]
        vouched = sorted(set(changes) & set(VERIFIED_FIELDS))
        withdrawn = bool(vouched) and _vouched(publisher)
        if withdrawn:
            previous = publisher.verification_status
            if previous == PublisherStatus.VERIFIED:
                publisher.verification_status = PublisherStatus.UNVERIFIED
            publisher.verified_at = None
            publisher.verification_notes = (
                f"Verification withdrawn: the owner changed {' and '.join(vouched)}"
            )
            fields += ["verification_status", "verified_at", "verification_notes"]
            # The proof that verified it no longer describes this publisher: no re-check.
            await (
                VerificationRequest.filter(
                    publisher_id=publisher.id, state=VerificationRequestState.VERIFIED
                )
                .using_db(conn)
                .update(state=VerificationRequestState.WITHDRAWN)
            )
        await publisher.save(update_fields=[*fields, "updated_at"], using_db=conn)
        await audit.record(
            actor,
            "publisher.update",
            target_type="publisher",
            target_id=publisher.id,
            publisher_id=publisher.id,
            details={"fields": sorted(changes), "verification_withdrawn": withdrawn},
            using_db=conn,
        )
        if withdrawn:
            await audit.record(
                actor,
                "verification.withdrawn",
                target_type="publisher",
                target_id=publisher.id,
                publisher_id=publisher.id,
                details={
                    "reason": "profile_change",
                    "from": previous,
                    "to": publisher.verification_status,
                    "changed": {key: {"from": before[key], "to": changes[key]} for key in vouched},
                },
                using_db=conn,
            )
    return publisher


async def list_publishers(
    *, page: int, per_page: int, status: str | None = None, verified_only: bool | None = None
) -> tuple[list[Publisher], int]:
    """A page of publishers by slug; `status` wins over the legacy `verified_only` switch."""
    query = Publisher.all()
    if status is not None:
        query = query.filter(
            verification_status=choice(status, PublisherStatus, "status", "status")
        )
    elif verified_only:
        query = query.filter(verification_status=PublisherStatus.VERIFIED)
    total = await query.count()
    items = await query.order_by("name").offset((page - 1) * per_page).limit(per_page)
    return items, total


def check_can_publish(publisher: Publisher, visibility: str, *, artifact: bool = False) -> None:
    """The publishing policy: suspended publishers publish nothing; only verified publishers
    with the admin-granted flag publish public packages (or artifacts)."""
    if publisher.verification_status == PublisherStatus.SUSPENDED:
        raise PermissionDenied(f"Publisher {publisher.name} is suspended and cannot publish")
    if artifact:
        if not (
            publisher.verification_status == PublisherStatus.VERIFIED
            and publisher.can_publish_artifacts
        ):
            raise PermissionDenied(
                "Only verified publishers allowed by an admin may publish artifacts"
            )
        return
    if visibility == Visibility.PUBLIC and not (
        publisher.verification_status == PublisherStatus.VERIFIED and publisher.can_publish_public
    ):
        raise PermissionDenied(
            "Only verified publishers may publish public packages; publish "
            "it as private or unlisted, or request verification"
        )


async def require_own_publisher(actor: Actor) -> Publisher:
    user_id = actor.require_user()
    publisher = await publisher_of_user(user_id)
    if publisher is None:
        raise PermissionDenied("You are not a publisher; register one first")
    return publisher


# --- admin decisions -------------------------------------------------------------------------


async def _close_open_request(
    publisher: Publisher, state: VerificationRequestState, actor: Actor, notes: str, conn: Any
) -> VerificationRequest | None:
    """Mark the publisher's newest open request with the admin's decision."""
    request = await (
        VerificationRequest.filter(publisher_id=publisher.id, state__in=OPEN_REQUEST_STATES)
        .using_db(conn)
        .order_by("-id")
        .first()
    )
    if request is None:
        return None
    request.state = state
    request.checked_at = datetime.now(UTC)
    request.check_result = {
        "ok": state == VerificationRequestState.APPROVED,
        "decided_by": actor.user_id or "",
        "notes": notes,
    }
    await request.save(update_fields=["state", "checked_at", "check_result"], using_db=conn)
    return request


async def _save_decision(
    actor: Actor,
    publisher: Publisher,
    action: str,
    fields: list[str],
    details: dict[str, Any],
    request_state: VerificationRequestState | None,
    notes: str,
    webhook_event: WebhookEvent | None = None,
) -> Publisher:
    async with write_transaction() as conn:
        await publisher.save(update_fields=[*fields, "updated_at"], using_db=conn)
        if request_state is not None:
            closed = await _close_open_request(publisher, request_state, actor, notes, conn)
            if closed is not None:
                details = {**details, "request_id": closed.id}
        await audit.record(
            actor,
            action,
            target_type="publisher",
            target_id=publisher.id,
            publisher_id=publisher.id,
            details=details,
            using_db=conn,
        )
        if webhook_event is not None:
            await webhook_outbox.emit(
                webhook_event, publisher.id, details={"notes": notes}, using_db=conn
            )
    return publisher


async def admin_verify(actor: Actor, name_or_id: str, notes: object = "") -> Publisher:
    """Any status → verified, with both publishing flags granted (§4.3)."""
    actor.require_admin()
    text = _notes(notes)
    publisher = await get_publisher(name_or_id)
    previous = publisher.verification_status
    publisher.verification_status = PublisherStatus.VERIFIED
    publisher.verified_at = datetime.now(UTC)
    publisher.verified_by = actor.user_id or ""
    publisher.verification_notes = text
    publisher.can_publish_public = True
    publisher.can_publish_artifacts = True
    publisher.notice = ""
    return await _save_decision(
        actor,
        publisher,
        "publisher.verify",
        [
            "verification_status",
            "verified_at",
            "verified_by",
            "verification_notes",
            "can_publish_public",
            "can_publish_artifacts",
            "notice",
        ],
        {"from": previous, "notes": text},
        VerificationRequestState.APPROVED,
        text,
        WebhookEvent.PUBLISHER_VERIFIED,
    )


async def admin_reject(actor: Actor, name_or_id: str, notes: object = "") -> Publisher:
    actor.require_admin()
    text = _notes(notes)
    publisher = await get_publisher(name_or_id)
    previous = publisher.verification_status
    publisher.verification_status = PublisherStatus.REJECTED
    publisher.verified_at = None
    publisher.verification_notes = text
    return await _save_decision(
        actor,
        publisher,
        "publisher.reject",
        ["verification_status", "verified_at", "verification_notes"],
        {"from": previous, "notes": text},
        VerificationRequestState.REJECTED,
        text,
    )


async def admin_revoke(actor: Actor, name_or_id: str, notes: object = "") -> Publisher:
    """verified → unverified; anything else is a 400 (§4.3)."""
    actor.require_admin()
    text = _notes(notes)
    publisher = await get_publisher(name_or_id)
    if publisher.verification_status != PublisherStatus.VERIFIED:
        raise InvalidInput(
            f"Publisher {publisher.name} is not verified (status: {publisher.verification_status})"
        )
    publisher.verification_status = PublisherStatus.UNVERIFIED
    publisher.verified_at = None
    publisher.verification_notes = text
    return await _save_decision(
        actor,
        publisher,
        "publisher.revoke",
        ["verification_status", "verified_at", "verification_notes"],
        {"from": PublisherStatus.VERIFIED, "notes": text},
        None,
        text,
    )


async def admin_suspend(actor: Actor, name_or_id: str, notes: object = "") -> Publisher:
    """Any status → suspended: nothing can be published, and its packages carry a notice."""
    actor.require_admin()
    text = _notes(notes)
    publisher = await get_publisher(name_or_id)
    if publisher.verification_status == PublisherStatus.SUSPENDED:
        return publisher
    previous = publisher.verification_status
    publisher.verification_status = PublisherStatus.SUSPENDED
    publisher.verification_notes = text
    publisher.notice = f"{SUSPENDED_NOTICE}: {text}" if text else SUSPENDED_NOTICE
    return await _save_decision(
        actor,
        publisher,
        "publisher.suspend",
        ["verification_status", "verification_notes", "notice"],
        {"from": previous, "notes": text},
        VerificationRequestState.CANCELLED,
        text,
        WebhookEvent.PUBLISHER_SUSPENDED,
    )


async def admin_unsuspend(actor: Actor, name_or_id: str, notes: object = "") -> Publisher:
    """suspended → verified when its verification was never withdrawn, else unverified."""
    actor.require_admin()
    text = _notes(notes)
    publisher = await get_publisher(name_or_id)
    if publisher.verification_status != PublisherStatus.SUSPENDED:
        raise InvalidInput(
            f"Publisher {publisher.name} is not suspended (status: {publisher.verification_status})"
        )
    # verified_at survives a suspension and is cleared by every withdrawal of verification.
    publisher.verification_status = (
        PublisherStatus.VERIFIED if publisher.verified_at else PublisherStatus.UNVERIFIED
    )
    publisher.verification_notes = text
    publisher.notice = ""
    return await _save_decision(
        actor,
        publisher,
        "publisher.unsuspend",
        ["verification_status", "verification_notes", "notice"],
        {"to": publisher.verification_status, "notes": text},
        None,
        text,
    )


MAX_BYTES = BIGINT_RANGE[-1]
POLICY_FIELDS = PublisherPolicy.__struct_fields__


def _policy_value(field: str, value: object) -> bool | int | None:
    if field.startswith("can_"):
        if not isinstance(value, bool):
            raise InvalidInput(f"{field} must be true or false", field=field)
        return value
    if value is None:
        return None  # no limit beyond the registry-wide one
    if isinstance(value, bool) or not isinstance(value, int) or not 0 < value <= MAX_BYTES:
        raise InvalidInput(
            f"{field} must be a whole number of bytes from 1 to {MAX_BYTES}, or null", field=field
        )
    return value


async def admin_set_policy(actor: Actor, name_or_id: str, command: PublisherPolicy) -> Publisher:
    """Set the publishing flags and the size/quota limits; only the fields present change."""
    actor.require_admin()
    publisher = await get_publisher(name_or_id)
    changes = {field: _policy_value(field, value) for field, value in command.changes().items()}
    if not changes:
        raise InvalidInput(f"Nothing to change: send any of {', '.join(POLICY_FIELDS)}")
    before = {field: getattr(publisher, field) for field in changes}
    for field, value in changes.items():
        setattr(publisher, field, value)
    async with write_transaction() as conn:
        await publisher.save(update_fields=[*changes, "updated_at"], using_db=conn)
        await audit.record(
            actor,
            "publisher.policy",
            target_type="publisher",
            target_id=publisher.id,
            publisher_id=publisher.id,
            details={"from": before, "to": changes},
            using_db=conn,
        )
    return publisher


async def pending_publishers(
    actor: Actor, *, page: int, per_page: int
) -> tuple[list[Publisher], int, dict[str, VerificationRequest]]:
    """Publishers awaiting a decision, oldest request first, with their current request."""
    actor.require_admin()
    query = Publisher.filter(verification_status=PublisherStatus.PENDING)
    total = await query.count()
    items = await query.order_by("updated_at", "name").offset((page - 1) * per_page).limit(per_page)
    requests: dict[str, VerificationRequest] = {}
    if items:
        rows = await VerificationRequest.filter(
            publisher_id__in=[p.id for p in items], state__in=OPEN_REQUEST_STATES
        ).order_by("id")
        for row in rows:  # ascending: the newest open request wins
            requests[row.publisher_id] = row
    return items, total, requests
