"""Security headers on every HTTP response: no content sniffing, no referrer beyond the origin
to other sites, and no framing (clickjacking: a CSP `frame-ancestors 'none'`, and
`X-Frame-Options` for browsers that predate it).

A header a route set itself is kept (the UI's stricter `Referrer-Policy: same-origin`);
`frame-ancestors` joins a Content-Security-Policy that lacks it (the icon's sandbox policy)
instead of adding a second policy.
"""

from __future__ import annotations

SECURITY_HEADERS: tuple[tuple[bytes, bytes], ...] = (
    (b"x-content-type-options", b"nosniff"),
    (b"referrer-policy", b"strict-origin-when-cross-origin"),
    (b"x-frame-options", b"DENY"),
)
_CSP = b"content-security-policy"
_FRAME_ANCESTORS = b"frame-ancestors 'none'"
_NAMES = frozenset(name for name, _ in SECURITY_HEADERS) | {_CSP}
_ALL = (*SECURITY_HEADERS, (_CSP, _FRAME_ANCESTORS))


def with_security_headers(
    headers: list[tuple[bytes, bytes]], *also: tuple[bytes, bytes]
) -> list[tuple[bytes, bytes]]:
    """A new list: `headers` (raw ASGI pairs, names in lower case as Starlette writes them),
    then `also` (the request id), then the security headers they lack. Added to every HTTP
    response by `registry.middleware.EdgeMiddleware` (in its one wrapper of `send`), and by the
    unexpected-error handler, whose 500 is answered outside every middleware
    (registry/errors.py). `headers` itself is not changed: a cached answer sends the same list
    each time."""
    for name, _ in headers:
        if name in _NAMES:
            break
    else:  # the usual case: an API answer sets none of them
        return [*headers, *also, *_ALL]
    present = {name for name, _ in headers}
    headers = [
        *headers,
        *also,
        *(header for header in SECURITY_HEADERS if header[0] not in present),
    ]
    if _CSP not in present:
        headers.append((_CSP, _FRAME_ANCESTORS))
        return headers
    for index, (name, policy) in enumerate(headers):
        if name == _CSP and b"frame-ancestors" not in policy:
            headers[index] = (name, policy.rstrip(b"; ") + b"; " + _FRAME_ANCESTORS)
    return headers
