"""Who is calling: the identity every domain service checks rights against."""

from __future__ import annotations

import fnmatch
from dataclasses import dataclass, field

from domain.enums import TokenScope
from domain.exceptions import NotAuthenticated, PermissionDenied

# Scopes of API tokens, in their documented order. A CloudM JWT session carries all of them.
SCOPES = tuple(TokenScope)


@dataclass(frozen=True)
class Actor:
    user_id: str | None = None
    username: str = ""
    is_admin: bool = False
    # None: a full session (CloudM JWT). A tuple: an API token limited to these scopes.
    scopes: tuple[str, ...] | None = None
    package_globs: tuple[str, ...] = ()
    token_id: str | None = None
    request_id: str = ""
    ip: str = ""
    publisher_ids: frozenset[str] = field(default_factory=frozenset)

    @property
    def is_authenticated(self) -> bool:
        return self.user_id is not None

    @property
    def acts_as_admin(self) -> bool:
        """Admin authority over the whole registry (publisher decisions, any publisher's
        members, the quarantine queue, storage status, every audit event): `admin_for(None)`."""
        return self.admin_for(None)

    @property
    def admin_credential(self) -> bool:
        """An admin user's credential carrying the `admin` scope (a CloudM session carries
        every scope), before its package globs are considered: use `admin_for`."""
        return self.is_admin and self.has_scope(TokenScope.ADMIN)

    def admin_for(self, package: str | None) -> bool:
        """The one admin predicate: an admin credential and, for a token limited by package
        globs, only on the packages they match. Registry-wide work (`package` None) is outside
        every glob, so a globbed admin token never does it."""
        return self.admin_credential and self.may_touch_package(package)

    def has_scope(self, scope: TokenScope) -> bool:
        return self.scopes is None or scope in self.scopes

    def may_touch_package(self, name: str | None) -> bool:
        """Whether this credential's package globs (fnmatch, case-insensitive) cover `name`. An
        unrestricted credential covers everything; a globbed token covers only the packages
        its globs match, and nothing that is not about one package (`name` None)."""
        if not self.package_globs:
            return True
        if name is None:
            return False
        lowered = name.lower()
        return any(fnmatch.fnmatchcase(lowered, glob.lower()) for glob in self.package_globs)

    def require_user(self) -> str:
        if self.user_id is None:
            raise NotAuthenticated("Not authenticated")
        return self.user_id

    def require_scope(self, scope: TokenScope, package: str | None = None) -> None:
        self.require_user()
        if not self.has_scope(scope):
            raise PermissionDenied(f"This token lacks the '{scope}' scope")
        if package is not None and not self.may_touch_package(package):
            raise PermissionDenied(f"This token is not valid for package {package}")

    def require_admin(self, package: str | None = None) -> None:
        """`admin_for(package)` or 403; `package` None: registry-wide admin work."""
        self.require_user()
        if self.admin_for(package):
            return
        reason = ""
        if self.is_admin and not self.has_scope(TokenScope.ADMIN):
            reason = " (this token lacks the 'admin' scope)"
        elif self.is_admin and package is None:
            reason = " (this token is limited to its package globs)"
        elif self.is_admin:
            reason = f" (this token is not valid for package {package})"
        raise PermissionDenied("Admin privileges required" + reason)


ANONYMOUS = Actor()
