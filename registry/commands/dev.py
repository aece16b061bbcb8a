"""`tb-registry serve --dev`: try the registry on one machine with nothing configured.

Without `CLOUDM_JWT_SECRET` the registry verifies no token and is read-only, so a newcomer
could not publish anything. `--dev` makes the embedded default writable for its own machine:

- a secret generated once and kept in `<DATA_DIR>/dev-jwt-secret` (mode 0600, reused on the
  next start, so a printed token keeps working across restarts);
- a local admin user (`dev-admin`) who owns a verified publisher (`local-dev`), created or
  repaired at each start through the same domain services an admin would use (audited);
- a token for that user, signed with the dev secret and printed with the UI's address.

Guards, because the token is an admin credential and the secret sits in a plain file:
- it binds 127.0.0.1 (the normal default is 0.0.0.0), and refuses any SERVER_HOST that is not
  a loopback address;
- it refuses to start when CLOUDM_JWT_SECRET is set: a dev secret and a real one are never
  mixed (a real deployment's tokens would otherwise stop working, or a dev token work there).
"""

from __future__ import annotations

import asyncio
import dataclasses
import ipaddress
import os
import secrets
import stat
import time
import uuid
from collections.abc import Mapping
from pathlib import Path

import jwt

from registry.config import ConfigError, Settings

SECRET_FILE_NAME = "dev-jwt-secret"
DEV_USER_ID = "local-dev-admin"
DEV_USERNAME = "dev-admin"
DEV_EMAIL = "dev-admin@example.com"
DEV_PUBLISHER = "local-dev"
DEV_TOKEN_TTL_SECONDS = 30 * 24 * 3600
DEV_HOST = "127.0.0.1"
# 48 random bytes: well above the 32 bytes PyJWT asks of an HS256 key.
SECRET_BYTES = 48
MIN_SECRET_LENGTH = 32


def sign_token(secret: str, user_id: str, username: str, email: str, ttl: int) -> str:
    """A CloudM-style access token (REST_CONTRACT §2.1 claims) signed with `secret`."""
    now = time.time()
    claims = {
        "sub": user_id,
        "user_id": user_id,
        "username": username,
        "email": email,
        "level": 1,
        "provider": "dev",
        "type": "access",
        "jti": uuid.uuid4().hex,
        "iat": now,
        "exp": now + ttl,
    }
    return jwt.encode(claims, secret, algorithm="HS256")


def is_loopback(host: str) -> bool:
    """`localhost` or a loopback IP literal (127.0.0.0/8, ::1). Other names are refused
    rather than resolved: what a name resolves to can change after the check."""
    if host.lower() == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def secret_path(settings: Settings) -> Path:
    return settings.data_dir / SECRET_FILE_NAME


def load_or_create_secret(path: Path) -> str:
    """The dev secret kept in `path`, created (0600, exclusively) when there is none."""
    path.parent.mkdir(parents=True, exist_ok=True)
    try:
        handle = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        return _read_secret(path)
    secret = secrets.token_urlsafe(SECRET_BYTES)
    with os.fdopen(handle, "w", encoding="utf-8") as out:
        out.write(secret + "\n")
    return secret


def _read_secret(path: Path) -> str:
    mode = stat.S_IMODE(path.stat().st_mode)
    if mode & 0o077:
        raise ConfigError(
            f"{path}: other users may read this dev secret (mode {mode:o}); `chmod 600` it, "
            "or delete it to get a new one (tokens signed with the old one stop working)"
        )
    secret = path.read_text(encoding="utf-8").strip()
    if len(secret) < MIN_SECRET_LENGTH:
        raise ConfigError(
            f"{path}: not a dev secret (shorter than {MIN_SECRET_LENGTH} characters); "
            "delete it and start again"
        )
    return secret


def dev_settings(settings: Settings, env: Mapping[str, str]) -> Settings:
    """The settings `serve --dev` runs with, or a ConfigError saying why it will not.
    `env` is the raw environment (process over `.env`): it tells an explicit SERVER_HOST
    from the 0.0.0.0 default."""
    if settings.jwt_secret:
        raise ConfigError(
            "CLOUDM_JWT_SECRET: set, but serve --dev signs tokens with its own local secret "
            "and never mixes it with a real one; unset it for --dev, or run `tb-registry serve`"
        )
    host = (env.get("SERVER_HOST") or "").strip()
    if host and not is_loopback(host):
        raise ConfigError(
            f"SERVER_HOST: {host} is not a loopback address; serve --dev prints an admin "
            "token and only binds 127.0.0.1, ::1 or localhost (unset SERVER_HOST)"
        )
    secret = load_or_create_secret(secret_path(settings))
    return dataclasses.replace(settings, host=host or DEV_HOST, jwt_secret=secret)


async def ensure_dev_admin() -> None:
    """The local admin user and its verified publisher (inside an open database); each step
    is skipped when already done, so every start may run it."""
    from domain.commands import RegisterPublisher
    from domain.enums import PublisherStatus
    from domain.services import publishers
    from domain.services.users import actor_for_user, set_admin

    user = await set_admin(DEV_USER_ID, True, username=DEV_USERNAME)
    actor = await actor_for_user(user)
    publisher = await publishers.publisher_of_user(user.id)
    if publisher is None:
        publisher = await publishers.register_publisher(
            actor,
            RegisterPublisher(
                name=DEV_PUBLISHER, display_name="Local development", email=DEV_EMAIL
            ),
        )
    if publisher.verification_status != PublisherStatus.VERIFIED or not (
        publisher.can_publish_public
    ):
        await publishers.admin_verify(actor, publisher.id, "serve --dev: local development")


def _base_url(settings: Settings) -> str:
    host = f"[{settings.host}]" if ":" in settings.host else settings.host
    return f"http://{host}:{settings.port}"


def banner(settings: Settings, token: str) -> str:
    base = _base_url(settings)
    days = DEV_TOKEN_TTL_SECONDS // 86400
    return "\n".join(
        [
            "",
            "TB Registry development mode (serve --dev): this machine only.",
            f"  UI:       {base}/",
            f"  GraphiQL: {base}/graphql",
            f"  secret:   {secret_path(settings)} (kept for the next start; never use it in "
            "production)",
            f"  admin token for user {DEV_USERNAME} (publisher {DEV_PUBLISHER}, valid {days} "
            "days); paste this line into your shell:",
            "",
            f"export TOKEN={token}",
            "",
        ]
    )


def prepare(settings: Settings, env: Mapping[str, str]) -> Settings:
    """Everything `serve --dev` does before the server starts: check the guards, load or
    create the secret, set up the admin user, print the token. Returns the settings to
    serve with."""
    from registry.commands.offline import with_database

    settings = dev_settings(settings, env)
    asyncio.run(with_database(settings, ensure_dev_admin))
    assert settings.jwt_secret is not None  # dev_settings set it
    token = sign_token(
        settings.jwt_secret, DEV_USER_ID, DEV_USERNAME, DEV_EMAIL, DEV_TOKEN_TTL_SECONDS
    )
    print(banner(settings, token), flush=True)
    return settings
