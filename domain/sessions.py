"""Long-lived sessions (a GraphQL WebSocket): the caller is resolved again while it lasts.

A WebSocket authenticates once but may stay open for hours. Its credential is therefore
resolved again (the same way every HTTP request resolves it) before each operation and while
operations run. A credential that no longer authenticates ends the session. One that still
does, but whose user may now do less than when the running operations started, ends it too:
those operations were authorized with the old rights. Any other change (more rights, a new
username) is simply adopted.
"""

from __future__ import annotations

from domain.actor import Actor


def rights_lost(granted: Actor, current: Actor) -> str | None:
    """Why `current` may do less than `granted` could (None when it may do as much)."""
    if current.user_id != granted.user_id:
        return "The credential no longer stands for the same user"
    if granted.is_admin and not current.is_admin:
        return "Admin rights were revoked"
    if granted.publisher_ids - current.publisher_ids:
        return "A publisher membership ended"
    if current.scopes is not None and (granted.scopes is None
                                       or set(granted.scopes) - set(current.scopes)):
        return "The credential's scopes were narrowed"
    # No globs: every package. Otherwise the globs' union: dropping one narrows it.
    if current.package_globs and (not granted.package_globs
                                  or set(granted.package_globs) - set(current.package_globs)):
        return "The credential's packages were narrowed"
    return None
