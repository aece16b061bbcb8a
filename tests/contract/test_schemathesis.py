"""Schemathesis against a live server: the served OpenAPI document and the server agree.

A real `tb-registry serve` (embedded default: SQLite and a local folder, in a temporary
directory, on loopback) is fuzzed through its own `/api/v1/openapi.json` with every check
(`--checks all`: server errors, status codes, content types, response schemas and headers,
schema-valid requests accepted, schema-violating ones refused, Allow on 405, auth) as an admin.
The run is bounded (few examples per operation) and deterministic (fixed seed, deterministic
generation); `schemathesis.toml` at the repository root names the operations whose contract
400s depend on state (see its comments). The full run is the same command without
`--max-examples`.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

REPOSITORY = Path(__file__).resolve().parents[2]
ADMIN_ID, ADMIN_NAME = "schemathesis-admin", "fuzzer"
MAX_EXAMPLES = 5  # per operation and phase: about a minute on two cores
SEED = 1


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _registry(env: dict[str, str], cwd: Path, *args: str) -> str:
    done = subprocess.run(
        [sys.executable, "-m", "registry", *args],
        env=env,
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    )
    return done.stdout.strip()


@pytest.fixture
def live_server(tmp_path: Path) -> Iterator[tuple[str, str]]:
    """(base URL, admin JWT) of a server started for this test alone."""
    port = _free_port()
    env = {
        **os.environ,
        "PYTHONPATH": str(REPOSITORY),
        "DATA_DIR": str(tmp_path / "data"),
        "SERVER_HOST": "127.0.0.1",
        "SERVER_PORT": str(port),
        "CLOUDM_JWT_SECRET": "schemathesis-" + "0123456789abcdef" * 3,
    }
    for name in ("DATABASE_URL", "REDIS_URL", "PUBLIC_BASE_URL"):
        env.pop(name, None)
    _registry(env, tmp_path, "admin", "grant", ADMIN_ID, "--username", ADMIN_NAME)
    token = _registry(env, tmp_path, "dev-token", ADMIN_ID, ADMIN_NAME)
    log = (tmp_path / "server.log").open("wb")
    server = subprocess.Popen(
        [sys.executable, "-m", "registry", "serve"],
        env=env,
        cwd=tmp_path,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                if httpx.get(f"{base}/api/v1/health", timeout=2).status_code == 200:
                    break
            except httpx.TransportError:
                pass
            assert server.poll() is None, (tmp_path / "server.log").read_text()
            assert time.monotonic() < deadline, "the server did not start within 60 s"
            time.sleep(0.2)
        yield base, token
    finally:
        server.terminate()
        try:
            server.wait(timeout=20)
        except subprocess.TimeoutExpired:
            server.kill()
        log.close()


def test_schemathesis_finds_no_failure(live_server: tuple[str, str], tmp_path: Path) -> None:
    base, token = live_server
    command = [
        sys.executable,
        "-m",
        "schemathesis.cli",
        "--config-file",
        str(REPOSITORY / "schemathesis.toml"),
        "run",
        f"{base}/api/v1/openapi.json",
        "--checks",
        "all",
        "--header",
        f"Authorization: Bearer {token}",
        "--max-examples",
        str(MAX_EXAMPLES),
        "--seed",
        str(SEED),
        "--generation-deterministic",
        "--workers",
        "1",
        "--no-color",
    ]
    # Run from the test's directory: schemathesis leaves its .schemathesis/ state where it runs.
    done = subprocess.run(command, capture_output=True, text=True, timeout=600, cwd=tmp_path)
    report = done.stdout + done.stderr
    # A non-zero exit is any failure or error; the sections say which (and are absent when
    # there is none, whatever the exit code).
    assert done.returncode == 0, report[-20000:]
    assert "Failures:" not in report and "Errors:" not in report, report[-20000:]
