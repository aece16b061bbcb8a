"""Helpers for GraphQL tests: schema-level execution with a context, HTTP calls, SQL counting
and rows built directly in the database."""

from __future__ import annotations

import contextlib
import json
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import httpx
from tortoise import connections

from domain.actor import ANONYMOUS, Actor
from domain.models import Dependency, Package, PackageVersion, Publisher
from domain.names import name_key
from domain.services import users
from domain.uploads import SpooledFile
from domain.versions import version_key
from schema.core.context import GraphQLContext
from schema.core.graphql_limits import GraphQLLimits
from schema.schema import schema
from tests.fixtures.stack import Stack, bearer


async def actor(user_id: str, *, admin: bool = False) -> Actor:
    """The actor a CloudM session of `user_id` has (created on first sight)."""
    await users.upsert_user(user_id, f"user-{user_id}", f"{user_id}@example.com")
    if admin:
        await users.set_admin(user_id, True)
    return await users.actor_from_claims(
        user_id, f"user-{user_id}", f"{user_id}@example.com", request_id=f"req-{user_id}"
    )


async def execute(
    stack: Stack,
    query: str,
    variables: dict[str, Any] | None = None,
    *,
    as_actor: Actor = ANONYMOUS,
    limits: GraphQLLimits | None = None,
) -> Any:
    """Run `query` on the schema directly, as `as_actor`; returns the ExecutionResult."""
    context = GraphQLContext(registry=stack.ctx, actor=as_actor, limits=limits or GraphQLLimits())
    return await schema.execute(query, variable_values=variables, context_value=context)


async def data(
    stack: Stack,
    query: str,
    variables: dict[str, Any] | None = None,
    *,
    as_actor: Actor = ANONYMOUS,
) -> dict[str, Any]:
    """Like `execute`, asserting there were no errors."""
    result = await execute(stack, query, variables, as_actor=as_actor)
    assert result.errors is None, result.errors
    return result.data


async def post(
    client: httpx.AsyncClient,
    query: str,
    variables: dict[str, Any] | None = None,
    *,
    user: str | None = None,
    headers: dict[str, str] | None = None,
) -> httpx.Response:
    all_headers = {**(bearer(user) if user else {}), **(headers or {})}
    return await client.post(
        "/graphql", json={"query": query, "variables": variables or {}}, headers=all_headers
    )


async def post_upload(
    client: httpx.AsyncClient,
    query: str,
    variables: dict[str, Any],
    file_variable: str,
    content: bytes,
    *,
    user: str,
    filename: str = "upload.zip",
) -> httpx.Response:
    """A GraphQL multipart request (the spec's operations + map + file parts)."""
    operations = {"query": query, "variables": {**variables, file_variable: None}}
    return await client.post(
        "/graphql",
        headers=bearer(user),
        data={
            "operations": json.dumps(operations),
            "map": json.dumps({"0": [f"variables.{file_variable}"]}),
        },
        files={"0": (filename, content, "application/zip")},
    )


@dataclass
class QueryCounter:
    """Counts SQL statements sent through Tortoise's default connection."""

    statements: list[str] = field(default_factory=list)

    @property
    def count(self) -> int:
        return len(self.statements)


@contextlib.contextmanager
def count_queries() -> Iterator[QueryCounter]:
    counter = QueryCounter()
    client = connections.get("default")
    cls = type(client)
    originals = {
        name: getattr(cls, name)
        for name in (
            "execute_query",
            "execute_query_dict",
            "execute_insert",
            "execute_many",
            "execute_script",
        )
    }

    def wrap(name: str) -> Any:
        original = originals[name]

        async def counted(self: Any, query: str, *args: Any, **kwargs: Any) -> Any:
            counter.statements.append(query)
            return await original(self, query, *args, **kwargs)

        return counted

    for name in originals:
        setattr(cls, name, wrap(name))
    try:
        yield counter
    finally:
        for name, original in originals.items():
            setattr(cls, name, original)


async def add_package(
    publisher: Publisher,
    name: str,
    *,
    visibility: str = "public",
    package_type: str = "mod",
    keywords: list[str] | None = None,
    downloads: int = 0,
    description: str = "",
) -> Package:
    return await Package.create(
        name=name,
        name_key=name_key(name),
        display_name=name,
        publisher_id=publisher.id,
        package_type=package_type,
        visibility=visibility,
        keywords=keywords or [],
        description=description,
        total_downloads=downloads,
    )


async def add_version(
    package: Package,
    version: str,
    *,
    status: str = "published",
    yanked: bool = False,
    dependencies: list[tuple[str, str]] = (),
    sha256: str | None = None,
) -> PackageVersion:
    digest = sha256 or (name_key(package.name) + version).encode().hex().ljust(64, "0")[:64]
    row = await PackageVersion.create(
        package_id=package.id,
        version=version,
        version_key=version_key(version),
        status=status,
        yanked=yanked,
        blob_key=f"sha256/{digest}",
        sha256=digest,
        upload_sha256=digest,
        size_bytes=1234,
        published_at=datetime.now(UTC) if status == "published" else None,
    )
    for dep_name, spec in dependencies:
        await Dependency.create(
            version_id=row.id, name=dep_name, name_key=name_key(dep_name), version_spec=spec
        )
    from domain.services.packages import refresh_latest_version

    await refresh_latest_version(package.id)
    return row


def spooled(path: Any, content: bytes, filename: str = "upload.zip") -> SpooledFile:
    """A file as the multipart parser hands it to resolvers."""
    import hashlib

    path.write_bytes(content)
    return SpooledFile(
        path, hashlib.sha256(content).hexdigest(), len(content), filename, "application/zip"
    )
