"""Which exceptions are outages (domain/outages.py), and how REST and GraphQL report them."""

from __future__ import annotations

import asyncio
import errno

import asyncpg
import httpx
import pytest
import redis.exceptions
from graphql import GraphQLError
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route
from tortoise.exceptions import DBConnectionError, OperationalError

from domain.exceptions import NotFound
from domain.outages import DATABASE, REDIS, RETRY_AFTER_SECONDS, unavailable_backend
from registry.errors import EXCEPTION_HANDLERS
from schema.core.errors import SERVICE_UNAVAILABLE, _public_error, is_unexpected


def _wrapped(inner: BaseException) -> BaseException:
    try:
        try:
            raise inner
        except BaseException as exc:
            raise RuntimeError("while writing") from exc
    except RuntimeError as outer:
        return outer


def _raised_from(outer: BaseException, cause: BaseException) -> BaseException:
    outer.__cause__ = cause  # as `raise outer from cause` leaves it
    return outer


@pytest.mark.parametrize(
    ("exc", "backend"),
    [
        (ConnectionRefusedError(errno.ECONNREFUSED, "Connect call failed"), DATABASE),
        (OSError(errno.ECONNREFUSED, "Multiple exceptions"), DATABASE),
        (asyncpg.exceptions.CannotConnectNowError("the database system is starting up"), DATABASE),
        (asyncpg.exceptions.AdminShutdownError("terminating connection"), DATABASE),
        (asyncpg.exceptions.ConnectionDoesNotExistError("closed mid-operation"), DATABASE),
        (asyncpg.exceptions.InterfaceError("connection is closed"), DATABASE),
        (DBConnectionError("no pool"), DATABASE),
        (_raised_from(DBConnectionError("Can't connect"), ConnectionRefusedError()), DATABASE),
        (TimeoutError(), DATABASE),
        (redis.exceptions.ConnectionError("Error 111 connecting"), REDIS),
        (redis.exceptions.TimeoutError("Timeout reading"), REDIS),
        (_wrapped(ConnectionResetError(errno.ECONNRESET, "reset")), DATABASE),
        (ExceptionGroup("task group", [ValueError("x"), ConnectionRefusedError()]), DATABASE),
        # Not outages: bugs, missing files, bad SQL, misuse of a connection, a missing
        # database (Tortoise wraps asyncpg's answer; waiting would not bring it).
        (
            _raised_from(
                DBConnectionError("Can't establish connection to database absent"),
                asyncpg.exceptions.InvalidCatalogNameError('database "absent" does not exist'),
            ),
            None,
        ),
        (FileNotFoundError(errno.ENOENT, "no such file"), None),
        (OSError(errno.ENOSPC, "disk full"), None),
        (asyncpg.exceptions.InterfaceError("another operation is in progress"), None),
        (asyncpg.exceptions.QueryCanceledError("statement timeout"), None),
        (OperationalError("syntax error"), None),
        (ValueError("bug"), None),
        (redis.exceptions.ResponseError("WRONGTYPE"), None),
    ],
)
def test_unavailable_backend(exc: BaseException, backend: str | None) -> None:
    assert unavailable_backend(exc) == backend


def _get(exc: BaseException) -> httpx.Response:
    """GET a route that raises `exc`, through the app's exception handlers."""

    async def fail(request: Request) -> Response:
        raise exc

    app = Starlette(routes=[Route("/x", fail)], exception_handlers=EXCEPTION_HANDLERS)

    async def get() -> httpx.Response:
        transport = httpx.ASGITransport(app=app, raise_app_exceptions=False)
        async with httpx.AsyncClient(transport=transport, base_url="http://test") as client:
            return await client.get("/x")

    return asyncio.run(get())


@pytest.mark.parametrize(
    "exc",
    [
        asyncpg.exceptions.CannotConnectNowError("the database system is starting up"),
        ConnectionRefusedError(errno.ECONNREFUSED, "Connect call failed"),
        _wrapped(asyncpg.exceptions.ConnectionDoesNotExistError("closed")),
    ],
)
def test_rest_answers_503_with_retry_after(exc: BaseException) -> None:
    response = _get(exc)
    assert response.status_code == 503
    assert response.headers["retry-after"] == str(RETRY_AFTER_SECONDS)
    body = response.json()
    assert body["code"] == "service_unavailable" and "database" in body["detail"].lower()


@pytest.mark.parametrize("exc", [FileNotFoundError(errno.ENOENT, "gone"), ValueError("bug")])
def test_other_errors_stay_500(exc: BaseException) -> None:
    response = _get(exc)
    assert response.status_code == 500 and "Internal server error" in response.json()["detail"]


def test_domain_errors_keep_their_status() -> None:
    assert _get(NotFound("no such package")).status_code == 404


def test_graphql_error_of_an_outage_is_typed() -> None:
    original = asyncpg.exceptions.ConnectionDoesNotExistError("connection was closed")
    error = GraphQLError("raw", path=["package"], original_error=original)
    assert not is_unexpected(error)
    public = _public_error(error, "rid")
    assert public.extensions == {"code": SERVICE_UNAVAILABLE, "retryAfter": RETRY_AFTER_SECONDS}
    assert "connection was closed" not in public.message and "database" in public.message.lower()
    bug = GraphQLError("raw", path=["package"], original_error=KeyError("k"))
    assert _public_error(bug, "rid").extensions == {"code": "internal_error", "requestId": "rid"}
