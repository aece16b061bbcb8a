"""`tb-registry serve --dev` as a real process on a fresh data dir: the printed token
publishes at once, a second start reuses the secret (the old token still works), and the
guards refuse a non-loopback bind or a real CLOUDM_JWT_SECRET."""

from __future__ import annotations

import os
import re
import stat
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from registry.commands import dev
from registry.config import ConfigError, load_settings
from tests.helpers import mod_zip
from tests.process.rest_setup import wait_published
from tests.process.server import free_port

TOKEN_LINE = re.compile(r"export TOKEN=(\S+)")
# What could make the process something other than a fresh embedded default.
CLEARED = ("SERVER_HOST", "CLOUDM_JWT_SECRET", "DATABASE_URL", "REDIS_URL", "STORAGE_DIR")


def fresh_env(data_dir: Path, port: int, **extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in CLEARED and not k.startswith("MINIO_")}
    return {**env, "DATA_DIR": str(data_dir), "SERVER_PORT": str(port), **extra}


class DevServer:
    """`python -m registry serve --dev`, its output collected line by line."""

    def __init__(self, data_dir: Path, port: int) -> None:
        self.port = port
        self.lines: list[str] = []
        self.process = subprocess.Popen(
            [sys.executable, "-m", "registry", "serve", "--dev"],
            env=fresh_env(data_dir, port),
            cwd=data_dir.parent,  # no .env there
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
        )
        threading.Thread(target=self._read, daemon=True).start()

    def _read(self) -> None:
        assert self.process.stdout is not None
        for line in self.process.stdout:
            self.lines.append(line)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def token_and_ready(self, timeout: float = 60) -> str:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise AssertionError("serve --dev exited:\n" + "".join(self.lines))
            tokens = [m.group(1) for line in self.lines if (m := TOKEN_LINE.match(line))]
            if tokens:
                try:
                    if httpx.get(f"{self.url}/api/v1/health", timeout=1).status_code == 200:
                        return tokens[0]
                except httpx.HTTPError:
                    pass
            time.sleep(0.2)
        raise AssertionError("serve --dev did not come up:\n" + "".join(self.lines))

    def stop(self) -> None:
        self.process.terminate()
        try:
            self.process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()


@pytest.fixture
def dev_server_factory(tmp_path: Path) -> Iterator[list[DevServer]]:
    started: list[DevServer] = []
    yield started
    for server in started:
        server.stop()


def latest_in_list(base: str, name: str) -> list[str]:
    """The package's `latest_version` as the public list shows it ([] when not listed)."""
    packages = httpx.get(f"{base}/api/v1/packages").json()["packages"]
    return [p["latest_version"] for p in packages if p["name"] == name]


def published_and_listed(base: str, name: str, version: str) -> bool:
    """Waits for the in-process scan to publish `version`, then whether the list shows it.

    The package is listed from its upload on, with `latest_version` "" while its only version
    is pending (the contract's value for "none"): a loaded machine reads the list before the
    scan ends, so the wait is for the version, and the list must agree at once after it."""
    wait_published(base, name, 60, version=version)
    return latest_in_list(base, name) == [version]


def test_fresh_clone_publishes_with_the_printed_token(
    tmp_path: Path, dev_server_factory: list[DevServer]
) -> None:
    data_dir = tmp_path / "data"
    port = free_port()
    server = DevServer(data_dir, port)
    dev_server_factory.append(server)
    token = server.token_and_ready()
    output = "".join(server.lines)
    assert f"http://127.0.0.1:{port}/" in output and f"http://127.0.0.1:{port}/graphql" in output
    secret_file = data_dir / dev.SECRET_FILE_NAME
    assert stat.S_IMODE(secret_file.stat().st_mode) == 0o600

    headers = {"Authorization": f"Bearer {token}"}
    me = httpx.get(f"{server.url}/api/v1/auth/me", headers=headers).json()
    assert me["is_admin"] is True and me["is_verified"] is True
    publish = httpx.post(
        f"{server.url}/api/v1/packages",
        headers=headers,
        files={"file": ("x.zip", mod_zip("hello", "0.1.0"), "application/zip")},
        data={"metadata": '{"name": "hello", "version": "0.1.0", "description": "First"}'},
    )
    assert publish.status_code == 201, publish.text
    assert published_and_listed(server.url, "hello", "0.1.0")
    server.stop()

    # Second start: same secret, so the first token still works (and publishes).
    secret = secret_file.read_text()
    again = DevServer(data_dir, port)
    dev_server_factory.append(again)
    second_token = again.token_and_ready()
    assert secret_file.read_text() == secret and second_token != token
    upload = httpx.post(
        f"{again.url}/api/v1/packages/hello/versions",
        headers=headers,
        data={"version": "0.2.0"},
        files={"file": ("x.zip", mod_zip("hello", "0.2.0"), "application/zip")},
    )
    assert upload.status_code == 201, upload.text
    me = httpx.get(
        f"{again.url}/api/v1/auth/me", headers={"Authorization": f"Bearer {second_token}"}
    )
    assert me.status_code == 200 and me.json()["is_admin"] is True


REFUSALS = [
    ({"SERVER_HOST": "0.0.0.0"}, "SERVER_HOST: 0.0.0.0 is not a loopback address"),
    ({"SERVER_HOST": "10.1.2.3"}, "SERVER_HOST: 10.1.2.3 is not a loopback address"),
    ({"SERVER_HOST": "example.com"}, "SERVER_HOST: example.com is not a loopback"),
    ({"CLOUDM_JWT_SECRET": "a-real-secret-0123456789abcdef"}, "CLOUDM_JWT_SECRET: set"),
]


def test_the_process_refuses_a_public_bind_with_one_line(tmp_path: Path) -> None:
    extra, needle = REFUSALS[0]
    result = subprocess.run(
        [sys.executable, "-m", "registry", "serve", "--dev"],
        env=fresh_env(tmp_path / "data", free_port(), **extra),
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 2
    lines = [line for line in result.stderr.splitlines() if line.strip()]
    assert len(lines) == 1 and needle in lines[0], result.stderr
    assert "TOKEN" not in result.stdout
    assert not (tmp_path / "data" / dev.SECRET_FILE_NAME).exists()  # refused before the secret


@pytest.mark.parametrize(("extra", "needle"), REFUSALS)
def test_refuses(
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    extra: dict[str, str],
    needle: str,
) -> None:
    from registry.cli import main

    monkeypatch.chdir(tmp_path)  # no .env
    for name, value in fresh_env(tmp_path / "data", free_port(), **extra).items():
        monkeypatch.setenv(name, value)
    for name in {*CLEARED, *(n for n in os.environ if n.startswith("MINIO_"))} - set(extra):
        monkeypatch.delenv(name, raising=False)
    assert main(["serve", "--dev"]) == 2
    captured = capsys.readouterr()
    lines = [line for line in captured.err.splitlines() if line.strip()]
    assert len(lines) == 1 and needle in lines[0], captured.err
    assert "TOKEN" not in captured.out
    assert not (tmp_path / "data" / dev.SECRET_FILE_NAME).exists()


@pytest.mark.parametrize("host", ["127.0.0.1", "127.8.9.10", "::1", "localhost"])
def test_an_explicit_loopback_host_is_kept(tmp_path: Path, host: str) -> None:
    settings = load_settings({"DATA_DIR": str(tmp_path)})
    assert dev.dev_settings(settings, {"SERVER_HOST": host}).host == host


def test_default_host_becomes_loopback_and_secret_is_private(tmp_path: Path) -> None:
    settings = load_settings({"DATA_DIR": str(tmp_path)})
    assert settings.host == "0.0.0.0"
    chosen = dev.dev_settings(settings, {})
    assert chosen.host == "127.0.0.1" and chosen.jwt_secret
    path = dev.secret_path(settings)
    assert dev.dev_settings(settings, {}).jwt_secret == chosen.jwt_secret  # reused
    path.chmod(0o644)
    with pytest.raises(ConfigError, match="other users may read"):
        dev.dev_settings(settings, {})
    path.chmod(0o600)
    path.write_text("short\n")
    with pytest.raises(ConfigError, match="not a dev secret"):
        dev.dev_settings(settings, {})


def readme_try_it_commands() -> str:
    """The shell block of the README's "Try it" section that packs and publishes a mod."""
    readme = (Path(__file__).parents[2] / "README.md").read_text(encoding="utf-8")
    section = readme.split("## Try it: publish a first mod", 1)[1].split("\n## ", 1)[0]
    blocks = re.findall(r"```bash\n(.*?)```", section, flags=re.DOTALL)
    return next(block for block in blocks if "curl" in block)


def test_the_readme_commands_publish(tmp_path: Path, dev_server_factory: list[DevServer]) -> None:
    port = free_port()
    server = DevServer(tmp_path / "data", port)
    dev_server_factory.append(server)
    token = server.token_and_ready()
    script = readme_try_it_commands().replace("127.0.0.1:4025", f"127.0.0.1:{port}")
    work = tmp_path / "work"
    work.mkdir()
    result = subprocess.run(
        ["bash", "-euo", "pipefail", "-c", script],
        cwd=work,
        env={**os.environ, "TOKEN": token},
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr
    assert '"status":"pending"' in result.stdout and '"package":"hello"' in result.stdout
    assert published_and_listed(server.url, "hello", "0.1.0")
    graphql = httpx.post(
        f"{server.url}/graphql",
        json={"query": '{ package(name: "hello") { name latestVersion } }'},
    )
    assert graphql.json() == {"data": {"package": {"name": "hello", "latestVersion": "0.1.0"}}}
    assert "text/html" in httpx.get(f"{server.url}/").headers["content-type"]
