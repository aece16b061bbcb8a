"""Errors: typed user errors in mutation payloads, and masking of everything unexpected.

Expected failures are `domain.exceptions.DomainError`s. In a mutation they become
`errors: [UserError]` in the payload; in a query they become a GraphQL error whose
`extensions.code` names the kind. Any other exception is a bug or an outage: the client gets a
generic message with the request id, and the log gets the traceback under the same id.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable, Iterator
from enum import Enum
from functools import wraps
from typing import Any, ParamSpec, TypeVar

import strawberry
from graphql import GraphQLError
from strawberry.extensions import SchemaExtension
from strawberry.utils.str_converters import to_camel_case
from tortoise.exceptions import ValidationError

from domain.exceptions import DomainError, RateLimited, refused_value
from domain.outages import RETRY_AFTER_SECONDS, unavailable_backend, unavailable_message

log = logging.getLogger("registry.graphql")

# `extensions.code` of an error caused by an unreachable database or Redis (issue #17): the
# client retries after `extensions.retryAfter` seconds, as the REST 503's Retry-After says.
# Spelled as issue #17 names it (other codes here are lower case; this one is what clients of
# the outage contract match on).
SERVICE_UNAVAILABLE = "SERVICE_UNAVAILABLE"

P = ParamSpec("P")
T = TypeVar("T")


@strawberry.enum(description="Why an operation was refused.")
class ErrorCode(Enum):
    INVALID = strawberry.enum_value("invalid", description="The input is not acceptable.")
    NOT_AUTHENTICATED = strawberry.enum_value(
        "not_authenticated", description="No valid token was presented."
    )
    FORBIDDEN = strawberry.enum_value(
        "forbidden", description="The caller lacks the right or token scope."
    )
    NOT_FOUND = strawberry.enum_value(
        "not_found", description="The object does not exist or is not visible to the caller."
    )
    CONFLICT = strawberry.enum_value(
        "conflict", description="The object already exists or changed concurrently."
    )
    TOO_LARGE = strawberry.enum_value("too_large", description="An upload exceeds a size limit.")
    QUOTA_EXCEEDED = strawberry.enum_value(
        "quota_exceeded", description="The publisher's storage quota would be exceeded."
    )
    RATE_LIMITED = strawberry.enum_value(
        "rate_limited", description="Too many requests; retry after `retryAfter` seconds."
    )


@strawberry.type(description="An expected failure of a mutation, addressed to the user.")
class UserError:
    field: str | None = strawberry.field(
        description="The input field the error is about (camelCase), or null for the whole input."
    )
    code: ErrorCode = strawberry.field(description="Machine-readable kind of the failure.")
    message: str = strawberry.field(description="Human-readable explanation.")
    retry_after: int | None = strawberry.field(
        default=None, description="Seconds to wait before retrying (rate limits only)."
    )


def _code_of(error: DomainError) -> ErrorCode:
    try:
        return ErrorCode(error.code)
    except ValueError:
        return ErrorCode.INVALID


def user_error(error: DomainError) -> UserError:
    return UserError(
        field=to_camel_case(error.field) if error.field else None,
        code=_code_of(error),
        message=error.message,
        retry_after=error.retry_after if isinstance(error, RateLimited) else None,
    )


def returns_user_errors(
    payload: Callable[..., T],
) -> Callable[[Callable[P, Awaitable[T | None]]], Callable[P, Awaitable[T | None]]]:
    """Decorate a mutation resolver: a DomainError becomes `payload(errors=[UserError])`.
    (The payload fields are nullable in the schema, so a resolver may declare `T | None`.)"""

    def decorate(resolver: Callable[P, Awaitable[T | None]]) -> Callable[P, Awaitable[T | None]]:
        @wraps(resolver)
        async def run(*args: P.args, **kwargs: P.kwargs) -> T | None:
            try:
                return await resolver(*args, **kwargs)
            except DomainError as error:
                return payload(errors=[user_error(error)])
            except ValidationError as error:  # a value the ORM refused: still the input
                return payload(errors=[user_error(refused_value(error))])

        return run

    return decorate


def _expected(error: GraphQLError) -> DomainError | None:
    """The domain error behind a GraphQL error, counting a value the ORM refused (one no
    service checked first) as the caller's invalid input."""
    original = error.original_error
    if isinstance(original, ValidationError):
        return refused_value(original)
    return original if isinstance(original, DomainError) else None


def _outage(error: GraphQLError) -> str | None:
    """The backend an error's exception says is unreachable (domain/outages.py), if any."""
    original = error.original_error
    if original is None or isinstance(original, GraphQLError | DomainError):
        return None
    return unavailable_backend(original)


def is_unexpected(error: GraphQLError) -> bool:
    """True for exceptions that are neither GraphQL errors, expected domain errors nor
    outages."""
    original = error.original_error
    return (
        original is not None
        and not isinstance(original, GraphQLError)
        and _expected(error) is None
        and _outage(error) is None
    )


def internal_error_message(request_id: str) -> str:
    return f"Internal server error (request id {request_id or '-'})"


def request_id_of(execution_context: Any) -> str:
    context = getattr(execution_context, "context", None)
    return getattr(context, "request_id", "") or ""


def log_unexpected(errors: list[GraphQLError], execution_context: Any) -> None:
    request_id = request_id_of(execution_context)
    for error in errors:
        backend = _outage(error)
        if backend is not None:  # an outage is one line, not a traceback per field
            log.warning(
                "%s unavailable in GraphQL field %s (request %s): %s",
                backend,
                ".".join(str(p) for p in (error.path or [])) or "-",
                request_id or "-",
                error.original_error,
            )
        elif is_unexpected(error):
            original = error.original_error
            assert original is not None
            log.error(
                "unhandled error in GraphQL field %s (request %s)",
                ".".join(str(p) for p in (error.path or [])) or "-",
                request_id or "-",
                exc_info=(type(original), original, original.__traceback__),
            )


def _public_error(error: GraphQLError, request_id: str) -> GraphQLError:
    original = _expected(error)
    if original is not None:
        extensions: dict[str, Any] = {"code": original.code}
        if original.field:
            extensions["field"] = to_camel_case(original.field)
        if isinstance(original, RateLimited):
            extensions["retryAfter"] = original.retry_after
        return GraphQLError(
            original.message,
            error.nodes,
            error.source,
            error.positions,
            error.path,
            None,
            extensions,
        )
    backend = _outage(error)
    if backend is not None:
        return GraphQLError(
            unavailable_message(backend),
            error.nodes,
            error.source,
            error.positions,
            error.path,
            None,
            {"code": SERVICE_UNAVAILABLE, "retryAfter": RETRY_AFTER_SECONDS},
        )
    if is_unexpected(error):
        return GraphQLError(
            internal_error_message(request_id),
            error.nodes,
            error.source,
            error.positions,
            error.path,
            None,
            {"code": "internal_error", "requestId": request_id},
        )
    return error


def naming_request(extensions: dict[str, Any] | None, request_id: str | None) -> dict[str, Any]:
    """An error's `extensions` naming its request (`requestId`, as the `X-Request-ID` header
    and the log lines do), so a report can be matched to the server's log. The one place for
    it: the schema's errors, the view's request errors and cached refusals, and the
    WebSocket's own messages all use it."""
    named = dict(extensions or {})
    if request_id:
        named["requestId"] = request_id
    return named


def _with_request_id(error: GraphQLError, request_id: str) -> GraphQLError:
    if request_id:
        error.extensions = naming_request(error.extensions, request_id)
    return error


class RegistryErrors(SchemaExtension):
    """Give domain errors their code and mask unexpected ones (logged by the schema)."""

    def _rewrite(self, result: Any) -> None:
        errors = getattr(result, "errors", None)
        if errors:
            request_id = request_id_of(self.execution_context)
            result.errors = [
                _with_request_id(_public_error(e, request_id), request_id) for e in errors
            ]

    def on_operation(self) -> Iterator[None]:
        yield
        result = self.execution_context.result
        if result is not None:
            self._rewrite(result)
            initial = getattr(result, "initial_result", None)
            if initial is not None:
                self._rewrite(initial)

    def on_stream_result(self, result: Any) -> Iterator[None]:
        self._rewrite(result)
        yield None
