"""storageStatus: the storage backends as admins see them (probe, breaker, replication lag),
computed by the same domain function as REST GET /ready."""

from __future__ import annotations

from domain.models import StoredCopy
from tests.fixtures.stack import Stack, bearer
from tests.graphql.support import actor, add_package, add_version, data, execute, post
from tests.helpers import make_publisher
from tests.pipeline.support import make_admin

STATUS = """query($probe: Boolean!) { storageStatus(probe: $probe) { objects checkedAt
  backends { name role kind up detail replicationLag copies { state count }
    breaker { state consecutiveFailures lastError secondsUntilProbe } } } }"""


async def _two_objects_one_verified() -> None:
    team = await make_publisher("owner", "team")
    package = await add_package(team, "Stored")
    verified = await add_version(package, "1.0.0")
    await add_version(package, "1.0.1")
    await StoredCopy.create(
        blob_key=verified.blob_key,
        backend="primary",
        sha256=verified.sha256,
        size_bytes=verified.size_bytes,
    )


async def test_admins_see_each_backend_with_its_lag(stack: Stack) -> None:
    await _two_objects_one_verified()
    admin = await actor("root", admin=True)
    status = (await data(stack, STATUS, {"probe": True}, as_actor=admin))["storageStatus"]
    assert status["objects"] == 2 and status["checkedAt"]
    kind = "local" if stack.kind == "embedded" else "s3"
    assert status["backends"] == [
        {
            "name": "primary",
            "role": "PRIMARY",
            "kind": kind,
            "up": True,
            "detail": status["backends"][0]["detail"],
            "replicationLag": 1,
            "copies": [{"state": "present", "count": 1}],
            "breaker": {
                "state": "CLOSED",
                "consecutiveFailures": 0,
                "lastError": "",
                "secondsUntilProbe": 0.0,
            },
        }
    ]
    ready = (await stack.client.get("/api/v1/ready", headers=bearer("root"))).json()["details"]
    assert ready["replication"] == {"objects": 2, "lag": {"primary": 1}}


async def test_without_a_probe_an_open_breaker_reports_the_backend_down(stack: Stack) -> None:
    admin = await actor("root", admin=True)
    breaker = stack.ctx.storage.breakers.get("primary")
    breaker.record_failure("connection refused")
    try:
        status = (await data(stack, STATUS, {"probe": False}, as_actor=admin))["storageStatus"]
    finally:
        breaker.record_success()
    (primary,) = status["backends"]
    assert (primary["up"], primary["detail"]) == (False, "connection refused")
    assert primary["breaker"]["state"] == "OPEN"
    assert primary["breaker"]["consecutiveFailures"] == 1
    assert primary["breaker"]["lastError"] == "connection refused"
    assert status["objects"] == 0 and primary["replicationLag"] == 0


async def test_storage_status_is_admin_only(stack: Stack) -> None:
    await make_publisher("owner", "team")
    for who in (None, await actor("owner")):
        refused = await execute(
            stack, STATUS, {"probe": False}, **({"as_actor": who} if who else {})
        )
        assert refused.data is None
        assert refused.errors[0].message == "Admin privileges required"
        assert refused.errors[0].extensions == {
            "code": "forbidden",
            **({"requestId": "req-owner"} if who else {}),
        }


async def test_storage_status_over_http(stack: Stack) -> None:
    await _two_objects_one_verified()
    await make_admin("root")
    answer = await post(stack.client, STATUS, {"probe": True}, user="root")
    assert answer.status_code == 200
    backends = answer.json()["data"]["storageStatus"]["backends"]
    assert [(b["name"], b["up"], b["replicationLag"]) for b in backends] == [("primary", True, 1)]
    anonymous = await post(stack.client, STATUS, {"probe": False})
    body = anonymous.json()
    assert body["data"] is None
    assert body["errors"][0]["extensions"] == {
        "code": "forbidden",
        "requestId": anonymous.headers["x-request-id"],
    }
    member = await post(stack.client, STATUS, {"probe": False}, user="owner")
    assert member.json()["errors"][0]["message"] == "Admin privileges required"
