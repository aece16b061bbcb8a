"""Logs: JSON lines (one object each) and text lines, every line written while a request runs
carrying its id, the access line written by the app, and the id echoed to the client."""

from __future__ import annotations

import io
import json
import logging
from collections.abc import Iterator
from datetime import UTC, datetime

import pytest

from domain.jobs import Job
from registry.logs import (
    JOB_ID,
    REQUEST_ID,
    TEXT_FORMAT,
    ContextFilter,
    JsonFormatter,
    TextFormatter,
    configure_logging,
)
from registry.queues.inprocess import InProcessQueue
from registry.worker import for_arq
from tests.fixtures.stack import Stack
from tests.ops.support import embedded

__all__ = ["embedded"]


@pytest.fixture
def json_lines() -> Iterator[io.StringIO]:
    """Everything logged at INFO and above, as the JSON handler of `LOG_FORMAT=json` writes it."""
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.addFilter(ContextFilter(None))
    handler.setFormatter(JsonFormatter())
    root = logging.getLogger()
    level = root.level
    root.addHandler(handler)
    root.setLevel(logging.INFO)
    try:
        yield stream
    finally:
        root.removeHandler(handler)
        root.setLevel(level)


def parsed(stream: io.StringIO) -> list[dict[str, object]]:
    return [json.loads(line) for line in stream.getvalue().splitlines()]


def test_json_line_holds_context_extras_and_traceback(json_lines: io.StringIO) -> None:
    request_token = REQUEST_ID.set("req-1")
    job_token = JOB_ID.set("job-9")
    try:
        try:
            raise ValueError("boom\nsecond line")
        except ValueError:
            logging.getLogger("registry.test").exception(
                "failed %s", "here", extra={"package": "demo", "size": 3}
            )
    finally:
        REQUEST_ID.reset(request_token)
        JOB_ID.reset(job_token)
    logging.getLogger("registry.test").warning("outside")
    inside, outside = json_lines.getvalue().splitlines()  # a traceback stays on its line
    entry = json.loads(inside)
    assert entry["level"] == "ERROR"
    assert entry["logger"] == "registry.test"
    assert entry["message"] == "failed here"
    assert entry["request_id"] == "req-1"
    assert entry["job_id"] == "job-9"
    assert entry["package"] == "demo" and entry["size"] == 3
    assert "ValueError: boom" in entry["exc"]
    assert entry["ts"].endswith("+00:00")
    assert json.loads(outside)["request_id"] is None
    assert "job_id" not in json.loads(outside)


def test_configure_logging_text_and_json() -> None:
    root = logging.getLogger()
    saved = (root.handlers[:], root.level)
    switches = ("_srcfile", "logThreads", "logProcesses", "logMultiprocessing")
    saved_switches = {name: getattr(logging, name) for name in switches}
    try:
        for log_format in ("text", "json"):
            stream = io.StringIO()
            configure_logging(log_format, stream=stream)
            token = REQUEST_ID.set("abc")
            logging.getLogger("uvicorn.error").info("from uvicorn")
            REQUEST_ID.reset(token)
            logging.getLogger("uvicorn.access").info("never written")
            logging.getLogger("tortoise").info("too chatty")
            [line] = stream.getvalue().splitlines()
            if log_format == "json":
                assert json.loads(line)["request_id"] == "abc"
                assert json.loads(line)["logger"] == "uvicorn.error"
            else:
                assert line.endswith("INFO uvicorn.error [abc]: from uvicorn")
    finally:
        root.handlers[:] = saved[0]
        root.setLevel(saved[1])
        logging.getLogger("uvicorn.access").disabled = False
        logging.captureWarnings(False)
        for name, value in saved_switches.items():
            setattr(logging, name, value)


def record_at(created: float, message: str = "GET /x 200", **extra: object) -> logging.LogRecord:
    record = logging.LogRecord("registry.access", logging.INFO, "", 0, message, None, None)
    record.created = created
    record.msecs = int((created - int(created)) * 1000) + 0.0  # as LogRecord computes it
    record.request_id = "req-7"
    record.__dict__.update(extra)
    return record


# Whole seconds formatted once and reused: records in one second, the next, and back again.
MOMENTS = (1765035748.123, 1765035748.9999996, 1765035749.0004, 1765035748.5, 1.0, 1765035750.7)


def test_json_timestamps_and_values_read_as_before() -> None:
    formatter = JsonFormatter()
    for created in MOMENTS:
        entry = json.loads(formatter.format(record_at(created, status=200, duration_ms=0.1)))
        expected = datetime.fromtimestamp(created, UTC).isoformat(timespec="milliseconds")
        assert entry["ts"] == expected
        assert entry["status"] == 200 and entry["duration_ms"] == 0.1
    # What the fast encoder does not write as json.dumps did goes through json.dumps: text
    # outside ASCII (escaped), a lone surrogate, values shown by str().
    when = datetime(2026, 12, 6, 15, 0, tzinfo=UTC)
    for message, extra, shown in (
        ("caf\u00e9 \u2603", {}, {"message": "caf\u00e9 \u2603"}),
        ("bad \udc80", {}, {"message": "bad \udc80"}),
        ("plain", {"at": when, "ids": {3}}, {"at": str(when), "ids": "{3}"}),
    ):
        line = formatter.format(record_at(MOMENTS[0], message, **extra))
        assert line.isascii() and "\n" not in line
        entry = json.loads(line)
        assert {key: entry[key] for key in shown} == shown


def test_text_lines_read_as_logging_formatter_wrote_them() -> None:
    plain = logging.Formatter(TEXT_FORMAT)
    formatter = TextFormatter()
    for created in MOMENTS:
        record = record_at(created)
        assert formatter.format(record) == plain.format(record)


async def test_request_lines_and_access_line_carry_the_echoed_id(
    embedded: Stack, json_lines: io.StringIO
) -> None:
    client = embedded.client
    response = await client.get("/api/v1/packages/none-such")
    assert response.status_code == 404
    request_id = response.headers["x-request-id"]
    assert len(request_id) == 32
    [access] = [e for e in parsed(json_lines) if e["logger"] == "registry.access"]
    assert access["request_id"] == request_id
    assert access["method"] == "GET"
    assert access["path"] == "/api/v1/packages/none-such"
    assert access["status"] == 404
    assert access["client"] == "127.0.0.1"
    assert isinstance(access["duration_ms"], float) and access["duration_ms"] >= 0
    assert access["message"].startswith("GET /api/v1/packages/none-such 404 ")


@pytest.mark.parametrize(
    ("sent", "kept"),
    [
        ("client-id.42_x", True),
        ("a" * 64, True),
        ("a" * 65, False),  # too long
        ("bad id", False),  # space
        ("id\u00e9", False),  # outside ASCII
        ("", False),
    ],
)
async def test_incoming_request_id_is_kept_only_when_short_and_plain(
    embedded: Stack, json_lines: io.StringIO, sent: str, kept: bool
) -> None:
    response = await embedded.client.get(
        "/api/v1/health", headers={"X-Request-ID": sent.encode("latin-1")}
    )
    echoed = response.headers["x-request-id"]
    assert (echoed == sent) is kept
    if not kept:
        assert len(echoed) == 32 and all(c in "0123456789abcdef" for c in echoed)
    [access] = [e for e in parsed(json_lines) if e["logger"] == "registry.access"]
    assert access["request_id"] == echoed


async def test_graphql_errors_name_the_request(embedded: Stack) -> None:
    client = embedded.client
    headers = {"X-Request-ID": "gql-1"}
    invalid = await client.post("/graphql", json={"query": "{ nope }"}, headers=headers)
    [error] = invalid.json()["errors"]
    assert error["extensions"]["requestId"] == "gql-1"
    refused = await client.post(
        "/graphql",
        json={"query": '{ fileBySha256(sha256: "abc") { version } }'},
        headers=headers,
    )
    [error] = refused.json()["errors"]
    assert error["extensions"] == {"code": "invalid", "field": "sha256", "requestId": "gql-1"}
    unparsable = await client.post("/graphql", json={"query": "{ nope"}, headers=headers)
    [error] = unparsable.json()["errors"]
    assert error["extensions"] == {"requestId": "gql-1"}
    # A transport-level refusal (no operation at all) names it too.
    malformed = await client.post(
        "/graphql", content=b"{not json", headers={**headers, "Content-Type": "application/json"}
    )
    assert malformed.status_code == 400
    assert malformed.json()["errors"][0]["extensions"]["requestId"] == "gql-1"
    assert malformed.headers["x-request-id"] == "gql-1"


async def test_job_lines_name_the_job_and_the_request_that_queued_it(
    json_lines: io.StringIO,
) -> None:
    logged = logging.getLogger("workers.test")

    async def job_function(ctx: dict[str, object], name: str) -> None:
        logged.info("working on %s", name)

    job: Job[[str]] = Job(lambda name: f"test-job:{name}")
    queue = InProcessQueue({}, {job: job_function})
    token = REQUEST_ID.set("queued-by")
    try:
        await queue.enqueue(job, "first")
    finally:
        REQUEST_ID.reset(token)
    await queue.drain()
    await queue.aclose()
    [line] = [e for e in parsed(json_lines) if e["logger"] == "workers.test"]
    assert line["job_id"] == "test-job:first"
    assert line["request_id"] == "queued-by"
    assert JOB_ID.get() is None  # the job's id stayed in its own task


async def test_arq_job_lines_name_the_job(json_lines: io.StringIO) -> None:
    async def job_function(ctx: dict[str, object]) -> None:
        logging.getLogger("workers.test").info("in arq")

    await for_arq(job_function)({"job_id": "arq-42"})
    [line] = [e for e in parsed(json_lines) if e["logger"] == "workers.test"]
    assert line["job_id"] == "arq-42"
    assert JOB_ID.get() is None
