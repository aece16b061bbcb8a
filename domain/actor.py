"""Who is calling: the identity every domain service checks rights against."""

from __future__ import annotations

import fnmatch
from dataclasses import dataclass, field

from domain.exceptions import NotAuthenticated, PermissionDenied

# Scopes of API tokens. A CloudM JWT session carries all of them.
SCOPES = ("read-private", "publish-new", "publish-update", "yank", "admin")


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
        return self.is_admin and self.has_scope("admin")

    def has_scope(self, scope: str) -> bool:
        return self.scopes is None or scope in self.scopes

    def may_touch_package(self, name: str) -> bool:
        if not self.package_globs:
            return True
        lowered = name.lower()
        return any(fnmatch.fnmatchcase(lowered, glob.lower()) for glob in self.package_globs)

    def require_user(self) -> str:
        if self.user_id is None:
            raise NotAuthenticated("Not authenticated")
        return self.user_id

    def require_scope(self, scope: str, package: str | None = None) -> None:
        self.require_user()
        if not self.has_scope(scope):
            raise PermissionDenied(f"This token lacks the '{scope}' scope")
        if package is not None and not self.may_touch_package(package):
            raise PermissionDenied(f"This token is not valid for package {package}")

    def require_admin(self) -> None:
        self.require_user()
        if not self.acts_as_admin:
            raise PermissionDenied("Admin privileges required")


ANONYMOUS = Actor()
