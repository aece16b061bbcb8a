"""Verification by github, domain (HTTP and DNS TXT) and manual review, checked by jobs against
local servers; the periodic re-check withdraws a vanished proof (REST_CONTRACT §4.3, §7)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import httpx

from domain.models import AuditEvent, Publisher, VerificationRequest
from domain.services.verification import VerificationConfig
from tests.fixtures.stack import Stack, bearer
from tests.helpers import make_publisher
from tests.publishers.support import DnsServer, ProofServer, Reply, join_publisher, make_admin
from workers.verification import recheck_verified

MAIN = "/gh/octo/tb-registry-verify/main/VERIFY.txt"
MASTER = "/gh/octo/tb-registry-verify/master/VERIFY.txt"
WELL_KNOWN = "/site/example.com/.well-known/tb-registry-verify"


async def submit(stack: Stack, user: str, method: str, data: Any) -> httpx.Response:
    return await stack.client.post(
        "/api/v1/publishers/verify", headers=bearer(user), json={"method": method, "data": data}
    )


async def status_of(slug: str) -> str:
    return (await Publisher.get(name=slug)).verification_status


async def latest_request(slug: str) -> VerificationRequest:
    publisher = await Publisher.get(name=slug)
    return await (
        VerificationRequest.filter(publisher_id=publisher.id)
        .exclude(state="challenge")
        .order_by("-id")
        .first()
    )


async def test_submit_answers_exactly_202_and_validates(stack: Stack) -> None:
    not_publisher = await submit(stack, "nobody", "manual", {})
    assert not_publisher.status_code == 400 and "not a publisher" in not_publisher.json()["detail"]
    await make_publisher("u1", "acme", verified=False)
    cases: list[tuple[str, Any]] = [
        ("email", {"address": "a@b.c"}),
        ("", {}),
        ("github", {}),
        ("github", {"username": "bad name!"}),
        ("domain", {}),
        ("domain", {"domain": "https://example.com"}),
        ("domain", {"domain": "127.0.0.1"}),
        ("domain", {"domain": "localhost"}),
        ("domain", {"domain": "example.com:8080"}),
        ("github", "octo"),
    ]
    for method, data in cases:
        response = await submit(stack, "u1", method, data)
        assert response.status_code == 400, (method, data, response.text)
        assert isinstance(response.json()["detail"], str)
    assert await status_of("acme") == "unverified"

    first = await submit(stack, "u1", "manual", {"notes": "please"})
    assert first.status_code == 202
    body = first.json()
    assert body["status"] == "submitted" and body["message"]
    assert body["challenge"].startswith("tbrv_") and "admin" in body["instructions"]
    assert await status_of("acme") == "pending"
    # Re-submitting while pending replaces the request and keeps the challenge.
    second = await submit(stack, "u1", "manual", {"notes": "again"})
    assert second.status_code == 202 and second.json()["challenge"] == body["challenge"]
    states = await VerificationRequest.all().order_by("id").values_list("state", flat=True)
    assert states == ["superseded", "pending"]

    # Members who are not owners, and API tokens, cannot ask.
    await make_admin("root")
    await join_publisher(stack.client, "root", "acme", "helper")
    assert (await submit(stack, "helper", "manual", {})).status_code == 403

    await stack.client.post(
        "/api/v1/publishers/admin/acme/verify", headers=bearer("root"), json={"notes": ""}
    )
    already = await submit(stack, "u1", "manual", {})
    assert already.status_code == 400 and "already verified" in already.json()["detail"]


async def test_manual_request_waits_for_an_admin(
    stack: Stack, proof_server: ProofServer, verify_config: VerificationConfig
) -> None:
    await make_publisher("u1", "acme", verified=False)
    assert (await submit(stack, "u1", "manual", {"notes": "call me"})).status_code == 202
    await stack.drain_jobs()
    assert await status_of("acme") == "pending"
    assert proof_server.requested == []
    assert (await latest_request("acme")).state == "pending"


async def test_github_proof_with_user_id(
    stack: Stack, proof_server: ProofServer, verify_config: VerificationConfig
) -> None:
    await make_publisher("u1", "acme", verified=False)
    proof_server.text(MAIN, "u1\n")
    response = await submit(stack, "u1", "github", {"username": "octo"})
    assert response.status_code == 202
    assert "octo/tb-registry-verify" in response.json()["instructions"]
    await stack.drain_jobs()

    publisher = await Publisher.get(name="acme")
    assert publisher.verification_status == "verified"
    assert publisher.verified_by == "auto:github" and publisher.verified_at is not None
    assert publisher.can_publish_public and publisher.github == "octo"
    request = await latest_request("acme")
    assert request.state == "verified"
    assert request.check_result["ok"] is True and request.check_result["proof"] == "user_id"
    assert request.check_result["source"].endswith(MAIN)
    me = (await stack.client.get("/api/v1/auth/me", headers=bearer("u1"))).json()
    assert me["is_verified"] is True
    event = await AuditEvent.get(action="verification.verified")
    assert event.publisher_id == publisher.id and event.actor_id == "system:verification"
    assert proof_server.requested == [MAIN]  # master is not needed once main proves it


async def test_github_challenge_on_master_branch(
    stack: Stack, proof_server: ProofServer, verify_config: VerificationConfig
) -> None:
    await make_publisher("u1", "acme", verified=False)
    issued = await stack.client.post("/api/v1/publishers/verify/challenge", headers=bearer("u1"))
    assert issued.status_code == 200
    challenge = issued.json()["challenge"]
    again = await stack.client.post("/api/v1/publishers/verify/challenge", headers=bearer("u1"))
    assert again.json()["challenge"] == challenge  # stable until it expires
    proof_server.text(MASTER, f"\ufeff  {challenge}  \r\n")
    response = await submit(stack, "u1", "github", {"username": "octo"})
    assert response.json()["challenge"] == challenge
    await stack.drain_jobs()
    assert await status_of("acme") == "verified"
    request = await latest_request("acme")
    assert request.check_result["proof"] == "challenge"
    assert proof_server.requested == [MAIN, MASTER]


async def test_challenge_is_bound_to_its_publisher_and_expires(
    stack: Stack, proof_server: ProofServer, verify_config: VerificationConfig
) -> None:
    await make_publisher("u1", "first", verified=False)
    await make_publisher("u2", "second", verified=False)
    foreign = (
        await stack.client.post("/api/v1/publishers/verify/challenge", headers=bearer("u1"))
    ).json()["challenge"]
    proof_server.text(MAIN, foreign)
    await submit(stack, "u2", "github", {"username": "octo"})
    await stack.drain_jobs()
    assert await status_of("second") == "rejected"

    await VerificationRequest.filter(challenge=foreign).update(
        challenge_expires_at=datetime.now(UTC) - timedelta(seconds=1)
    )
    response = await submit(stack, "u1", "github", {"username": "octo"})
    assert response.json()["challenge"] != foreign  # an expired challenge is replaced
    await stack.drain_jobs()
    assert await status_of("first") == "rejected"


async def test_github_wrong_or_missing_proof_is_rejected_then_fixed(
    stack: Stack, proof_server: ProofServer, verify_config: VerificationConfig
) -> None:
    await make_publisher("u1", "acme", verified=False)
    proof_server.text(MAIN, "someone-else")
    await submit(stack, "u1", "github", {"username": "octo"})
    await stack.drain_jobs()
    assert await status_of("acme") == "rejected"
    request = await latest_request("acme")
    assert request.state == "rejected" and request.check_result["ok"] is False
    errors = " | ".join(request.check_result["errors"])
    assert "does not match" in errors and "not found" in errors  # main wrong, master absent
    assert await AuditEvent.filter(action="verification.rejected").count() == 1
    pending = (await stack.client.get("/api/v1/publishers/acme")).json()
    assert pending["verification_status"] == "rejected"

    proof_server.text(MAIN, "u1")
    assert (await submit(stack, "u1", "github", {"username": "octo"})).status_code == 202
    await stack.drain_jobs()
    assert await status_of("acme") == "verified"


async def test_github_timeouts_are_retried_then_rejected(
    stack: Stack, proof_server: ProofServer, verify_config: VerificationConfig
) -> None:
    await make_publisher("u1", "acme", verified=False)
    proof_server.routes[MAIN] = Reply(body=b"u1", delay=3)
    proof_server.routes[MASTER] = Reply(body=b"u1", delay=3)
    await submit(stack, "u1", "github", {"username": "octo"})
    await stack.drain_jobs()
    assert await status_of("acme") == "rejected"
    request = await latest_request("acme")
    assert "timed out" in " ".join(request.check_result["errors"])
    assert request.check_result["attempts"] == verify_config.max_check_attempts
    assert proof_server.requested.count(MAIN) == verify_config.max_check_attempts


async def test_transient_error_then_success(
    stack: Stack, proof_server: ProofServer, verify_config: VerificationConfig
) -> None:
    await make_publisher("u1", "acme", verified=False)
    proof_server.routes[MAIN] = [Reply(status=503), Reply(body=b"u1")]
    await submit(stack, "u1", "github", {"username": "octo"})
    await stack.drain_jobs()
    assert await status_of("acme") == "verified"
    assert proof_server.requested.count(MAIN) == 2


async def test_redirects_stay_on_the_same_host(
    stack: Stack, proof_server: ProofServer, verify_config: VerificationConfig
) -> None:
    await make_publisher("u1", "acme", verified=False)
    off_host = f"http://localhost:{proof_server.port}/elsewhere/VERIFY.txt"
    proof_server.routes[MAIN] = Reply(status=302, headers={"Location": off_host})
    proof_server.text("/elsewhere/VERIFY.txt", "u1")
    await submit(stack, "u1", "github", {"username": "octo"})
    await stack.drain_jobs()
    assert await status_of("acme") == "rejected"
    assert "/elsewhere/VERIFY.txt" not in proof_server.requested
    request = await latest_request("acme")
    assert "another host" in " ".join(request.check_result["errors"])

    # A redirect on the same host is followed.
    proof_server.routes[MAIN] = Reply(status=301, headers={"Location": "/gh/octo/moved.txt"})
    proof_server.text("/gh/octo/moved.txt", "u1")
    await submit(stack, "u1", "github", {"username": "octo"})
    await stack.drain_jobs()
    assert await status_of("acme") == "verified"


async def test_response_size_is_capped(
    stack: Stack, proof_server: ProofServer, verify_config: VerificationConfig
) -> None:
    await make_publisher("u1", "acme", verified=False)
    big = b"u1" + b" " * 100_000
    proof_server.routes[MAIN] = Reply(body=big, send_length=False)  # streamed, no length
    proof_server.routes[MASTER] = Reply(body=big)  # announced by Content-Length
    await submit(stack, "u1", "github", {"username": "octo"})
    await stack.drain_jobs()
    assert await status_of("acme") == "rejected"
    errors = (await latest_request("acme")).check_result["errors"]
    assert sum("larger than 256 bytes" in e for e in errors) == 2


async def test_domain_well_known_file(
    stack: Stack,
    proof_server: ProofServer,
    dns_server: DnsServer,
    verify_config: VerificationConfig,
) -> None:
    await make_publisher("u1", "acme", verified=False)
    proof_server.text(WELL_KNOWN, "u1")
    response = await submit(stack, "u1", "domain", {"domain": "Example.COM."})
    assert response.status_code == 202
    assert "_tb-registry.example.com" in response.json()["instructions"]
    await stack.drain_jobs()
    assert await status_of("acme") == "verified"
    request = await latest_request("acme")
    assert request.data == {"domain": "example.com"}
    assert request.check_result["source"].endswith(WELL_KNOWN)


async def test_domain_dns_txt_record(
    stack: Stack,
    proof_server: ProofServer,
    dns_server: DnsServer,
    verify_config: VerificationConfig,
) -> None:
    await make_publisher("u1", "acme", verified=False)
    challenge = (
        await stack.client.post("/api/v1/publishers/verify/challenge", headers=bearer("u1"))
    ).json()["challenge"]
    dns_server.records["_tb-registry.example.org"] = ["v=spf1 -all", challenge]
    await submit(stack, "u1", "domain", {"domain": "example.org"})
    await stack.drain_jobs()
    assert await status_of("acme") == "verified"
    result = (await latest_request("acme")).check_result
    assert result["source"] == "dns:_tb-registry.example.org" and result["proof"] == "challenge"


async def test_domain_dns_failures(
    stack: Stack,
    proof_server: ProofServer,
    dns_server: DnsServer,
    verify_config: VerificationConfig,
) -> None:
    await make_publisher("u1", "acme", verified=False)
    dns_server.records["_tb-registry.example.net"] = ["not-the-proof"]
    await submit(stack, "u1", "domain", {"domain": "example.net"})
    await stack.drain_jobs()
    assert await status_of("acme") == "rejected"
    assert "does not match" in " ".join((await latest_request("acme")).check_result["errors"])

    dns_server.silent.add("_tb-registry.example.net")  # the nameserver never answers
    await submit(stack, "u1", "domain", {"domain": "example.net"})
    await stack.drain_jobs()
    assert await status_of("acme") == "rejected"
    result = (await latest_request("acme")).check_result
    assert "timed out" in " ".join(result["errors"]) and result["attempts"] == 2


async def test_admin_decision_wins_over_a_running_check(
    stack: Stack, proof_server: ProofServer, verify_config: VerificationConfig
) -> None:
    await make_admin("root")
    await make_publisher("u1", "acme", verified=False)
    proof_server.routes[MAIN] = Reply(body=b"u1", delay=0.3)
    await submit(stack, "u1", "github", {"username": "octo"})
    rejected = await stack.client.post(
        "/api/v1/publishers/admin/acme/reject", headers=bearer("root"), json={"notes": "no"}
    )
    assert rejected.status_code == 200
    await stack.drain_jobs()
    assert await status_of("acme") == "rejected"
    assert await AuditEvent.filter(action="verification.verified").count() == 0


async def test_recheck_withdraws_a_vanished_proof(
    stack: Stack, proof_server: ProofServer, verify_config: VerificationConfig
) -> None:
    await make_admin("root")
    await make_publisher("u1", "acme", verified=False)
    await make_publisher("u2", "trusted", verified=False)
    await stack.client.post(
        "/api/v1/publishers/admin/trusted/verify",
        headers=bearer("root"),
        json={"notes": "known to us"},
    )
    proof_server.text(MAIN, "u1")
    await submit(stack, "u1", "github", {"username": "octo"})
    await stack.drain_jobs()
    assert await status_of("acme") == "verified"
    checked = (await latest_request("acme")).checked_at
    ctx = {"registry": stack.ctx, "job_try": 1}

    # Still there: stays verified, the check time moves on.
    assert await recheck_verified(ctx) == 1  # the admin-verified publisher is not re-checked
    await stack.drain_jobs()
    assert await status_of("acme") == "verified"
    assert (await latest_request("acme")).checked_at > checked

    # An outage is not an absence.
    proof_server.routes[MAIN] = Reply(status=503)
    proof_server.routes[MASTER] = Reply(status=503)
    await recheck_verified(ctx)
    await stack.drain_jobs()
    assert await status_of("acme") == "verified"

    # Gone for good: back to unverified, with a notice and an audit event.
    del proof_server.routes[MAIN], proof_server.routes[MASTER]
    await recheck_verified(ctx)
    await stack.drain_jobs()
    publisher = await Publisher.get(name="acme")
    assert publisher.verification_status == "unverified" and publisher.verified_at is None
    public = (await stack.client.get("/api/v1/publishers/acme")).json()
    assert "withdrawn" in public["notice"] and "octo" in public["notice"]
    event = await AuditEvent.get(action="verification.withdrawn")
    assert event.publisher_id == publisher.id
    assert await status_of("trusted") == "verified"
    assert (await recheck_verified(ctx)) == 0

    # With the proof back, a new request verifies again and clears the notice.
    proof_server.text(MAIN, "u1")
    await submit(stack, "u1", "github", {"username": "octo"})
    await stack.drain_jobs()
    assert (await stack.client.get("/api/v1/publishers/acme")).json()["notice"] == ""
