"""Unexpected failures are masked to a generic message with the request id, which the log
names together with the traceback; expected ones keep their message and code."""

from __future__ import annotations

import logging

import pytest

from domain.services import listing, packages
from tests.fixtures.stack import Stack
from tests.graphql.support import actor, data, execute, post
from tests.helpers import make_publisher


async def exploding(*args: object, **kwargs: object) -> None:
    raise RuntimeError("database password is hunter2")


async def test_unexpected_query_error_is_masked_and_logged(
    stack: Stack, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    monkeypatch.setattr(listing, "suggest_names", exploding)
    with caplog.at_level(logging.ERROR, logger="registry.graphql"):
        response = await post(
            stack.client,
            '{ suggestPackageNames(prefix: "a") }',
            headers={"X-Request-ID": "req-4711"},
        )
    assert response.status_code == 200
    body = response.json()
    assert body["data"] is None
    assert body["errors"][0]["message"] == "Internal server error (request id req-4711)"
    assert body["errors"][0]["extensions"] == {"code": "internal_error", "requestId": "req-4711"}
    assert "hunter2" not in response.text
    records = [r for r in caplog.records if "req-4711" in r.getMessage()]
    assert records and records[0].exc_info and "hunter2" in str(records[0].exc_info[1])


async def test_unexpected_mutation_error_is_masked(
    stack: Stack, monkeypatch: pytest.MonkeyPatch
) -> None:
    await make_publisher("u1", "team")
    monkeypatch.setattr(packages, "create_package", exploding)
    result = await execute(
        stack,
        """mutation { createPackage(input: {name: "x"}) {
        package { name } errors { code } } }""",
        as_actor=await actor("u1"),
    )
    assert result.data == {"createPackage": None}
    assert result.errors[0].message == "Internal server error (request id req-u1)"


async def test_expected_query_errors_keep_message_and_code(stack: Stack) -> None:
    result = await execute(stack, '{ fileBySha256(sha256: "abc") { version } }')
    assert result.errors[0].message == "sha256 must be 64 hexadecimal characters"
    assert result.errors[0].extensions == {"code": "invalid", "field": "sha256"}
    assert (await data(stack, '{ package(name: "none") { name } }')) == {"package": None}


async def test_lookups_longer_than_any_stored_value_find_nothing(stack: Stack) -> None:
    long_name = "a" * 101
    assert await data(
        stack,
        """query($n: String!) { package(name: $n) { name }
        artifact(name: $n) { name } publisher(name: $n) { name }
        version(package: "Mod", version: $n) { version } }""",
        {"n": long_name},
    ) == {"package": None, "artifact": None, "publisher": None, "version": None}
    assert await data(
        stack, "query($n: [String!]) { latestVersions(names: $n) { name } }", {"n": [long_name]}
    ) == {"latestVersions": []}


async def test_a_value_the_orm_refuses_is_a_typed_invalid_error(
    stack: Stack, monkeypatch: pytest.MonkeyPatch
) -> None:
    # A service that forgot to check a length first: the caller still gets a typed error that
    # names the field without echoing the value, not an internal error.
    from domain.models import Package

    async def unchecked(prefix: str, *args: object, **kwargs: object) -> list[str]:
        await Package.filter(name_key=prefix).first()
        return []

    monkeypatch.setattr(listing, "suggest_names", unchecked)
    result = await execute(
        stack, "query($p: String!) { suggestPackageNames(prefix: $p) }", {"p": "z" * 500}
    )
    assert result.errors[0].message == "Invalid name_key: too long or malformed"
    assert result.errors[0].extensions == {"code": "invalid", "field": "nameKey"}
    assert "zzzz" not in str(result.errors)


async def test_request_bodies_strawberry_cannot_parse_get_json_errors(stack: Stack) -> None:
    deep = "[" * 100_000 + "]" * 100_000
    for body in (
        '{"query": "{ __typename }", "variables": {"n": ' + deep + "}}",
        "\u0000 not json",
        '{"query": "{ __typename }", "variables": {"n": ' + "9" * 5000 + "}}",
    ):
        response = await stack.client.post(
            "/graphql", content=body, headers={"content-type": "application/json"}
        )
        assert response.status_code == 400, response.text
        assert response.json() == {
            "errors": [
                {
                    "message": "Unable to parse request body as JSON",
                    "extensions": {
                        "code": "bad_request",
                        "requestId": response.headers["x-request-id"],
                    },
                }
            ]
        }
    response = await stack.client.get(
        "/graphql", params={"query": 'mutation { deletePackage(name: "x") { errors { code } } }'}
    )
    assert response.status_code == 405  # GraphQL over HTTP: mutations are POST only
    assert response.json()["errors"][0]["extensions"] == {
        "code": "bad_request",
        "requestId": response.headers["x-request-id"],
    }
