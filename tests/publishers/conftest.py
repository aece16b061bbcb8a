"""Fixtures for verification tests: a verification config using the local proof servers
(tests/fixtures/verification_servers.py)."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace
from ipaddress import ip_network

import pytest

from domain.outbound import OutboundRules
from domain.services.verification import VerificationConfig
from tests.fixtures.stack import Stack
from tests.publishers.support import DnsServer, ProofServer


@pytest.fixture
def verify_config(
    stack: Stack, proof_server: ProofServer, dns_server: DnsServer
) -> Iterator[VerificationConfig]:
    """Point every proof fetch of the stack at the local servers, with short timeouts and
    retries (the runtime's policy is what the web handlers and the jobs both read). The proof
    server is on loopback, which outbound requests refuse unless allowed
    (OUTBOUND_ALLOW_NETWORKS)."""
    ctx = stack.runtime.ctx
    previous = ctx.policy
    config = replace(
        previous.verification,
        github_base_url=f"{proof_server.url}/gh",
        domain_url_template=f"{proof_server.url}/site/{{domain}}/.well-known/tb-registry-verify",
        dns_nameservers=("127.0.0.1",),
        dns_port=dns_server.port,
        timeout_seconds=0.5,
        max_response_bytes=256,
        max_check_attempts=2,
        retry_delay_seconds=0.01,
        recheck_interval_seconds=0,
    )
    loopback_allowed = OutboundRules(allow_networks=(ip_network("127.0.0.1/32"),))
    ctx.policy = replace(previous, verification=config, outbound=loopback_allowed)
    try:
        yield config
    finally:
        ctx.policy = previous
