"""Download URLs (REST_CONTRACT §4.5): root-relative, or absolute under PUBLIC_BASE_URL.

The request's Host header is the caller's to choose: echoing it would let anyone make the
registry hand out links to their own server (a cache or a proxy keyed without the Host would
then serve those links to others). So a redirect never names it unless the operator listed the
host in `ALLOWED_HOSTS`. The one exception is the contract's: the feature loader's JSON
(§4.11) MUST carry an absolute URL built from "PUBLIC_BASE_URL, else the request's scheme and
host"; with neither setting it uses a well-formed Host, and that answer is never cached.
"""

from __future__ import annotations

import re
from urllib.parse import quote

# A host name (or IPv4 address) or a bracketed IPv6 address, with an optional port.
_HOST_HEADER = re.compile(
    r"(?P<host>[A-Za-z0-9](?:[A-Za-z0-9.-]{0,252})|\[[0-9A-Fa-f:.]{2,45}\])(?::[0-9]{1,5})?"
)


def _segment(text: str) -> str:
    return quote(text, safe="")


def absolute(path: str, base_url: str | None) -> str:
    return f"{base_url}{path}" if base_url else path


def package_file_url(name: str, version: str, base_url: str | None) -> str:
    path = f"/api/v1/packages/{_segment(name)}/versions/{_segment(version)}/file"
    return absolute(path, base_url)


def artifact_build_url(
    name: str, version: str, platform: str, architecture: str, base_url: str | None
) -> str:
    path = (
        f"/api/v1/artifacts/{_segment(name)}/versions/{_segment(version)}/builds/"
        f"{_segment(platform)}/{_segment(architecture)}/file"
    )
    return absolute(path, base_url)


def host_name(host_header: str) -> str | None:
    """The lower-cased host of a Host header value (port dropped), None when malformed."""
    match = _HOST_HEADER.fullmatch(host_header.strip())
    return match.group("host").lower() if match else None


def external_base(
    public_base_url: str | None,
    allowed_hosts: tuple[str, ...],
    scheme: str,
    host_header: str | None,
    *,
    unlisted_host: bool = False,
) -> str | None:
    """The origin for a URL that must be absolute: PUBLIC_BASE_URL when configured, else the
    request's own `scheme://host[:port]` when its host is in `allowed_hosts`, else None (the
    caller answers with a relative URL or refuses). `unlisted_host` (the contract's §4.11 case)
    also takes a well-formed host while the operator has listed none."""
    if public_base_url:
        return public_base_url
    if host_header is None or scheme not in ("http", "https"):
        return None
    host = host_name(host_header)
    if host is None:
        return None
    if host not in allowed_hosts and (allowed_hosts or not unlisted_host):
        return None
    return f"{scheme}://{host_header.strip().lower()}"
