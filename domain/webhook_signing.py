"""The signature of a webhook delivery, and its check (what a receiver runs; the docs show
the same few lines).

Header `X-TB-Signature: t=<unix seconds>,v1=<hex>`, where the hex is HMAC-SHA256 under the
hook's secret over `b"<t>." + body`. Signing the time with the body lets a receiver refuse a
replay: a captured request fails once its `t` is older than the receiver's tolerance, and
changing `t` breaks the signature. Several `v1=` entries may appear (e.g. while a secret is
rotated); one match is enough.
"""

from __future__ import annotations

import hashlib
import hmac

SIGNATURE_HEADER = "X-TB-Signature"
SCHEME = "v1"
# Receivers refuse a signature whose time is further than this from their clock.
DEFAULT_TOLERANCE_SECONDS = 300
# A header longer than this is not one we wrote (bounds the parse).
MAX_HEADER_LENGTH = 1024


def _digest(secret: str, timestamp: int, body: bytes) -> str:
    signed = f"{timestamp}.".encode() + body
    return hmac.new(secret.encode(), signed, hashlib.sha256).hexdigest()


def sign(secret: str, timestamp: int, body: bytes) -> str:
    """The X-TB-Signature value for `body` sent at `timestamp` (unix seconds)."""
    return f"t={timestamp},{SCHEME}={_digest(secret, timestamp, body)}"


def verify(
    secret: str,
    header: str,
    body: bytes,
    now: float,
    tolerance_seconds: int = DEFAULT_TOLERANCE_SECONDS,
) -> bool:
    """Whether `header` signs `body` under `secret` at a time within `tolerance_seconds` of
    `now` (unix seconds)."""
    if not isinstance(header, str) or len(header) > MAX_HEADER_LENGTH:
        return False
    timestamp: int | None = None
    candidates: list[str] = []
    for part in header.split(","):
        key, _, value = part.strip().partition("=")
        if key == "t" and value.isdigit() and len(value) <= 12:
            timestamp = int(value)
        elif key == SCHEME and value:
            candidates.append(value)
    if timestamp is None or not candidates or abs(now - timestamp) > tolerance_seconds:
        return False
    expected = _digest(secret, timestamp, body)
    return any(hmac.compare_digest(expected, candidate) for candidate in candidates)
