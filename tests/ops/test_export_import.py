"""`tb-registry export` / `import` (issue 16): an embedded registry (SQLite + folder) moves to
PostgreSQL + S3 (SeaweedFS) with every package, version, checksum, download count, token and
audit event, compared through the REST API; both commands resume after an interruption; a bad
DIR, a corrupt object and a non-empty target end in one line on stderr, not a traceback."""

from __future__ import annotations

import asyncio
import hashlib
import json
import os
import shutil
import subprocess
import sys
from collections.abc import AsyncIterator
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import pytest
from tortoise.backends.base.executor import EXECUTOR_CACHE
from tortoise.models import Model

import domain.models
from domain.services import transfer
from registry.commands import export_import
from registry.commands.transfer_files import MANIFEST, TransferError
from registry.config import Settings, load_settings
from storage.factory import StorageSpec
from tests.fixtures.services import create_postgres_database, drop_postgres_database
from tests.fixtures.stack import JWT_SECRET, Stack, bearer, start_stack, stop_stack
from tests.helpers import create_package, make_publisher, mod_zip, upload_version
from tests.publishers.support import make_admin
from tests.rest.test_artifacts import create_artifact, payload, upload_build

REPO = Path(__file__).resolve().parents[2]
PACKAGES = {"Alpha": "u1", "Beta": "u1", "Secret": "u2"}  # name -> a user who may see it


class Stop(Exception):
    """Raised by a page hook to interrupt a run midway."""


def stop_after(pages: int) -> export_import.PageHook:
    seen = {"pages": 0}

    def hook(phase: str, items: int) -> None:
        seen["pages"] += 1
        if seen["pages"] >= pages:
            raise Stop(phase)

    return hook


async def populate(stack: Stack) -> str:
    """Packages (public, private, yanked), an artifact, a token, downloads and the audit
    events all of that leaves; returns the token's plaintext."""
    client = stack.client
    await make_admin("root")
    await make_publisher("u1", "team-one")
    await make_publisher("u2", "team-two", verified=False)
    await make_publisher("u3", "apps", artifacts=True)
    for name, user in PACKAGES.items():
        visibility = "private" if name == "Secret" else "public"
        created = await create_package(
            client, user, name, visibility=visibility, keywords=["transfer", name.lower()]
        )
        assert created.status_code == 201, created.text
    for name, version in (("Alpha", "1.0.0"), ("Alpha", "1.1.0"), ("Beta", "2.0.0")):
        data = mod_zip(name, version, extra={f"{name}/README.md": f"# {name} {version}".encode()})
        assert (await upload_version(client, "u1", name, version, data)).status_code == 201
    secret = mod_zip("Secret", "0.1.0")
    assert (await upload_version(client, "u2", "Secret", "0.1.0", secret)).status_code == 201
    await stack.drain_jobs()
    yanked = await client.post(
        "/api/v1/packages/Alpha/versions/1.1.0/yank", headers=bearer("u1"), json={"reason": "x"}
    )
    assert yanked.status_code == 200, yanked.text
    assert (await create_artifact(client, "u3", "DeskApp")).status_code == 201
    build = await upload_build(client, "u3", "DeskApp", "1.0.0", "linux", "x64", payload("desk"))
    assert build.status_code == 201, build.text
    token = await client.post(
        "/api/v1/tokens", headers=bearer("u1"), json={"name": "ci", "scopes": ["publish-update"]}
    )
    assert token.status_code == 201, token.text
    for _ in range(3):
        file = await client.get("/api/v1/packages/Alpha/versions/1.0.0/file")
        assert file.status_code == 200
    assert (await client.get("/api/v1/packages/Beta/versions/2.0.0/file")).status_code == 200
    await stack.drain_jobs()
    await stack.ctx.downloads.flush()
    return str(token.json()["token"])


async def snapshot(stack: Stack) -> dict[str, Any]:
    """What the API shows: packages and versions to a user who may see them, the artifact,
    and the whole audit log as an admin sees it."""
    client = stack.client
    seen: dict[str, Any] = {}
    for name, user in PACKAGES.items():
        package = await client.get(f"/api/v1/packages/{name}", headers=bearer(user))
        assert package.status_code == 200, package.text
        seen[name] = package.json()
        for version in package.json()["versions"]:
            number = version["version"]
            detail = await client.get(
                f"/api/v1/packages/{name}/versions/{number}", headers=bearer(user)
            )
            seen[f"{name} {number}"] = detail.json()
    seen["DeskApp"] = (await client.get("/api/v1/artifacts/DeskApp")).json()
    audit = await client.get("/api/v1/audit", params={"per_page": 200}, headers=bearer("root"))
    assert audit.status_code == 200, audit.text
    seen["audit"] = audit.json()
    return seen


@dataclass
class Source:
    settings: Settings
    token: str
    seen: dict[str, Any]


@pytest.fixture(scope="module")
async def source(tmp_path_factory: pytest.TempPathFactory) -> AsyncIterator[Source]:
    """An embedded registry with data, stopped (as an export wants it)."""
    stack, _ = await start_stack("embedded", tmp_path_factory.mktemp("source"), None)
    try:
        token = await populate(stack)
        seen = await snapshot(stack)
    finally:
        await stop_stack(stack, None)
    # What the comparison covers is really there.
    assert seen["Alpha 1.0.0"]["downloads"] == 3 and seen["Beta"]["total_downloads"] == 1
    assert seen["Alpha 1.1.0"]["yanked"] is True and seen["Secret"]["visibility"] == "private"
    assert {"token.create", "version.yank"} <= {e["action"] for e in seen["audit"]["events"]}
    yield Source(stack.settings, token, seen)


def target_env(tmp: Path, pg_url: str, s3: Any, bucket: str) -> dict[str, str]:
    """The settings of a production target, as an operator gives them."""
    return {
        "DATA_DIR": str(tmp),
        "CLOUDM_JWT_SECRET": JWT_SECRET,
        "ALLOWED_HOSTS": "testserver",
        "DATABASE_URL": pg_url,
        "MINIO_PRIMARY_ENDPOINT": s3.endpoint,
        "MINIO_PRIMARY_ACCESS_KEY": s3.access_key,
        "MINIO_PRIMARY_SECRET_KEY": s3.secret_key,
        "MINIO_PRIMARY_BUCKET": bucket,
    }


@pytest.fixture
async def pg_target(tmp_path: Path, seaweed_s3: Any) -> AsyncIterator[Settings]:
    pg_url = await create_postgres_database()
    try:
        env = target_env(tmp_path / "target", pg_url, seaweed_s3, seaweed_s3.new_bucket_name())
        yield load_settings(env)
    finally:
        await drop_postgres_database(pg_url)


def switch_database() -> None:
    # Tortoise caches compiled statements per connection name, and both registries call
    # theirs "default": SQLite's `?` placeholders must not reach PostgreSQL.
    EXECUTOR_CACHE.clear()


async def test_embedded_to_postgres_and_s3_and_back_resuming_after_interruptions(
    source: Source, pg_target: Settings, tmp_path: Path
) -> None:
    directory = tmp_path / "export"
    switch_database()
    with pytest.raises(Stop):
        await export_import.export_registry(
            source.settings, directory, page_rows=2, after_page=stop_after(4)
        )
    assert not (directory / MANIFEST).exists()
    summary = dict(await export_import.export_registry(source.settings, directory, page_rows=2))
    assert summary["resumed"] is True
    manifest = json.loads((directory / MANIFEST).read_text())
    assert {t["name"]: t["rows"] for t in manifest["tables"]}["packages"] == 3
    for table in manifest["tables"]:  # every row once, despite the interruption
        lines = (directory / table["file"]).read_text().splitlines()
        model = transfer.model_for(table["name"])
        assert model is not None
        keys = [json.loads(line)[transfer.primary_key_column(model)] for line in lines]
        assert len(keys) == len(set(keys)) == table["rows"], table["name"]
    assert manifest["objects"]["count"] >= 5  # 4 versions and a build (and page icons, if any)

    switch_database()
    with pytest.raises(Stop):
        await export_import.import_registry(
            pg_target, directory, page_rows=2, after_page=stop_after(5)
        )
    # As if the process died after its last pages committed but before their progress was
    # recorded: the rerun inserts those rows again, and they must be skipped, not doubled.
    state_file = directory / "import-state.json"
    state = json.loads(state_file.read_text())
    assert state["tables"] and not state["finished"]
    for entry in state["tables"].values():
        entry["rows"] = max(0, entry["rows"] - 2)
    state_file.write_text(json.dumps(state))
    resumed = dict(await export_import.import_registry(pg_target, directory, page_rows=2))
    assert resumed["resumed"] is True and resumed["rows packages"] == 3
    rerun = dict(await export_import.import_registry(pg_target, directory))  # nothing left to do
    assert rerun["resumed"] is True and rerun["object bytes uploaded"] == 0

    switch_database()
    # "embedded" only means start_stack makes no database of its own: the settings name ours.
    target, _ = await start_stack(
        "embedded",
        tmp_path / "served",
        None,
        database_url=pg_target.database_url,
        primary_storage=pg_target.primary_storage,
    )
    try:
        assert await snapshot(target) == source.seen
        client = target.client
        for name, user in PACKAGES.items():  # the bytes came along, checked
            for version in source.seen[name]["versions"]:
                info = source.seen[f"{name} {version['version']}"]
                file = await client.get(info["download_url"], headers=bearer(user))
                assert file.status_code == 200, file.text
                assert hashlib.sha256(file.content).hexdigest() == info["checksum_sha256"]
        me = await client.get(
            "/api/v1/auth/me", headers={"Authorization": f"Bearer {source.token}"}
        )
        assert me.status_code == 200 and me.json()["id"] == "u1"
        found = (await client.get("/api/v1/search", params={"q": "alpha"})).json()
        assert [p["name"] for p in found["packages"]] == ["Alpha"]  # the index was rebuilt
        # The sequences continue after the imported keys: new rows can be written.
        data = mod_zip("Alpha", "1.2.0")
        assert (await upload_version(client, "u1", "Alpha", "1.2.0", data)).status_code == 201
        events = (
            await client.get("/api/v1/audit", params={"per_page": 200}, headers=bearer("root"))
        ).json()["events"]
        assert events[0]["id"] > max(e["id"] for e in source.seen["audit"]["events"])
        await target.drain_jobs()
        await target.ctx.downloads.flush()
        on_postgres = await snapshot(target)
    finally:
        await stop_stack(target, None)

    # The same export into the now filled target again: refused, nothing written.
    (directory / "import-state.json").unlink()
    switch_database()
    with pytest.raises(TransferError, match="target registry is not empty"):
        await export_import.import_registry(pg_target, directory)

    # And back: PostgreSQL + S3 exported, imported into a new embedded registry.
    back = tmp_path / "back"
    await export_import.export_registry(pg_target, back)
    embedded = load_settings({"DATA_DIR": str(tmp_path / "embedded")})
    switch_database()
    await export_import.import_registry(embedded, back)
    switch_database()
    again, _ = await start_stack("embedded", tmp_path / "embedded", None)
    try:
        assert await snapshot(again) == on_postgres
        data = mod_zip("Alpha", "1.3.0")  # SQLite's keys continue after the imported ones too
        assert (await upload_version(again.client, "u1", "Alpha", "1.3.0", data)).status_code == 201
        await again.drain_jobs()
    finally:
        await stop_stack(again, None)


def add_column(directory: Path, table: str, column: str, value: Any) -> None:
    """Rewrite an export's table as a registry with one more column wrote it (the manifest's
    columns and checksum included)."""
    manifest = json.loads((directory / MANIFEST).read_text())
    entry = next(t for t in manifest["tables"] if t["name"] == table)
    path = directory / entry["file"]
    rows = [json.loads(line) | {column: value} for line in path.read_text().splitlines()]
    path.write_text("".join(json.dumps(row) + "\n" for row in rows))
    entry["columns"] = [*entry["columns"], column]
    entry["sha256"] = hashlib.sha256(path.read_bytes()).hexdigest()
    (directory / MANIFEST).write_text(json.dumps(manifest))


async def test_an_export_from_before_a_column_was_dropped_imports(
    source: Source, tmp_path: Path
) -> None:
    """Exports taken before migration 0013 hold `packages.search_text`: the import leaves it
    out; a column this registry never had is still refused."""
    directory = tmp_path / "export"
    switch_database()
    await export_import.export_registry(source.settings, directory)
    unknown = tmp_path / "unknown-column"
    await asyncio.to_thread(shutil.copytree, directory, unknown)
    add_column(unknown, "packages", "shoe_size", 42)
    target = load_settings({"DATA_DIR": str(tmp_path / "target")})
    with pytest.raises(TransferError, match="packages: the export's columns differ"):
        await export_import.import_registry(target, unknown)

    add_column(directory, "packages", "search_text", "alpha")
    target = load_settings({"DATA_DIR": str(tmp_path / "target-2")})
    switch_database()
    summary = dict(await export_import.import_registry(target, directory))
    assert summary["rows packages"] == 3


def test_every_table_is_copied_or_left_out_with_a_reason() -> None:
    models = {
        value
        for value in vars(domain.models).values()
        if isinstance(value, type) and issubclass(value, Model) and value is not Model
    }
    assert len(models) >= 15
    assert set(transfer.COPIED).isdisjoint(transfer.NOT_COPIED)
    assert models == set(transfer.COPIED) | set(transfer.NOT_COPIED)


async def test_bad_input_fails_with_a_one_line_reason(source: Source, tmp_path: Path) -> None:
    target = load_settings({"DATA_DIR": str(tmp_path / "target")})

    async def refused(work: Any, reason: str) -> None:
        with pytest.raises(TransferError) as caught:
            await work
        assert reason in str(caught.value) and "\n" not in str(caught.value)

    await refused(export_import.import_registry(target, tmp_path / "nowhere"), "not a directory")
    (tmp_path / "empty").mkdir()
    await refused(
        export_import.import_registry(target, tmp_path / "empty"), "not an export directory"
    )
    directory = tmp_path / "export"
    switch_database()
    await export_import.export_registry(source.settings, directory)
    await refused(
        export_import.export_registry(source.settings, directory), "already holds a finished"
    )
    await refused(
        export_import.export_registry(source.settings, tmp_path / "empty" / ".." / "export"),
        "already holds a finished",
    )
    # A corrupted table file is caught by the manifest's checksum before anything is written.
    broken = tmp_path / "broken-table"
    await asyncio.to_thread(shutil.copytree, directory, broken)
    with (broken / "tables" / "packages.jsonl").open("ab") as out:
        out.write(b'{"id": 99}\n')
    await refused(export_import.import_registry(target, broken), "packages.jsonl: corrupt")
    assert not (tmp_path / "target").exists()  # refused before the target was touched

    # An object that rotted in the source's storage stops the export, naming the fix.
    rotten = tmp_path / "rotten-source"
    await asyncio.to_thread(shutil.copytree, source.settings.data_dir, rotten)
    first = json.loads((directory / "objects.jsonl").read_text().splitlines()[0])
    blob = rotten / "blobs" / first["key"]
    blob.write_bytes(blob.read_bytes()[:-1] + b"!")
    await refused(
        export_import.export_registry(
            replace(
                source.settings,
                data_dir=rotten,
                database_url=f"sqlite://{rotten}/registry.sqlite3",
                primary_storage=StorageSpec(name="primary", kind="local", root=rotten / "blobs"),
            ),
            tmp_path / "from-rotten",
        ),
        "reconcile --full",
    )


def cli(env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    clean = {k: v for k, v in os.environ.items() if not k.startswith(("MINIO_", "DATABASE_"))}
    return subprocess.run(
        [sys.executable, "-m", "registry", *args],
        env={**clean, **env},
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_the_command_line_prints_a_summary_and_errors_in_one_line(
    source: Source, tmp_path: Path
) -> None:
    directory = tmp_path / "export"
    source_env = {"DATA_DIR": str(source.settings.data_dir), "CLOUDM_JWT_SECRET": JWT_SECRET}
    exported = cli(source_env, "export", str(directory))
    assert exported.returncode == 0, exported.stderr
    assert "export: rows packages: 3" in exported.stdout
    assert "export objects: " in exported.stdout  # the phase's plain line (not a terminal)

    # A corrupted object: the upload is refused by its sha256; one line, status 1.
    first = json.loads((directory / "objects.jsonl").read_text().splitlines()[0])
    (directory / "objects" / first["key"]).write_bytes(b"not the archive")
    target = {"DATA_DIR": str(tmp_path / "target"), "CLOUDM_JWT_SECRET": JWT_SECRET}
    result = cli(target, "import", str(directory))
    assert result.returncode == 1, (result.stdout, result.stderr)
    assert "Traceback" not in result.stderr + result.stdout
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and "corrupt object" in lines[0], result.stderr
    assert lines[0].startswith("tb-registry import: ")
