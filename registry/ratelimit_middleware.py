"""Plain ASGI middleware enforcing the rate limits of `registry.ratelimit`.

Who pays for a request: the user of a valid CloudM JWT (its HS256 signature is checked here,
which costs no database access), or an accepted API token itself (checked through
`registry.auth`, which caches the outcome on the request state so the route does not look the
token up again). Everyone else — anonymous callers and refused tokens alike — pays from the
client IP's budget, so inventing tokens buys nothing, and users behind one NAT do not starve
each other.

A 401 answer adds to the IP's `auth_failure` counter; once that budget is spent the IP — and
only that IP — gets 429 until the window ends. Every 429 is JSON `{"detail": ...}` with a
whole-second `Retry-After` of at most 60.
"""

from __future__ import annotations

import json

from starlette.requests import Request
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from domain.services import tokens
from registry.auth import InvalidToken, bearer_token, decode_cloudm_jwt, optional_actor
from registry.ratelimit import RateLimiter, WindowState

EXEMPT_PATHS = frozenset({"/health", "/api/v1/health", "/api/v1/ready"})
SEARCH_PATHS = ("/api/v1/search", "/api/v1/resolve")
UPLOAD_METHODS = frozenset({"POST", "PUT", "PATCH"})


def classify(scope: Scope, headers: dict[bytes, bytes]) -> str:
    path: str = scope.get("path", "")
    if path.startswith(SEARCH_PATHS):
        return "search"
    content_type = headers.get(b"content-type", b"").lower()
    if scope.get("method") in UPLOAD_METHODS and content_type.startswith(b"multipart/"):
        return "upload"
    return "read"


class RateLimitMiddleware:
    def __init__(self, app: ASGIApp, limiter: RateLimiter) -> None:
        self.app = app
        self.limiter = limiter

    async def _identity(self, scope: Scope, receive: Receive) -> str | None:
        request = Request(scope, receive)
        token = bearer_token(request)
        if token is None:
            return None
        if tokens.looks_like_api_token(token):
            actor = await optional_actor(request)
            return f"t:{actor.token_id}" if actor.token_id else None
        secret = request.app.state.settings.jwt_secret
        if not secret:
            return None
        try:
            return "u:" + decode_cloudm_jwt(token, secret).user_id
        except InvalidToken:
            return None

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if (scope["type"] != "http" or not self.limiter.enabled
                or scope.get("path", "") in EXEMPT_PATHS):
            await self.app(scope, receive, send)
            return
        client = scope.get("client")
        ip_key = "ip:" + (client[0] if client else "unknown")
        category = classify(scope, dict(scope.get("headers", [])))
        identity = await self._identity(scope, receive)
        state, failures = await self.limiter.admit(category, identity or ip_key, ip_key)
        if failures.exhausted:
            await _too_many(send, failures, "Too many failed authentication attempts from "
                            "your address")
            return
        if state.over:
            await _too_many(send, state, f"Rate limit exceeded for {category} requests")
            return

        async def send_with_limits(message: Message) -> None:
            if message["type"] == "http.response.start":
                if message["status"] == 401:
                    await self.limiter.hit("auth_failure", ip_key)
                message["headers"] = [*message.get("headers", []), *state.headers()]
            await send(message)

        await self.app(scope, receive, send_with_limits)


async def _too_many(send: Send, state: WindowState, detail: str) -> None:
    body = json.dumps({"detail": f"{detail}; retry in {state.retry_after} s",
                       "code": "rate_limited"}).encode()
    await send({"type": "http.response.start", "status": 429, "headers": [
        (b"content-type", b"application/json"),
        (b"content-length", str(len(body)).encode()),
        (b"retry-after", str(state.retry_after).encode()),
        *state.headers(),
    ]})
    await send({"type": "http.response.body", "body": body})
