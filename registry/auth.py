"""Bearer authentication: CloudM JWTs (REST_CONTRACT §2.1) and registry API tokens.

Public routes treat any token problem as anonymous; authenticated routes answer 401 with
`WWW-Authenticate: Bearer`. The outcome is computed once per request and cached on its state.
"""

from __future__ import annotations

import math
import time
from collections import OrderedDict
from dataclasses import dataclass, replace

import jwt
from starlette.requests import HTTPConnection, Request

from domain.actor import ANONYMOUS, Actor
from domain.exceptions import NotAuthenticated
from domain.services import tokens, users
from schema.core.analysis import BoundedLRU

JWT_LEEWAY_SECONDS = 30
REFUSED = "Invalid or expired token"


class InvalidToken(Exception):
    """The presented bearer token cannot be accepted."""


@dataclass(frozen=True)
class CloudMClaims:
    user_id: str
    username: str
    email: str
    exp: float = 0.0  # the `exp` claim (Unix seconds; accepted up to the leeway after it)


# Tokens verified before, with their claims, until their `exp`: an authenticated client sends
# the same token with every request, and the rate limiter and the route both need its claims.
KNOWN_TOKENS = 4096
_verified: OrderedDict[tuple[str, str], CloudMClaims] = OrderedDict()


def decode_cloudm_jwt(token: str, secret: str) -> CloudMClaims:
    """Verify a CloudM access token exactly as REST_CONTRACT §2.1 prescribes.

    A token that passed is kept (bounded, least recently used first) and answered from
    memory until its `exp`: verification depends only on the token, the secret and the
    clock, and after `exp` it is verified again (so the leeway applies exactly as before)."""
    key = (token, secret)
    known = _verified.get(key)
    if known is not None:
        if time.time() < known.exp:
            _verified.move_to_end(key)
            return known
        del _verified[key]
    claims = _verify_cloudm_jwt(token, secret)
    _verified[key] = claims
    while len(_verified) > KNOWN_TOKENS:
        _verified.popitem(last=False)
    return claims


def _verify_cloudm_jwt(token: str, secret: str) -> CloudMClaims:
    try:
        claims = jwt.decode(
            token,
            secret,
            algorithms=["HS256"],  # pinned: `none` and every other algorithm are refused
            options={"require": ["exp"], "verify_aud": False, "verify_iss": False},
            leeway=JWT_LEEWAY_SECONDS,
        )
    except jwt.PyJWTError as exc:
        raise InvalidToken(str(exc)) from None
    exp = claims.get("exp")
    if isinstance(exp, bool) or not isinstance(exp, int | float) or not math.isfinite(exp):
        raise InvalidToken("exp must be numeric")
    if claims.get("type", "access") != "access":
        raise InvalidToken("only access tokens are accepted")
    user_id = claims.get("user_id") or claims.get("sub")
    username = claims.get("username")
    if not isinstance(user_id, str) or not user_id.strip():
        raise InvalidToken("token has no user id")
    if not isinstance(username, str) or not username.strip():
        raise InvalidToken("token has no username")
    email = claims.get("email")
    return CloudMClaims(user_id, username, email if isinstance(email, str) else "", float(exp))


def parse_bearer(header: str) -> str | None:
    """The token of an `Authorization: Bearer <token>` value (None for any other)."""
    scheme, _, value = header.partition(" ")
    if scheme.lower() != "bearer" or not value.strip():
        return None
    return value.strip()


def bearer_token(request: HTTPConnection) -> str | None:  # HTTP request or WebSocket
    return parse_bearer(request.headers.get("authorization", ""))


# A signed-in caller as the database last answered for its token's claims (user id, name,
# email): admin flag and publishers. Whatever changes them is a committed write, and every
# committed write moves the write generation on (`Runtime.invalidate_reads`: this process's
# writes and, with Redis, every other process's). An entry answers only while the generation
# it was read under is current, so the request after such a write reads the row again, and a
# read that raced a write is never answered from. A write no process announces (the `admin`
# CLI run against a registry without Redis) is bounded by the TTL.
KNOWN_CALLERS = 4096
CALLER_TTL_SECONDS = 2.0


@dataclass(frozen=True)
class _KnownCaller:
    actor: Actor  # without request id and address
    generation: int
    expires: float


_callers: BoundedLRU[tuple[str, str, str], _KnownCaller] = BoundedLRU(KNOWN_CALLERS)


async def _actor_from_claims(
    claims: CloudMClaims,
    *,
    admins: tuple[str, ...],
    request_id: str,
    ip: str,
    generation: int | None,
) -> Actor:
    """`users.actor_from_claims`, answered from `_callers` while `generation` (the write
    generation when the request started; None: never kept) is the one it was read under."""
    key = (claims.user_id, claims.username, claims.email)
    now = time.monotonic()
    known = None if generation is None else _callers.get(key)
    if known is not None and known.generation == generation and now < known.expires:
        return replace(known.actor, request_id=request_id, ip=ip)
    actor = await users.actor_from_claims(
        claims.user_id, claims.username, claims.email, admins=admins
    )
    if generation is not None:
        _callers.put(key, _KnownCaller(actor, generation, now + CALLER_TTL_SECONDS))
    return replace(actor, request_id=request_id, ip=ip)


def forget_callers() -> None:
    """Drop every kept caller (tests that change users behind the registry's back)."""
    _callers.clear()


@dataclass(frozen=True)
class Authentication:
    """The outcome of presenting a bearer token (or none)."""

    actor: Actor
    error: str | None = None  # why a presented token was refused
    expires_at: float | None = None  # a JWT's `exp` (Unix time)


async def authenticate_bearer(
    token: str | None,
    secret: str | None,
    *,
    admins: tuple[str, ...],
    request_id: str = "",
    ip: str = "",
    touch: bool = True,
    generation: int | None = None,
) -> Authentication:
    """Who `token` stands for right now: the one check for every request, and for every
    re-check of a long-lived WebSocket (`touch` False: a re-check is not a use of the token).
    `secret` and `admins` are the CLOUDM_JWT_SECRET and ADMIN_USERS settings; `generation`
    the write generation when the request started (a CloudM user's row may then be answered
    from memory until the next committed write), None to read it every time."""
    anonymous = Actor(request_id=request_id, ip=ip)
    if token is None:
        return Authentication(anonymous)
    if tokens.looks_like_api_token(token):
        actor = await tokens.authenticate(token, request_id=request_id, ip=ip, touch=touch)
        return Authentication(actor) if actor else Authentication(ANONYMOUS, REFUSED)
    if not secret:
        return Authentication(anonymous, REFUSED)
    try:
        claims = decode_cloudm_jwt(token, secret)
    except InvalidToken:
        return Authentication(anonymous, REFUSED)
    actor = await _actor_from_claims(
        claims, admins=admins, request_id=request_id, ip=ip, generation=generation
    )
    return Authentication(actor, expires_at=claims.exp)


async def _authenticate(request: Request) -> tuple[Actor, str | None]:
    """Return the caller and, when a token was presented but refused, why."""
    outcome = await authenticate_bearer(
        bearer_token(request),
        request.app.state.settings.jwt_secret,
        admins=request.app.state.settings.admin_users,
        request_id=getattr(request.state, "request_id", ""),
        ip=request.client.host if request.client else "",
        generation=write_generation(request),
    )
    return outcome.actor, outcome.error


def write_generation(request: HTTPConnection) -> int | None:
    """How many committed writes this process has heard of (the answer caches' generation,
    moved on by `Runtime.invalidate_reads`), or None without a runtime."""
    cache = getattr(getattr(request.app.state, "runtime", None), "package_cache", None)
    generation = getattr(cache, "generation", None)
    return generation if isinstance(generation, int) else None


async def optional_actor(request: Request) -> Actor:
    """The caller on a public route: a missing or bad token is anonymous, never 401."""
    # The request's state dict itself: `request.state.auth` raises and catches an
    # AttributeError on every request's first look (a measurable share of a cached answer).
    state = request.scope.setdefault("state", {})
    cached = state.get("auth")
    if cached is None:
        cached = state["auth"] = await _authenticate(request)
    return cached[0]


async def required_actor(request: Request) -> Actor:
    """The caller on an authenticated route: no token or a bad one raises NotAuthenticated."""
    actor = await optional_actor(request)
    error = request.scope["state"]["auth"][1]
    if error is not None:
        raise NotAuthenticated(error)
    if not actor.is_authenticated:
        raise NotAuthenticated("Not authenticated")
    return actor
