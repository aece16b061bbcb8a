"""`tb-registry serve` with LOG_FORMAT=json: every stdout line is one JSON object, and every
line written for a request (its access line, an error it logs) names the id the client got
in X-Request-ID and in its GraphQL errors."""

from __future__ import annotations

import json
import os
from pathlib import Path

import httpx

from tests.process.server import ServerProcess

# Loaded by the served process's interpreter (a `sitecustomize` on PYTHONPATH): one resolver
# fails unexpectedly, as a bug would, so the request logs an error with its traceback.
FAULT = """
from domain.services import listing

async def exploding(*args, **kwargs):
    raise RuntimeError("fault injected by the test")

listing.suggest_names = exploding
"""


def test_json_logs_name_each_request(tmp_path: Path) -> None:
    (tmp_path / "fault").mkdir()
    (tmp_path / "fault" / "sitecustomize.py").write_text(FAULT)
    search_path = os.pathsep.join(
        filter(None, [str(tmp_path / "fault"), os.environ.get("PYTHONPATH")])
    )
    server = ServerProcess(tmp_path / "data", {"LOG_FORMAT": "json", "PYTHONPATH": search_path})
    server.start()
    try:
        with httpx.Client(base_url=server.url) as client:
            health = client.get("/api/v1/health", headers={"X-Request-ID": "proc-health"})
            missing = client.get("/api/v1/packages/none-such")
            invalid = client.post("/graphql", json={"query": "{ nope }"})
            failing = client.post(
                "/graphql", json={"query": '{ suggestPackageNames(prefix: "a") }'}
            )
            # From loopback (trusted by default) a proxy's X-Forwarded-For names the client.
            proxied = client.get("/api/v1/categories", headers={"X-Forwarded-For": "198.51.100.4"})
    finally:
        server.stop()
    assert server.process is not None and server.process.stdout is not None
    output = server.process.stdout.read().decode()
    lines = [json.loads(line) for line in output.splitlines()]  # every line parses
    assert all({"ts", "level", "logger", "message", "request_id"} <= set(e) for e in lines)
    assert any(e["logger"] == "uvicorn.error" for e in lines)  # uvicorn's own lines too
    assert not any(e["logger"] == "uvicorn.access" for e in lines)

    assert health.headers["x-request-id"] == "proc-health"
    assert health.headers["x-content-type-options"] == "nosniff"
    ids = {
        response.headers["x-request-id"]: response
        for response in (health, missing, invalid, failing, proxied)
    }
    assert len(ids) == 5
    assert invalid.json()["errors"][0]["extensions"]["requestId"] == invalid.headers["x-request-id"]
    [error] = failing.json()["errors"]
    assert error["extensions"] == {
        "code": "internal_error",
        "requestId": failing.headers["x-request-id"],
    }

    access = {e["request_id"]: e for e in lines if e["logger"] == "registry.access"}
    assert set(ids) <= set(access)
    # The others are the start-up wait's health polls (tests/process/server.py).
    assert {access[other]["path"] for other in set(access) - set(ids)} <= {"/api/v1/health"}
    for request_id, response in ids.items():
        line = access[request_id]
        assert line["status"] == response.status_code
        assert line["path"] == response.request.url.path
        assert line["method"] == response.request.method
        assert line["duration_ms"] >= 0
    assert access[proxied.headers["x-request-id"]]["client"] == "198.51.100.4"
    assert access["proc-health"]["client"] == "127.0.0.1"

    [logged] = [e for e in lines if e["level"] == "ERROR"]
    assert logged["request_id"] == failing.headers["x-request-id"]
    assert logged["logger"] == "registry.graphql"
    assert "fault injected by the test" in logged["exc"]
    # Every id a line names is a request's; the lines without one were written outside any
    # request (start and shutdown), never by the request-handling loggers.
    assert all(e["request_id"] in access for e in lines if e["request_id"] is not None)
    outside = {e["logger"] for e in lines if e["request_id"] is None}
    assert not outside & {"registry.access", "registry.graphql", "registry.errors"}, outside
