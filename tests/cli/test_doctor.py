"""`tb-registry doctor`: all healthy on the embedded default and on production (PostgreSQL,
Redis, SeaweedFS primary and mirror), and one broken piece at a time (Redis on a wrong port, a
missing bucket, a pending migration, a bad variable), each with its line and exit status."""

from __future__ import annotations

import io
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from tortoise import Tortoise

from domain.database import apply_migrations, tortoise_config
from registry.commands import doctor
from tests.fixtures.seaweed_process import SeaweedServer
from tests.fixtures.stack import JWT_SECRET
from tests.process.server import free_port

MIGRATIONS = sorted(
    path.stem for path in (Path(__file__).parents[2] / "domain" / "migrations").glob("0*.py")
)


async def run(env: dict[str, str]) -> tuple[int, list[str]]:
    out = io.StringIO()
    code = doctor.report(await doctor.collect(env), out)
    return code, out.getvalue().splitlines()


def line_of(lines: list[str], check: str) -> str:
    found = [line for line in lines if line.split(":", 1)[0].split(None, 1)[-1] == check]
    assert len(found) == 1, (check, lines)
    return found[0]


def s3_vars(prefix: str, server: SeaweedServer, bucket: str) -> dict[str, str]:
    return {
        f"{prefix}_ENDPOINT": server.endpoint,
        f"{prefix}_ACCESS_KEY": server.access_key,
        f"{prefix}_SECRET_KEY": server.secret_key,
        f"{prefix}_BUCKET": bucket,
    }


@pytest.fixture
async def production(
    tmp_path: Path, postgres_url: str, redis_url: str, seaweed_s3: SeaweedServer
) -> AsyncIterator[dict[str, str]]:
    """A healthy production configuration: migrated PostgreSQL, Redis, an S3 primary and an
    S3 mirror, both buckets created."""
    await apply_migrations(postgres_url)
    primary, mirror = seaweed_s3.new_bucket_name(), seaweed_s3.new_bucket_name()
    client = seaweed_s3.client()
    for bucket in (primary, mirror):
        client.make_bucket(bucket)
    yield {
        "DATA_DIR": str(tmp_path / "data"),
        "DATABASE_URL": postgres_url,
        "REDIS_URL": redis_url,
        "CLOUDM_JWT_SECRET": JWT_SECRET,
        "STORAGE_MIRRORS": "backup",
        **s3_vars("MINIO_PRIMARY", seaweed_s3, primary),
        **s3_vars("MIRROR_BACKUP", seaweed_s3, mirror),
    }


async def test_embedded_healthy(tmp_path: Path) -> None:
    env = {"DATA_DIR": str(tmp_path / "data"), "CLOUDM_JWT_SECRET": JWT_SECRET}
    code, lines = await run(env)  # a fresh clone: nothing created yet is not a problem
    assert code == 0, lines
    assert "not created yet" in line_of(lines, "database")

    await apply_migrations(f"sqlite://{tmp_path}/data/registry.sqlite3")
    code, lines = await run(env)
    assert code == 0 and lines[-1] == "doctor: everything looks fine", lines
    assert all(line.startswith("ok ") for line in lines[:-1]), lines
    assert "up to date" in line_of(lines, "migrations")
    assert "probe object was written, read back and deleted" in line_of(lines, "storage primary")


async def test_embedded_without_secret_warns_but_passes(tmp_path: Path) -> None:
    code, lines = await run({"DATA_DIR": str(tmp_path / "data")})
    assert code == 0
    assert line_of(lines, "auth").startswith("warn ") and "read-only" in line_of(lines, "auth")


async def test_production_healthy(production: dict[str, str]) -> None:
    code, lines = await run(production)
    assert code == 0, lines
    assert all(line.startswith("ok ") for line in lines[:-1]), lines
    assert "answers (Redis" in line_of(lines, "redis")
    for check in ("storage primary", "storage mirror backup"):
        assert "probe object was written" in line_of(lines, check)


async def test_redis_on_a_wrong_port(production: dict[str, str]) -> None:
    code, lines = await run({**production, "REDIS_URL": f"redis://127.0.0.1:{free_port()}/0"})
    assert code == 1 and lines[-1] == "doctor: 1 problem(s)"
    redis = line_of(lines, "redis")
    assert redis.startswith("PROBLEM ") and "cannot reach Redis" in redis
    assert "-> start Redis, or fix REDIS_URL" in redis


async def test_missing_bucket(production: dict[str, str], seaweed_s3: SeaweedServer) -> None:
    bucket = seaweed_s3.new_bucket_name()
    code, lines = await run({**production, "MIRROR_BACKUP_BUCKET": bucket})
    assert code == 1, lines
    mirror = line_of(lines, "storage mirror backup")
    assert mirror.startswith("PROBLEM ") and f"'{bucket}' missing" in mirror
    assert "-> create the bucket" in mirror
    assert line_of(lines, "storage primary").startswith("ok ")
    assert not seaweed_s3.client().bucket_exists(bucket)  # doctor creates no bucket


async def test_pending_migration(
    tmp_path: Path, postgres_url: str, redis_url: str, seaweed_s3: SeaweedServer
) -> None:
    from tortoise.migrations.api import migrate

    await migrate(config=tortoise_config(postgres_url), target=f"models.{MIGRATIONS[-2]}")
    await Tortoise.close_connections()
    bucket = seaweed_s3.new_bucket_name()
    seaweed_s3.client().make_bucket(bucket)
    env = {
        "DATA_DIR": str(tmp_path / "data"),
        "DATABASE_URL": postgres_url,
        "REDIS_URL": redis_url,
        "CLOUDM_JWT_SECRET": JWT_SECRET,
        **s3_vars("MINIO_PRIMARY", seaweed_s3, bucket),
    }
    code, lines = await run(env)
    assert code == 1, lines
    migrations = line_of(lines, "migrations")
    assert migrations.startswith("PROBLEM ") and f"1 pending: {MIGRATIONS[-1]}" in migrations
    assert "-> run `tb-registry migrate`" in migrations
    assert line_of(lines, "database").startswith("ok ")

    await apply_migrations(postgres_url)
    code, lines = await run(env)
    assert code == 0 and "up to date" in line_of(lines, "migrations")


async def test_a_bad_variable_is_the_one_finding(tmp_path: Path) -> None:
    code, lines = await run({"DATA_DIR": str(tmp_path), "SERVER_PORT": "eighty"})
    assert code == 1 and len(lines) == 2
    assert lines[0].startswith("PROBLEM  configuration: SERVER_PORT:")


def test_command_exit_status(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from registry.cli import main

    monkeypatch.chdir(tmp_path)  # no .env
    monkeypatch.setenv("DATA_DIR", str(tmp_path / "data"))
    for name in ("DATABASE_URL", "REDIS_URL", "MINIO_PRIMARY_ENDPOINT", "STORAGE_MIRRORS"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("SERVER_PORT", "eighty")
    assert main(["doctor"]) == 1
    monkeypatch.setenv("SERVER_PORT", "4025")
    assert main(["doctor"]) == 0
