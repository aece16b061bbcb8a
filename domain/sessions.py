"""Long-lived sessions (a GraphQL WebSocket): the caller is resolved again while it lasts.

A WebSocket authenticates once but may stay open for hours. Its credential is therefore
resolved again (the same way every HTTP request resolves it) before each operation and while
operations run. A credential that no longer authenticates ends the session, and so does a JWT
reaching its `exp`. One that still authenticates, but whose user may now do less than when the
running operations started, ends it too: those operations were authorized with the old rights.
Any other change (more rights, a new username) is simply adopted.
"""

from __future__ import annotations

from domain.actor import Actor

TOKEN_EXPIRED = "Token expired"


def expiry_problem(expires_at: float | None, now: float) -> str | None:
    """Why a session must end now because its credential expired (None while it has not).

    The session ends at the token's own expiry. One HTTP request may still present a JWT up to
    the verification leeway after `exp` (clock skew between CloudM and the registry), but that
    allowance is for checking a token, not for a session to run on past its end."""
    return TOKEN_EXPIRED if expires_at is not None and now >= expires_at else None


def rights_lost(granted: Actor, current: Actor) -> str | None:
    """Why `current` may do less than `granted` could (None when it may do as much)."""
    if current.user_id != granted.user_id:
        return "The credential no longer stands for the same user"
    if granted.is_admin and not current.is_admin:
        return "Admin rights were revoked"
    if granted.publisher_ids - current.publisher_ids:
        return "A publisher membership ended"
    if current.scopes is not None and (
        granted.scopes is None or set(granted.scopes) - set(current.scopes)
    ):
        return "The credential's scopes were narrowed"
    # No globs: every package. Otherwise the globs' union: dropping one narrows it.
    if current.package_globs and (
        not granted.package_globs or set(granted.package_globs) - set(current.package_globs)
    ):
        return "The credential's packages were narrowed"
    return None
