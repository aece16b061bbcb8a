"""Outbound requests (proof fetches, later webhooks) never reach the registry's own network.

Resolver answers are injected: no test resolves a real name, and every connection that is
opened goes to a loopback server. Where an address must be refused, the socket layer is
replaced by a spy that fails instead of connecting, so a broken guard cannot send a packet
anywhere; the tests then assert that it was never called.
"""

from __future__ import annotations

import asyncio
import socket
import ssl
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from ipaddress import ip_address, ip_network
from typing import Any

import httpcore
import httpx
import pytest
import trustme

from domain.models import Publisher, VerificationRequest
from domain.outbound import OutboundRules, address_refusal
from domain.services.verification import VerificationConfig
from registry.config import ConfigError, load_settings
from registry.runtime import policy_from
from tests.fixtures.stack import Stack, bearer
from tests.helpers import make_publisher
from tests.publishers.support import DnsServer, ProofServer, Reply
from workers.outbound import GuardedTransport, OutboundRefused, outbound_client
from workers.proof_fetch import FetchError, Prober, fetch_text

PROOF = "u1"
GH_MAIN = "/gh/octo/tb-registry-verify/main/VERIFY.txt"
WELL_KNOWN = "/.well-known/tb-registry-verify"
LOOPBACK_ONLY = OutboundRules(allow_networks=(ip_network("127.0.0.1/32"),))

REFUSED = [
    "127.0.0.1",
    "127.8.9.10",
    "10.0.0.1",
    "172.16.5.4",
    "192.168.1.1",
    "169.254.169.254",  # cloud metadata
    "100.64.0.1",  # shared address space (carrier NAT)
    "0.0.0.0",
    "224.0.0.1",
    "239.255.255.250",
    "240.0.0.1",
    "255.255.255.255",
    "192.0.2.1",  # documentation
    "::1",
    "::",
    "fe80::1",
    "fc00::1",
    "fd12:3456::1",  # unique local
    "fec0::1",  # site-local
    "ff0e::1",  # global-scope multicast, which `is_global` counts as global
    "::ffff:127.0.0.1",  # IPv4-mapped
    "::ffff:169.254.169.254",
    "64:ff9b::a00:1",  # NAT64 of 10.0.0.1
    "64:ff9b::7f00:1",  # NAT64 of 127.0.0.1
    "2002:a00:1::1",  # 6to4 of 10.0.0.1
    "::7f00:1",  # IPv4-compatible (deprecated)
    "2001:db8::1",
]
PUBLIC = ["8.8.8.8", "1.1.1.1", "2606:4700:4700::1111", "::ffff:8.8.8.8", "64:ff9b::808:808"]


@pytest.mark.parametrize("address", REFUSED)
def test_non_public_addresses_are_refused(address: str) -> None:
    assert address_refusal(ip_address(address)) is not None


@pytest.mark.parametrize("address", PUBLIC)
def test_public_addresses_pass(address: str) -> None:
    assert address_refusal(ip_address(address)) is None


def test_allow_list_by_host_and_by_network() -> None:
    rules = OutboundRules(
        allow_hosts=("git.internal",), allow_networks=(ip_network("10.20.0.0/16"),)
    )
    assert rules.refusal("git.internal", ip_address("10.0.0.1")) is None
    assert rules.refusal("GIT.internal.", ip_address("127.0.0.1")) is None
    assert rules.refusal("other.example", ip_address("10.20.3.4")) is None
    assert rules.refusal("other.example", ip_address("::ffff:10.20.3.4")) is None
    assert rules.refusal("other.example", ip_address("10.0.0.1")) == "private"
    # An IPv4 address is not "in" an IPv6 network with the same low bits.
    v6_only = OutboundRules(allow_networks=(ip_network("::/96"),))
    assert v6_only.refusal("x.example", ip_address("127.0.0.1")) == "loopback"


def test_allow_list_settings_become_the_runtime_rules() -> None:
    settings = load_settings(
        {"OUTBOUND_ALLOW_HOSTS": "Git.Internal", "OUTBOUND_ALLOW_NETWORKS": "10.1.2.3/16, ::1"}
    )
    rules = policy_from(settings).outbound
    assert rules.allow_hosts == ("git.internal",)
    assert rules.allow_networks == (ip_network("10.1.0.0/16"), ip_network("::1/128"))
    assert policy_from(load_settings({})).outbound == OutboundRules()
    with pytest.raises(ConfigError, match="^OUTBOUND_ALLOW_NETWORKS: expected IP networks"):
        load_settings({"OUTBOUND_ALLOW_NETWORKS": "10.0.0.0/8,intranet"})
    with pytest.raises(ConfigError, match="^OUTBOUND_ALLOW_HOSTS:"):
        load_settings({"OUTBOUND_ALLOW_HOSTS": "https://git.internal"})


# --- the guard at connect time ------------------------------------------------------------


@dataclass
class FakeDns:
    """Injected resolver: answers per host name (a list per call, the last repeats)."""

    answers: dict[str, list[list[str]]]
    asked: list[tuple[str, int]] = field(default_factory=list)

    async def __call__(self, host: str, port: int) -> Sequence[str]:
        self.asked.append((host, port))
        queue = self.answers[host]
        return queue.pop(0) if len(queue) > 1 else queue[0]


class RecordingNetwork(httpcore.AsyncNetworkBackend):
    """httpcore's real backend, recording where it connects. It never connects to anything but
    loopback (a safety net should the guard fail), and with `refuse` to nothing at all (the spy
    for tests in which no connection may happen)."""

    def __init__(self, *, refuse: bool = False) -> None:
        self.inner = httpcore.AnyIOBackend()
        self.refuse = refuse
        self.connects: list[tuple[str, int]] = []

    async def connect_tcp(
        self,
        host: str,
        port: int,
        timeout: float | None = None,
        local_address: str | None = None,
        socket_options: Any = None,
    ) -> httpcore.AsyncNetworkStream:
        self.connects.append((host, port))
        if self.refuse or not ip_address(host).is_loopback:
            raise httpcore.ConnectError(f"test spy: no connection to {host} may be opened")
        return await self.inner.connect_tcp(host, port, timeout=timeout)

    async def connect_unix_socket(
        self, path: str, timeout: float | None = None, socket_options: Any = None
    ) -> httpcore.AsyncNetworkStream:
        raise AssertionError("no unix sockets")

    async def sleep(self, seconds: float) -> None:
        await self.inner.sleep(seconds)


@dataclass
class SocketSpy:
    calls: list[object] = field(default_factory=list)


@pytest.fixture
async def socket_spy(monkeypatch: pytest.MonkeyPatch) -> SocketSpy:
    """Below httpcore too: the event loop's TCP connect and every TCP socket's connect fail
    (and record) instead of connecting. UDP stays, for the loopback DNS server."""
    spy = SocketSpy()

    async def refuse_connection(*args: object, **kwargs: object) -> None:
        spy.calls.append(args)
        raise OSError("test spy: no TCP connection may be opened")

    original_connect = socket.socket.connect
    original_connect_ex = socket.socket.connect_ex

    def connect(sock: socket.socket, address: Any) -> None:
        if sock.type == socket.SOCK_STREAM:
            spy.calls.append(address)
            raise OSError("test spy: no TCP socket may connect")
        original_connect(sock, address)

    def connect_ex(sock: socket.socket, address: Any) -> int:
        if sock.type == socket.SOCK_STREAM:
            spy.calls.append(address)
            raise OSError("test spy: no TCP socket may connect")
        return original_connect_ex(sock, address)

    monkeypatch.setattr(asyncio.get_running_loop(), "create_connection", refuse_connection)
    monkeypatch.setattr(socket.socket, "connect", connect)
    monkeypatch.setattr(socket.socket, "connect_ex", connect_ex)
    return spy


def _config(dns_port: int, **changes: Any) -> VerificationConfig:
    base = VerificationConfig(
        github_base_url="https://raw.example/gh",
        domain_url_template="https://{domain}/.well-known/tb-registry-verify",
        dns_nameservers=("127.0.0.1",),
        dns_port=dns_port,
        timeout_seconds=2.0,
        max_response_bytes=256,
        challenge_ttl_seconds=3600,
        recheck_interval_seconds=0,
    )
    return replace(base, **changes)


@pytest.mark.parametrize(
    "answer",
    [
        ["127.0.0.1"],
        ["10.0.0.1"],
        ["169.254.169.254"],
        ["::1"],
        ["93.184.215.14", "10.0.0.1"],  # one public and one private address
        ["2606:4700::6810:84e5", "::ffff:127.0.0.1"],
    ],
    ids=["loopback", "private", "metadata", "ipv6-loopback", "public+private", "v6+mapped"],
)
async def test_domain_proof_fetch_refused_before_connecting(
    answer: list[str], dns_server: DnsServer, socket_spy: SocketSpy
) -> None:
    dns = FakeDns({"claimed.example": [answer]})
    network = RecordingNetwork(refuse=True)
    prober = Prober(
        _config(dns_server.port),
        lambda text: text.strip() == PROOF,
        GuardedTransport(OutboundRules(), resolve=dns, network=network),
    )
    outcome = await prober.run("domain", "claimed.example")

    assert dns.asked == [("claimed.example", 443)]
    assert network.connects == [] and socket_spy.calls == []
    assert not outcome.candidates
    refusal = outcome.errors[0]
    assert "claimed.example resolves to" in refusal and "may not reach" in refusal
    assert outcome.transient is False  # final: retrying cannot make the address public


@pytest.mark.parametrize("literal", ["127.0.0.1", "[::1]", "169.254.169.254", "[fd00::1]"])
async def test_ip_literal_urls_are_refused_without_resolving(
    literal: str, dns_server: DnsServer, socket_spy: SocketSpy
) -> None:
    dns = FakeDns({})
    network = RecordingNetwork(refuse=True)
    config = _config(dns_server.port, github_base_url=f"http://{literal}/gh")
    prober = Prober(
        config, lambda text: True, GuardedTransport(OutboundRules(), resolve=dns, network=network)
    )
    outcome = await prober.run("github", "octo")
    assert dns.asked == [] and network.connects == [] and socket_spy.calls == []
    assert len(outcome.errors) == 2 and all("may not reach" in e for e in outcome.errors)


async def test_allow_listed_loopback_server_works_end_to_end(
    proof_server: ProofServer, dns_server: DnsServer
) -> None:
    proof_server.text(GH_MAIN, PROOF)
    dns = FakeDns({"proofs.test": [["127.0.0.1"]]})
    network = RecordingNetwork()
    config = _config(dns_server.port, github_base_url=f"http://proofs.test:{proof_server.port}/gh")
    prober = Prober(
        config,
        lambda text: text.strip() == PROOF,
        GuardedTransport(LOOPBACK_ONLY, resolve=dns, network=network),
    )
    outcome = await prober.run("github", "octo")
    assert prober.found and outcome.candidates[0].text == PROOF
    # Connected to the checked address, while the request still names the host.
    assert network.connects == [("127.0.0.1", proof_server.port)]
    assert proof_server.hosts == [f"proofs.test:{proof_server.port}"]

    # The same server without the allow-list: refused, and it never sees a request.
    proof_server.requested.clear()
    refused = Prober(
        config, lambda text: True, GuardedTransport(OutboundRules(), resolve=dns, network=network)
    )
    outcome = await refused.run("github", "octo")
    assert not refused.found and proof_server.requested == []
    assert all("may not reach (loopback)" in e for e in outcome.errors)


async def test_tls_checks_the_name_while_connecting_to_the_checked_address() -> None:
    """The socket goes to the resolved IP, but TLS sends the URL's name (SNI) and checks the
    certificate against it: a certificate for another name fails."""
    ca = trustme.CA()
    server_context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    ca.issue_cert("proofs.test").configure_cert(server_context)
    names_asked: list[str | None] = []
    server_context.sni_callback = lambda _sock, name, _ctx: names_asked.append(name)

    async def answer(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            await reader.readuntil(b"\r\n\r\n")
            writer.write(b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\nConnection: close\r\n\r\nu1")
            await writer.drain()
        except (ConnectionError, asyncio.IncompleteReadError, ssl.SSLError):
            pass
        finally:
            writer.close()

    server = await asyncio.start_server(answer, "127.0.0.1", 0, ssl=server_context)
    port = server.sockets[0].getsockname()[1]
    client_context = ssl.create_default_context()
    ca.configure_trust(client_context)
    dns = FakeDns({"proofs.test": [["127.0.0.1"]], "other.test": [["127.0.0.1"]]})
    network = RecordingNetwork()
    transport = GuardedTransport(
        LOOPBACK_ONLY, resolve=dns, network=network, ssl_context=client_context
    )
    try:
        async with outbound_client(transport, timeout=5) as client:
            response = await client.get(f"https://proofs.test:{port}/x")
            assert response.status_code == 200 and response.text == "u1"
            assert names_asked == ["proofs.test"]
            assert network.connects == [("127.0.0.1", port)]
            with pytest.raises(httpx.ConnectError, match="CERTIFICATE_VERIFY_FAILED"):
                await client.get(f"https://other.test:{port}/x")
    finally:
        server.close()
        await server.wait_closed()


async def test_redirects_to_private_addresses_are_refused(proof_server: ProofServer) -> None:
    """A client that follows redirects across hosts (as a webhook delivery may) checks every
    hop: the public-looking first hop is served, the private next one is never connected to."""
    base = f"http://public.example:{proof_server.port}"
    proof_server.routes["/to-name"] = Reply(
        status=302, headers={"Location": f"http://internal.example:{proof_server.port}/x"}
    )
    proof_server.routes["/to-metadata"] = Reply(
        status=302, headers={"Location": "http://169.254.169.254/latest/meta-data/"}
    )
    proof_server.routes["/to-ipv6-loopback"] = Reply(
        status=307, headers={"Location": f"http://[::1]:{proof_server.port}/x"}
    )
    dns = FakeDns({"public.example": [["127.0.0.1"]], "internal.example": [["10.0.0.1"]]})
    network = RecordingNetwork()
    # The first hop stands in for a public host: allowed by name, so the loopback server
    # can play it; nothing else is allowed.
    rules = OutboundRules(allow_hosts=("public.example",))
    transport = GuardedTransport(rules, resolve=dns, network=network)
    async with outbound_client(transport, timeout=5, follow_redirects=True) as client:
        for path, refused in [
            ("/to-name", "10.0.0.1"),
            ("/to-metadata", "169.254.169.254"),
            ("/to-ipv6-loopback", "::1"),
        ]:
            with pytest.raises(OutboundRefused, match=f"resolves to {refused},"):
                await client.get(f"{base}{path}")
    assert {host for host, _ in network.connects} == {"127.0.0.1"}
    assert proof_server.requested == ["/to-name", "/to-metadata", "/to-ipv6-loopback"]


async def test_dns_rebinding_between_hops_is_refused(proof_server: ProofServer) -> None:
    """Each connection resolves and checks again: a name that answered with an allowed
    address for the first hop and a private one for the next is refused on the next."""
    proof_server.routes["/first"] = Reply(status=302, headers={"Location": "/second"})
    proof_server.text("/second", PROOF)
    dns = FakeDns({"rebind.example": [["127.0.0.1"], ["10.0.0.1"]]})
    network = RecordingNetwork()
    transport = GuardedTransport(LOOPBACK_ONLY, resolve=dns, network=network)
    async with outbound_client(transport, timeout=5) as client:
        with pytest.raises(FetchError, match="may not reach") as refused:
            await fetch_text(
                client, f"http://rebind.example:{proof_server.port}/first", max_bytes=256
            )
    assert refused.value.transient is False
    assert len(dns.asked) == 2
    assert network.connects == [("127.0.0.1", proof_server.port)]
    assert proof_server.requested == ["/first"]


async def test_verification_job_refuses_loopback_without_the_allow_list(
    stack: Stack, proof_server: ProofServer
) -> None:
    """The job reads the runtime's outbound rules (empty by default): a proof URL on loopback
    is refused and the server never sees a request."""
    await make_publisher("u1", "acme", verified=False)
    proof_server.text(GH_MAIN, PROOF)
    ctx = stack.runtime.ctx
    previous = ctx.policy
    verification = replace(
        previous.verification,
        github_base_url=f"{proof_server.url}/gh",
        timeout_seconds=2.0,
        max_check_attempts=1,
    )
    assert previous.outbound == OutboundRules()
    ctx.policy = replace(previous, verification=verification)
    try:
        response = await stack.client.post(
            "/api/v1/publishers/verify",
            headers=bearer("u1"),
            json={"method": "github", "data": {"username": "octo"}},
        )
        assert response.status_code == 202
        await stack.drain_jobs()
    finally:
        ctx.policy = previous
    publisher = await Publisher.get(name="acme")
    assert publisher.verification_status == "rejected"
    request = await VerificationRequest.filter(publisher_id=publisher.id, state="rejected").get()
    errors = (request.check_result or {}).get("errors", [])
    assert any("may not reach (loopback)" in e for e in errors)
    assert proof_server.requested == []
