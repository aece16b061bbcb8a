"""Security headers on every HTTP response: no content sniffing, no referrer beyond the origin
to other sites, and no framing (clickjacking: a CSP `frame-ancestors 'none'`, and
`X-Frame-Options` for browsers that predate it).

A header a route set itself is kept (the UI's stricter `Referrer-Policy: same-origin`);
`frame-ancestors` joins a Content-Security-Policy that lacks it (the icon's sandbox policy)
instead of adding a second policy.
"""

from __future__ import annotations

from starlette.types import ASGIApp, Message, Receive, Scope, Send

SECURITY_HEADERS: tuple[tuple[bytes, bytes], ...] = (
    (b"x-content-type-options", b"nosniff"),
    (b"referrer-policy", b"strict-origin-when-cross-origin"),
    (b"x-frame-options", b"DENY"),
)
_CSP = b"content-security-policy"
_FRAME_ANCESTORS = b"frame-ancestors 'none'"


def with_security_headers(headers: list[tuple[bytes, bytes]]) -> list[tuple[bytes, bytes]]:
    """`headers` (raw ASGI pairs) with the security headers they lack."""
    present = {name.lower(): index for index, (name, _) in enumerate(headers)}
    headers = [*headers, *(header for header in SECURITY_HEADERS if header[0] not in present)]
    csp_at = present.get(_CSP)
    if csp_at is None:
        headers.append((_CSP, _FRAME_ANCESTORS))
    elif b"frame-ancestors" not in headers[csp_at][1]:
        name, policy = headers[csp_at]
        headers[csp_at] = (name, policy.rstrip(b"; ") + b"; " + _FRAME_ANCESTORS)
    return headers


class SecurityHeadersMiddleware:
    """Add the security headers to every HTTP response (REST, GraphQL, UI, errors, 404s). The
    unexpected-error 500 is answered outside every middleware (Starlette's
    ServerErrorMiddleware): its handler adds them itself (registry/errors.py)."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                message["headers"] = with_security_headers(list(message.get("headers", ())))
            await send(message)

        await self.app(scope, receive, send_with_headers)
