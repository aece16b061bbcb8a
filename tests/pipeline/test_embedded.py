"""The scanning pipeline end to end on the in-process job runner, on both stacks:
upload -> pending -> scan job -> published or quarantined, who sees what, admin decisions."""

from __future__ import annotations

import asyncio
import re
import threading
import time
from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest

from domain.jobs import SCAN_VERSION
from domain.models import AuditEvent, PackageVersion
from domain.services import scans
from tests.contract.schema_check import response_problems
from tests.fixtures.stack import Stack, bearer
from tests.helpers import upload_version
from tests.pipeline.support import (
    OWNER,
    STRANGER,
    Attack,
    attacks,
    benign_mod,
    make_admin,
    make_owner_package,
    sha256,
)
from tests.scanning.helpers import MOD

VERSION = "1.2.3"  # the version inside the test mods' manifest


def _base(name: str, version: str = VERSION) -> str:
    return f"/api/v1/packages/{name}/versions/{version}"


async def _upload(
    stack: Stack, data: bytes, name: str = MOD, version: str = VERSION
) -> dict[str, Any]:
    response = await upload_version(stack.client, OWNER, name, version, data)
    assert response.status_code == 201, response.text
    body = response.json()
    assert body["status"] == "pending"
    return body


async def _assert_invisible_to(
    client: httpx.AsyncClient, name: str, version: str, headers: dict[str, str], sha: str
) -> None:
    """What anyone but owners and admins sees of a version that is not published."""
    for path in ("", "/file", "/download", "/scan"):
        response = await client.get(_base(name, version) + path, headers=headers)
        expected = 401 if path == "/scan" and not headers else 404
        assert response.status_code == expected, (path, response.text)
    detail = (await client.get(f"/api/v1/packages/{name}", headers=headers)).json()
    assert detail["versions"] == [] and detail["latest_version"] == ""
    listed = (await client.get(f"/api/v1/packages/{name}/versions", headers=headers)).json()
    assert listed["versions"] == []
    found = (await client.get("/api/v1/search", params={"q": name}, headers=headers)).json()
    assert all(p["latest_version"] == "" for p in found["packages"] if p["name"] == name)
    latest = (await client.get("/api/v1/versions", params={"names": name}, headers=headers)).json()
    assert latest["versions"] == {name: None}
    resolved = (
        await client.post(
            "/api/v1/resolve", headers=headers, json={"requirements": [f"{name}=={version}"]}
        )
    ).json()
    assert resolved["success"] is False and name not in resolved.get("resolved", {})
    assert (await client.get(f"/api/v1/files/{sha}", headers=headers)).status_code == 404


MY_ROUTES = re.compile(r"^/api/v1/(admin/|packages/[^/]+/versions/[^/]+/scan$)")


@pytest.fixture(autouse=True)
async def responses_match_openapi(stack: Stack) -> AsyncIterator[None]:
    """Every response of this module's routes is checked against the served document."""
    document = (await stack.client.get("/api/v1/openapi.json")).json()
    problems: list[str] = []

    async def check(response: httpx.Response) -> None:
        path = response.request.url.path
        if not MY_ROUTES.match(path):
            return
        await response.aread()
        content_type = response.headers.get("content-type", "")
        body = response.json() if content_type.startswith("application/json") else None
        problems.extend(
            response_problems(
                document, response.request.method, path, response.status_code, content_type, body
            )
        )

    hooks = stack.client.event_hooks["response"]
    hooks.append(check)
    try:
        yield
    finally:
        hooks.remove(check)
    assert problems == []


@pytest.fixture
def gated_scans(monkeypatch: pytest.MonkeyPatch) -> threading.Event:
    """Scans wait (in their worker thread) until the test opens the gate."""
    gate = threading.Event()
    original = scans._scan_blocking

    def gated(*args: Any, **kwargs: Any) -> Any:
        gate.wait(60)
        return original(*args, **kwargs)

    monkeypatch.setattr(scans, "_scan_blocking", gated)
    yield gate
    gate.set()


async def test_upload_is_pending_and_hidden_until_the_scan_passes_it(
    stack: Stack, gated_scans: threading.Event
) -> None:
    client = stack.client
    await make_owner_package(client)
    data = benign_mod()
    body = await _upload(stack, data)
    assert body["checksum_sha256"] == sha256(data)
    await _assert_invisible_to(client, MOD, VERSION, {}, body["checksum_sha256"])
    await _assert_invisible_to(client, MOD, VERSION, bearer(STRANGER), body["checksum_sha256"])

    owner = bearer(OWNER)
    mine = (await client.get(_base(MOD), headers=owner)).json()
    assert mine["status"] == "pending" and mine["download_url"] == ""
    assert "scan_report" not in mine
    assert (await client.get(_base(MOD) + "/file", headers=owner)).status_code == 404
    scan = (await client.get(_base(MOD) + "/scan", headers=owner)).json()
    assert scan == {"package": MOD, "version": VERSION, "status": "pending", "scan_report": None}

    gated_scans.set()
    await stack.drain_jobs()
    detail = (await client.get(_base(MOD))).json()
    assert detail["status"] == "published"
    assert detail["download_url"] == f"{_base(MOD)}/file"
    download = await client.get(detail["download_url"])
    assert download.status_code == 200 and sha256(download.content) == detail["checksum_sha256"]
    assert (await client.get(f"/api/v1/packages/{MOD}")).json()["latest_version"] == VERSION
    report = (await client.get(_base(MOD) + "/scan", headers=owner)).json()["scan_report"]
    assert report["verdict"] == "pass" and report["rule"] is None
    assert report["entry_count"] == 3 and report["compressed_size"] == len(data)
    owner_view = (await client.get(_base(MOD), headers=owner)).json()
    assert owner_view["scan_report"] == report
    # The report is for owners and admins, also once published.
    assert (await client.get(_base(MOD) + "/scan")).status_code == 401
    assert (await client.get(_base(MOD) + "/scan", headers=bearer(STRANGER))).status_code == 404


async def test_embedded_runner_publishes_promptly(stack: Stack) -> None:
    await make_owner_package(stack.client)
    started = time.perf_counter()
    await _upload(stack, benign_mod())
    await stack.drain_jobs()
    elapsed = time.perf_counter() - started
    row = await PackageVersion.get(version=VERSION)
    assert row.status == "published"
    # Upload plus scan of a small mod; generous for a loaded 2-core machine.
    assert elapsed < 10, elapsed


@pytest.mark.parametrize("attack", attacks(), ids=lambda a: a.name)
async def test_attack_is_quarantined_with_its_rule_and_hidden(stack: Stack, attack: Attack) -> None:
    client = stack.client
    await make_owner_package(client, attack.package, attack.package_type)
    body = await _upload(stack, attack.data, attack.package)
    await stack.drain_jobs()

    owner = bearer(OWNER)
    mine = (await client.get(_base(attack.package), headers=owner)).json()
    assert mine["status"] == "quarantined" and mine["download_url"] == ""
    assert mine["scan_report"]["verdict"] == "fail"
    assert mine["scan_report"]["rule"] == attack.rule, mine["scan_report"]
    scan = (await client.get(_base(attack.package) + "/scan", headers=owner)).json()
    assert scan["status"] == "quarantined" and scan["scan_report"] == mine["scan_report"]
    assert (await client.get(_base(attack.package) + "/file", headers=owner)).status_code == 404

    for headers in ({}, bearer(STRANGER)):
        await _assert_invisible_to(
            client, attack.package, VERSION, headers, body["checksum_sha256"]
        )

    admin = await make_admin()
    assert (await client.get(_base(attack.package) + "/scan", headers=admin)).json()["scan_report"][
        "rule"
    ] == attack.rule
    queue = (await client.get("/api/v1/admin/quarantine", headers=admin)).json()
    assert queue["total"] == 1
    entry = queue["versions"][0]
    assert (entry["package"], entry["version"], entry["rule"]) == (
        attack.package,
        VERSION,
        attack.rule,
    )
    assert entry["publisher"] == "pub-owner-1" and entry["uploaded_by"] == OWNER


async def test_quarantine_list_is_for_admins_and_pages(stack: Stack) -> None:
    client = stack.client
    await make_owner_package(client)
    traversal = attacks()[0]
    for version in ("1.0.0", "1.0.1", "1.0.2"):
        await _upload(stack, traversal.data, version=version)
    await _upload(stack, benign_mod())
    await stack.drain_jobs()
    assert (await client.get("/api/v1/admin/quarantine")).status_code == 401
    assert (await client.get("/api/v1/admin/quarantine", headers=bearer(OWNER))).status_code == 403
    admin = await make_admin()
    first = (
        await client.get("/api/v1/admin/quarantine", params={"per_page": 2}, headers=admin)
    ).json()
    assert first["total"] == 3 and [v["version"] for v in first["versions"]] == ["1.0.2", "1.0.1"]
    second = (
        await client.get(
            "/api/v1/admin/quarantine", params={"per_page": 2, "page": 2}, headers=admin
        )
    ).json()
    assert [v["version"] for v in second["versions"]] == ["1.0.0"]
    only = (
        await client.get("/api/v1/admin/quarantine", params={"package": "cloudm"}, headers=admin)
    ).json()
    assert only["total"] == 3
    missing = await client.get(
        "/api/v1/admin/quarantine", params={"package": "nope"}, headers=admin
    )
    assert missing.status_code == 404


async def test_admin_release_publishes_with_an_audited_reason(stack: Stack) -> None:
    client = stack.client
    await make_owner_package(client)
    attack = attacks()[0]
    body = await _upload(stack, attack.data)
    await stack.drain_jobs()
    release = f"/api/v1/admin/versions/{MOD}/{VERSION}/release"
    assert (await client.post(release, json={"reason": "x"})).status_code == 401
    assert (
        await client.post(release, json={"reason": "x"}, headers=bearer(OWNER))
    ).status_code == 403
    admin = await make_admin()
    for bad in ({}, {"reason": "  "}, {"reason": 5}, {"reason": "x" * 1001}):
        refused = await client.post(release, json=bad, headers=admin)
        assert refused.status_code == 400, bad
        assert isinstance(refused.json()["detail"], str)
    assert (
        await client.post(
            f"/api/v1/admin/versions/{MOD}/9.9.9/release", json={"reason": "x"}, headers=admin
        )
    ).status_code == 404

    released = await client.post(release, json={"reason": "reviewed: test fixture"}, headers=admin)
    assert released.status_code == 200, released.text
    result = released.json()
    assert result["status"] == "published" and result["download_url"] == f"{_base(MOD)}/file"
    assert result["scan_report"]["rule"] == attack.rule  # the report stays for the record

    download = await client.get(f"{_base(MOD)}/file")
    assert download.status_code == 200 and download.content == attack.data
    assert sha256(download.content) == body["checksum_sha256"]
    assert (await client.get(f"/api/v1/packages/{MOD}")).json()["latest_version"] == VERSION
    assert (await client.get("/api/v1/admin/quarantine", headers=admin)).json()["total"] == 0
    event = await AuditEvent.get(action="version.release")
    assert event.actor_id == "admin-1" and event.target_id == f"{MOD}=={VERSION}"
    assert event.details["reason"] == "reviewed: test fixture"
    assert event.details["rule"] == attack.rule

    again = await client.post(release, json={"reason": "twice"}, headers=admin)
    assert again.status_code == 409 and "published" in again.json()["detail"]
    assert await AuditEvent.filter(action="version.release").count() == 1


async def test_admin_delete_removes_the_version_and_its_unused_object(stack: Stack) -> None:
    client = stack.client
    await make_owner_package(client)
    attack = attacks()[0]
    await _upload(stack, attack.data, version="1.0.0")
    await _upload(stack, attack.data, version="1.0.1")  # same bytes: one shared object
    await stack.drain_jobs()
    row = await PackageVersion.get(version="1.0.0")
    key, store = row.blob_key, stack.ctx.storage.primary
    assert await store.exists(key)

    delete = f"/api/v1/admin/versions/{MOD}/1.0.0"
    assert (await client.delete(delete)).status_code == 401
    assert (await client.delete(delete, headers=bearer(OWNER))).status_code == 403
    admin = await make_admin()
    response = await client.delete(delete, headers=admin)
    assert response.status_code == 204 and response.content == b""
    await stack.drain_jobs()
    assert not await PackageVersion.exists(version="1.0.0")
    assert await store.exists(key), "still used by 1.0.1"
    assert (await client.get(_base(MOD, "1.0.0"), headers=bearer(OWNER))).status_code == 404
    assert (await client.delete(delete, headers=admin)).status_code == 404

    last = await client.request(
        "DELETE", f"/api/v1/admin/versions/{MOD}/1.0.1", headers=admin, json={"reason": "malware"}
    )
    assert last.status_code == 204
    await stack.drain_jobs()
    assert not await store.exists(key)
    events = await AuditEvent.filter(action="version.delete").order_by("id")
    assert [e.target_id for e in events] == [f"{MOD}==1.0.0", f"{MOD}==1.0.1"]
    assert events[1].details["reason"] == "malware"
    assert events[1].details["status"] == "quarantined"

    # The version string is free again: a fixed upload goes through the scan as usual.
    await _upload(stack, benign_mod(), version="1.0.1")
    await stack.drain_jobs()
    assert (await client.get(_base(MOD, "1.0.1"))).json()["status"] == "published"


def _drop_scan_jobs(stack: Stack, monkeypatch: pytest.MonkeyPatch) -> list[tuple]:
    """Lose every scan job enqueued from now on (what a Redis flush or a crash would do)."""
    queue = stack.ctx.jobs
    original = queue.enqueue
    lost: list[tuple] = []

    async def enqueue(job: Any, *args: object, **kwargs: Any) -> None:
        if job is SCAN_VERSION:
            lost.append(args)
            return
        await original(job, *args, **kwargs)

    monkeypatch.setattr(queue, "enqueue", enqueue)
    return lost


async def test_scan_job_is_idempotent(stack: Stack, monkeypatch: pytest.MonkeyPatch) -> None:
    await make_owner_package(stack.client)
    lost = _drop_scan_jobs(stack, monkeypatch)
    await _upload(stack, attacks()[0].data, version="1.0.0")
    await _upload(stack, benign_mod(), version="1.0.1")
    assert len(lost) == 2
    announced: list[tuple[str, dict]] = []

    async def publish(topic: str, payload: dict) -> None:
        announced.append((topic, payload))

    monkeypatch.setattr(stack.ctx.events, "publish", publish)
    quarantined = await PackageVersion.get(version="1.0.0")
    assert await scans.scan_version(stack.ctx, quarantined.id) == "quarantined"
    first = await PackageVersion.get(id=quarantined.id)
    assert await scans.scan_version(stack.ctx, quarantined.id) is None
    second = await PackageVersion.get(id=quarantined.id)
    assert (second.status, second.scan_report, second.published_at) == (
        first.status,
        first.scan_report,
        first.published_at,
    )

    # Two runs at once (a retried job overlapping a slow one): one verdict, one announcement.
    published = await PackageVersion.get(version="1.0.1")
    results = await asyncio.gather(
        scans.scan_version(stack.ctx, published.id), scans.scan_version(stack.ctx, published.id)
    )
    assert results.count("published") == 1 and results.count(None) == 1
    row = await PackageVersion.get(id=published.id)
    assert row.status == "published" and row.scan_report["verdict"] == "pass"
    assert row.published_at is not None
    statuses = [p["status"] for topic, p in announced if topic == "version_status_changed"]
    assert statuses == ["quarantined", "published"]
    assert [p["version"] for topic, p in announced if topic == "package_published"] == ["1.0.1"]
    assert await scans.scan_version(stack.ctx, 10**9) is None  # deleted meanwhile


async def test_requeue_picks_up_a_version_whose_job_was_lost(
    stack: Stack, monkeypatch: pytest.MonkeyPatch
) -> None:
    from workers.pending_work import requeue_pending_work

    async def requeue(ctx: dict[str, object]) -> int:
        return (await requeue_pending_work(ctx))["scans"]

    await make_owner_package(stack.client)
    lost = _drop_scan_jobs(stack, monkeypatch)
    await _upload(stack, benign_mod())
    await stack.drain_jobs()
    monkeypatch.undo()
    assert len(lost) == 1
    row = await PackageVersion.get(version=VERSION)
    assert row.status == "pending"
    assert await requeue({"registry": stack.ctx}) == 1
    await stack.drain_jobs()
    assert (await PackageVersion.get(id=row.id)).status == "published"
    assert await requeue({"registry": stack.ctx}) == 0
