"""Safe outbound HTTP: an httpx client that only connects to addresses the rules allow.

Every outbound call the registry makes on a user's behalf (verification proof fetches, later
webhook deliveries) goes through `GuardedTransport`. Its check sits where the connection is
made, in httpcore's network backend: the host is resolved once, every resolved address is
checked (`domain.outbound.OutboundRules`; one refused address refuses the host, so a name
answering with a public and a private address cannot win by luck), and the socket is opened to
that checked address. Nothing resolves the name again afterwards, so DNS rebinding (a public
answer for the check, a private one for the connect) cannot slip through. TLS still sends
the original name (httpcore takes SNI and certificate checks from the URL, not from the
address connected to), and so does the Host header. Each redirect hop is a new connection and
is checked the same way.

Hand-written rather than a library: the SSRF-guard packages for httpx are young
single-maintainer projects, and the check is one small backend over the standard library's
`ipaddress` and anyio's resolver.

Proxies from the environment are never used (`trust_env=False`): a proxy would open the
connection on our behalf, after the check.

DNS TXT verification (workers/proof_fetch.py `fetch_txt`) needs no guard: it only asks the
configured DNS servers and never connects to an address taken from an answer.
"""

from __future__ import annotations

import functools
import socket
import ssl
import time
from collections.abc import Awaitable, Callable, Mapping, Sequence
from ipaddress import ip_address
from typing import Any

import anyio
import httpcore
import httpx

from domain.outbound import IPAddress, OutboundRules

# host, port -> the addresses to try, as text; tests inject their own answers.
Resolve = Callable[[str, int], Awaitable[Sequence[str]]]


class OutboundRefused(httpx.HTTPError):
    """The host resolves to an address outbound requests may not reach. Final: retrying
    cannot help until the operator's allow-list or the host's DNS changes."""


async def resolve_host(host: str, port: int) -> list[str]:
    """The system resolver's addresses for `host`, in its order, without duplicates."""
    answers = await anyio.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    return list(dict.fromkeys(str(sockaddr[0]) for *_, sockaddr in answers))


def _parse(text: str) -> IPAddress | None:
    try:
        return ip_address(text)
    except ValueError:
        return None  # not an address at all: refused below


class _GuardedNetwork(httpcore.AsyncNetworkBackend):
    """httpcore's network backend with the check in `connect_tcp`; the rest is the inner one's."""

    def __init__(
        self, rules: OutboundRules, resolve: Resolve, inner: httpcore.AsyncNetworkBackend
    ) -> None:
        self._rules = rules
        self._resolve = resolve
        self._inner = inner

    async def _checked_addresses(self, host: str, port: int, timeout: float | None) -> list[str]:
        literal = _parse(host)
        if literal is not None:
            answers: Sequence[str] = [host]
        else:
            try:
                with anyio.fail_after(timeout):
                    answers = await self._resolve(host, port)
            except TimeoutError:
                raise httpcore.ConnectTimeout(f"resolving {host} timed out") from None
            except OSError as exc:
                raise httpcore.ConnectError(f"cannot resolve {host}: {exc}") from None
        if not answers:
            raise httpcore.ConnectError(f"{host} has no address")
        checked = []
        for answer in answers:
            address = _parse(answer)
            reason = "not an IP address" if address is None else self._rules.refusal(host, address)
            if reason is not None:
                raise OutboundRefused(
                    f"{host} resolves to {answer}, which outbound requests may not reach ({reason})"
                )
            checked.append(str(address))
        return checked

    async def connect_tcp(
        self,
        host: str,
        port: int,
        timeout: float | None = None,
        local_address: str | None = None,
        socket_options: Any = None,
    ) -> httpcore.AsyncNetworkStream:
        deadline = None if timeout is None else time.monotonic() + timeout
        addresses = await self._checked_addresses(host, port, timeout)
        failure: Exception | None = None
        for address in addresses:  # the checked addresses, in the resolver's order
            remaining = None if deadline is None else max(deadline - time.monotonic(), 0.0)
            try:
                return await self._inner.connect_tcp(
                    address,
                    port,
                    timeout=remaining,
                    local_address=local_address,
                    socket_options=socket_options,
                )
            except (httpcore.ConnectError, httpcore.ConnectTimeout) as exc:
                failure = exc
        assert failure is not None  # addresses is never empty
        raise failure

    async def connect_unix_socket(
        self, path: str, timeout: float | None = None, socket_options: Any = None
    ) -> httpcore.AsyncNetworkStream:
        raise OutboundRefused("outbound requests do not use local sockets")

    async def sleep(self, seconds: float) -> None:
        await self._inner.sleep(seconds)


@functools.cache
def _default_ssl_context() -> ssl.SSLContext:
    # Loading the CA bundle costs tens of milliseconds of CPU on the event loop; one context
    # (read-only once made) serves every transport of the process.
    return httpx.create_ssl_context(trust_env=False)


class GuardedTransport(httpx.AsyncHTTPTransport):
    """httpx's transport, whose connections are opened only to addresses `rules` allow.

    `resolve` and `network` (the backend that finally opens sockets) are for tests."""

    def __init__(
        self,
        rules: OutboundRules,
        *,
        resolve: Resolve = resolve_host,
        network: httpcore.AsyncNetworkBackend | None = None,
        ssl_context: ssl.SSLContext | None = None,
    ) -> None:
        ssl_context = ssl_context or _default_ssl_context()
        super().__init__(verify=ssl_context, trust_env=False)
        # httpx offers no option for httpcore's network backend, the one place the address
        # connected to is chosen; so its pool (what `handle_async_request` sends through) is
        # replaced by one with httpx's default settings and the guarded backend.
        limits = httpx.Limits(max_connections=100, max_keepalive_connections=20)
        self._pool = httpcore.AsyncConnectionPool(
            ssl_context=ssl_context,
            max_connections=limits.max_connections,
            max_keepalive_connections=limits.max_keepalive_connections,
            keepalive_expiry=limits.keepalive_expiry,
            network_backend=_GuardedNetwork(rules, resolve, network or httpcore.AnyIOBackend()),
        )


def outbound_client(
    transport: GuardedTransport,
    *,
    timeout: float,
    headers: Mapping[str, str] | None = None,
    follow_redirects: bool = False,
    max_redirects: int = 3,
) -> httpx.AsyncClient:
    """An httpx client whose every connection goes through `transport`'s check; no proxies
    from the environment (they would connect after the check)."""
    return httpx.AsyncClient(
        transport=transport,
        trust_env=False,
        timeout=httpx.Timeout(timeout),
        headers=headers,
        follow_redirects=follow_redirects,
        max_redirects=max_redirects,
    )
