"""Finding 12 of issue #12: admin actions need an admin user's credential with the `admin`
scope, and a token's package globs bound them (`Actor.admin_for`).

Package-scoped admin work (release or delete a version) needs a glob covering the package;
registry-wide admin work (the quarantine queue, publisher decisions, any publisher's members,
storage status, every audit event) needs an admin token without globs. A CloudM session of an
admin keeps full access. Every refusal is checked on REST and GraphQL and leaves no trace."""

from __future__ import annotations

import uuid
from collections.abc import Awaitable, Callable

import httpx

from domain.actor import Actor
from domain.models import AuditEvent, PackageVersion, Publisher
from domain.services import tokens
from tests.fixtures.stack import Stack, bearer
from tests.graphql.support import add_package, add_version, post
from tests.helpers import make_publisher
from tests.publishers.support import make_admin

ROOT = "scoperoot"
REPORT = {"verdict": "fail", "rule": "unsafe_path", "message": "path escapes the archive"}
H = dict[str, str]


async def _setup(stack: Stack) -> None:
    """Quarantined foo-risky 1.0.0 and 2.0.0 and bar-risky 1.0.0 (publisher `team`), and two
    unverified publishers awaiting a decision. The admin is no member of any of them."""
    team = await make_publisher("scopeowner", "team")
    await make_publisher("cand1", "cand1", verified=False)
    await make_publisher("cand2", "cand2", verified=False)
    await make_admin(ROOT)
    source = stack.settings.data_dir / f"{uuid.uuid4()}.zip"
    source.write_bytes(f"quarantined bytes {uuid.uuid4()}".encode())
    stored = await stack.ctx.storage.primary.put_file(source)
    source.unlink()
    for name, versions in (("foo-risky", ("1.0.0", "2.0.0")), ("bar-risky", ("1.0.0",))):
        package = await add_package(team, name)
        for version in versions:
            row = await add_version(package, version, status="quarantined")
            row.scan_report, row.blob_key = REPORT, stored.key
            await row.save(update_fields=["scan_report", "blob_key"])


async def _token(scopes: list[str], globs: list[str] | None = None) -> H:
    created = await tokens.create_token(
        Actor(user_id=ROOT, is_admin=True), "admin-scope", scopes, package_globs=globs
    )
    return {"Authorization": f"Bearer {created.plaintext}"}


async def _gql(client: httpx.AsyncClient, h: H, query: str) -> dict:
    response = await post(client, query, headers=h)
    assert response.status_code == 200, response.text
    return response.json()


def _refused_field(body: dict, field: str) -> bool:
    """A permission-gated field: null with a forbidden error naming admin privileges."""
    errors = body.get("errors") or []
    return (
        (body.get("data") or {}).get(field) is None
        and len(errors) == 1
        and errors[0]["message"].startswith("Admin privileges required")
    )


def _refused_payload(body: dict, field: str) -> bool:
    """A mutation payload: its typed error FORBIDDEN and nothing done."""
    payload = (body.get("data") or {}).get(field) or {}
    return [e["code"] for e in payload.get("errors") or []] == ["FORBIDDEN"]


Action = Callable[[httpx.AsyncClient, H], Awaitable[bool]]  # True: refused


async def _rest(response: Awaitable[httpx.Response]) -> bool:
    answer = await response
    if answer.status_code == 403:
        assert answer.json()["detail"].startswith(("Admin privileges required", "Only members")), (
            answer.text
        )
        return True
    assert answer.status_code in (200, 204), answer.text
    return False


def release(name: str, version: str) -> tuple[Action, Action]:
    async def rest(c: httpx.AsyncClient, h: H) -> bool:
        return await _rest(
            c.post(
                f"/api/v1/admin/versions/{name}/{version}/release",
                headers=h,
                json={"reason": "reviewed"},
            )
        )

    async def graphql(c: httpx.AsyncClient, h: H) -> bool:
        body = await _gql(
            c,
            h,
            f'mutation {{ releaseVersion(package: "{name}", version: '
            f'"{version}", reason: "reviewed") {{ version {{ status }} '
            f"errors {{ code }} }} }}",
        )
        return _refused_payload(body, "releaseVersion")

    return rest, graphql


def delete(name: str, version: str) -> tuple[Action, Action]:
    async def rest(c: httpx.AsyncClient, h: H) -> bool:
        return await _rest(
            c.request(
                "DELETE",
                f"/api/v1/admin/versions/{name}/{version}",
                headers=h,
                json={"reason": "malware"},
            )
        )

    async def graphql(c: httpx.AsyncClient, h: H) -> bool:
        body = await _gql(
            c,
            h,
            f'mutation {{ deleteVersion(package: "{name}", version: '
            f'"{version}") {{ deleted {{ version }} errors {{ code }} }} }}',
        )
        return _refused_payload(body, "deleteVersion")

    return rest, graphql


def decide(action: str, slug: str) -> tuple[Action, Action]:
    async def rest(c: httpx.AsyncClient, h: H) -> bool:
        return await _rest(
            c.post(
                f"/api/v1/publishers/admin/{slug}/{action}", headers=h, json={"notes": "checked"}
            )
        )

    async def graphql(c: httpx.AsyncClient, h: H) -> bool:
        field = f"{action}Publisher"
        body = await _gql(
            c,
            h,
            f'mutation {{ {field}(publisher: "{slug}") {{ '
            f"publisher {{ name }} errors {{ code }} }} }}",
        )
        return _refused_payload(body, field)

    return rest, graphql


async def queue_rest(c: httpx.AsyncClient, h: H) -> bool:
    return await _rest(c.get("/api/v1/admin/quarantine", headers=h))


async def queue_rest_for_package(c: httpx.AsyncClient, h: H) -> bool:
    return await _rest(
        c.get("/api/v1/admin/quarantine", headers=h, params={"package": "foo-risky"})
    )


async def queue_graphql(c: httpx.AsyncClient, h: H) -> bool:
    body = await _gql(c, h, "{ quarantinedVersions(first: 5) { totalCount } }")
    return _refused_field(body, "quarantinedVersions")


async def members_rest(c: httpx.AsyncClient, h: H) -> bool:
    return await _rest(c.get("/api/v1/publishers/team/members", headers=h))


async def members_graphql(c: httpx.AsyncClient, h: H) -> bool:
    body = await _gql(c, h, '{ publisher(name: "team") { members { username } } }')
    assert "errors" not in body, body
    return body["data"]["publisher"]["members"] is None


async def storage_graphql(c: httpx.AsyncClient, h: H) -> bool:
    body = await _gql(c, h, "{ storageStatus(probe: false) { objects } }")
    return _refused_field(body, "storageStatus")


async def audit_rest(c: httpx.AsyncClient, h: H) -> bool:
    """The admin view of the log (every publisher's events) versus a refusal."""
    answer = await c.get("/api/v1/audit", headers=h, params={"publisher": "cand1"})
    if answer.status_code == 403:
        return True
    assert answer.status_code == 200, answer.text
    return False


REGISTRY_WIDE: dict[str, Action] = {
    "REST quarantine queue": queue_rest,
    "REST quarantine queue of one package": queue_rest_for_package,
    "GraphQL quarantinedVersions": queue_graphql,
    "REST members of another publisher": members_rest,
    "GraphQL Publisher.members": members_graphql,
    "GraphQL storageStatus": storage_graphql,
    "REST audit of another publisher": audit_rest,
}


def _decisions() -> dict[str, Action]:
    actions: dict[str, Action] = {}
    for action in ("verify", "reject"):
        rest, graphql = decide(action, "cand1")
        actions[f"REST {action}"], actions[f"GraphQL {action}"] = rest, graphql
    return actions


def _package_actions(name: str) -> dict[str, Action]:
    actions: dict[str, Action] = {}
    for label, (rest, graphql) in (
        (f"release {name}", release(name, "1.0.0")),
        (f"delete {name}", delete(name, "1.0.0")),
    ):
        actions[f"REST {label}"], actions[f"GraphQL {label}"] = rest, graphql
    return actions


async def _untouched() -> None:
    assert await PackageVersion.filter(status="quarantined").count() == 3
    assert not await Publisher.filter(
        name__in=["cand1", "cand2"], verification_status__not="unverified"
    ).exists()
    assert not await AuditEvent.filter(action__startswith="version.").exists()
    assert not await AuditEvent.filter(action__in=["publisher.verify", "publisher.reject"]).exists()


async def test_admin_tokens_without_the_scope_or_outside_their_globs_are_refused(
    stack: Stack,
) -> None:
    await _setup(stack)
    every_action = {
        **REGISTRY_WIDE,
        **_decisions(),
        **_package_actions("foo-risky"),
        **_package_actions("bar-risky"),
    }
    failures: list[str] = []
    for label, header in (
        ("no admin scope", await _token(["read-private", "publish-new", "publish-update", "yank"])),
        ("yank only", await _token(["yank"])),
        ("admin globbed to nothing", await _token(["admin"], ["nothing-*"])),
        (
            "admin + read-private globbed to nothing",
            await _token(["admin", "read-private"], ["[!a-z0-9_-]*"]),
        ),
    ):
        for action, call in every_action.items():
            if not await call(stack.client, header):
                failures.append(f"{label}: {action} was allowed")
    assert not failures, "\n".join(failures)
    await _untouched()


async def test_a_globbed_admin_token_acts_only_on_its_packages(stack: Stack) -> None:
    await _setup(stack)
    header = await _token(["admin"], ["FOO-*"])
    failures = [
        f"{action} was allowed"
        for action, call in {
            **REGISTRY_WIDE,
            **_decisions(),
            **_package_actions("bar-risky"),
        }.items()
        if not await call(stack.client, header)
    ]
    assert not failures, "\n".join(failures)
    await _untouched()
    rest_release, _ = release("foo-risky", "1.0.0")
    _, graphql_delete = delete("foo-risky", "2.0.0")
    assert not await rest_release(stack.client, header)
    assert not await graphql_delete(stack.client, header)
    remaining = await PackageVersion.filter(package__name="foo-risky").values_list(
        "version", "status"
    )
    assert remaining == [("1.0.0", "published")]
    scan = await stack.client.get("/api/v1/packages/bar-risky/versions/1.0.0/scan", headers=header)
    assert scan.status_code == 404  # scan reports are admin reads within the globs too


async def test_an_unrestricted_admin_token_and_an_admin_session_keep_working(stack: Stack) -> None:
    await _setup(stack)
    for header in (await _token(["admin"]), bearer(ROOT)):
        failures = [
            f"{action} was refused"
            for action, call in REGISTRY_WIDE.items()
            if await call(stack.client, header)
        ]
        assert not failures, "\n".join(failures)
    rest_verify, _ = decide("verify", "cand1")
    _, graphql_reject = decide("reject", "cand2")
    assert not await rest_verify(stack.client, await _token(["admin"]))
    assert not await graphql_reject(stack.client, bearer(ROOT))
    for (rest, _), header in (
        (release("bar-risky", "1.0.0"), await _token(["admin"])),
        (delete("foo-risky", "2.0.0"), bearer(ROOT)),
    ):
        assert not await rest(stack.client, header)
    assert (await Publisher.get(name="cand1")).verification_status == "verified"
    assert await PackageVersion.filter(status="quarantined").count() == 1
