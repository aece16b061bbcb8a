"""Run `python -m registry` as a real process on a free port (what ToolBoxV2 does)."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class ServerProcess:
    def __init__(
        self, data_dir: Path, env: dict[str, str] | None = None, log_path: Path | None = None
    ) -> None:
        self.port = free_port()
        self.data_dir = data_dir
        # A long-running test logs to a file: a pipe nobody reads fills up and blocks the server.
        self.log_path = log_path
        self.env = {
            **os.environ,
            "DATA_DIR": str(data_dir),
            "SERVER_HOST": "127.0.0.1",
            "SERVER_PORT": str(self.port),
            **(env or {}),
        }
        self.process: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self, timeout: float = 60.0) -> None:
        log = self.log_path.open("ab") if self.log_path is not None else None
        self.process = subprocess.Popen(
            [sys.executable, "-m", "registry"],
            env=self.env,
            cwd=self.data_dir.parent,
            stdout=log if log is not None else subprocess.PIPE,
            stderr=subprocess.STDOUT,
        )
        if log is not None:
            log.close()  # the child holds its own descriptor
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                if self.log_path is not None:
                    output = self.log_path.read_text(errors="replace")
                else:
                    output = self.process.stdout.read().decode() if self.process.stdout else ""
                raise RuntimeError(f"server exited with {self.process.returncode}: {output}")
            try:
                if httpx.get(f"{self.url}/api/v1/health", timeout=1).status_code == 200:
                    return
            except httpx.HTTPError:
                pass
            time.sleep(0.2)
        self.stop()
        raise RuntimeError("server did not answer /api/v1/health in time")

    def stop(self, sig: int = signal.SIGTERM) -> None:
        if self.process is None or self.process.poll() is not None:
            return
        self.process.send_signal(sig)
        try:
            self.process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()

    def kill(self) -> None:
        self.stop(signal.SIGKILL)


def run_cli(
    args: list[str], env: dict[str, str], cwd: Path, timeout: float = 60
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "registry", *args],
        env={**os.environ, **env},
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=timeout,
    )
