"""Fetching verification proofs from the outside world, defensively.

Every fetch has a deadline, reads at most a few kilobytes (streamed, undecoded, so a compressed
bomb cannot expand), and follows redirects only on the same scheme, host and port: a claimed
domain must not be able to point the registry at another host. Failures say whether they are
worth retrying (timeouts, connection errors, 5xx, 429) or final (404, wrong content, redirect
off-host, too large, or a host that resolves to an address outbound requests may not reach).

Every connection goes through `workers.outbound.GuardedTransport`, which refuses loopback,
private, link-local and other non-public addresses at connect time (DNS rebinding included);
each redirect hop is a new connection and is checked again.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from urllib.parse import urljoin, urlsplit

import dns.asyncresolver
import dns.exception
import dns.resolver
import httpx

from domain.enums import VerificationMethod
from domain.services.verification import (
    Candidate,
    ProbeOutcome,
    VerificationConfig,
    dns_record_name,
)
from workers.outbound import GuardedTransport, OutboundRefused, outbound_client

MAX_REDIRECTS = 3
USER_AGENT = "tb-registry-verifier/1"


class FetchError(Exception):
    def __init__(self, message: str, *, transient: bool) -> None:
        super().__init__(message)
        self.transient = transient


def _origin(url: str) -> tuple[str, str, int | None]:
    parts = urlsplit(url)
    default_port = {"http": 80, "https": 443}.get(parts.scheme)
    return parts.scheme, (parts.hostname or "").lower(), parts.port or default_port


async def _read_capped(response: httpx.Response, url: str, max_bytes: int) -> str:
    declared = response.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > max_bytes:
        raise FetchError(f"{url}: response is larger than {max_bytes} bytes", transient=False)
    body = bytearray()
    async for chunk in response.aiter_raw():
        body += chunk
        if len(body) > max_bytes:
            raise FetchError(f"{url}: response is larger than {max_bytes} bytes", transient=False)
    return body.decode("utf-8", errors="replace")


async def fetch_text(client: httpx.AsyncClient, url: str, *, max_bytes: int) -> str | None:
    """The body of `url`, or None when it is not there (404/410)."""
    current = url
    for _ in range(MAX_REDIRECTS + 1):
        try:
            async with client.stream("GET", current) as response:
                if response.is_redirect:
                    target = urljoin(current, response.headers.get("location", ""))
                    if _origin(target) != _origin(current):
                        raise FetchError(
                            f"{current}: redirects to another host "
                            f"({urlsplit(target).hostname or target}); only "
                            "same-host redirects are followed",
                            transient=False,
                        )
                    current = target
                    continue
                status = response.status_code
                if status in (404, 410):
                    return None
                if status == 429 or status >= 500:
                    raise FetchError(f"{current}: HTTP {status}", transient=True)
                if status != 200:
                    raise FetchError(f"{current}: HTTP {status}", transient=False)
                return await _read_capped(response, current, max_bytes)
        except OutboundRefused as exc:
            raise FetchError(f"{current}: {exc}", transient=False) from None
        except httpx.TimeoutException:
            raise FetchError(f"{current}: timed out", transient=True) from None
        except httpx.TransportError as exc:
            raise FetchError(f"{current}: {type(exc).__name__}: {exc}", transient=True) from None
    raise FetchError(f"{url}: more than {MAX_REDIRECTS} redirects", transient=False)


def _resolver(config: VerificationConfig) -> dns.asyncresolver.Resolver:
    if not config.dns_nameservers:
        resolver = dns.asyncresolver.Resolver()
    else:
        resolver = dns.asyncresolver.Resolver(configure=False)
        resolver.nameservers = list(config.dns_nameservers)
        resolver.port = config.dns_port
    resolver.timeout = config.timeout_seconds
    resolver.lifetime = config.timeout_seconds
    return resolver


async def fetch_txt(config: VerificationConfig, name: str) -> list[str] | None:
    """The TXT strings at `name` (each record's chunks joined), or None when there are none.
    Only the configured DNS servers are asked and nothing connects to an answer, so this path
    needs no outbound guard."""
    try:
        answer = await _resolver(config).resolve(name, "TXT", search=False)
    except (dns.resolver.NXDOMAIN, dns.resolver.NoAnswer):
        return None
    except (dns.exception.Timeout, dns.resolver.LifetimeTimeout):
        raise FetchError(f"DNS {name}: timed out", transient=True) from None
    except dns.resolver.NoNameservers as exc:
        raise FetchError(f"DNS {name}: no nameserver answered ({exc})", transient=True) from None
    except dns.exception.DNSException as exc:
        raise FetchError(f"DNS {name}: {type(exc).__name__}: {exc}", transient=False) from None
    return [b"".join(record.strings).decode("utf-8", errors="replace") for record in answer]


class Prober:
    """Collects candidates for one check, stopping as soon as `is_proof` accepts one."""

    def __init__(
        self,
        config: VerificationConfig,
        is_proof: Callable[[str], bool],
        transport: GuardedTransport,
    ) -> None:
        self.config = config
        self.is_proof = is_proof
        self.transport = transport
        self.outcome = ProbeOutcome()

    @property
    def found(self) -> bool:
        return any(self.is_proof(c.text) for c in self.outcome.candidates)

    def _failed(self, error: FetchError) -> None:
        self.outcome.errors.append(str(error))
        self.outcome.transient = self.outcome.transient or error.transient

    def _add(self, source: str, text: str) -> None:
        self.outcome.candidates.append(Candidate(source, text))
        if not self.is_proof(text):
            self.outcome.errors.append(f"{source}: content does not match the expected proof")

    async def http(self, client: httpx.AsyncClient, url: str) -> None:
        try:
            async with asyncio.timeout(self.config.timeout_seconds):
                text = await fetch_text(client, url, max_bytes=self.config.max_response_bytes)
        except TimeoutError:
            self._failed(FetchError(f"{url}: timed out", transient=True))
            return
        except FetchError as error:
            self._failed(error)
            return
        if text is None:
            self.outcome.errors.append(f"{url}: not found")
        else:
            self._add(url, text)

    async def dns(self, name: str) -> None:
        try:
            async with asyncio.timeout(self.config.timeout_seconds + 1):
                texts = await fetch_txt(self.config, name)
        except TimeoutError:
            self._failed(FetchError(f"DNS {name}: timed out", transient=True))
            return
        except FetchError as error:
            self._failed(error)
            return
        if not texts:
            self.outcome.errors.append(f"DNS {name}: no TXT record")
            return
        for text in texts:
            self._add(f"dns:{name}", text)
            if self.is_proof(text):
                return

    async def run(self, method: str, subject: str) -> ProbeOutcome:
        async with outbound_client(
            self.transport,
            timeout=self.config.timeout_seconds,
            headers={"User-Agent": USER_AGENT, "Accept-Encoding": "identity"},
        ) as client:
            if method == VerificationMethod.GITHUB:
                for url in self.config.github_urls(subject):
                    await self.http(client, url)
                    if self.found:
                        break
            elif method == VerificationMethod.DOMAIN:
                await self.http(client, self.config.domain_url(subject))
                if not self.found:
                    await self.dns(dns_record_name(subject))
        if self.found:
            # A proof was found: earlier misses (main vs master, HTTP vs DNS) do not matter.
            self.outcome.transient = False
        return self.outcome
