"""Registry API tokens: `tbr_` + secret + checksum, stored only as a SHA-256 hash.

The checksum (CRC32 of the secret, base62) lets secret scanners recognise a real token without
a database lookup, and lets us reject typos without touching the database.
"""

from __future__ import annotations

import hashlib
import re
import secrets
import string
import zlib
from dataclasses import dataclass
from datetime import UTC, datetime

from tortoise.expressions import Q
from tortoise.queryset import QuerySet

from domain.actor import SCOPES, Actor
from domain.changes import write_transaction
from domain.enums import TokenScope
from domain.exceptions import InvalidInput, NotFound, PermissionDenied
from domain.models import ApiToken, User
from domain.services import audit
from domain.services.users import actor_for_user
from domain.timeparse import parse_timestamp

PREFIX = "tbr_"
_ALPHABET = string.digits + string.ascii_letters
_SECRET_LENGTH = 36
_CHECKSUM_LENGTH = 6
MAX_GLOBS = 20
_GLOB = re.compile(r"[A-Za-z0-9_*?\[\]!-]{1,100}")


def _base62(number: int, width: int) -> str:
    digits = []
    for _ in range(width):
        number, rem = divmod(number, 62)
        digits.append(_ALPHABET[rem])
    return "".join(reversed(digits))


def _checksum(secret: str) -> str:
    return _base62(zlib.crc32(secret.encode()), _CHECKSUM_LENGTH)


def hash_token(plaintext: str) -> str:
    return hashlib.sha256(plaintext.encode()).hexdigest()


def looks_like_api_token(token: str) -> bool:
    return token.startswith(PREFIX)


def well_formed(token: str) -> bool:
    """Prefix, alphabet, length and checksum are right (no database lookup)."""
    body = token[len(PREFIX) :]
    if len(body) != _SECRET_LENGTH + _CHECKSUM_LENGTH or not all(c in _ALPHABET for c in body):
        return False
    return _checksum(body[:_SECRET_LENGTH]) == body[_SECRET_LENGTH:]


def generate_plaintext() -> str:
    secret = "".join(secrets.choice(_ALPHABET) for _ in range(_SECRET_LENGTH))
    return PREFIX + secret + _checksum(secret)


@dataclass(frozen=True)
class CreatedToken:
    token: ApiToken
    plaintext: str  # shown once, never stored


def _validate_scopes(scopes: object) -> list[str]:
    if isinstance(scopes, str):
        scopes = [scopes]
    if not isinstance(scopes, list | tuple) or not all(isinstance(s, str) for s in scopes):
        raise InvalidInput("scopes must be a list of strings", field="scopes")
    if not scopes:
        raise InvalidInput("At least one scope is required", field="scopes")
    unknown = sorted(set(scopes) - set(SCOPES))
    if unknown:
        raise InvalidInput(
            f"Unknown scope(s): {', '.join(unknown)}; valid: {', '.join(SCOPES)}", field="scopes"
        )
    return sorted(set(scopes))


def _validate_globs(globs: object) -> list[str]:
    """Package name globs (fnmatch, case-insensitive); none means every package."""
    if globs is None:
        return []
    if isinstance(globs, str):
        globs = [globs]
    if not isinstance(globs, list | tuple) or not all(isinstance(g, str) for g in globs):
        raise InvalidInput("package_globs must be a list of strings", field="package_globs")
    cleaned = list(dict.fromkeys(g.strip() for g in globs if g.strip()))
    if len(cleaned) > MAX_GLOBS:
        raise InvalidInput(f"At most {MAX_GLOBS} package globs", field="package_globs")
    bad = [g for g in cleaned if not _GLOB.fullmatch(g)]
    if bad:
        raise InvalidInput(
            f"Invalid package glob(s): {', '.join(bad)}; use package-name characters and * ? [ ]",
            field="package_globs",
        )
    return cleaned


def active_tokens(user_id: str, now: datetime | None = None) -> QuerySet[ApiToken]:
    """The user's tokens that still authenticate: not revoked and not expired."""
    moment = now or datetime.now(UTC)
    return ApiToken.filter(
        Q(expires_at=None) | Q(expires_at__gt=moment), user_id=user_id, revoked_at=None
    )


async def create_token(
    actor: Actor,
    name: object,
    scopes: object,
    *,
    package_globs: object = None,
    expires_at: datetime | str | None = None,
    max_active: int | None = None,
) -> CreatedToken:
    """Mint a token. A user holds at most `max_active` active tokens (the API passes the
    operator's MAX_API_TOKENS_PER_USER, from `Policy`; None: no cap): one more is refused
    until one is revoked or expires."""
    user_id = actor.require_user()
    if actor.scopes is not None:
        # A token may not mint a token with more power than itself.
        raise PermissionDenied("API tokens cannot create other tokens; use a CloudM session")
    if not isinstance(name, str) or not name.strip() or len(name.strip()) > 100:
        raise InvalidInput("Token name must be 1-100 characters", field="name")
    checked = _validate_scopes(scopes)
    if TokenScope.ADMIN in checked and not actor.is_admin:
        raise PermissionDenied("Only admins can create tokens with the admin scope")
    globs = _validate_globs(package_globs)
    expiry = parse_timestamp(expires_at, "expires_at")
    if expiry is not None and expiry <= datetime.now(UTC):
        raise InvalidInput("expires_at must be in the future", field="expires_at")
    plaintext = generate_plaintext()
    async with write_transaction() as conn:
        # Concurrent creations for one user queue on the user's row (PostgreSQL; SQLite runs
        # one write transaction at a time), so each count sees the tokens created before it.
        await User.select_for_update(no_key=True).using_db(conn).get_or_none(id=user_id)
        if (
            max_active is not None
            and await active_tokens(user_id).using_db(conn).count() >= max_active
        ):
            raise InvalidInput(
                f"You already have {max_active} active API tokens, the most "
                "allowed; revoke one you no longer use first"
            )
        token = await ApiToken.create(
            user_id=user_id,
            name=name.strip(),
            token_hash=hash_token(plaintext),
            scopes=checked,
            package_globs=globs,
            expires_at=expiry,
            using_db=conn,
        )
        await audit.record(
            actor,
            "token.create",
            target_type="token",
            target_id=token.id,
            details={
                "name": token.name,
                "scopes": checked,
                "globs": globs,
                "expires_at": expiry.isoformat() if expiry else None,
            },
            using_db=conn,
        )
    return CreatedToken(token, plaintext)


async def list_tokens(actor: Actor) -> list[ApiToken]:
    user_id = actor.require_user()
    return await ApiToken.filter(user_id=user_id, revoked_at=None).order_by("-created_at")


async def revoke_token(actor: Actor, token_id: str) -> ApiToken:
    """Sessions revoke their user's tokens (admins anyone's); an API token may revoke only
    itself, so a leaked token cannot lock its owner out of their other tokens."""
    user_id = actor.require_user()
    token = await ApiToken.get_or_none(id=token_id) if isinstance(token_id, str) else None
    if token is None or (token.user_id != user_id and not actor.acts_as_admin):
        raise NotFound(f"Token not found: {token_id}")
    if actor.scopes is not None and actor.token_id != token.id and not actor.acts_as_admin:
        raise PermissionDenied("An API token can only revoke itself; use a CloudM session")
    if token.revoked_at is None:
        async with write_transaction() as conn:
            token.revoked_at = datetime.now(UTC)
            await token.save(update_fields=["revoked_at"], using_db=conn)
            await audit.record(
                actor, "token.revoke", target_type="token", target_id=token.id, using_db=conn
            )
    return token


async def authenticate(
    plaintext: str, *, request_id: str = "", ip: str = "", touch: bool = True
) -> Actor | None:
    """The actor a token stands for, or None when it is malformed, unknown, revoked or expired.
    `touch` records the use (`last_used_at`); re-checks of an open WebSocket do not."""
    if not well_formed(plaintext):
        return None
    token = await ApiToken.get_or_none(token_hash=hash_token(plaintext), revoked_at=None)
    now = datetime.now(UTC)
    if token is None or (token.expires_at is not None and token.expires_at <= now):
        return None
    if touch:
        await ApiToken.filter(id=token.id).update(last_used_at=now)
    user = await User.get(id=token.user_id)
    return await actor_for_user(
        user,
        request_id=request_id,
        ip=ip,
        scopes=tuple(token.scopes),
        package_globs=tuple(token.package_globs),
        token_id=token.id,
    )
