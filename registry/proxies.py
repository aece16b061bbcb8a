"""The client's address behind reverse proxies (`TRUSTED_PROXIES`).

A request from a trusted proxy names its client in `X-Forwarded-For` (and its scheme in
`X-Forwarded-Proto`); uvicorn's ProxyHeadersMiddleware takes the last address in that chain
that is not itself a trusted proxy and puts it in `scope["client"]`, where everything that
names the caller reads it: the rate limiter's budgets, the WebSocket cap per address, audit
events and the access log. From any other peer the headers are ignored, so a client cannot
pick its own budget or audit address.

It runs inside the app, first thing in `registry.middleware.EdgeMiddleware`, rather than in
uvicorn's server config, so the app under test (httpx's ASGITransport) resolves addresses
exactly as the served one. uvicorn's resolver is used as is (it handles CIDRs, IPv6 and
chains); what is added here: an address that is not an IP (a trusted chain whose first entry
is junk, e.g. a local process sending the header itself under the default loopback trust)
keeps the peer's address instead, since audit rows store at most 64 characters and budgets
are keyed by it.
"""

from __future__ import annotations

import functools
import ipaddress
from typing import Any, cast

from starlette.types import Receive, Scope, Send
from uvicorn.middleware.proxy_headers import ProxyHeadersMiddleware

# The only headers the resolver reads: a request without them (every direct request) is left
# as it came without calling it.
FORWARDED_HEADERS = frozenset({b"x-forwarded-for", b"x-forwarded-proto"})


async def _resolve_only(scope: Scope, receive: Receive, send: Send) -> None:
    """The resolver's inner app: it has rewritten the scope by the time this is called."""


async def _never(*_: Any) -> Any:
    raise AssertionError("the address resolver neither receives nor sends")


@functools.lru_cache(maxsize=4096)
def _is_ip(host: str) -> bool:
    try:
        ipaddress.ip_address(host)
    except ValueError:
        return False
    return True


class ClientAddressResolver:
    """Rewrites `scope["client"]` (and `scope["scheme"]`) of an HTTP or WebSocket request that
    carries `FORWARDED_HEADERS`, when its peer is one of `trusted_proxies`."""

    def __init__(self, trusted_proxies: tuple[str, ...]) -> None:
        self._resolver = ProxyHeadersMiddleware(
            cast(Any, _resolve_only), trusted_hosts=list(trusted_proxies)
        )

    async def __call__(self, scope: Scope) -> None:
        peer = scope.get("client")
        await self._resolver(cast(Any, scope), cast(Any, _never), cast(Any, _never))
        client = scope.get("client")
        if client is not peer and not (client and len(client[0]) <= 64 and _is_ip(client[0])):
            scope["client"] = peer


def client_address_resolver(trusted_proxies: tuple[str, ...]) -> ClientAddressResolver | None:
    """The resolver for `TRUSTED_PROXIES`; None when it is empty (no peer is believed)."""
    return ClientAddressResolver(trusted_proxies) if trusted_proxies else None
