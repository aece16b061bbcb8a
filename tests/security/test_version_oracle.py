"""Finding 13 of issue #12: no per-version answer tells a caller who may not manage a package
whether an unpublished version exists.

For every per-version action and read (yank, unyank both ways, GraphQL yank/unyank, version
detail, download descriptor and bytes, scan report, GraphQL version, admin release/delete),
every caller who may not manage the package (a stranger, the owner's token without the scope
or outside its globs, an admin's token without the admin scope, anonymous) gets the same
status and body for a quarantined, a pending and a nonexistent version. For the manage actions
a published version answers the same too: the refusal comes before any lookup.

REST_CONTRACT §2.2/§4.4: a caller who sees the (public) package but does not own it gets 403;
when the package is private and invisible to it, 404 "Package not found" (as for no package).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable

import httpx

from domain.actor import Actor
from domain.services import tokens
from tests.fixtures.stack import Stack, bearer
from tests.graphql.support import add_package, add_version, post
from tests.helpers import make_publisher
from tests.publishers.support import make_admin

OWNER, STRANGER, ADMIN = "oracleowner", "oraclestranger", "oracleadmin"
PUBLISHED, QUARANTINED, PENDING, MISSING = "1.0.0", "2.0.0", "3.0.0", "9.9.9"
H = dict[str, str]
Answer = tuple[int, object]
Call = Callable[[httpx.AsyncClient, H, str, str], Awaitable[Answer]]


async def _setup() -> None:
    team = await make_publisher(OWNER, "oracle-team")
    await make_publisher(STRANGER, "strangers")
    await make_admin(ADMIN)
    for name, visibility in (("open-pkg", "public"), ("secret-pkg", "private")):
        package = await add_package(team, name, visibility=visibility)
        await add_version(package, PUBLISHED)
        await add_version(package, QUARANTINED, status="quarantined")
        await add_version(package, PENDING, status="pending")


async def _token(user: str, scopes: list[str], globs: list[str] | None = None) -> H:
    created = await tokens.create_token(
        Actor(user_id=user, is_admin=user == ADMIN), "oracle", scopes, package_globs=globs
    )
    return {"Authorization": f"Bearer {created.plaintext}"}


def _normal(response: httpx.Response, version: str) -> Answer:
    """Status and body, with the asked-for version string replaced (a 404 names it)."""
    try:
        body: object = response.json()
    except ValueError:
        body = response.text
    return response.status_code, str(body).replace(version, "{version}")


def rest(method: str, suffix: str, body: dict | None = None) -> Call:
    async def call(c: httpx.AsyncClient, h: H, name: str, version: str) -> Answer:
        path = suffix.format(name=name, version=version)
        return _normal(await c.request(method, f"/api/v1{path}", headers=h, json=body), version)

    return call


def graphql(field: str, arguments: str, selection: str) -> Call:
    async def call(c: httpx.AsyncClient, h: H, name: str, version: str) -> Answer:
        query = (
            (
                f'mutation {{ {field}(package: "{name}", version: "{version}"{arguments}) '
                f"{{ {selection} }} }}"
            )
            if field != "version"
            else (f'{{ version(package: "{name}", version: "{version}") {{ {selection} }} }}')
        )
        return _normal(await post(c, query, headers=h), version)

    return call


MANAGE: dict[str, Call] = {
    "REST yank": rest("POST", "/packages/{name}/versions/{version}/yank", {"reason": "x"}),
    "REST unyank": rest("POST", "/packages/{name}/versions/{version}/unyank"),
    "REST DELETE yank": rest("DELETE", "/packages/{name}/versions/{version}/yank"),
    "GraphQL yankVersion": graphql(
        "yankVersion", ', reason: "x"', "version { yanked } errors { code message }"
    ),
    "GraphQL unyankVersion": graphql(
        "unyankVersion", "", "version { yanked } errors { code message }"
    ),
    "REST admin release": rest("POST", "/admin/versions/{name}/{version}/release", {"reason": "x"}),
    "REST admin delete": rest("DELETE", "/admin/versions/{name}/{version}"),
    "GraphQL releaseVersion": graphql(
        "releaseVersion", ', reason: "x"', "version { status } errors { code message }"
    ),
    "GraphQL deleteVersion": graphql(
        "deleteVersion", "", "deleted { version } errors { code message }"
    ),
}
READS: dict[str, Call] = {
    "REST version detail": rest("GET", "/packages/{name}/versions/{version}"),
    "REST download descriptor": rest("GET", "/packages/{name}/versions/{version}/download"),
    "REST file": rest("GET", "/packages/{name}/versions/{version}/file"),
    "REST scan report": rest("GET", "/packages/{name}/versions/{version}/scan"),
    "GraphQL version": graphql("version", "", "version status"),
}


async def test_non_managers_learn_nothing_about_unpublished_versions(stack: Stack) -> None:
    await _setup()
    # caller: (headers, whether it may read unpublished versions: an owner's token with
    # read-private does, so only the manage actions must be blind for it)
    callers = {
        "anonymous": ({}, False),
        "stranger (session)": (bearer(STRANGER), False),
        "stranger token with every non-admin scope": (
            await _token(STRANGER, ["read-private", "publish-new", "publish-update", "yank"]),
            False,
        ),
        "owner token without yank (read-private)": (await _token(OWNER, ["read-private"]), True),
        "owner token outside its globs": (
            await _token(OWNER, ["yank", "read-private"], ["other-*"]),
            False,
        ),
        # Reading other publishers' unpublished versions is admin work (the admin scope).
        "admin token without the admin scope": (
            await _token(ADMIN, ["yank", "read-private"]),
            False,
        ),
        "admin token globbed elsewhere": (
            await _token(ADMIN, ["admin", "read-private"], ["other-*"]),
            False,
        ),
    }
    failures: list[str] = []
    for caller, (headers, reads_unpublished) in callers.items():
        actions = {**MANAGE, **({} if reads_unpublished else READS)}
        for name in ("open-pkg", "secret-pkg"):
            for action, call in actions.items():
                versions = (QUARANTINED, PENDING, MISSING) + (
                    (PUBLISHED,) if action in MANAGE else ()
                )
                answers = {
                    version: await call(stack.client, headers, name, version)
                    for version in versions
                }
                if len(set(answers.values())) != 1:
                    failures.append(f"{caller} / {action} / {name}: {answers}")
                status = answers[MISSING][0]
                if status >= 500 or (action.startswith("REST") and status == 200):
                    failures.append(f"{caller} / {action} / {name}: {answers[MISSING]}")
    assert not failures, "\n".join(failures)


async def test_the_refusal_follows_the_contract(stack: Stack) -> None:
    """Public package, not the owner: 403 for any version; a private package it cannot see:
    the 404 of a package that does not exist."""
    await _setup()
    yank = MANAGE["REST yank"]
    for version in (QUARANTINED, MISSING):
        assert await yank(stack.client, bearer(STRANGER), "open-pkg", version) == (
            403,
            str({"detail": "You do not own package open-pkg", "code": "forbidden"}),
        )
        assert await yank(stack.client, bearer(STRANGER), "secret-pkg", version) == (
            404,
            str({"detail": "Package not found: secret-pkg", "code": "not_found"}),
        )
        assert (await yank(stack.client, bearer(STRANGER), "no-such-pkg", version))[0] == 404


async def test_owners_still_get_precise_answers(stack: Stack) -> None:
    """The owner (who may manage the package) still tells existing from missing versions."""
    await _setup()
    yank = MANAGE["REST yank"]
    quarantined = await yank(stack.client, bearer(OWNER), "secret-pkg", QUARANTINED)
    missing = await yank(stack.client, bearer(OWNER), "secret-pkg", MISSING)
    assert quarantined[0] == 200 and missing[0] == 404, (quarantined, missing)
    admin = await yank(stack.client, bearer(ADMIN), "open-pkg", PENDING)
    assert admin[0] == 200
