"""docs/webhooks.md is true: its Python and its JavaScript (Node) verification code accept
exactly the signatures the registry's signer (domain/webhook_signing.py) writes, within the
5-minute replay window, and refuse tampered, stale, future and malformed ones; its payload
examples are what the registry sends for that event (domain/webhook_payloads.py)."""

from __future__ import annotations

import base64
import json
import os
import re
import shutil
import subprocess
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from domain import webhook_signing
from domain.enums import WebhookEvent
from domain.models import Package, PackageVersion, Publisher
from domain.services import webhook_outbox, webhooks
from domain.webhook_payloads import EventData, discord_message, document
from registry.config import load_settings
from registry.rest import webhooks as rest_webhooks
from workers.webhooks import USER_AGENT

GUIDE = Path(__file__).resolve().parents[2] / "docs" / "webhooks.md"
SECRET = "whsec_docs-example-secret"
SIGNED_AT = 1_796_571_600  # 2026-12-06T16:20:00Z
BODY = '{"id":"e1","event":"version.published","package":{"name":"Grüße"}}'.encode()


def _blocks(language: str) -> list[tuple[str, str]]:
    """(heading above, body) of every fenced block of `language` in the guide."""
    found: list[tuple[str, str]] = []
    heading = ""
    lines = iter(GUIDE.read_text(encoding="utf-8").splitlines())
    for line in lines:
        if line.startswith("#"):
            heading = line.lstrip("#").strip()
        elif line.strip() == f"```{language}":
            body = []
            for inner in lines:
                if inner.strip() == "```":
                    break
                body.append(inner)
            found.append((heading, "\n".join(body) + "\n"))
    return found


def _block(language: str, containing: str) -> str:
    matches = [body for _, body in _blocks(language) if containing in body]
    assert len(matches) == 1, f"expected one {language} block with {containing!r}"
    return matches[0]


def _cases() -> list[tuple[str, str, bytes, float, bool]]:
    """(name, header, body, now, whether a receiver must accept it)."""
    good = webhook_signing.sign(SECRET, SIGNED_AT, BODY)
    digest = good.split("v1=")[1]
    window = webhook_signing.DEFAULT_TOLERANCE_SECONDS
    return [
        ("fresh", good, BODY, SIGNED_AT, True),
        ("just inside the window", good, BODY, SIGNED_AT + window - 1, True),
        ("clock slightly behind", good, BODY, SIGNED_AT - window + 1, True),
        ("replayed too late", good, BODY, SIGNED_AT + window + 1, False),
        ("from the future", good, BODY, SIGNED_AT - window - 1, False),
        ("tampered body", good, BODY + b" ", SIGNED_AT, False),
        ("another secret", webhook_signing.sign("other", SIGNED_AT, BODY), BODY, SIGNED_AT, False),
        ("time changed", good.replace(str(SIGNED_AT), str(SIGNED_AT + 1)), BODY, SIGNED_AT, False),
        ("second v1 matches", f"t={SIGNED_AT},v1={'0' * 64},v1={digest}", BODY, SIGNED_AT, True),
        ("spaces after commas", f"t={SIGNED_AT}, v1={digest}", BODY, SIGNED_AT, True),
        ("no time", f"v1={digest}", BODY, SIGNED_AT, False),
        ("no signature", f"t={SIGNED_AT}", BODY, SIGNED_AT, False),
        ("time not a number", f"t=soon,v1={digest}", BODY, SIGNED_AT, False),
        ("other scheme only", f"t={SIGNED_AT},v0={digest}", BODY, SIGNED_AT, False),
        ("shorter digest", f"t={SIGNED_AT},v1={digest[:-2]}", BODY, SIGNED_AT, False),
        ("empty", "", BODY, SIGNED_AT, False),
        ("oversized", good + ",v1=" + "a" * 1100, BODY, SIGNED_AT, False),
        ("empty body", webhook_signing.sign(SECRET, SIGNED_AT, b""), b"", SIGNED_AT, True),
    ]


def test_the_cases_are_what_the_registry_signer_says() -> None:
    for name, header, body, now, accepted in _cases():
        assert webhook_signing.verify(SECRET, header, body, now) is accepted, name


def test_the_python_verification_code_agrees_with_the_signer() -> None:
    namespace: dict[str, Any] = {"__name__": "docs_webhooks"}
    exec(_block("python", "def verify_signature"), namespace)
    verify_signature = namespace["verify_signature"]
    assert namespace["TOLERANCE_SECONDS"] == webhook_signing.DEFAULT_TOLERANCE_SECONDS
    for name, header, body, now, accepted in _cases():
        assert verify_signature(SECRET, header, body, now) is accepted, name
    # Without `now`, the receiver's own clock: a signature made now passes, an old one not.
    fresh = webhook_signing.sign(SECRET, int(datetime.now(UTC).timestamp()), BODY)
    assert verify_signature(SECRET, fresh, BODY) is True
    assert verify_signature(SECRET, _cases()[0][1], BODY) is False


HARNESS = """
const { verifySignature } = require('./verify.js');
const cases = JSON.parse(require('node:fs').readFileSync(0, 'utf8'));
const results = cases.map((c) => verifySignature(c.secret, c.header,
  Buffer.from(c.body, 'base64'), c.now));
const fresh = cases[0];
results.push(verifySignature(fresh.secret, fresh.header, Buffer.from(fresh.body, 'base64')));
process.stdout.write(JSON.stringify(results));
"""


def test_the_javascript_verification_code_agrees_with_the_signer(tmp_path: Path) -> None:
    node = shutil.which("node")
    if node is None:
        if os.environ.get("CI") == "true":
            pytest.fail("the JavaScript example needs node (Node.js 18 or later)")
        pytest.skip("node is not installed")
    (tmp_path / "verify.js").write_text(_block("javascript", "function verifySignature"))
    (tmp_path / "harness.js").write_text(HARNESS)
    cases = _cases()
    sent = [
        {
            "secret": SECRET,
            "header": header,
            "body": base64.b64encode(body).decode(),
            "now": now,
        }
        for _, header, body, now, _ in cases
    ]
    done = subprocess.run(
        [node, "harness.js"],
        cwd=tmp_path,
        input=json.dumps(sent),
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    results = json.loads(done.stdout)
    for (name, *_, accepted), result in zip(cases, results, strict=False):
        assert result is accepted, name
    assert results[-1] is False  # the example's time is long past by the receiver's clock


def _example_event() -> EventData:
    """The event the guide's payload examples show, built by the outbox's own helpers."""
    publisher = Publisher(
        id="3f6c2a9e0d1b4c7a8e5f9b2d1c0a7e64",
        name="my-team",
        display_name="My Team",
        verification_status="verified",
    )
    package = Package(
        name="hello",
        display_name="Hello",
        package_type="mod",
        visibility="public",
        status="active",
    )
    version = PackageVersion(
        version="1.2.0",
        status="published",
        yanked=False,
        sha256="9f2c" * 16,
        size_bytes=18342,
        published_at=datetime(2026, 12, 6, 15, 39, 58, tzinfo=UTC),
    )
    return EventData(
        event_id="5c1f0d7e2b7a4c2e9f3a61d0b8e4a7c9",
        event=WebhookEvent.VERSION_PUBLISHED,
        created_at=datetime(2026, 12, 6, 15, 40, tzinfo=UTC),
        publisher=webhook_outbox._publisher_data(publisher),
        package=webhook_outbox._package_data(package, "https://registry.example.com"),
        version=webhook_outbox._version_data(version),
    )


def test_the_payload_examples_are_what_the_registry_sends() -> None:
    shown = {heading: json.loads(body) for heading, body in _blocks("json")}
    data = _example_event()
    assert shown["The JSON format (`json`)"] == document(data)
    assert shown["The Discord format (`discord`)"] == discord_message(data)


def test_the_documented_events_limits_and_shapes_are_the_registrys(tmp_path: Path) -> None:
    text = " ".join(GUIDE.read_text(encoding="utf-8").split())
    table = re.findall(r"\| `([a-z]+\.[a-z]+)` +\|", GUIDE.read_text(encoding="utf-8"))
    assert table == [event.value for event in WebhookEvent]
    settings = load_settings({"DATA_DIR": str(tmp_path)})
    for shown in (
        f"`WEBHOOK_TIMEOUT` ({settings.webhook_timeout_seconds:g} seconds",
        f"`WEBHOOK_RESPONSE_LIMIT` ({settings.webhook_response_limit_bytes // 1024} KiB)",
        f"`WEBHOOK_RETRY_BASE` = {settings.webhook_retry_base_seconds:g} s",
        f"`WEBHOOK_RETRY_MAX` = {settings.webhook_retry_max_seconds / 3600:g} hours",
        f"`WEBHOOK_MAX_ATTEMPTS` ({settings.webhook_max_attempts})",
        f"`WEBHOOK_DISABLE_AFTER` ({settings.webhook_disable_after})",
        f"`WEBHOOK_LOG_RETENTION_DAYS` ({settings.webhook_log_retention_days} days)",
        f"at most {webhooks.MAX_WEBHOOKS_PER_PUBLISHER} hooks",
        f"`User-Agent` | `{USER_AGENT}`",
        f'"{webhooks.SECRET_PREFIX}...',
        f"`{webhook_signing.SIGNATURE_HEADER}` | `t=<unix seconds>,v1=<hex>`",
        f'"warning": "{rest_webhooks.SECRET_WARNING}"',
    ):
        assert shown in text, shown
    # The REST examples carry exactly the fields the API answers with.
    created, deliveries = (
        json.loads(body) for heading, body in _blocks("json") if heading.endswith("over REST")
    )
    assert list(created) == list(rest_webhooks.WebhookCreated.__struct_fields__)
    [delivery] = deliveries["deliveries"]
    assert list(delivery) == list(rest_webhooks.Delivery.__struct_fields__)
    for attempt in delivery["attempt_log"]:
        assert list(attempt) == list(rest_webhooks.Attempt.__struct_fields__)
