"""Settings: one typed declaration per environment variable, and everything derived from it.

Each setting is declared once, as a field of `Settings` made by `setting()`: its environment
variable, type, default, bounds and one-line meaning. From those declarations come
- loading: `load_settings` reads the process environment over an optional `.env` file
  (pydantic-settings' sources parse both), and pydantic checks and converts every value;
- the error: a bad value raises `ConfigError`, one line starting with the variable's name, so
  the CLI can print it instead of a traceback;
- the documentation: `.env.example` and the README's configuration table are generated from
  the declarations (`registry/settings_docs.py`), and a test fails when either drifts.

A storage backend is the one composite: a group of variables under a prefix (`MINIO_PRIMARY_`,
`MINIO_MIRROR_`, `MIRROR_<NAME>_`), declared once as `S3Variables` and assembled into the
`StorageSpec`s the runtime opens.
"""

from __future__ import annotations

import ipaddress
import os
import re
from collections.abc import Mapping
from enum import StrEnum
from pathlib import Path
from typing import Annotated, Any, Literal
from urllib.parse import urlsplit

from packaging.version import InvalidVersion, Version
from pydantic import (
    AfterValidator,
    BeforeValidator,
    ConfigDict,
    Field,
    PlainSerializer,
    SkipValidation,
    ValidationError,
)
from pydantic.dataclasses import dataclass as pydantic_dataclass
from pydantic_settings import BaseSettings, DotEnvSettingsSource, EnvSettingsSource
from strawberry.http.websocket_origin import normalize_origin

from domain.categories import parse_catalog
from domain.services.urls import host_name
from storage.factory import StorageSpec

ENV_FILE_VARIABLE = "TB_REGISTRY_ENV_FILE"


class ConfigError(ValueError):
    """A configuration value is missing or malformed; the message names the variable."""


class Section(StrEnum):
    """Headings of `.env.example` and the README table, in the order the settings appear."""

    SERVER = "HTTP server"
    DATA = "Data"
    STORAGE = "Object storage"
    AUTH = "Auth"
    UPLOADS = "Uploads"
    PACKAGES = "Packages"
    GRAPHQL = "GraphQL"
    VERIFICATION = "Publisher verification"
    OUTBOUND = "Outbound requests"
    WEBHOOKS = "Webhooks"
    RATE_LIMITS = "Rate limits"
    MIRRORS = "Mirrors: replication and repair"
    METRICS = "Metrics"


def setting(
    variable: str,
    default: Any,
    doc: str,
    *,
    section: Section | None = None,
    example: str | None = None,
    **bounds: Any,
) -> Any:
    """Declare one setting: read from `variable`, `default` when unset or empty, `doc` in the
    generated documentation. `example` (shown commented out) is for settings off by default."""
    return Field(
        default,
        alias=variable,
        description=doc,
        **bounds,
        json_schema_extra={"section": section.value if section else None, "example": example},
    )


# --- value types: each parses the text of a variable and formats a default back to text ---------

_SIZE_UNITS = {
    "": 1,
    "b": 1,
    "k": 1024,
    "kb": 1024,
    "kib": 1024,
    "m": 1024**2,
    "mb": 1024**2,
    "mib": 1024**2,
    "g": 1024**3,
    "gb": 1024**3,
    "gib": 1024**3,
}


def _parse_size(value: object) -> object:
    if not isinstance(value, str):
        return value
    match = re.fullmatch(r"(\d+)\s*([A-Za-z]*)", value.strip())
    if not match or match.group(2).lower() not in _SIZE_UNITS:
        raise ValueError("expected a size such as 500MiB")
    return int(match.group(1)) * _SIZE_UNITS[match.group(2).lower()]


def _format_size(number: int) -> str:
    for unit, factor in (("GiB", 1024**3), ("MiB", 1024**2), ("KiB", 1024)):
        if number % factor == 0:
            return f"{number // factor}{unit}"
    return f"{number}B"


def _parse_budget(value: object) -> object:
    if not isinstance(value, str):
        return value
    match = re.fullmatch(r"(\d+)\s*/\s*(\d+)\s*s?", value.strip())
    if not match:
        raise ValueError("expected COUNT/SECONDS such as 600/60")
    return int(match.group(1)), int(match.group(2))


def _check_budget(budget: tuple[int, int]) -> tuple[int, int]:
    # Windows stay within 60 s so that Retry-After does too.
    count, window = budget
    if count < 1 or not 1 <= window <= 60:
        raise ValueError("need a count >= 1 and a window of 1..60 seconds")
    return budget


def _split_commas(value: object) -> object:
    if not isinstance(value, str):
        return value
    return tuple(entry.strip() for entry in value.split(",") if entry.strip())


def _check_hosts(entries: tuple[str, ...]) -> tuple[str, ...]:
    entries = tuple(entry.lower() for entry in entries)
    for entry in entries:
        if host_name(entry) != entry:  # host_name drops a port, so one fails here too
            raise ValueError(f"{entry!r} is not a host name (no scheme or port)")
    return entries


def _check_origins(entries: tuple[str, ...]) -> tuple[str, ...]:
    """Exact browser origins, spelled as browsers send `Origin` (lowercase, no default port):
    scheme://host[:port], nothing after it, no wildcard."""
    checked = []
    for entry in entries:
        parts = urlsplit(entry)
        origin = normalize_origin(entry)
        if (
            origin is None
            or parts.scheme.lower() not in ("http", "https")
            or parts.path not in ("", "/")
            or parts.query
            or parts.fragment
            or parts.username is not None
        ):
            raise ValueError(f"{entry!r} is not an origin such as https://mods.example.com")
        checked.append(origin)
    return tuple(checked)


def _parse_networks(value: object) -> object:
    """Comma-separated CIDRs or single addresses (a /32 or /128); host bits are dropped."""
    entries = _split_commas(value)
    if not isinstance(entries, tuple):
        return entries
    try:
        return tuple(ipaddress.ip_network(entry, strict=False) for entry in entries)
    except ValueError as exc:
        raise ValueError(f"expected IP networks such as 10.0.0.0/8 ({exc})") from None


def _check_proxies(entries: tuple[str, ...]) -> tuple[str, ...]:
    """IP addresses or networks, each written as `ipaddress` writes it (what uvicorn's proxy
    middleware compares against: it would take anything else as a literal host name and
    silently trust nobody)."""
    checked = []
    for entry in entries:
        try:
            if "/" in entry:
                checked.append(str(ipaddress.ip_network(entry, strict=False)))
            else:
                checked.append(str(ipaddress.ip_address(entry)))
        except ValueError:
            raise ValueError(f"{entry!r} is not an IP address or CIDR network") from None
    return tuple(checked)


def _url(*schemes: str, strip_slash: bool = False) -> AfterValidator:
    def check(value: str | None) -> str | None:
        if value is None:
            return None
        parts = urlsplit(value)
        if parts.scheme not in schemes:
            raise ValueError(f"expected a URL starting with {' or '.join(schemes)}://")
        if parts.scheme != "sqlite" and not parts.hostname:
            raise ValueError("the URL has no host")
        try:
            parts.port  # noqa: B018 - raises ValueError on a malformed port
        except ValueError:
            raise ValueError("the URL has an invalid port") from None
        return value.rstrip("/") if strip_slash else value

    return AfterValidator(check)


def _check_domain_template(template: str) -> str:
    if "{domain}" not in template or not re.match(r"https?://", template):
        raise ValueError("expected an http(s) URL containing {domain}")
    return template


def _check_categories(value: str | None) -> str | None:
    parse_catalog(value)  # refuses a malformed list at start, with its reason
    return value


def _check_versions(values: tuple[str, ...]) -> tuple[str, ...]:
    for value in values:
        try:
            Version(value)
        except InvalidVersion:
            raise ValueError(f"{value!r} is not a version") from None
    return values


Size = Annotated[int, BeforeValidator(_parse_size), Field(gt=0), PlainSerializer(_format_size)]
Budget = Annotated[
    tuple[int, int],
    BeforeValidator(_parse_budget),
    AfterValidator(_check_budget),
    PlainSerializer(lambda budget: f"{budget[0]}/{budget[1]}"),
]
CommaList = Annotated[tuple[str, ...], BeforeValidator(_split_commas), PlainSerializer(",".join)]
HostList = Annotated[CommaList, AfterValidator(_check_hosts)]
OriginList = Annotated[CommaList, AfterValidator(_check_origins)]
Lowercase = BeforeValidator(lambda value: value.lower() if isinstance(value, str) else value)
ReconcileMode = Annotated[Literal["sampled", "full"], Lowercase]
LogFormat = Annotated[Literal["text", "json"], Lowercase]
ProxyList = Annotated[CommaList, AfterValidator(_check_proxies)]
NetworkList = Annotated[
    tuple[ipaddress.IPv4Network | ipaddress.IPv6Network, ...],
    BeforeValidator(_parse_networks),
    PlainSerializer(lambda networks: ",".join(map(str, networks))),
]

# Fields are filled by environment variable name (loading) or by attribute name
# (`dataclasses.replace`, tests).
_FIELDS_BY_NAME = ConfigDict(validate_by_name=True, validate_by_alias=True)


@pydantic_dataclass(frozen=True, config=_FIELDS_BY_NAME)
class Settings:
    host: str = setting(
        "SERVER_HOST",
        "0.0.0.0",
        "Bind address (ToolBoxV2's server manager sets it).",
        section=Section.SERVER,
    )
    port: int = setting("SERVER_PORT", 4025, "Bind port.", ge=1, le=65535)
    shutdown_grace_seconds: int = setting(
        "SERVER_SHUTDOWN_GRACE",
        30,
        "Seconds `tb-registry serve` lets in-flight requests finish after SIGTERM/SIGINT (new "
        "connections are refused at once); requests still running then are cut off.",
        ge=0,
        le=3600,
    )
    public_base_url: Annotated[str | None, _url("http", "https", strip_slash=True)] = setting(
        "PUBLIC_BASE_URL",
        None,
        "Absolute base URL clients reach the registry at; makes download URLs absolute.",
        example="https://registry.example.com",
    )
    allowed_hosts: HostList = setting(
        "ALLOWED_HOSTS",
        (),
        "Without PUBLIC_BASE_URL: host names (no port) whose Host header "
        "may become an absolute URL; other Hosts get relative redirects, and the feature-loader "
        "JSON (contract 4.11) refuses them once this list is set.",
        example="localhost,127.0.0.1,[::1]",
    )
    cors_allow_origins: OriginList = setting(
        "CORS_ALLOW_ORIGINS",
        (),
        "Comma-separated browser origins (scheme://host[:port], exact) whose pages may call "
        "/graphql and /api/v1 (CORS, never with credentials); empty: none.",
        example="https://mods.example.com",
    )
    debug: bool = setting("DEBUG", False, "More logging (never shows tracebacks to clients).")
    log_format: LogFormat = setting(
        "LOG_FORMAT",
        "text",
        "Log lines on stdout: text, or json (one object per line with ts, level, logger, "
        "message, request_id and the call's extra fields).",
    )
    trusted_proxies: ProxyList = setting(
        "TRUSTED_PROXIES",
        ("127.0.0.1", "::1"),
        "Comma-separated IPs or CIDRs of reverse proxies whose X-Forwarded-For and "
        "X-Forwarded-Proto are believed (rate limits, audit and logs then see the real client); "
        "from any other peer the headers are ignored. Default: loopback only, a proxy on the "
        "same host; a wider list lets those peers claim any client address.",
        example="127.0.0.1,::1,10.0.0.0/8",
    )

    data_dir: Path = setting(
        "DATA_DIR",
        Path("data"),
        "Folder for the embedded database, blobs and upload spool.",
        section=Section.DATA,
    )
    database_url: Annotated[str, _url("sqlite", "postgres", "asyncpg")] = setting(
        "DATABASE_URL",
        None,
        "Tortoise database URL, sqlite://path or postgres://user:pass@"
        "host:5432/db (default: sqlite://<DATA_DIR>/registry.sqlite3).",
        example="postgres://postgres@127.0.0.1:5432/tb_registry",
    )
    redis_url: Annotated[str | None, _url("redis", "rediss")] = setting(
        "REDIS_URL",
        None,
        "Redis for arq jobs, cross-process events and shared rate limits; "
        "unset: jobs run inside the server process.",
        example="redis://127.0.0.1:6379/0",
    )
    queue_name: str = setting(
        "ARQ_QUEUE_NAME",
        "tb-registry",
        "arq queue name (several registries may share one Redis).",
        min_length=1,
    )
    startup_wait_seconds: float = setting(
        "STARTUP_WAIT_SECONDS",
        30.0,
        "Seconds the web process and the worker keep retrying a database or Redis that "
        "refuses connections at start (one log line per attempt) before they give up.",
        ge=0,
        le=3600,
    )
    worker_outage_limit_seconds: float = setting(
        "WORKER_OUTAGE_LIMIT",
        0.0,
        "Seconds `tb-registry worker` keeps reconnecting to a lost Redis before it exits "
        "with an error; 0: it never gives up (it stops only on SIGTERM/SIGINT).",
        ge=0,
        le=30 * 86400,
    )
    worker_shutdown_grace_seconds: float = setting(
        "WORKER_SHUTDOWN_GRACE",
        30.0,
        "Seconds `tb-registry worker` lets its running jobs finish after SIGTERM/SIGINT; "
        "jobs still running then are cut off and queued again.",
        ge=0,
        le=3600,
    )

    # Assembled from the storage variables (`StorageVariables`, `S3Variables`) by
    # `load_settings`; not one variable each, so not in the generated table themselves.
    # None only until __post_init__, which puts the default under DATA_DIR (as database_url).
    primary_storage: SkipValidation[StorageSpec] = Field(default=None, exclude=True)  # type: ignore[assignment]
    mirrors: SkipValidation[tuple[StorageSpec, ...]] = Field(default=(), exclude=True)

    jwt_secret: str | None = setting(
        "CLOUDM_JWT_SECRET",
        None,
        "Shared HS256 secret of CloudM access tokens (ToolBox's "
        "TB_JWT_SECRET); unset: the registry is read-only for anonymous users.",
        section=Section.AUTH,
        example="change-me",
    )
    cloudm_auth_url: Annotated[str | None, _url("http", "https")] = setting(
        "CLOUDM_AUTH_URL",
        None,
        "CloudM base URL (informational; tokens are verified locally).",
        example="https://simplecore.app",
    )
    admin_users: CommaList = setting(
        "ADMIN_USERS",
        (),
        "Comma-separated CloudM user ids that become admins on first sight.",
        example="",
    )
    unlisted_require_auth: bool = setting(
        "UNLISTED_REQUIRE_AUTH",
        False,
        "Require a login to download unlisted packages (the original server's rule).",
    )
    package_cache_ttl_seconds: int = setting(
        "PACKAGE_CACHE_TTL",
        5,
        "Seconds an answer may be served from memory (0: off): an anonymous REST package "
        "detail, package list, search, category page or resolution, and a GraphQL answer for "
        "every caller of the visibility class it was kept for (anonymous callers and signed-in "
        "readers without memberships or admin rights share one). Every committed write drops "
        "them at once, so this only bounds download-counter lag.",
        ge=0,
        le=300,
    )
    max_api_tokens_per_user: int = setting(
        "MAX_API_TOKENS_PER_USER",
        50,
        "Active (unrevoked, unexpired) API tokens one user may hold; creating one more is refused.",
        ge=1,
        le=10_000,
    )

    max_upload_bytes: Size = setting(
        "MAX_UPLOAD_SIZE",
        500 * 1024**2,
        "Largest accepted upload (B, KiB, MiB, GiB).",
        section=Section.UPLOADS,
    )
    normalize_mod_layout: bool = setting(
        "NORMALIZE_MOD_LAYOUT",
        True,
        "Re-root mod ZIPs that carry their manifest at the archive root under <name>/.",
    )
    categories: Annotated[str | None, AfterValidator(_check_categories)] = setting(
        "CATEGORIES",
        None,
        "The curated package categories (a package picks up to 3): a JSON list of "
        '{"slug","title","description"} objects (or of slugs), or comma-separated slug:Title '
        "entries; unset: the built-in ToolBoxV2 list (ui-widgets, themes, productivity, ...).",
        section=Section.PACKAGES,
        example="ui-widgets:UI widgets,themes:Themes,tools:Tools",
    )

    toolbox_releases: Annotated[CommaList, AfterValidator(_check_versions)] = setting(
        "TOOLBOX_RELEASES",
        ("0.1.24", "0.1.25", "0.1.26", "0.1.27", "0.1.28"),
        "ToolBoxV2 releases (comma-separated PEP 440 versions) the listing's `toolbox` facet "
        "counts compatible packages for; filtering by toolbox_version takes any version.",
        section=Section.PACKAGES,
    )
    download_stats_retention_days: int = setting(
        "DOWNLOAD_STATS_RETENTION_DAYS",
        730,
        "Days of per-day download statistics kept (per version and per artifact build); older "
        "days are deleted every hour. Total download counts are kept regardless.",
        ge=1,
        le=36_500,
    )

    graphql_introspection: bool = setting(
        "GRAPHQL_INTROSPECTION",
        True,
        "Answer GraphQL introspection queries.",
        section=Section.GRAPHQL,
    )
    graphql_ide: bool = setting("GRAPHQL_IDE", True, "Serve the GraphiQL IDE at /graphql.")
    graphql_max_depth: int = setting(
        "GRAPHQL_MAX_DEPTH", 12, "Deepest selection a GraphQL operation may have.", ge=2, le=100
    )
    graphql_max_cost: int = setting(
        "GRAPHQL_MAX_COST", 5000, "Highest estimated cost of one GraphQL operation.", ge=10
    )
    graphql_max_execution_seconds: int = setting(
        "GRAPHQL_MAX_EXECUTION_SECONDS",
        10,
        "Seconds one query (HTTP or WebSocket) may run "
        "before it stops with a `timeout` error; mutations are never cut short.",
        ge=1,
        le=3600,
    )
    graphql_get_max_age_seconds: int = setting(
        "GRAPHQL_GET_MAX_AGE",
        10,
        "Seconds a CDN or browser may reuse an anonymous GraphQL query answered over GET "
        "(Cache-Control: public, max-age); 0: no-store.",
        ge=0,
        le=3600,
    )
    ws_max_sockets_per_ip: int = setting(
        "WS_MAX_SOCKETS_PER_IP",
        20,
        "graphql-transport-ws sockets one client IP may hold open "
        "per web process; more are closed with 4429.",
        ge=1,
        le=100_000,
    )
    ws_max_operations_per_socket: int = setting(
        "WS_MAX_OPERATIONS_PER_SOCKET",
        25,
        "Operations in flight per socket; more are refused with an `error` message.",
        ge=1,
        le=1000,
    )
    ws_auth_recheck_seconds: int = setting(
        "WS_AUTH_RECHECK_SECONDS",
        5,
        "Seconds between re-checks of a socket's credential while "
        "subscriptions run (revoked or expired: 4401, lost rights: 4403).",
        ge=1,
        le=300,
    )

    verify_github_base_url: Annotated[str, _url("http", "https", strip_slash=True)] = setting(
        "VERIFY_GITHUB_BASE_URL",
        "https://raw.githubusercontent.com",
        "Where GitHub proofs are fetched from (<base>/<user>/tb-registry-verify/main/VERIFY.txt).",
        section=Section.VERIFICATION,
    )
    verify_domain_url_template: Annotated[str, AfterValidator(_check_domain_template)] = setting(
        "VERIFY_DOMAIN_URL_TEMPLATE",
        "https://{domain}/.well-known/tb-registry-verify",
        "Where domain proofs are fetched from; {domain} is the claimed domain.",
    )
    verify_dns_nameservers: CommaList = setting(
        "VERIFY_DNS_NAMESERVERS",
        (),
        "DNS servers (comma-separated IPs) asked for "
        "`_tb-registry.<domain>` TXT records; empty: the system resolver's.",
    )
    verify_dns_port: int = setting(
        "VERIFY_DNS_PORT", 53, "Port of those DNS servers.", ge=1, le=65535
    )
    verify_timeout_seconds: int = setting(
        "VERIFY_TIMEOUT", 10, "Seconds one proof fetch may take.", ge=1, le=120
    )
    verify_max_response_bytes: int = setting(
        "VERIFY_MAX_RESPONSE_BYTES",
        4096,
        "Most bytes read from a proof response.",
        ge=128,
        le=1024**2,
    )
    verify_challenge_ttl_seconds: int = setting(
        "VERIFY_CHALLENGE_TTL",
        7 * 24 * 3600,
        "Seconds a registry-issued challenge stays valid.",
        ge=60,
    )
    verify_recheck_interval_seconds: int = setting(
        "VERIFY_RECHECK_INTERVAL",
        24 * 3600,
        "Seconds between re-checks of verified automatic proofs (a vanished proof un-verifies).",
        ge=0,
    )

    outbound_allow_hosts: HostList = setting(
        "OUTBOUND_ALLOW_HOSTS",
        (),
        "Host names (comma-separated, no port) that proof fetches and other outbound requests "
        "may reach at any address; every other host must resolve only to public addresses "
        "(no loopback, private, link-local, unique-local or reserved ones).",
        section=Section.OUTBOUND,
        example="git.internal.example",
    )
    outbound_allow_networks: NetworkList = setting(
        "OUTBOUND_ALLOW_NETWORKS",
        (),
        "IP networks (comma-separated CIDRs or addresses) outbound requests may reach although "
        "they are not public, whatever name led there.",
        example="10.20.0.0/16",
    )

    webhook_timeout_seconds: float = setting(
        "WEBHOOK_TIMEOUT",
        10.0,
        "Seconds one webhook delivery attempt may take (connect, send and read the answer); "
        "longer is a failed attempt.",
        section=Section.WEBHOOKS,
        gt=0,
        le=60,
    )
    webhook_response_limit_bytes: Size = setting(
        "WEBHOOK_RESPONSE_LIMIT",
        64 * 1024,
        "Most bytes read of a receiver's answer to a webhook delivery; the rest is dropped "
        "(only the status counts).",
        le=1024**2,
    )
    webhook_max_attempts: int = setting(
        "WEBHOOK_MAX_ATTEMPTS",
        8,
        "Attempts per webhook delivery before it counts as failed (the owner can redeliver).",
        ge=1,
        le=25,
    )
    webhook_retry_base_seconds: float = setting(
        "WEBHOOK_RETRY_BASE",
        60.0,
        "Seconds before a failed webhook delivery's second attempt; each later one waits "
        "twice as long as the one before, up to WEBHOOK_RETRY_MAX.",
        gt=0,
        le=86_400,
    )
    webhook_retry_max_seconds: float = setting(
        "WEBHOOK_RETRY_MAX",
        6 * 3600.0,
        "Longest wait between two attempts of a webhook delivery, in seconds.",
        gt=0,
        le=7 * 86_400,
    )
    webhook_disable_after: int = setting(
        "WEBHOOK_DISABLE_AFTER",
        20,
        "Consecutive failed delivery attempts after which a webhook is disabled; its owners "
        "see why, and enable it again when the receiver is fixed.",
        ge=1,
        le=1000,
    )
    webhook_log_retention_days: int = setting(
        "WEBHOOK_LOG_RETENTION_DAYS",
        30,
        "Days each webhook's delivery log (finished deliveries and their attempts) is kept.",
        ge=1,
        le=3650,
    )

    rate_limit_enabled: bool = setting(
        "RATE_LIMIT_ENABLED",
        True,
        "Limit requests per user (all of a user's tokens share one "
        "budget) or, anonymous, per IP; in Redis when REDIS_URL is set, else in memory.",
        section=Section.RATE_LIMITS,
    )
    rate_limit_read: Budget = setting(
        "RATE_LIMIT_READ",
        (6000, 60),
        "Requests of any kind, as COUNT/SECONDS (window 1..60 s); over it: 429 with Retry-After.",
    )
    rate_limit_search: Budget = setting(
        "RATE_LIMIT_SEARCH",
        (1200, 60),
        "Searches and resolution: REST search, GraphQL "
        "resolve, checkUpdates, checkCompatibility, suggestPackageNames, packages(search:).",
    )
    rate_limit_upload: Budget = setting(
        "RATE_LIMIT_UPLOAD", (300, 60), "Uploads (REST and GraphQL upload mutations)."
    )
    rate_limit_write: Budget = setting(
        "RATE_LIMIT_WRITE",
        (1200, 60),
        "Other changes: REST POST/PUT/PATCH/DELETE, GraphQL mutations, new API tokens.",
    )
    rate_limit_auth_failures: Budget = setting(
        "RATE_LIMIT_AUTH_FAILURES",
        (600, 60),
        "Failed logins (bad or expired tokens) per IP; a burst from one IP never blocks others.",
    )
    rate_limit_key_prefix: str = setting(
        "RATE_LIMIT_KEY_PREFIX",
        "tbr:rl:",
        "Redis key prefix of the limiter's counters.",
        min_length=1,
    )

    reconcile_mode: ReconcileMode = setting(
        "RECONCILE_MODE",
        "sampled",
        "Reconciliation hashes a sample of objects per run (sampled) or every object (full).",
        section=Section.MIRRORS,
    )
    reconcile_sample_size: int = setting(
        "RECONCILE_SAMPLE_SIZE", 25, "Copies per backend hashed on a sampled run.", ge=0, le=100_000
    )
    storage_breaker_cooldown_seconds: float = setting(
        "STORAGE_BREAKER_COOLDOWN",
        5.0,
        "Seconds a storage backend that failed is skipped before it is probed again.",
        ge=0,
        le=600,
    )
    replication_retry_base_seconds: float = setting(
        "REPLICATION_RETRY_BASE",
        10.0,
        "First retry delay in seconds (grows per attempt) of a "
        "replication to a mirror that is down.",
        gt=0,
        le=3600,
    )

    metrics_token: str | None = setting(
        "METRICS_TOKEN",
        None,
        "Bearer token GET /metrics (Prometheus) requires; unset: /metrics answers only "
        "clients on loopback or private addresses.",
        section=Section.METRICS,
        example="a-long-random-token-for-the-scraper",
        min_length=16,
    )
    prometheus_multiproc_dir: Path | None = setting(
        "PROMETHEUS_MULTIPROC_DIR",
        None,
        "Directory shared by all web and worker processes of one host so that /metrics of any "
        "web process reports their sum (wiped by the first process to start); must be in the "
        "processes' environment, not only in .env. Unset: each process reports itself.",
        example="/run/tb-registry/metrics",
    )

    def __post_init__(self) -> None:
        # Defaults that follow DATA_DIR; frozen, so set the way dataclasses' own __init__ does.
        if self.database_url is None:
            object.__setattr__(self, "database_url", f"sqlite://{self.data_dir}/registry.sqlite3")
        if self.primary_storage is None:
            object.__setattr__(
                self,
                "primary_storage",
                StorageSpec(name="primary", kind="local", root=self.data_dir / "blobs"),
            )

    @property
    def spool_dir(self) -> Path:
        return self.data_dir / "spool"

    @property
    def uses_redis(self) -> bool:
        return self.redis_url is not None

    @property
    def is_sqlite(self) -> bool:
        return self.database_url.startswith("sqlite:")


# --- storage: backends are groups of variables under a prefix ----------------------------------

PRIMARY_PREFIX = "MINIO_PRIMARY"
LEGACY_MIRROR_PREFIX = "MINIO_MIRROR"
NAMED_MIRROR_PREFIX = "MIRROR_<NAME>"
_MIRROR_NAME = re.compile(r"[a-z0-9][a-z0-9_-]{0,30}")


def _check_mirror_names(names: tuple[str, ...]) -> tuple[str, ...]:
    for index, name in enumerate(names):
        if not _MIRROR_NAME.fullmatch(name):
            raise ValueError(f"invalid mirror name {name!r}")
        if name in names[:index] or name == "primary":
            raise ValueError(f"duplicate mirror name {name!r}")
    return names


@pydantic_dataclass(frozen=True, config=_FIELDS_BY_NAME)
class StorageVariables:
    """Where blobs go: a local folder or an S3 primary, and any number of mirrors."""

    storage_dir: Path | None = setting(
        "STORAGE_DIR",
        None,
        "Local folder for blobs when no S3 primary is configured (default: <DATA_DIR>/blobs).",
        section=Section.STORAGE,
        example="data/blobs",
    )
    storage_mirrors: Annotated[CommaList, AfterValidator(_check_mirror_names)] = setting(
        "STORAGE_MIRRORS",
        (),
        "Named mirrors in priority order; each is S3 "
        "(MIRROR_<NAME>_ENDPOINT and the other S3 variables) or a folder (MIRROR_<NAME>_PATH). "
        "MINIO_MIRROR_* configures one more, named `mirror`.",
        example="eu,backup",
    )


@pydantic_dataclass(frozen=True, config=_FIELDS_BY_NAME)
class FolderMirrorVariables:
    """A named mirror kept in a local folder instead of S3 (`MIRROR_<NAME>_PATH`)."""

    path: Path = setting(
        "PATH",
        ...,
        "Folder of a mirror kept on local disk instead of S3.",
        example="/srv/registry-backup",
    )


@pydantic_dataclass(frozen=True, config=_FIELDS_BY_NAME)
class S3Variables:
    """One S3 / MinIO backend: the variables after its prefix (`MINIO_PRIMARY_ENDPOINT`...)."""

    endpoint: Annotated[str, AfterValidator(lambda value: _s3_endpoint(value))] = setting(
        "ENDPOINT",
        ...,
        "S3 / MinIO host:port (path-style); setting it enables the backend.",
        example="127.0.0.1:9000",
    )
    access_key: str = setting(
        "ACCESS_KEY", ..., "Access key (required with the endpoint).", example="minioadmin"
    )
    secret_key: str = setting(
        "SECRET_KEY", ..., "Secret key (required with the endpoint).", example="minioadmin"
    )
    bucket: str = setting("BUCKET", "tb-registry", "Bucket name.", min_length=1)
    secure: bool = setting("SECURE", False, "Talk HTTPS to the endpoint.")
    region: str | None = setting(
        "REGION", None, "Region, for S3 services that need one.", example="eu-central-1"
    )

    def spec(self, name: str) -> StorageSpec:
        return StorageSpec(
            name=name,
            kind="s3",
            endpoint=self.endpoint,
            access_key=self.access_key,
            secret_key=self.secret_key,
            bucket=self.bucket,
            secure=self.secure,
            region=self.region,
        )


def _s3_endpoint(value: str) -> str:
    endpoint = re.sub(r"^https?://", "", value).rstrip("/")
    if not re.fullmatch(r"[A-Za-z0-9.\-\[\]:]+(:\d{1,5})?", endpoint):
        raise ValueError("expected host:port")
    return endpoint


# --- loading -------------------------------------------------------------------------------------


class _Environment(BaseSettings):
    """Only the source of raw values: pydantic-settings reads the process environment and the
    `.env` file (comments, quotes, `export`); `Settings` itself checks them."""


def read_environment(env_file: Path | None = None) -> dict[str, str]:
    """The process environment over the `.env` file (default: TB_REGISTRY_ENV_FILE or ./.env)."""
    path = env_file or Path(os.environ.get(ENV_FILE_VARIABLE, ".env"))
    from_file = DotEnvSettingsSource(_Environment, env_file=path, case_sensitive=True).env_vars
    from_process = EnvSettingsSource(_Environment, case_sensitive=True).env_vars
    return {
        name: value for name, value in {**from_file, **from_process}.items() if value is not None
    }


def _declared(cls: type, env: Mapping[str, str], prefix: str = "") -> dict[str, str]:
    """The values `env` holds for `cls`'s variables, by variable name; empty means unset."""
    values = {}
    # A pydantic dataclass's fields; the type checker sees a plain dataclass.
    for info in cls.__pydantic_fields__.values():  # type: ignore[attr-defined]
        if info.alias is None:
            continue
        value = env.get(prefix + info.alias)
        if value is not None and value.strip():
            values[info.alias] = value.strip()
    return values


def _build(cls: type, env: Mapping[str, str], prefix: str = "", **extra: Any) -> Any:
    try:
        return cls(**_declared(cls, env, prefix), **extra)
    except ValidationError as exc:
        raise ConfigError(_describe(exc, prefix)) from None


def _describe(exc: ValidationError, prefix: str) -> str:
    """The first problem as one line: `VARIABLE: what is wrong, got 'value'`."""
    error = exc.errors(include_url=False)[0]
    variable = prefix + ".".join(str(part) for part in error["loc"][:1])
    if error["type"] == "missing":
        return f"{variable}: required when {prefix}ENDPOINT is set"
    message = error["msg"].removeprefix("Value error, ")
    message = message[:1].lower() + message[1:]
    given = error.get("input")
    return f"{variable}: {message}" + (f", got {given!r}" if isinstance(given, str) else "")


def _s3_backend(env: Mapping[str, str], prefix: str, name: str) -> StorageSpec | None:
    if "ENDPOINT" not in _declared(S3Variables, env, f"{prefix}_"):
        return None  # the endpoint switches the backend on
    variables: S3Variables = _build(S3Variables, env, f"{prefix}_")
    return variables.spec(name)


def _storage(env: Mapping[str, str], data_dir: Path) -> dict[str, Any]:
    storage: StorageVariables = _build(StorageVariables, env)
    primary = _s3_backend(env, PRIMARY_PREFIX, "primary") or StorageSpec(
        name="primary", kind="local", root=storage.storage_dir or data_dir / "blobs"
    )
    mirrors = [mirror for mirror in [_s3_backend(env, LEGACY_MIRROR_PREFIX, "mirror")] if mirror]
    for name in storage.storage_mirrors:
        if any(mirror.name == name for mirror in mirrors):  # `mirror`: MINIO_MIRROR_*'s name
            raise ConfigError(f"STORAGE_MIRRORS: duplicate mirror name {name!r}")
        prefix = NAMED_MIRROR_PREFIX.replace("<NAME>", name.upper().replace("-", "_"))
        mirror: StorageSpec | None
        if _declared(FolderMirrorVariables, env, f"{prefix}_"):
            folder: FolderMirrorVariables = _build(FolderMirrorVariables, env, f"{prefix}_")
            mirror = StorageSpec(name=name, kind="local", root=folder.path)
        else:
            mirror = _s3_backend(env, prefix, name)
        if mirror is None:
            raise ConfigError(
                f"STORAGE_MIRRORS: mirror {name!r} needs {prefix}_ENDPOINT (S3) "
                f"or {prefix}_PATH (folder)"
            )
        mirrors.append(mirror)
    return {"primary_storage": primary, "mirrors": tuple(mirrors)}


def load_settings(env: Mapping[str, str] | None = None, env_file: Path | None = None) -> Settings:
    """Settings from `env`, or by default from the process environment over the `.env` file."""
    if env is None:
        env = read_environment(env_file)
    data_dir = Path(_declared(Settings, env).get("DATA_DIR", "data"))
    return _build(Settings, env, **_storage(env, data_dir))
