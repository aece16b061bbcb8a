"""Publisher verification (REST_CONTRACT §4.3, §7): requests, challenges, and the rules that
turn a fetched proof into a decision.

The network checks themselves run in a job (`workers/verification.py`); this module decides what
is being checked, which proof strings count, and records every outcome with an audit event in
the same transaction as the state change.

Proofs: the submitting user's registry id (the unmodified CLI never shows a challenge, so the id
must work), or a registry-issued challenge — random, expiring, bound to one publisher.
"""

from __future__ import annotations

import json
import secrets
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from domain.actor import Actor
from domain.changes import write_transaction
from domain.commands import VerificationSubmission
from domain.enums import (
    MemberRole,
    PublisherStatus,
    VerificationMethod,
    VerificationRequestState,
    WebhookEvent,
)
from domain.exceptions import InvalidInput, PermissionDenied
from domain.fieldtypes import DOMAIN_LABEL, MAX_MANUAL_DATA, TLD
from domain.jobs import VERIFY_PUBLISHER, JobQueue, enqueue_committed
from domain.models import Publisher, PublisherMember, VerificationRequest
from domain.services import audit, webhook_outbox
from domain.services.publishers import (
    publisher_of_user,
    require_session,
    validate_github_login,
)

AUTOMATIC_METHODS = frozenset(method for method in VerificationMethod if method.automatic)
CHALLENGE_PREFIX = "tbrv_"
# Who appears in the audit log for decisions the registry takes on its own.
SYSTEM = Actor(user_id="system:verification", username="system")


@dataclass(frozen=True)
class VerificationConfig:
    """Where and how proofs are fetched; overridable so tests never touch the internet."""

    # From the VERIFY_* settings (registry/runtime.py), which declare their defaults.
    github_base_url: str
    domain_url_template: str
    dns_nameservers: tuple[str, ...]  # empty: the system resolver
    dns_port: int
    timeout_seconds: float
    max_response_bytes: int
    challenge_ttl_seconds: int
    recheck_interval_seconds: int
    max_check_attempts: int = 4
    retry_delay_seconds: float = 30.0

    def github_urls(self, username: str) -> list[str]:
        base = self.github_base_url.rstrip("/")
        return [
            f"{base}/{username}/tb-registry-verify/{branch}/VERIFY.txt"
            for branch in ("main", "master")
        ]

    def domain_url(self, domain: str) -> str:
        return self.domain_url_template.format(domain=domain)


def dns_record_name(domain: str) -> str:
    return f"_tb-registry.{domain}"


# --- input ----------------------------------------------------------------------------------


def validate_domain(value: object) -> str:
    """A bare public hostname: no scheme, port, path or IP literal (the registry fetches it)."""
    if not isinstance(value, str) or not value.strip():
        raise InvalidInput("data.domain is required for the domain method", field="domain")
    host = value.strip().lower().rstrip(".")
    labels = host.split(".")
    if (
        len(host) > 253
        or len(labels) < 2
        or not all(DOMAIN_LABEL.fullmatch(lb) for lb in labels)
        or not TLD.fullmatch(labels[-1])
    ):
        raise InvalidInput(
            f"Invalid domain {value!r}: give a bare hostname such as example.com", field="domain"
        )
    return host


def _method(value: object) -> VerificationMethod:
    if isinstance(value, str):
        try:
            return VerificationMethod(value)
        except ValueError:
            pass
    raise InvalidInput(
        f"Unknown verification method {value!r}: use one of {', '.join(VerificationMethod)}",
        field="method",
    )


def data_object(data: object) -> dict[str, Any]:
    """A claim's `data` as an object (none: empty)."""
    if data is None:
        return {}
    if not isinstance(data, dict):
        raise InvalidInput("data must be an object", field="data")
    return data


def clean_data(method: str, data: object) -> dict[str, Any]:
    data = data_object(data)
    if method == VerificationMethod.GITHUB:
        return {"username": validate_github_login(data.get("username"), "username")}
    if method == VerificationMethod.DOMAIN:
        return {"domain": validate_domain(data.get("domain"))}
    if len(json.dumps(data, default=str)) > MAX_MANUAL_DATA:
        raise InvalidInput(f"data is larger than {MAX_MANUAL_DATA} characters", field="data")
    return json.loads(json.dumps(data, default=str))


def subject_of(method: str, data: dict[str, Any]) -> str:
    return (
        str(data.get("username") or "")
        if method == VerificationMethod.GITHUB
        else str(data.get("domain") or "")
    )


# --- challenges and submissions --------------------------------------------------------------


@dataclass(frozen=True)
class Challenge:
    value: str
    expires_at: datetime


@dataclass(frozen=True)
class Submission:
    request: VerificationRequest
    publisher: Publisher
    challenge: Challenge
    message: str
    instructions: str


def new_challenge_value() -> str:
    return CHALLENGE_PREFIX + secrets.token_hex(20)


async def _owned_publisher(actor: Actor, action: str) -> tuple[str, Publisher]:
    user_id = require_session(actor, action)
    publisher = await publisher_of_user(user_id)
    if publisher is None:
        # 400, not 403: the contract lists "not a publisher" among the submit errors.
        raise InvalidInput("You are not a publisher; register one first")
    if not await PublisherMember.exists(
        publisher_id=publisher.id, user_id=user_id, role=MemberRole.OWNER
    ):
        raise PermissionDenied(f"Only owners of {publisher.name} may request verification")
    if publisher.verification_status == PublisherStatus.VERIFIED:
        raise InvalidInput(f"Publisher {publisher.name} is already verified")
    if publisher.verification_status == PublisherStatus.SUSPENDED:
        raise InvalidInput(f"Publisher {publisher.name} is suspended; contact an admin")
    return user_id, publisher


async def _live_challenge(publisher_id: str, now: datetime, conn: Any = None) -> Challenge | None:
    row = await (
        VerificationRequest.filter(
            publisher_id=publisher_id, challenge__not="", challenge_expires_at__gt=now
        )
        .using_db(conn)
        .order_by("-id")
        .first()
    )
    if row is None or row.challenge_expires_at is None:
        return None
    return Challenge(row.challenge, row.challenge_expires_at)


async def issue_challenge(actor: Actor, config: VerificationConfig) -> Challenge:
    """The caller's publisher's unexpired challenge, or a fresh one. Fetch it first, publish it,
    then submit: the check runs right after the submission."""
    user_id, publisher = await _owned_publisher(actor, "request verification challenges")
    now = datetime.now(UTC)
    existing = await _live_challenge(publisher.id, now)
    if existing is not None:
        return existing
    challenge = Challenge(
        new_challenge_value(), now + timedelta(seconds=config.challenge_ttl_seconds)
    )
    async with write_transaction() as conn:
        # Requests of one publisher queue on its row: concurrent callers all get the
        # challenge the first one created, not one each (only the newest would be accepted).
        await Publisher.select_for_update(no_key=True).using_db(conn).get(id=publisher.id)
        existing = await _live_challenge(publisher.id, now, conn)
        if existing is not None:
            return existing
        row = await VerificationRequest.create(
            publisher_id=publisher.id,
            method="",
            state=VerificationRequestState.CHALLENGE,
            challenge=challenge.value,
            challenge_expires_at=challenge.expires_at,
            submitted_by=user_id,
            using_db=conn,
        )
        await audit.record(
            actor,
            "verification.challenge",
            target_type="publisher",
            target_id=publisher.id,
            publisher_id=publisher.id,
            details={"request_id": row.id},
            using_db=conn,
        )
    return challenge


def instructions_for(
    method: str, data: dict[str, Any], user_id: str, challenge: str, config: VerificationConfig
) -> str:
    proof = f"your user id {user_id} (or the challenge {challenge})"
    if method == VerificationMethod.GITHUB:
        username = data["username"]
        return (
            f"Create a public GitHub repository {username}/tb-registry-verify with a file "
            f"VERIFY.txt on branch main whose only content is {proof}. The registry reads "
            f"{config.github_urls(username)[0]}."
        )
    if method == VerificationMethod.DOMAIN:
        domain = data["domain"]
        return (
            f"Serve {proof} as the whole body of {config.domain_url(domain)}, or publish "
            f"it as a DNS TXT record at {dns_record_name(domain)}."
        )
    return "An admin will review your request; no proof needs to be published."


async def submit_verification(
    jobs: JobQueue, config: VerificationConfig, actor: Actor, command: VerificationSubmission
) -> Submission:
    """Store a request (replacing an open one), mark the publisher pending, and queue the
    automatic check. Errors are 400s as REST_CONTRACT §4.3 lists them."""
    user_id, publisher = await _owned_publisher(actor, "request verification")
    chosen = _method(command.method)
    cleaned = clean_data(chosen, command.data)
    now = datetime.now(UTC)
    async with write_transaction() as conn:
        challenge = await _live_challenge(publisher.id, now, conn) or Challenge(
            new_challenge_value(), now + timedelta(seconds=config.challenge_ttl_seconds)
        )
        superseded = await (
            VerificationRequest.filter(
                publisher_id=publisher.id, state=VerificationRequestState.PENDING
            )
            .using_db(conn)
            .update(state=VerificationRequestState.SUPERSEDED, checked_at=now)
        )
        request = await VerificationRequest.create(
            publisher_id=publisher.id,
            method=chosen,
            data=cleaned,
            state=VerificationRequestState.PENDING,
            challenge=challenge.value,
            challenge_expires_at=challenge.expires_at,
            submitted_by=user_id,
            using_db=conn,
        )
        previous = publisher.verification_status
        publisher.verification_status = PublisherStatus.PENDING
        await publisher.save(update_fields=["verification_status", "updated_at"], using_db=conn)
        await audit.record(
            actor,
            "verification.submit",
            target_type="publisher",
            target_id=publisher.id,
            publisher_id=publisher.id,
            details={
                "method": chosen,
                "data": cleaned,
                "from": previous,
                "request_id": request.id,
                "superseded": superseded,
            },
            using_db=conn,
        )
    if chosen in AUTOMATIC_METHODS:
        # Committed: a queue outage leaves the request pending for the sweep, not a 500.
        await enqueue_committed(jobs, VERIFY_PUBLISHER, "requeue_pending_work", request.id)
        message = f"Verification request submitted; the {chosen} proof is being checked"
    else:
        message = "Verification request submitted; an admin will review it"
    return Submission(
        request,
        publisher,
        challenge,
        message,
        instructions_for(chosen, cleaned, user_id, challenge.value, config),
    )


async def current_request(publisher_id: str) -> VerificationRequest | None:
    """The newest real request (not a bare challenge) of a publisher."""
    return (await current_requests([publisher_id])).get(publisher_id)


async def current_requests(publisher_ids: list[str]) -> dict[str, VerificationRequest]:
    """`current_request` for many publishers in one query (publishers without one are absent)."""
    if not publisher_ids:
        return {}
    latest: dict[str, VerificationRequest] = {}
    rows = await (
        VerificationRequest.filter(publisher_id__in=publisher_ids)
        .exclude(state=VerificationRequestState.CHALLENGE)
        .order_by("id")
    )
    for row in rows:  # ascending: the newest wins
        latest[row.publisher_id] = row
    return latest


# --- checking --------------------------------------------------------------------------------


@dataclass(frozen=True)
class CheckTarget:
    request_id: int
    publisher_id: str
    method: str
    subject: str  # the GitHub login or the domain
    accepted: dict[str, str]  # proof string -> what it is ("user_id" or "challenge")


@dataclass(frozen=True)
class Candidate:
    source: str  # the URL or DNS name the text came from
    text: str


@dataclass
class ProbeOutcome:
    """What a network probe found: texts to compare, and the problems met on the way."""

    candidates: list[Candidate] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    transient: bool = False


@dataclass(frozen=True)
class Match:
    source: str
    proof: str  # "user_id" or "challenge"


def normalize_proof(text: str) -> str:
    """The proof as published: surrounding whitespace and a byte-order mark do not count."""
    return text.strip().lstrip("\ufeff").strip()


def is_proof(target: CheckTarget, text: str) -> bool:
    return normalize_proof(text) in target.accepted


def find_match(target: CheckTarget, outcome: ProbeOutcome) -> Match | None:
    for candidate in outcome.candidates:
        kind = target.accepted.get(normalize_proof(candidate.text))
        if kind is not None:
            return Match(candidate.source, kind)
    return None


def _accepted(
    request: VerificationRequest, *, require_live_challenge: bool, now: datetime
) -> dict[str, str]:
    accepted = {request.submitted_by: "user_id"} if request.submitted_by else {}
    # Once a challenge proved a claim it stays valid for re-checks; expiry bounds first use.
    live = request.challenge_expires_at is not None and request.challenge_expires_at > now
    if request.challenge and (live or not require_live_challenge):
        accepted[request.challenge] = "challenge"
    return accepted


async def load_check(request_id: int) -> CheckTarget | None:
    """The check to run for a request, or None when it was decided or replaced meanwhile."""
    request = await VerificationRequest.get_or_none(id=request_id).prefetch_related("publisher")
    if (
        request is None
        or request.state != VerificationRequestState.PENDING
        or request.method not in AUTOMATIC_METHODS
        or request.publisher.verification_status != PublisherStatus.PENDING
    ):
        return None
    return CheckTarget(
        request.id,
        request.publisher.id,
        request.method,
        subject_of(request.method, request.data),
        _accepted(request, require_live_challenge=True, now=datetime.now(UTC)),
    )


def _result(outcome: ProbeOutcome, match: Match | None, attempts: int) -> dict[str, Any]:
    return {
        "ok": match is not None,
        "source": match.source if match else "",
        "proof": match.proof if match else "",
        "errors": list(outcome.errors),
        "attempts": attempts,
        "checked_at": datetime.now(UTC).isoformat(),
    }


class _Superseded(Exception):
    """Raised inside a transaction to roll it back when the publisher moved on meanwhile."""


async def _record_check(
    target: CheckTarget, outcome: ProbeOutcome, match: Match | None, *, attempts: int = 1
) -> PublisherStatus | None:
    now = datetime.now(UTC)
    state = PublisherStatus.VERIFIED if match else PublisherStatus.REJECTED
    async with write_transaction() as conn:
        # The request ends in the state of the same name as the publisher's new status.
        changed = await (
            VerificationRequest.filter(id=target.request_id, state=VerificationRequestState.PENDING)
            .using_db(conn)
            .update(
                state=VerificationRequestState(state),
                checked_at=now,
                check_result=_result(outcome, match, attempts),
            )
        )
        if not changed:
            return None
        fields: dict[str, Any] = {"verification_status": state, "updated_at": now}
        if match:
            fields.update(
                verified_at=now,
                verified_by=f"auto:{target.method}",
                verification_notes=f"Proof found at {match.source}",
                can_publish_public=True,
                notice="",
            )
            if target.method == VerificationMethod.GITHUB:
                fields["github"] = target.subject
        else:
            fields["verification_notes"] = "; ".join(outcome.errors)[:2000]
        updated = await (
            Publisher.filter(id=target.publisher_id, verification_status=PublisherStatus.PENDING)
            .using_db(conn)
            .update(**fields)
        )
        if not updated:  # an admin acted on the publisher in between: roll back, leave it
            raise _Superseded
        await audit.record(
            SYSTEM,
            f"verification.{state}",
            target_type="publisher",
            target_id=target.publisher_id,
            publisher_id=target.publisher_id,
            details={
                "request_id": target.request_id,
                "method": target.method,
                "subject": target.subject,
                "source": match.source if match else "",
                "proof": match.proof if match else "",
                "errors": outcome.errors,
            },
            using_db=conn,
        )
        if match:
            await webhook_outbox.emit(
                WebhookEvent.PUBLISHER_VERIFIED,
                target.publisher_id,
                details={"method": target.method, "subject": target.subject},
                using_db=conn,
            )
    return state


async def apply_check(
    target: CheckTarget, outcome: ProbeOutcome, match: Match | None, *, attempts: int = 1
) -> PublisherStatus | None:
    """Apply an automatic decision: `verified` on a match, else `rejected`. Returns the new
    status, or None when the request was decided or replaced while the check ran."""
    try:
        return await _record_check(target, outcome, match, attempts=attempts)
    except _Superseded:
        return None


# --- periodic re-check ----------------------------------------------------------------------


async def due_for_recheck(interval_seconds: int, now: datetime | None = None) -> list[str]:
    """Publishers verified by an automatic proof that was last checked longer ago than the
    interval. Admin-verified publishers are trusted as the admin left them."""
    now = now or datetime.now(UTC)
    ids = await Publisher.filter(
        verification_status=PublisherStatus.VERIFIED, verified_by__startswith="auto:"
    ).values_list("id", flat=True)
    if not ids:
        return []
    newest: dict[str, VerificationRequest] = {}
    for row in await VerificationRequest.filter(
        publisher_id__in=list(ids), state=VerificationRequestState.VERIFIED
    ).order_by("id"):
        newest[row.publisher_id] = row
    cutoff = now - timedelta(seconds=interval_seconds)
    return sorted(
        pid for pid, row in newest.items() if row.checked_at is None or row.checked_at <= cutoff
    )


async def load_recheck(publisher_id: str) -> CheckTarget | None:
    publisher = await Publisher.get_or_none(id=publisher_id)
    if (
        publisher is None
        or publisher.verification_status != PublisherStatus.VERIFIED
        or not publisher.verified_by.startswith("auto:")
    ):
        return None
    request = await (
        VerificationRequest.filter(
            publisher_id=publisher_id, state=VerificationRequestState.VERIFIED
        )
        .order_by("-id")
        .first()
    )
    if request is None or request.method not in AUTOMATIC_METHODS:
        return None
    return CheckTarget(
        request.id,
        publisher_id,
        request.method,
        subject_of(request.method, request.data),
        _accepted(request, require_live_challenge=False, now=datetime.now(UTC)),
    )


async def record_recheck_ok(target: CheckTarget, match: Match) -> None:
    await VerificationRequest.filter(id=target.request_id).update(checked_at=datetime.now(UTC))


async def withdraw_verification(target: CheckTarget, outcome: ProbeOutcome) -> bool:
    """The proof is gone: back to `unverified`, with a notice and an audit event."""
    now = datetime.now(UTC)
    day = now.strftime("%Y-%m-%d")
    notice = (
        f"Verification withdrawn on {day}: the {target.method} proof for "
        f"{target.subject} is no longer published"
    )
    async with write_transaction() as conn:
        changed = await (
            Publisher.filter(
                id=target.publisher_id,
                verification_status=PublisherStatus.VERIFIED,
                verified_by__startswith="auto:",
            )
            .using_db(conn)
            .update(
                verification_status=PublisherStatus.UNVERIFIED,
                verified_at=None,
                notice=notice,
                verification_notes="; ".join(outcome.errors)[:2000],
                updated_at=now,
            )
        )
        if not changed:
            return False
        await (
            VerificationRequest.filter(id=target.request_id)
            .using_db(conn)
            .update(
                state=VerificationRequestState.WITHDRAWN,
                checked_at=now,
                check_result=_result(outcome, None, 1),
            )
        )
        await audit.record(
            SYSTEM,
            "verification.withdrawn",
            target_type="publisher",
            target_id=target.publisher_id,
            publisher_id=target.publisher_id,
            details={
                "request_id": target.request_id,
                "method": target.method,
                "subject": target.subject,
                "errors": outcome.errors,
            },
            using_db=conn,
        )
    return True
