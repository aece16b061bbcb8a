"""Fixtures for verification tests: local proof servers and a verification config using them."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator

import pytest

from domain.services import verification
from domain.services.verification import VerificationConfig
from tests.publishers.support import DnsServer, ProofServer


@pytest.fixture
async def proof_server() -> AsyncIterator[ProofServer]:
    server = ProofServer()
    await server.start()
    try:
        yield server
    finally:
        await server.stop()


@pytest.fixture
async def dns_server() -> AsyncIterator[DnsServer]:
    server = DnsServer()
    await server.start()
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture
def verify_config(proof_server: ProofServer, dns_server: DnsServer
                  ) -> Iterator[VerificationConfig]:
    """Point every proof fetch at the local servers, with short timeouts and retries."""
    previous = verification.current_config()
    config = VerificationConfig(
        github_base_url=f"{proof_server.url}/gh",
        domain_url_template=f"{proof_server.url}/site/{{domain}}/.well-known/tb-registry-verify",
        dns_nameservers=("127.0.0.1",), dns_port=dns_server.port,
        timeout_seconds=0.5, max_response_bytes=256, max_check_attempts=2,
        retry_delay_seconds=0.01, recheck_interval_seconds=0,
    )
    verification.configure(config)
    try:
        yield config
    finally:
        verification.configure(previous)
