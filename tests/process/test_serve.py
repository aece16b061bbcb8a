"""The real process: start, persistence across restarts, one-line start failures, and a kill
in the middle of an upload leaving nothing behind."""

from __future__ import annotations

import os
import socket
import sqlite3
import threading
import time
from pathlib import Path

import httpx
import pytest

from tests.fixtures.stack import JWT_SECRET, bearer
from tests.helpers import mod_zip
from tests.process.server import ServerProcess, free_port, run_cli

ENV = {"CLOUDM_JWT_SECRET": JWT_SECRET, "ADMIN_USERS": ""}


def _publisher_and_package(base: str, name: str) -> None:
    headers = bearer("p1")
    assert (
        httpx.post(
            f"{base}/api/v1/auth/register-publisher",
            headers=headers,
            json={"name": "team", "display_name": "Team", "email": "t@example.com"},
        ).status_code
        == 201
    )
    response = httpx.post(
        f"{base}/api/v1/packages", headers=headers, json={"name": name, "visibility": "unlisted"}
    )
    assert response.status_code == 201, response.text


def test_data_survives_restart(tmp_path: Path) -> None:
    server = ServerProcess(tmp_path / "data", ENV)
    server.start()
    try:
        _publisher_and_package(server.url, "Persist")
        upload = httpx.post(
            f"{server.url}/api/v1/packages/Persist/versions",
            headers=bearer("p1"),
            data={"version": "1.0.0"},
            files={"file": ("t.zip", mod_zip("Persist", "1.0.0"))},
        )
        assert upload.status_code == 201, upload.text
        graphiql = httpx.get(f"{server.url}/graphql", headers={"Accept": "text/html"})
        assert graphiql.status_code == 200 and "<html" in graphiql.text.lower()
    finally:
        server.stop()
    server.start()
    try:
        detail = httpx.get(f"{server.url}/api/v1/packages/persist").json()
        assert detail["name"] == "Persist" and detail["latest_version"] == "1.0.0"
        file = httpx.get(f"{server.url}/api/v1/packages/Persist/versions/1.0.0/file")
        assert file.status_code == 200
    finally:
        server.stop()


def _one_line_failure(result) -> str:
    assert result.returncode != 0
    lines = [line for line in result.stderr.splitlines() if line.strip()]
    assert len(lines) == 1, result.stderr
    assert "Traceback" not in result.stderr
    return lines[0]


@pytest.mark.parametrize(
    ("env", "needle"),
    [
        ({"DATABASE_URL": "postgres://::bad"}, "DATABASE_URL"),
        ({"DATABASE_URL": "mysql://localhost/x"}, "DATABASE_URL"),
        ({"SERVER_PORT": "not-a-port"}, "SERVER_PORT"),
        # STARTUP_WAIT_SECONDS=0: fail on the first refusal instead of waiting for the database.
        (
            {
                "DATABASE_URL": f"postgres://postgres@127.0.0.1:{free_port()}/none",
                "STARTUP_WAIT_SECONDS": "0",
            },
            "cannot start",
        ),
    ],
)
def test_bad_configuration_exits_with_one_line(
    tmp_path: Path, env: dict[str, str], needle: str
) -> None:
    line = _one_line_failure(
        run_cli(["serve"], {**ENV, "DATA_DIR": str(tmp_path), **env}, tmp_path)
    )
    assert needle in line


def test_unreachable_s3_exits_with_one_line(tmp_path: Path) -> None:
    started = time.monotonic()
    result = run_cli(
        ["serve"],
        {
            **ENV,
            "DATA_DIR": str(tmp_path),
            "MINIO_PRIMARY_ENDPOINT": f"127.0.0.1:{free_port()}",
            "MINIO_PRIMARY_ACCESS_KEY": "a",
            "MINIO_PRIMARY_SECRET_KEY": "b",
        },
        tmp_path,
    )
    line = _one_line_failure(result)
    assert "unreachable" in line.lower() and time.monotonic() - started < 30


def test_help_for_every_command(tmp_path: Path) -> None:
    for args in (
        ["--help"],
        ["serve", "--help"],
        ["worker", "--help"],
        ["migrate", "--help"],
        ["admin", "grant", "--help"],
        ["dev-token", "--help"],
    ):
        result = run_cli(args, ENV, tmp_path)
        assert result.returncode == 0 and "usage" in result.stdout.lower()


def test_admin_and_dev_token_commands(tmp_path: Path) -> None:
    env = {**ENV, "DATA_DIR": str(tmp_path / "data")}
    assert run_cli(["migrate"], env, tmp_path).returncode == 0
    granted = run_cli(["admin", "grant", "u9", "--username", "nine"], env, tmp_path)
    assert granted.returncode == 0 and "is now an admin" in granted.stdout
    token = run_cli(["dev-token", "u9", "nine"], env, tmp_path).stdout.strip()
    server = ServerProcess(tmp_path / "data", ENV)
    server.start()
    try:
        me = httpx.get(
            f"{server.url}/api/v1/auth/me", headers={"Authorization": f"Bearer {token}"}
        ).json()
        assert me["id"] == "u9" and me["is_admin"] is True
    finally:
        server.stop()


def test_kill_mid_upload_leaves_nothing(tmp_path: Path) -> None:
    data_dir = tmp_path / "data"
    server = ServerProcess(data_dir, {**ENV, "MAX_UPLOAD_SIZE": "1GiB"})
    server.start()
    _publisher_and_package(server.url, "Partial")
    body_sent = threading.Event()

    def slow_upload() -> None:
        boundary = "b0undary"
        head = (
            f'--{boundary}\r\nContent-Disposition: form-data; name="version"\r\n\r\n'
            f'1.0.0\r\n--{boundary}\r\nContent-Disposition: form-data; name="file"; '
            f'filename="x.zip"\r\n\r\n'
        ).encode()
        sock = socket.create_connection(("127.0.0.1", server.port))
        token = bearer("p1")["Authorization"]
        request = (
            f"POST /api/v1/packages/Partial/versions HTTP/1.1\r\nHost: x\r\n"
            f"Authorization: {token}\r\nContent-Type: multipart/form-data; "
            f"boundary={boundary}\r\nContent-Length: {200 * 1024 * 1024}\r\n\r\n"
        )
        try:
            sock.sendall(request.encode() + head)
            for _ in range(40):  # 40 MiB of a declared 200 MiB, then the server dies
                sock.sendall(os.urandom(1024 * 1024))
            body_sent.set()
            time.sleep(30)
        except OSError:
            body_sent.set()
        finally:
            sock.close()

    thread = threading.Thread(target=slow_upload, daemon=True)
    thread.start()
    assert body_sent.wait(60)
    spooled = [
        p for p in (data_dir / "spool").rglob("*") if p.is_file() and not p.name.endswith(".lock")
    ]
    assert spooled, "the upload should be spooling when the server is killed"
    server.kill()
    thread.join(5)
    server.start()
    try:
        leftovers = [
            p
            for p in (data_dir / "spool").rglob("*")
            if p.is_file() and not p.name.endswith(".lock")
        ]
        assert leftovers == []
        # The restarted server holds its own scratch-area lock (named after its pid);
        # anything else under blobs/ would be a leftover of the killed upload.
        assert server.process is not None
        own_lock = f"{server.process.pid}-"
        blobs = [
            p
            for p in (data_dir / "blobs").rglob("*")
            if p.is_file()
            and not (
                p.parent.name == ".tmp" and p.name.startswith(own_lock) and p.name.endswith(".lock")
            )
        ]
        assert blobs == []
        with sqlite3.connect(data_dir / "registry.sqlite3") as db:
            assert db.execute("select count(*) from package_versions").fetchone()[0] == 0
            assert db.execute("select count(*) from stored_copies").fetchone()[0] == 0
    finally:
        server.stop()
