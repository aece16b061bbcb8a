"""Which addresses the registry may open outbound connections to (proof fetches, webhooks).

A claimed domain or a webhook URL is chosen by a user, so a fetch must never reach the
registry's own network: loopback, private ranges, link-local (the cloud metadata service at
169.254.169.254), unique-local IPv6, multicast, reserved and every other address that is not
globally routable. IPv6 forms that carry an IPv4 address the packet ends up at (IPv4-mapped
::ffff:a.b.c.d, NAT64 64:ff9b::/96, 6to4 2002::/16) are judged by that IPv4 address too.

An operator's allow-list (OUTBOUND_ALLOW_HOSTS, OUTBOUND_ALLOW_NETWORKS) lets named hosts or
networks through anyway: an internal GitHub mirror, or the loopback servers of the tests.

Pure rules over `ipaddress`; the connecting side (resolve once, check, connect to the checked
address) is workers/outbound.py.
"""

from __future__ import annotations

from dataclasses import dataclass
from ipaddress import IPv4Address, IPv4Network, IPv6Address, IPv6Network

IPAddress = IPv4Address | IPv6Address
IPNetwork = IPv4Network | IPv6Network

# RFC 6052's well-known NAT64 prefix: the last 32 bits are the IPv4 address reached. Python
# calls the whole block reserved, which would refuse every public site on an IPv6-only host
# behind DNS64, so it is judged by the embedded address instead.
NAT64_PREFIX = IPv6Network("64:ff9b::/96")


def _translated_ipv4(address: IPv6Address) -> IPv4Address | None:
    """The IPv4 address a packet to `address` is delivered to, when it is only a spelling of
    one (IPv4-mapped, NAT64)."""
    if address.ipv4_mapped is not None:
        return address.ipv4_mapped
    if address in NAT64_PREFIX:
        return IPv4Address(int(address) & 0xFFFF_FFFF)
    return None


def _plain_refusal(address: IPAddress) -> str | None:
    # The explicit flags name the reason; `is_global` catches the rest (shared address space
    # 100.64/10, documentation and benchmark ranges, ...). Multicast is refused explicitly:
    # `is_global` counts globally scoped multicast as global.
    if address.is_unspecified:
        return "unspecified"
    if address.is_loopback:
        return "loopback"
    if address.is_link_local:
        return "link-local"
    if address.is_multicast:
        return "multicast"
    if isinstance(address, IPv6Address) and address.is_site_local:
        return "site-local"
    if address.is_private:
        return "private"
    if address.is_reserved:
        return "reserved"
    if not address.is_global:
        return "not globally routable"
    return None


def address_refusal(address: IPAddress) -> str | None:
    """Why an outbound connection to `address` is refused, or None when it is a public one."""
    if isinstance(address, IPv6Address):
        translated = _translated_ipv4(address)
        if translated is not None:
            reason = _plain_refusal(translated)
            return f"{reason} ({translated})" if reason else None
        reason = _plain_refusal(address)
        if reason:
            return reason
        tunnelled = address.sixtofour
        if tunnelled is not None:
            reason = _plain_refusal(tunnelled)
            return f"{reason} ({tunnelled})" if reason else None
    return _plain_refusal(address)


def _normal_host(host: str) -> str:
    return host.lower().rstrip(".")


@dataclass(frozen=True)
class OutboundRules:
    """The allow-list; everything else must be a public address."""

    # Host names (or IP literals as written in URLs) whose every address is accepted.
    allow_hosts: tuple[str, ...] = ()
    # Networks whose addresses are accepted whatever name led to them.
    allow_networks: tuple[IPNetwork, ...] = ()

    def _allowed(self, host: str, address: IPAddress) -> bool:
        if _normal_host(host) in self.allow_hosts:
            return True
        candidates: list[IPAddress] = [address]
        if isinstance(address, IPv6Address):
            translated = _translated_ipv4(address)
            if translated is not None:
                candidates.append(translated)
        # An IPv4 address compares as "in" an IPv6 network by its bits alone: match versions.
        return any(
            candidate.version == network.version and candidate in network
            for candidate in candidates
            for network in self.allow_networks
        )

    def refusal(self, host: str, address: IPAddress) -> str | None:
        """Why `host`, resolved to `address`, may not be connected to; None when it may."""
        if self._allowed(host, address):
            return None
        return address_refusal(address)
