"""Content-addressed object keys: `sha256/<first two hex chars>/<64 hex chars>`.

The two-character fan-out keeps directories small on the filesystem backend and costs
nothing on S3. Keys are validated strictly because the filesystem backend turns them into
paths: a key can never escape the store root.
"""

from __future__ import annotations

import re

from storage.errors import InvalidObjectKey

_SHA256_HEX = re.compile(r"[0-9a-f]{64}")
_KEY = re.compile(r"sha256/([0-9a-f]{2})/([0-9a-f]{64})")


def is_sha256_hex(value: str) -> bool:
    """True for 64 lowercase hex characters."""
    return _SHA256_HEX.fullmatch(value) is not None


def content_key(sha256_hex: str) -> str:
    """The object key under which content with this SHA-256 is stored."""
    if not is_sha256_hex(sha256_hex):
        raise ValueError(f"not a lowercase sha256 hex digest: {sha256_hex!r}")
    return f"sha256/{sha256_hex[:2]}/{sha256_hex}"


def validate_key(key: str) -> str:
    """Return `key` unchanged if it is a well-formed content key, else raise InvalidObjectKey."""
    match = _KEY.fullmatch(key)
    if match is None or not match.group(2).startswith(match.group(1)):
        raise InvalidObjectKey(key)
    return key


def sha256_of_key(key: str) -> str:
    """The SHA-256 hex digest a content key names."""
    return validate_key(key).rsplit("/", 1)[1]
