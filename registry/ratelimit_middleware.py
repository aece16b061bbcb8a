"""Plain ASGI middleware enforcing the rate limits of `registry.ratelimit`.

Who pays for a request: the user behind a valid CloudM JWT (its HS256 signature is checked
here, which costs no database access) or behind an accepted API token (checked through
`registry.auth`, which caches the outcome on the request state so the route does not look the
token up again). Both pay from the one budget of that user, `u:<user_id>`: every JWT and every
token of a user draw on it, so minting tokens buys no extra requests. Everyone else — anonymous
callers and refused credentials alike — pays from the client IP's budget, so inventing tokens
buys nothing, and users behind one NAT do not starve each other.

What a request costs: `classify` picks the category from the path, method and body type. A
GraphQL request pays one `read` (or `upload` for a multipart body) here; once its operation is
parsed, `schema.core.charging` adds the budgets of what the operation does (search, upload,
write) to the same `RequestCharges`, kept on the request state. An operation refused there is
answered with its GraphQL error (code `rate_limited`) and status 429 with Retry-After, like any
other 429 here.

A 401 answer adds to the IP's `auth_failure` counter; once that budget is spent the IP — and
only that IP — gets 429 until the window ends. Every REST 429 is JSON `{"detail": ...}` with a
whole-second `Retry-After` of at most 60.
"""

from __future__ import annotations

import json

from starlette.requests import Request
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from domain.services import tokens
from registry.auth import InvalidToken, bearer_token, decode_cloudm_jwt, optional_actor
from registry.ratelimit import (
    STATE_KEY,
    RateLimiter,
    RequestCharges,
    WindowState,
    ip_identity,
    user_identity,
)

# Liveness only: /ready probes every backend, so it is charged like any public read.
EXEMPT_PATHS = frozenset({"/health", "/api/v1/health"})
# Batch update checks do a resolution per item, like GraphQL's checkUpdates (a search too).
SEARCH_PATHS = ("/api/v1/search", "/api/v1/resolve", "/api/v1/updates")
GRAPHQL_PATH = "/graphql"
UPLOAD_METHODS = frozenset({"POST", "PUT", "PATCH"})
WRITE_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})


def classify(scope: Scope, headers: dict[bytes, bytes]) -> str:
    path: str = scope.get("path", "")
    method = scope.get("method")
    if path.startswith(SEARCH_PATHS):
        return "search"
    content_type = headers.get(b"content-type", b"").lower()
    if method in UPLOAD_METHODS and content_type.startswith(b"multipart/"):
        return "upload"
    if path == GRAPHQL_PATH:
        return "read"  # the operation adds what it does (schema.core.charging)
    if method in WRITE_METHODS:
        return "write"
    return "read"


class RateLimitMiddleware:
    def __init__(self, app: ASGIApp, limiter: RateLimiter) -> None:
        self.app = app
        self.limiter = limiter

    async def _identity(
        self, scope: Scope, receive: Receive, headers: dict[bytes, bytes]
    ) -> str | None:
        """The paying user's key, or None when the IP pays."""
        if b"authorization" not in headers:  # ASGI header names are lower case
            return None
        request = Request(scope, receive)
        token = bearer_token(request)
        if token is None:
            return None
        if tokens.looks_like_api_token(token):
            actor = await optional_actor(request)
            return user_identity(actor.user_id) if actor.user_id else None
        secret = request.app.state.settings.jwt_secret
        if not secret:
            return None
        try:
            return user_identity(decode_cloudm_jwt(token, secret).user_id)
        except InvalidToken:
            return None

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if (
            scope["type"] != "http"
            or not self.limiter.enabled
            or scope.get("path", "") in EXEMPT_PATHS
        ):
            await self.app(scope, receive, send)
            return
        client = scope.get("client")
        ip_key = ip_identity(client[0] if client else None)
        headers = dict(scope.get("headers", []))
        category = classify(scope, headers)
        identity = await self._identity(scope, receive, headers) or ip_key
        state, failures = await self.limiter.admit(category, identity, ip_key)
        if failures.exhausted:
            await _too_many(
                send, failures, "Too many failed authentication attempts from your address"
            )
            return
        if state.over:
            await _too_many(send, state, f"Rate limit exceeded for {category} requests")
            return
        charges = RequestCharges(self.limiter, identity)
        charges.record(category, 1, state)
        scope.setdefault("state", {})[STATE_KEY] = charges

        async def send_with_limits(message: Message) -> None:
            if message["type"] == "http.response.start":
                if message["status"] == 401:
                    await self.limiter.hit("auth_failure", ip_key)
                reported = charges.reported() or state
                headers = [*message.get("headers", []), *reported.headers()]
                if charges.refused is not None and message["status"] < 400:
                    # A GraphQL operation over its budget: its body holds the rate_limited
                    # error; the status and Retry-After say the same to HTTP clients.
                    message["status"] = 429
                    headers.append((b"retry-after", str(reported.retry_after).encode()))
                message["headers"] = headers
            await send(message)

        await self.app(scope, receive, send_with_limits)


async def _too_many(send: Send, state: WindowState, detail: str) -> None:
    body = json.dumps(
        {"detail": f"{detail}; retry in {state.retry_after} s", "code": "rate_limited"}
    ).encode()
    await send(
        {
            "type": "http.response.start",
            "status": 429,
            "headers": [
                (b"content-type", b"application/json"),
                (b"content-length", str(len(body)).encode()),
                (b"retry-after", str(state.retry_after).encode()),
                *state.headers(),
            ],
        }
    )
    await send({"type": "http.response.body", "body": body})
