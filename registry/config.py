"""Settings from environment variables and an optional `.env` file.

Every variable is listed, with its meaning, in `.env.example`. A bad value raises `ConfigError`
naming the variable, so the CLI can print one readable line instead of a traceback.
"""

from __future__ import annotations

import os
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

from domain.services.urls import host_name
from storage.factory import StorageSpec

_TRUE = {"1", "true", "yes", "on"}
_FALSE = {"0", "false", "no", "off", ""}
_SIZE_UNITS = {"": 1, "b": 1, "k": 1024, "kb": 1024, "kib": 1024, "m": 1024**2, "mb": 1024**2,
               "mib": 1024**2, "g": 1024**3, "gb": 1024**3, "gib": 1024**3}


class ConfigError(ValueError):
    """A configuration value is missing or malformed; the message names the variable."""


@dataclass(frozen=True)
class Settings:
    host: str = "0.0.0.0"
    port: int = 4025
    debug: bool = False
    data_dir: Path = Path("data")
    database_url: str = "sqlite://data/registry.sqlite3"
    redis_url: str | None = None
    queue_name: str = "tb-registry"
    primary_storage: StorageSpec = field(
        default_factory=lambda: StorageSpec(name="primary", kind="local", root=Path("data/blobs"))
    )
    mirrors: tuple[StorageSpec, ...] = ()
    jwt_secret: str | None = None
    cloudm_auth_url: str | None = None
    public_base_url: str | None = None
    # Hosts whose Host header may become an absolute URL when PUBLIC_BASE_URL is unset.
    allowed_hosts: tuple[str, ...] = ()
    max_upload_bytes: int = 500 * 1024**2
    unlisted_require_auth: bool = False
    # Seconds an anonymous package detail may be answered from memory (0: never); every
    # committed write drops the cache at once, so this only bounds download-counter lag.
    package_cache_ttl_seconds: int = 5
    normalize_mod_layout: bool = True
    admin_users: tuple[str, ...] = ()
    graphql_introspection: bool = True
    graphql_ide: bool = True
    graphql_max_depth: int = 12
    graphql_max_cost: int = 5000
    # Wall time one query may run (HTTP or WebSocket); mutations are not cut short.
    graphql_max_execution_seconds: int = 10
    # graphql-transport-ws: open sockets per client IP (per web process), operations in
    # flight per socket, and how often a running subscription re-checks its credential.
    ws_max_sockets_per_ip: int = 20
    ws_max_operations_per_socket: int = 25
    ws_auth_recheck_seconds: int = 5
    verify_github_base_url: str = "https://raw.githubusercontent.com"
    verify_domain_url_template: str = "https://{domain}/.well-known/tb-registry-verify"
    verify_dns_nameservers: tuple[str, ...] = ()  # empty: the system resolver
    verify_dns_port: int = 53
    verify_timeout_seconds: int = 10
    verify_max_response_bytes: int = 4096
    verify_challenge_ttl_seconds: int = 7 * 24 * 3600
    verify_recheck_interval_seconds: int = 24 * 3600
    # Rate limits: (requests, window seconds) per user and per IP; see registry/ratelimit.
    rate_limit_enabled: bool = True
    rate_limit_read: tuple[int, int] = (6000, 60)
    rate_limit_search: tuple[int, int] = (1200, 60)
    rate_limit_upload: tuple[int, int] = (300, 60)
    rate_limit_write: tuple[int, int] = (1200, 60)
    rate_limit_auth_failures: tuple[int, int] = (600, 60)
    rate_limit_key_prefix: str = "tbr:rl:"
    # Active (unrevoked, unexpired) API tokens one user may hold at once.
    max_api_tokens_per_user: int = 50
    # Mirrors: reconciliation depth, download failover breaker, replication retry backoff.
    reconcile_mode: str = "sampled"  # "sampled" | "full"
    reconcile_sample_size: int = 25
    storage_breaker_cooldown_seconds: float = 5.0
    replication_retry_base_seconds: float = 10.0

    @property
    def spool_dir(self) -> Path:
        return self.data_dir / "spool"

    @property
    def uses_redis(self) -> bool:
        return self.redis_url is not None

    @property
    def is_sqlite(self) -> bool:
        return self.database_url.startswith("sqlite:")


def read_env_file(path: Path) -> dict[str, str]:
    """Parse a minimal `.env` file: KEY=VALUE lines, `#` comments, optional quotes."""
    values: dict[str, str] = {}
    if not path.is_file():
        return values
    for number, raw in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        if line.startswith("export "):
            line = line[len("export ") :].lstrip()
        key, sep, value = line.partition("=")
        if not sep or not re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]*", key.strip()):
            raise ConfigError(f"{path}:{number}: expected KEY=VALUE, got {raw!r}")
        value = value.strip()
        if len(value) >= 2 and value[0] == value[-1] and value[0] in "\"'":
            value = value[1:-1]
        values[key.strip()] = value
    return values


class _Reader:
    """Typed access to one environment mapping; every error names its variable."""

    def __init__(self, env: Mapping[str, str]) -> None:
        self.env = env

    def hosts(self, name: str, default: tuple[str, ...]) -> tuple[str, ...]:
        """A comma-separated list of host names or bracketed IPv6 addresses, without ports."""
        raw = self.text(name)
        if raw is None:
            return default
        entries = tuple(entry.strip().lower() for entry in raw.split(",") if entry.strip())
        for entry in entries:
            if host_name(entry) != entry:  # host_name drops a port, so one fails here too
                raise ConfigError(f"{name}: {entry!r} is not a host name (no scheme or port)")
        return entries

    def text(self, name: str, default: str | None = None) -> str | None:
        value = self.env.get(name)
        if value is None or value.strip() == "":
            return default
        return value.strip()

    def flag(self, name: str, default: bool) -> bool:
        value = self.env.get(name)
        if value is None:
            return default
        lowered = value.strip().lower()
        if lowered in _TRUE:
            return True
        if lowered in _FALSE:
            return False
        raise ConfigError(f"{name}: expected true/false, got {value!r}")

    def integer(self, name: str, default: int, *, minimum: int = 0, maximum: int | None = None
                ) -> int:
        value = self.text(name)
        if value is None:
            return default
        try:
            number = int(value)
        except ValueError:
            raise ConfigError(f"{name}: expected a whole number, got {value!r}") from None
        if number < minimum or (maximum is not None and number > maximum):
            bound = f"{minimum}..{maximum}" if maximum is not None else f">= {minimum}"
            raise ConfigError(f"{name}: {number} is out of range ({bound})")
        return number

    def size(self, name: str, default: int) -> int:
        value = self.text(name)
        if value is None:
            return default
        match = re.fullmatch(r"(\d+)\s*([A-Za-z]*)", value)
        if not match or match.group(2).lower() not in _SIZE_UNITS:
            raise ConfigError(f"{name}: expected a size such as 500MiB, got {value!r}")
        number = int(match.group(1)) * _SIZE_UNITS[match.group(2).lower()]
        if number <= 0:
            raise ConfigError(f"{name}: must be positive")
        return number

    def budget(self, name: str, default: tuple[int, int]) -> tuple[int, int]:
        """`COUNT/SECONDS`, e.g. `600/60`; windows stay within 60 s so Retry-After does too."""
        value = self.text(name)
        if value is None:
            return default
        match = re.fullmatch(r"(\d+)\s*/\s*(\d+)\s*s?", value)
        if not match:
            raise ConfigError(f"{name}: expected COUNT/SECONDS such as 600/60, got {value!r}")
        count, window = int(match.group(1)), int(match.group(2))
        if count < 1 or not 1 <= window <= 60:
            raise ConfigError(f"{name}: need a count >= 1 and a window of 1..60 seconds")
        return count, window

    def url(self, name: str, schemes: tuple[str, ...], default: str | None = None) -> str | None:
        value = self.text(name, default)
        if value is None:
            return None
        parts = urlsplit(value)
        if parts.scheme not in schemes:
            raise ConfigError(f"{name}: expected a URL starting with {' or '.join(schemes)}:// "
                              f"got {value!r}")
        if parts.scheme not in ("sqlite",) and not parts.hostname:
            raise ConfigError(f"{name}: URL {value!r} has no host")
        try:
            parts.port  # noqa: B018 - raises ValueError on a malformed port
        except ValueError:
            raise ConfigError(f"{name}: URL {value!r} has an invalid port") from None
        return value

    def s3_spec(self, prefix: str, name: str, required: bool) -> StorageSpec | None:
        endpoint = self.text(f"{prefix}_ENDPOINT")
        if endpoint is None:
            if required:
                raise ConfigError(f"{prefix}_ENDPOINT: required")
            return None
        endpoint = re.sub(r"^https?://", "", endpoint).rstrip("/")
        if not re.fullmatch(r"[A-Za-z0-9.\-\[\]:]+(:\d{1,5})?", endpoint):
            raise ConfigError(f"{prefix}_ENDPOINT: expected host:port, got {endpoint!r}")
        keys = {}
        for part in ("ACCESS_KEY", "SECRET_KEY"):
            keys[part] = self.text(f"{prefix}_{part}")
            if keys[part] is None:
                raise ConfigError(f"{prefix}_{part}: required when {prefix}_ENDPOINT is set")
        return StorageSpec(
            name=name,
            kind="s3",
            endpoint=endpoint,
            access_key=keys["ACCESS_KEY"],
            secret_key=keys["SECRET_KEY"],
            bucket=self.text(f"{prefix}_BUCKET", "tb-registry") or "tb-registry",
            secure=self.flag(f"{prefix}_SECURE", False),
            region=self.text(f"{prefix}_REGION"),
        )

    def mirror_spec(self, mirror_name: str) -> StorageSpec:
        prefix = f"MIRROR_{mirror_name.upper().replace('-', '_')}"
        path = self.text(f"{prefix}_PATH")
        if path is not None:
            return StorageSpec(name=mirror_name, kind="local", root=Path(path))
        spec = self.s3_spec(prefix, mirror_name, required=False)
        if spec is None:
            raise ConfigError(f"STORAGE_MIRRORS: mirror {mirror_name!r} needs {prefix}_ENDPOINT "
                              f"(S3) or {prefix}_PATH (folder)")
        return spec


def load_settings(env: Mapping[str, str] | None = None, env_file: Path | None = None) -> Settings:
    """Build Settings from `env` (default: os.environ) over the optional `.env` file."""
    if env is None:
        env_path = env_file or Path(os.environ.get("TB_REGISTRY_ENV_FILE", ".env"))
        file_values = read_env_file(env_path)
        env = {**file_values, **os.environ}
    read = _Reader(env)

    data_dir = Path(read.text("DATA_DIR", "data") or "data")
    database_url = read.url(
        "DATABASE_URL", ("sqlite", "postgres", "asyncpg"), f"sqlite://{data_dir}/registry.sqlite3"
    )
    assert database_url is not None
    primary = read.s3_spec("MINIO_PRIMARY", "primary", required=False) or StorageSpec(
        name="primary", kind="local", root=Path(read.text("STORAGE_DIR") or data_dir / "blobs")
    )
    mirrors: list[StorageSpec] = []
    legacy = read.s3_spec("MINIO_MIRROR", "mirror", required=False)
    if legacy is not None:
        mirrors.append(legacy)
    for mirror_name in filter(None, (n.strip() for n in (read.text("STORAGE_MIRRORS", "") or "")
                                     .split(","))):
        if not re.fullmatch(r"[a-z0-9][a-z0-9_-]{0,30}", mirror_name):
            raise ConfigError(f"STORAGE_MIRRORS: invalid mirror name {mirror_name!r}")
        if any(m.name == mirror_name for m in mirrors) or mirror_name == "primary":
            raise ConfigError(f"STORAGE_MIRRORS: duplicate mirror name {mirror_name!r}")
        mirrors.append(read.mirror_spec(mirror_name))

    reconcile_mode = (read.text("RECONCILE_MODE", "sampled") or "sampled").lower()
    if reconcile_mode not in ("sampled", "full"):
        raise ConfigError(f"RECONCILE_MODE: expected sampled or full, got {reconcile_mode!r}")
    public_base_url = read.url("PUBLIC_BASE_URL", ("http", "https"))
    allowed_hosts = read.hosts("ALLOWED_HOSTS", ())
    domain_template = read.text("VERIFY_DOMAIN_URL_TEMPLATE",
                                Settings.verify_domain_url_template) or ""
    if "{domain}" not in domain_template or not re.match(r"https?://", domain_template):
        raise ConfigError("VERIFY_DOMAIN_URL_TEMPLATE: expected an http(s) URL containing "
                          f"{{domain}}, got {domain_template!r}")
    nameservers = tuple(n.strip() for n in (read.text("VERIFY_DNS_NAMESERVERS", "") or "")
                        .split(",") if n.strip())
    admin_users = tuple(u.strip() for u in (read.text("ADMIN_USERS", "") or "").split(",")
                        if u.strip())
    return Settings(
        host=read.text("SERVER_HOST", "0.0.0.0") or "0.0.0.0",
        port=read.integer("SERVER_PORT", 4025, minimum=1, maximum=65535),
        debug=read.flag("DEBUG", False),
        data_dir=data_dir,
        database_url=database_url,
        redis_url=read.url("REDIS_URL", ("redis", "rediss")),
        queue_name=read.text("ARQ_QUEUE_NAME", "tb-registry") or "tb-registry",
        primary_storage=primary,
        mirrors=tuple(mirrors),
        jwt_secret=read.text("CLOUDM_JWT_SECRET"),
        cloudm_auth_url=read.url("CLOUDM_AUTH_URL", ("http", "https")),
        public_base_url=public_base_url.rstrip("/") if public_base_url else None,
        allowed_hosts=allowed_hosts,
        max_upload_bytes=read.size("MAX_UPLOAD_SIZE", 500 * 1024**2),
        unlisted_require_auth=read.flag("UNLISTED_REQUIRE_AUTH", False),
        package_cache_ttl_seconds=read.integer("PACKAGE_CACHE_TTL", 5, minimum=0, maximum=300),
        normalize_mod_layout=read.flag("NORMALIZE_MOD_LAYOUT", True),
        admin_users=admin_users,
        graphql_introspection=read.flag("GRAPHQL_INTROSPECTION", True),
        graphql_ide=read.flag("GRAPHQL_IDE", True),
        graphql_max_depth=read.integer("GRAPHQL_MAX_DEPTH", 12, minimum=2, maximum=100),
        graphql_max_cost=read.integer("GRAPHQL_MAX_COST", 5000, minimum=10),
        graphql_max_execution_seconds=read.integer("GRAPHQL_MAX_EXECUTION_SECONDS", 10,
                                                   minimum=1, maximum=3600),
        ws_max_sockets_per_ip=read.integer("WS_MAX_SOCKETS_PER_IP", 20, minimum=1,
                                           maximum=100_000),
        ws_max_operations_per_socket=read.integer("WS_MAX_OPERATIONS_PER_SOCKET", 25,
                                                  minimum=1, maximum=1000),
        ws_auth_recheck_seconds=read.integer("WS_AUTH_RECHECK_SECONDS", 5, minimum=1,
                                             maximum=300),
        verify_github_base_url=(read.url("VERIFY_GITHUB_BASE_URL", ("http", "https"))
                                or "https://raw.githubusercontent.com").rstrip("/"),
        verify_domain_url_template=domain_template,
        verify_dns_nameservers=nameservers,
        verify_dns_port=read.integer("VERIFY_DNS_PORT", 53, minimum=1, maximum=65535),
        verify_timeout_seconds=read.integer("VERIFY_TIMEOUT", 10, minimum=1, maximum=120),
        verify_max_response_bytes=read.integer("VERIFY_MAX_RESPONSE_BYTES", 4096, minimum=128,
                                               maximum=1024**2),
        verify_challenge_ttl_seconds=read.integer("VERIFY_CHALLENGE_TTL", 7 * 24 * 3600,
                                                  minimum=60),
        verify_recheck_interval_seconds=read.integer("VERIFY_RECHECK_INTERVAL", 24 * 3600,
                                                     minimum=0),
        rate_limit_enabled=read.flag("RATE_LIMIT_ENABLED", True),
        rate_limit_read=read.budget("RATE_LIMIT_READ", Settings.rate_limit_read),
        rate_limit_search=read.budget("RATE_LIMIT_SEARCH", Settings.rate_limit_search),
        rate_limit_upload=read.budget("RATE_LIMIT_UPLOAD", Settings.rate_limit_upload),
        rate_limit_write=read.budget("RATE_LIMIT_WRITE", Settings.rate_limit_write),
        rate_limit_auth_failures=read.budget("RATE_LIMIT_AUTH_FAILURES",
                                             Settings.rate_limit_auth_failures),
        rate_limit_key_prefix=read.text("RATE_LIMIT_KEY_PREFIX", "tbr:rl:") or "tbr:rl:",
        max_api_tokens_per_user=read.integer("MAX_API_TOKENS_PER_USER", 50, minimum=1,
                                             maximum=10_000),
        reconcile_mode=reconcile_mode,
        reconcile_sample_size=read.integer("RECONCILE_SAMPLE_SIZE", 25, minimum=0,
                                           maximum=100_000),
        storage_breaker_cooldown_seconds=float(read.integer("STORAGE_BREAKER_COOLDOWN", 5,
                                                            minimum=0, maximum=600)),
        replication_retry_base_seconds=float(read.integer("REPLICATION_RETRY_BASE", 10,
                                                          minimum=1, maximum=3600)),
    )
