"""The client's address behind reverse proxies (`TRUSTED_PROXIES`).

A request from a trusted proxy names its client in `X-Forwarded-For` (and its scheme in
`X-Forwarded-Proto`); uvicorn's ProxyHeadersMiddleware takes the last address in that chain
that is not itself a trusted proxy and puts it in `scope["client"]`, where everything that
names the caller reads it: the rate limiter's budgets, the WebSocket cap per address, audit
events and the access log. From any other peer the headers are ignored, so a client cannot
pick its own budget or audit address.

It runs inside the app (first middleware, registry/app.py) rather than in uvicorn's server
config, so the app under test (httpx's ASGITransport) resolves addresses exactly as the served
one. uvicorn's resolver is used as is (it handles CIDRs, IPv6 and chains); what is added here:
an address that is not an IP (a trusted chain whose first entry is junk, e.g. a local process
sending the header itself under the default loopback trust) keeps the peer's address instead,
since audit rows store at most 64 characters and budgets are keyed by it.
"""

from __future__ import annotations

import functools
import ipaddress
from typing import Any, cast

from starlette.types import ASGIApp, Receive, Scope, Send
from uvicorn.middleware.proxy_headers import ProxyHeadersMiddleware


async def _resolve_only(scope: Scope, receive: Receive, send: Send) -> None:
    """The resolver's inner app: it has rewritten the scope by the time this is called."""


@functools.lru_cache(maxsize=4096)
def _is_ip(host: str) -> bool:
    try:
        ipaddress.ip_address(host)
    except ValueError:
        return False
    return True


class TrustedProxyMiddleware:
    def __init__(self, app: ASGIApp, trusted_proxies: tuple[str, ...]) -> None:
        self.app = app
        self._resolver = ProxyHeadersMiddleware(
            cast(Any, _resolve_only), trusted_hosts=list(trusted_proxies)
        )

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] in ("http", "websocket"):
            peer = scope.get("client")
            await self._resolver(cast(Any, scope), cast(Any, receive), cast(Any, send))
            client = scope.get("client")
            if client is not peer and not (client and len(client[0]) <= 64 and _is_ip(client[0])):
                scope["client"] = peer
        await self.app(scope, receive, send)
