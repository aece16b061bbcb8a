"""Permission classes for fields. They are a first gate with a clear error; the domain service
behind each field checks the same right again, so no rule lives only here."""

from __future__ import annotations

from typing import Any

from strawberry.permission import BasePermission

from schema.core.context import Info


class IsAuthenticated(BasePermission):
    message = "Not authenticated"
    error_extensions = {"code": "not_authenticated"}

    def has_permission(self, source: Any, info: Info, **kwargs: Any) -> bool:
        return info.context.actor.is_authenticated


class IsAdmin(BasePermission):
    message = "Admin privileges required"
    error_extensions = {"code": "forbidden"}

    def has_permission(self, source: Any, info: Info, **kwargs: Any) -> bool:
        # Permission instances are shared by all requests: the message cannot depend on the
        # caller, so anonymous callers get the same refusal as non-admins.
        return info.context.actor.acts_as_admin
