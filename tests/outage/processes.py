"""Processes the outage tests start and kill: a private Redis and `tb-registry worker`.

The Redis is the test's own `redis-server` on a free port, with persistence off (`--save ''
--appendonly no`), so that a restart brings it back empty, as a crashed cache server would.
"""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import redis

from tests.fixtures.services import unavailable
from tests.process.server import free_port

# In a worker's log: the sweep of pending work ran (arq logs its result, the counts queued).
SWEEP_RAN = "cron:requeue_pending_work ● {'scans'"


class RedisServer:
    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self.port = free_port()
        self.process: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def client(self) -> redis.Redis:
        return redis.Redis(host="127.0.0.1", port=self.port, socket_timeout=5)

    def start(self, timeout: float = 15.0) -> None:
        binary = shutil.which("redis-server")
        if binary is None:
            unavailable("redis-server is not installed")
            return
        self.folder.mkdir(parents=True, exist_ok=True)
        self.process = subprocess.Popen(
            [
                binary,
                "--port",
                str(self.port),
                "--bind",
                "127.0.0.1",
                "--save",
                "",
                "--appendonly",
                "no",
                "--dir",
                str(self.folder),
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            try:
                if self.client().ping():
                    return
            except redis.ConnectionError:
                time.sleep(0.05)
        raise RuntimeError(f"redis-server did not answer on port {self.port}")

    def pause(self) -> None:
        """SIGSTOP: connections stay open and the kernel still accepts new ones, but nothing
        answers (as with a partition or a hung host)."""
        assert self.process is not None
        self.process.send_signal(signal.SIGSTOP)

    def resume(self) -> None:
        assert self.process is not None
        self.process.send_signal(signal.SIGCONT)

    def kill(self) -> None:
        """SIGKILL: no save, no goodbye to the clients."""
        if self.process is not None and self.process.poll() is None:
            self.process.send_signal(signal.SIGKILL)
            self.process.wait(timeout=10)
        self.process = None


class WorkerProcess:
    """`python -m registry worker` (or another module's main) logging to a file."""

    def __init__(
        self, cwd: Path, env: dict[str, str], log_path: Path, module: str = "registry"
    ) -> None:
        self.cwd = cwd
        self.env = {**os.environ, **env}
        self.log_path = log_path
        self.module = module
        self.process: subprocess.Popen[bytes] | None = None

    def start(self) -> None:
        args = [sys.executable, "-m", self.module]
        if self.module == "registry":
            args.append("worker")
        with self.log_path.open("ab") as log:
            self.process = subprocess.Popen(
                args, env=self.env, cwd=self.cwd, stdout=log, stderr=subprocess.STDOUT
            )

    @property
    def log(self) -> str:
        return self.log_path.read_text(errors="replace") if self.log_path.exists() else ""

    def running(self) -> bool:
        return self.process is not None and self.process.poll() is None

    def wait_for_log(self, needle: str, timeout: float, *, after: int = 0) -> int:
        """Wait until `needle` appears in the log past offset `after`; its position."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            found = self.log.find(needle, after)
            if found >= 0:
                return found
            if not self.running():
                raise AssertionError(
                    f"worker exited ({self.returncode()}) before {needle!r}:\n{self.log}"
                )
            time.sleep(0.1)
        raise AssertionError(f"{needle!r} not in the worker's log after {timeout} s:\n{self.log}")

    def returncode(self) -> int | None:
        return None if self.process is None else self.process.poll()

    def stop(self, timeout: float = 60.0) -> int:
        """SIGTERM and wait; the exit code."""
        assert self.process is not None
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
        try:
            return self.process.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
            raise AssertionError(f"worker did not stop within {timeout} s:\n{self.log}") from None

    def kill(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.kill()
            self.process.wait()
