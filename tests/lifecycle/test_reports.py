"""Abuse and malware reports on both stacks (issue 18 part 4): signed-in users report a
package or version over REST and GraphQL; reporters see only their own reports; admins list
the queue, dismiss, or quarantine the reported version (which hides it and resolves every open
report on it); every step is audited; the wrong actor is refused; reporters are rate-limited."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest

from domain.events import VERSION_STATUS_CHANGED
from domain.models import AbuseReport, AuditEvent, Package
from domain.services import reports, users
from tests.fixtures.stack import Stack, bearer
from tests.graphql.support import post
from tests.helpers import create_package, make_publisher
from tests.lifecycle.support import publish

V = "/api/v1"


async def _setup(stack: Stack) -> None:
    await make_publisher("u1")
    await publish(stack, "Evil", "1.0.0")
    await publish(stack, "Evil", "1.1.0")
    await stack.drain_jobs()
    await users.set_admin("root", True, username="root")


async def _report(stack: Stack, user: str | None, name: str, **body: Any) -> Any:
    headers = bearer(user) if user else {}
    return await stack.client.post(f"{V}/packages/{name}/reports", headers=headers, json=body)


async def _actions(*actions: str) -> list[tuple[str, str, str]]:
    rows = await AuditEvent.filter(action__in=actions).order_by("id")
    return [(row.action, row.actor_id, row.target_id) for row in rows]


async def test_rest_report_then_quarantine(stack: Stack, monkeypatch: pytest.MonkeyPatch) -> None:
    client = stack.client
    await _setup(stack)
    sent: list[tuple[str, dict[str, Any]]] = []
    bus = stack.ctx.events
    original = bus.publish

    async def recording(topic: str, payload: dict[str, Any]) -> None:
        sent.append((topic, payload))
        await original(topic, payload)

    monkeypatch.setattr(bus, "publish", recording)
    body = {"reason": "malware", "details": "Steals\x07 tokens\non import.", "version": "1.1.0"}

    assert (await _report(stack, None, "Evil", **body)).status_code == 401
    first = await _report(stack, "r1", "evil", **body)
    assert first.status_code == 201, first.text
    report = first.json()
    assert (report["package"], report["version"], report["state"], report["action"]) == (
        "Evil",
        "1.1.0",
        "open",
        None,
    )
    assert report["details"] == "Steals tokens\non import."  # control character removed
    again = await _report(stack, "r1", "Evil", **body)
    assert again.status_code == 409, again.text
    other = await _report(stack, "r2", "Evil", reason="abuse", details="Same", version="1.1")
    assert other.status_code == 201, other.text  # PEP 440-equal: the same version
    on_package = await _report(stack, "r2", "Evil", reason="spam", details="Spam package")
    assert on_package.status_code == 201, on_package.text

    # Reporters see their own reports only; the queue is for admins.
    mine = (await client.get(f"{V}/reports/mine", headers=bearer("r1"))).json()
    assert [r["id"] for r in mine["reports"]] == [report["id"]] and mine["total"] == 1
    theirs = (await client.get(f"{V}/reports/mine", headers=bearer("r2"))).json()
    assert report["id"] not in [r["id"] for r in theirs["reports"]] and theirs["total"] == 2
    assert (await client.get(f"{V}/reports/mine")).status_code == 401
    assert (await client.get(f"{V}/admin/reports", headers=bearer("r1"))).status_code == 403
    detail = f"{V}/admin/reports/{report['id']}"
    assert (await client.get(detail, headers=bearer("r1"))).status_code == 403
    queue = await client.get(f"{V}/admin/reports?state=open&per_page=2", headers=bearer("root"))
    assert queue.status_code == 200, queue.text
    assert queue.json()["total"] == 3 and len(queue.json()["reports"]) == 2
    bad_state = await client.get(f"{V}/admin/reports?state=nope", headers=bearer("root"))
    assert bad_state.status_code == 400
    assert (await client.get(detail, headers=bearer("root"))).json()["reporter_id"] == "r1"

    # The wrong actor cannot act; the admin quarantines.
    act = f"{detail}/quarantine"
    assert (await client.post(act, headers=bearer("r1"), json={})).status_code == 403
    assert (await client.post(act, headers=bearer("u1"), json={})).status_code == 403
    assert (await client.post(act, json={})).status_code == 401
    done = await client.post(act, headers=bearer("root"), json={"note": "Confirmed"})
    assert done.status_code == 200, done.text
    outcome = done.json()
    assert (outcome["version"], outcome["status"], outcome["newly_quarantined"]) == (
        "1.1.0",
        "quarantined",
        True,
    )
    assert sorted(outcome["resolved"]) == sorted([report["id"], other.json()["id"]])
    assert outcome["report"]["resolved_by"] == "root"
    assert outcome["report"]["resolution_note"] == "Confirmed"
    status = {"package": "Evil", "version": "1.1.0", "status": "quarantined", "rule": "report"}
    assert (VERSION_STATUS_CHANGED, status) in sent

    # The version is hidden like any quarantined one; the package-level report stays open.
    assert (await client.get(f"{V}/packages/Evil/versions/1.1.0")).status_code == 404
    assert (await client.get(f"{V}/packages/Evil")).json()["latest_version"] == "1.0.0"
    still_open = (await client.get(f"{V}/admin/reports?state=open", headers=bearer("root"))).json()
    assert [r["id"] for r in still_open["reports"]] == [on_package.json()["id"]]
    quarantined = (await client.get(f"{V}/admin/quarantine", headers=bearer("root"))).json()
    assert [v["version"] for v in quarantined["versions"]] == ["1.1.0"]
    seen = (await client.get(f"{V}/reports/mine", headers=bearer("r1"))).json()["reports"][0]
    assert (seen["state"], seen["action"], seen["resolved_by"]) == (
        "resolved",
        "quarantined",
        None,  # the admin's identity is for admins
    )
    assert (await client.post(act, headers=bearer("root"), json={})).status_code == 409
    # A version quarantined on a report is an ordinary quarantined one: an admin may release it.
    released = await client.post(
        f"{V}/admin/versions/Evil/1.1.0/release", headers=bearer("root"), json={"reason": "FP"}
    )
    assert released.status_code == 200 and released.json()["status"] == "published"

    assert await _actions("report.created", "report.quarantined", "version.quarantine") == [
        ("report.created", "r1", str(report["id"])),
        ("report.created", "r2", str(other.json()["id"])),
        ("report.created", "r2", str(on_package.json()["id"])),
        ("version.quarantine", "root", "Evil==1.1.0"),
        ("report.quarantined", "root", str(report["id"])),
        ("report.quarantined", "root", str(other.json()["id"])),
    ]


async def test_rest_dismiss_and_package_reports(stack: Stack) -> None:
    client = stack.client
    await _setup(stack)
    created = await _report(stack, "r1", "Evil", reason="impersonation", details="Not theirs")
    assert created.status_code == 201, created.text
    path = f"{V}/admin/reports/{created.json()['id']}"

    # A report on a whole package names no version: the admin must name one.
    unnamed = await client.post(f"{path}/quarantine", headers=bearer("root"), json={})
    assert unnamed.status_code == 400 and "version" in unnamed.text
    assert (await client.post(f"{path}/dismiss", headers=bearer("r1"))).status_code == 403
    dismissed = await client.post(f"{path}/dismiss", headers=bearer("root"), json={"note": "ok"})
    assert dismissed.status_code == 200, dismissed.text
    assert (dismissed.json()["state"], dismissed.json()["action"]) == ("resolved", "dismissed")
    assert (await client.post(f"{path}/dismiss", headers=bearer("root"))).status_code == 409
    assert await _actions("report.dismissed") == [
        ("report.dismissed", "root", str(created.json()["id"]))
    ]
    # Dismissed: the reporter may report the package again.
    again = await _report(stack, "r1", "Evil", reason="other", details="Still not theirs")
    assert again.status_code == 201, again.text
    named = await client.post(
        f"{V}/admin/reports/{again.json()['id']}/quarantine",
        headers=bearer("root"),
        json={"version": "1.0.0"},
    )
    assert named.status_code == 200, named.text
    assert named.json()["version"] == "1.0.0" and named.json()["status"] == "quarantined"

    for missing in ("999999", "abc", "9" * 40):
        answer = await client.get(f"{V}/admin/reports/{missing}", headers=bearer("root"))
        assert answer.status_code == 404, (missing, answer.text)


async def test_rest_refuses_bad_input_hidden_packages_and_floods(stack: Stack) -> None:
    client = stack.client
    await _setup(stack)
    created = await create_package(client, "u1", "Secret", visibility="private")
    assert created.status_code == 201, created.text
    ok = {"reason": "malware", "details": "x"}
    for name in ("Secret", "NoSuchPackage"):
        hidden = await _report(stack, "r1", name, **ok)
        assert hidden.status_code == 404 and hidden.json()["detail"] == (
            f"Package not found: {name}"
        )
    assert (await _report(stack, "u1", "Secret", **ok)).status_code == 201  # its owner sees it
    missing_version = await _report(stack, "r1", "Evil", **ok, version="9.9.9")
    assert missing_version.status_code == 404
    for body in (
        {"reason": "boring", "details": "x"},
        {"reason": "spam", "details": "  \x01 "},
        {"reason": "spam", "details": "x" * (reports.MAX_DETAILS + 1)},
        {"reason": "spam"},
    ):
        refused = await _report(stack, "r1", "Evil", **body)
        assert refused.status_code == 400, (body, refused.text)
        assert "detail" in refused.json()

    # The rate limit counts the reporter's reports of the last 24 hours, in the database.
    evil = await Package.get(name_key="evil")
    await AbuseReport.bulk_create(
        [
            AbuseReport(package_id=evil.id, reporter_id="r3", details="old", state="resolved")
            for _ in range(reports.REPORTS_PER_DAY)
        ]
    )
    limited = await _report(stack, "r3", "Evil", **ok)
    assert limited.status_code == 429, limited.text
    assert 0 < int(limited.headers["retry-after"]) <= 24 * 3600
    await AbuseReport.filter(reporter_id="r3").update(created_at=datetime(2020, 1, 1, tzinfo=UTC))
    assert (await _report(stack, "r3", "Evil", **ok)).status_code == 201


REPORT = """mutation($package: String!, $reason: ReportReason!, $details: String!,
  $version: String) {
  reportPackage(package: $package, reason: $reason, details: $details, version: $version) {
    report { id package version reason state action resolvedBy }
    errors { field code message retryAfter } } }"""
MINE = "{ myReports { totalCount edges { node { id reporterId } } } }"
QUEUE = """query($state: ReportState) { abuseReports(state: $state) {
  totalCount edges { node { id reporterId resolvedBy } } } }"""
QUARANTINE = """mutation($id: ID!) { quarantineReportedVersion(id: $id, note: "bad") {
  report { state action resolvedBy resolutionNote } version { version status }
  newlyQuarantined resolvedCount errors { code message } } }"""
DISMISS = """mutation($id: ID!) { dismissReport(id: $id) {
  report { state action } errors { code message } } }"""
NODE = """query($id: ID!) { node(id: $id) { ... on AbuseReport { id details } } }"""


async def _gql(stack: Stack, query: str, variables: dict[str, Any], user: str | None) -> Any:
    answer = await post(stack.client, query, variables, user=user)
    assert answer.status_code == 200, answer.text
    return answer.json()


async def test_graphql_report_then_quarantine(stack: Stack) -> None:
    await _setup(stack)
    variables = {"package": "Evil", "reason": "MALWARE", "details": "Miner", "version": "1.1.0"}

    anonymous = await _gql(stack, REPORT, variables, None)
    assert anonymous["data"]["reportPackage"]["errors"][0]["code"] == "NOT_AUTHENTICATED"
    filed = (await _gql(stack, REPORT, variables, "r1"))["data"]["reportPackage"]
    assert filed["errors"] == [], filed
    report = filed["report"]
    assert (report["package"], report["version"], report["reason"], report["state"]) == (
        "Evil",
        "1.1.0",
        "MALWARE",
        "OPEN",
    )
    duplicate = (await _gql(stack, REPORT, variables, "r1"))["data"]["reportPackage"]
    assert duplicate["errors"][0]["code"] == "CONFLICT" and duplicate["report"] is None
    hidden = (await _gql(stack, REPORT, {**variables, "package": "Nope"}, "r1"))["data"]
    assert hidden["reportPackage"]["errors"][0]["code"] == "NOT_FOUND"

    # Reporters see their own reports, by list and by id; nobody else does.
    assert (await _gql(stack, MINE, {}, "r1"))["data"]["myReports"]["totalCount"] == 1
    assert (await _gql(stack, MINE, {}, "r2"))["data"]["myReports"]["totalCount"] == 0
    assert (await _gql(stack, NODE, {"id": report["id"]}, "r1"))["data"]["node"]["details"] == (
        "Miner"
    )
    assert (await _gql(stack, NODE, {"id": report["id"]}, "r2"))["data"]["node"] is None
    assert (await _gql(stack, NODE, {"id": report["id"]}, None))["data"]["node"] is None
    refused = await _gql(stack, QUEUE, {"state": "OPEN"}, "r1")
    assert refused["data"] is None and refused["errors"][0]["extensions"]["code"] == "forbidden"
    queue = (await _gql(stack, QUEUE, {"state": "OPEN"}, "root"))["data"]["abuseReports"]
    assert queue["totalCount"] == 1 and queue["edges"][0]["node"]["reporterId"] == "r1"

    # The wrong actor is refused with a typed error; the admin quarantines.
    wrong = (await _gql(stack, QUARANTINE, {"id": report["id"]}, "r1"))["data"]
    assert wrong["quarantineReportedVersion"]["errors"][0]["code"] == "FORBIDDEN"
    wrong = (await _gql(stack, DISMISS, {"id": report["id"]}, "u1"))["data"]
    assert wrong["dismissReport"]["errors"][0]["code"] == "FORBIDDEN"
    done = (await _gql(stack, QUARANTINE, {"id": report["id"]}, "root"))["data"]
    result = done["quarantineReportedVersion"]
    assert result["errors"] == [], result
    assert result["report"] == {
        "state": "RESOLVED",
        "action": "QUARANTINED",
        "resolvedBy": "root",
        "resolutionNote": "bad",
    }
    assert result["version"] == {"version": "1.1.0", "status": "QUARANTINED"}
    assert (result["newlyQuarantined"], result["resolvedCount"]) == (True, 1)
    again = (await _gql(stack, DISMISS, {"id": report["id"]}, "root"))["data"]["dismissReport"]
    assert again["errors"][0]["code"] == "CONFLICT"
    latest = await stack.client.get(f"{V}/packages/Evil")
    assert latest.json()["latest_version"] == "1.0.0"
    assert [a for a, _, _ in await _actions("report.created", "report.quarantined")] == [
        "report.created",
        "report.quarantined",
    ]
