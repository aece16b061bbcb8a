"""TRUSTED_PROXIES: behind a trusted proxy, rate limits, audit events and the access log see
the client named in X-Forwarded-For; from any other peer the header is ignored."""

from __future__ import annotations

import io
import json
import logging
from pathlib import Path

import pytest

from domain.models import AuditEvent
from registry.config import ConfigError, load_settings
from registry.logs import ContextFilter, JsonFormatter
from tests.fixtures.stack import Stack, bearer
from tests.helpers import make_publisher
from tests.ops.support import embedded
from tests.process.server import run_cli
from tests.ratelimit.support import assert_429, limited

__all__ = ["embedded"]

PROXY = "10.1.2.3"
PROXIES = ("10.1.2.0/24",)


def forwarded(address: str) -> dict[str, str]:
    return {"X-Forwarded-For": address}


async def test_clients_behind_a_trusted_proxy_get_their_own_budgets(embedded: Stack) -> None:
    async with limited(embedded, rate_limit_read=(3, 60), trusted_proxies=PROXIES) as (
        _,
        client_from,
    ):
        proxy = client_from(PROXY)
        for _ in range(3):
            ok = await proxy.get("/api/v1/packages", headers=forwarded("198.51.100.1"))
            assert ok.status_code == 200
        assert_429(await proxy.get("/api/v1/packages", headers=forwarded("198.51.100.1")))
        # Another client through the same proxy has its own budget...
        other = await proxy.get("/api/v1/packages", headers=forwarded("198.51.100.2"))
        assert other.status_code == 200
        # ...and a client cannot pick one: the proxy appends the address it saw, and that
        # last untrusted entry is the client, whatever the client wrote before it.
        spoofed = await proxy.get(
            "/api/v1/packages", headers=forwarded("198.51.100.2, 198.51.100.1")
        )
        assert_429(spoofed)
        # The proxy's own requests (no header) pay from the proxy's budget.
        assert (await proxy.get("/api/v1/packages")).status_code == 200


async def test_forwarded_for_from_an_untrusted_peer_is_ignored(embedded: Stack) -> None:
    async with limited(embedded, rate_limit_read=(3, 60), trusted_proxies=PROXIES) as (
        _,
        client_from,
    ):
        direct = client_from("203.0.113.5")
        for number in range(3):
            ok = await direct.get("/api/v1/packages", headers=forwarded(f"198.51.100.{number}"))
            assert ok.status_code == 200
        assert_429(await direct.get("/api/v1/packages", headers=forwarded("198.51.100.77")))
        # The default trusts loopback only: a peer elsewhere is not a proxy.
        async with limited(embedded, rate_limit_read=(1, 60)) as (_, default_from):
            peer = default_from("192.0.2.44")
            assert (
                await peer.get("/api/v1/packages", headers=forwarded("1.1.1.1"))
            ).status_code == 200
            assert_429(await peer.get("/api/v1/packages", headers=forwarded("1.1.1.2")))


async def test_no_trusted_proxies_believes_no_peer(embedded: Stack) -> None:
    # TRUSTED_PROXIES empty: not even loopback's X-Forwarded-For (or -Proto) is read.
    async with limited(embedded, rate_limit_read=(1, 60), trusted_proxies=()) as (_, client_from):
        local = client_from("127.0.0.1")
        first = await local.get(
            "/api/v1/packages", headers={**forwarded("1.1.1.1"), "X-Forwarded-Proto": "https"}
        )
        assert first.status_code == 200
        assert_429(await local.get("/api/v1/packages", headers=forwarded("1.1.1.2")))


async def test_audit_and_access_log_name_the_forwarded_client(embedded: Stack) -> None:
    await make_publisher("px", "px-team")
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.addFilter(ContextFilter(None))
    handler.setFormatter(JsonFormatter())
    access = logging.getLogger("registry.access")
    access.addHandler(handler)
    access.setLevel(logging.INFO)
    try:
        async with limited(embedded, trusted_proxies=PROXIES) as (_, client_from):
            created = await client_from(PROXY).post(
                "/api/v1/packages",
                headers={**bearer("px"), **forwarded("2001:db8::7"), "X-Request-ID": "via-proxy"},
                json={"name": "ProxiedMod"},
            )
            assert created.status_code == 201, created.text
            # A trusted peer whose chain ends in junk keeps its own address.
            junk = await client_from(PROXY).get(
                "/api/v1/health", headers={**forwarded("not-an-address"), "X-Request-ID": "junk"}
            )
            assert junk.status_code == 200
    finally:
        access.removeHandler(handler)
        access.setLevel(logging.NOTSET)
    events = await AuditEvent.filter(request_id="via-proxy")
    assert events and {event.ip for event in events} == {"2001:db8::7"}
    lines = {
        entry["request_id"]: entry for entry in map(json.loads, stream.getvalue().splitlines())
    }
    assert lines["via-proxy"]["client"] == "2001:db8::7"
    assert lines["junk"]["client"] == PROXY


def test_trusted_proxies_setting() -> None:
    default = load_settings({})
    assert default.trusted_proxies == ("127.0.0.1", "::1")
    listed = load_settings({"TRUSTED_PROXIES": " 10.0.0.7/8, 192.0.2.1 ,2001:DB8::/32"})
    assert listed.trusted_proxies == ("10.0.0.0/8", "192.0.2.1", "2001:db8::/32")
    for bad in ("10.0.0.300", "proxy.example.com", "10.0.0.0/33", "*"):
        with pytest.raises(ConfigError, match="^TRUSTED_PROXIES: "):
            load_settings({"TRUSTED_PROXIES": bad})


def test_a_bad_value_stops_the_start_with_one_line(tmp_path: Path) -> None:
    result = run_cli(
        ["serve"], {"TRUSTED_PROXIES": "10.0.0.1,nonsense", "DATA_DIR": str(tmp_path)}, tmp_path
    )
    assert result.returncode == 2
    [line] = result.stderr.splitlines()
    assert line.startswith("tb-registry: configuration error: TRUSTED_PROXIES: ")
    assert "'nonsense'" in line
