"""Which backend an exception says is unavailable: the database, or Redis (issue #17).

An outage is not a bug: while PostgreSQL restarts or Redis is down, the registry answers
"try again shortly" (REST 503, GraphQL `SERVICE_UNAVAILABLE`) instead of a 500, and the log
gets one line instead of a traceback. The HTTP layer (registry/outages.py), the GraphQL
error mapping (schema/core/errors.py) and the wait for the backends at start and on a worker's
reconnect (registry/startup_wait.py `is_refusal`) all ask `unavailable_backend`, so they agree.

Classified by type, not by message text, except for asyncpg's one `InterfaceError` that means
"this pooled connection died" ("connection is closed"): asyncpg gives it no class of its own.
A wrapper (Tortoise's `DBConnectionError`, an `ExceptionGroup` from a task group) counts when
what it wraps does: the whole cause/context chain is looked at.
"""

from __future__ import annotations

import errno
from typing import Final

import asyncpg  # type: ignore[import-untyped]  # ships no type information
import redis.exceptions
from tortoise.exceptions import DBConnectionError

DATABASE: Final = "database"
REDIS: Final = "redis"
# Seconds a client is told to wait before trying again (REST `Retry-After`, GraphQL
# `extensions.retryAfter`): a PostgreSQL restart or failover takes a few seconds, and the
# registry client sleeps Retry-After before each of its (at most 3) attempts.
RETRY_AFTER_SECONDS: Final = 2
_NAMES = {DATABASE: "The database", REDIS: "Redis"}

# asyncpg: SQLSTATE class 08 (connection exceptions) and the server refusing or dropping
# connections while it shuts down, crashes or starts up (57P01, 57P02, 57P03).
_DATABASE_ERRORS: tuple[type[BaseException], ...] = (
    asyncpg.exceptions.PostgresConnectionError,
    asyncpg.exceptions.AdminShutdownError,
    asyncpg.exceptions.CrashShutdownError,
    asyncpg.exceptions.CannotConnectNowError,
    asyncpg.exceptions.TooManyConnectionsError,
)
_REDIS_ERRORS: tuple[type[BaseException], ...] = (
    redis.exceptions.ConnectionError,
    redis.exceptions.TimeoutError,
    redis.exceptions.BusyLoadingError,
)
# Socket errors that mean "the peer is not there (any more)"; a plain OSError can as well be a
# missing file, which is not an outage.
_UNREACHABLE_ERRNOS = frozenset(
    {
        errno.ECONNREFUSED,
        errno.ECONNRESET,
        errno.ECONNABORTED,
        errno.EPIPE,
        errno.ETIMEDOUT,
        errno.EHOSTUNREACH,
        errno.ENETUNREACH,
    }
)
_CLOSED_CONNECTION_MESSAGES = ("connection is closed", "the underlying connection is closed")

# The exception types an HTTP handler must be registered for to see every outage directly
# (Starlette looks handlers up by the exception's class); `unavailable_backend` then decides.
OUTAGE_TYPES: tuple[type[Exception], ...] = (
    asyncpg.exceptions.PostgresConnectionError,
    asyncpg.exceptions.OperatorInterventionError,
    asyncpg.exceptions.InsufficientResourcesError,
    asyncpg.exceptions.InterfaceError,
    DBConnectionError,
    redis.exceptions.ConnectionError,
    redis.exceptions.TimeoutError,
    ConnectionError,
    TimeoutError,
    OSError,
)


def _direct(exc: BaseException) -> str | None:
    if isinstance(exc, _REDIS_ERRORS):
        return REDIS
    if isinstance(exc, _DATABASE_ERRORS):
        return DATABASE
    # Tortoise's wrapper of a failed connect: what it wraps decides (a missing database is no
    # outage, waiting does not bring it back); one that wraps nothing (no pool) is one.
    if isinstance(exc, DBConnectionError):
        return DATABASE if exc.__cause__ is None else None
    if isinstance(exc, asyncpg.exceptions.InterfaceError) and str(exc).startswith(
        _CLOSED_CONNECTION_MESSAGES
    ):
        return DATABASE
    # A refused or reset socket: the database is the only backend the web process reaches by
    # raw sockets through asyncpg (redis-py wraps its own in redis.ConnectionError, storage
    # failures are StorageError). A connect timeout is asyncio's TimeoutError, same reason.
    if isinstance(exc, ConnectionError | TimeoutError):
        return DATABASE
    if isinstance(exc, OSError) and exc.errno in _UNREACHABLE_ERRNOS:
        return DATABASE
    return None


def unavailable_backend(exc: BaseException) -> str | None:
    """`DATABASE` or `REDIS` when `exc` (or what it wraps) means that backend cannot be
    reached right now; None for anything else."""
    seen: set[int] = set()
    pending: list[BaseException] = [exc]
    while pending:
        current = pending.pop()
        if id(current) in seen:
            continue
        seen.add(id(current))
        backend = _direct(current)
        if backend is not None:
            return backend
        if isinstance(current, BaseExceptionGroup):
            pending.extend(current.exceptions)
        for linked in (current.__cause__, current.__context__):
            if linked is not None:
                pending.append(linked)
    return None


def unavailable_message(backend: str) -> str:
    """What the client is told (REST `detail`, GraphQL `message`)."""
    return f"{_NAMES.get(backend, backend)} is temporarily unavailable; retry in a few seconds"
