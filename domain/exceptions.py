"""Typed domain errors. Adapters map them: REST to status codes, GraphQL to typed user errors."""

from __future__ import annotations


class DomainError(Exception):
    """An expected failure caused by the caller's input or rights; `message` is user-facing."""

    code = "invalid"

    def __init__(self, message: str, *, field: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.field = field


class InvalidInput(DomainError):
    code = "invalid"


def refused_value(error: Exception) -> InvalidInput:
    """A value the database layer refused (`tortoise.exceptions.ValidationError`: longer than
    its column, ...) as a client error naming the field but not echoing the value."""
    field = str(error).split(":", 1)[0].strip()
    if not field.isidentifier():
        return InvalidInput("A value is too long or malformed")
    return InvalidInput(f"Invalid {field}: too long or malformed", field=field)


class NotAuthenticated(DomainError):
    code = "not_authenticated"


class PermissionDenied(DomainError):
    code = "forbidden"


class NotFound(DomainError):
    code = "not_found"


class Conflict(DomainError):
    code = "conflict"


class TooLarge(DomainError):
    code = "too_large"


class QuotaExceeded(TooLarge):
    code = "quota_exceeded"


class RateLimited(DomainError):
    code = "rate_limited"

    def __init__(self, message: str, *, retry_after: int) -> None:
        super().__init__(message)
        self.retry_after = retry_after
