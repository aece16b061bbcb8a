"""Starts Debian's headless Chromium (never a downloaded browser) for the GraphiQL tests."""

import asyncio
import os
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

import pytest

CHROMIUM = Path("/usr/bin/chromium")
APT_INSTALL_COMMAND = "apt-get update && apt-get install -y chromium chromium-driver"
STARTUP_TIMEOUT_SECONDS = 30.0
SHUTDOWN_TIMEOUT_SECONDS = 10.0
WINDOW_SIZE = (1400, 900)


def require_chromium() -> Path:
    """Skips locally without Chromium; under CI=true a missing Chromium fails the test."""
    if CHROMIUM.is_file() and os.access(CHROMIUM, os.X_OK):
        return CHROMIUM
    message = f"{CHROMIUM} not found; install Debian's chromium with: {APT_INSTALL_COMMAND}"
    if os.environ.get("CI") == "true":
        pytest.fail(message)
    pytest.skip(message)


def chromium_command(binary: Path, profile_dir: Path) -> list[str]:
    width, height = WINDOW_SIZE
    return [
        str(binary),
        "--headless",
        "--no-sandbox",  # the tests may run as root, where Chromium's sandbox refuses to start
        "--disable-gpu",
        "--disable-quic",
        "--no-first-run",
        "--no-default-browser-check",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--disable-extensions",
        "--disable-dev-shm-usage",
        "--mute-audio",
        f"--window-size={width},{height}",
        f"--user-data-dir={profile_dir}",
        # Port 0: Chromium picks a free port and writes it to <profile>/DevToolsActivePort.
        "--remote-debugging-address=127.0.0.1",
        "--remote-debugging-port=0",
        "about:blank",
    ]


def _log_tail(log_path: Path) -> str:
    return log_path.read_text(errors="replace")[-3000:]


def _devtools_url(profile_dir: Path) -> str | None:
    """The browser's DevTools URL once Chromium has written <profile>/DevToolsActivePort."""
    active_port_file = profile_dir / "DevToolsActivePort"
    lines = active_port_file.read_text().splitlines() if active_port_file.exists() else []
    return f"ws://127.0.0.1:{lines[0]}{lines[1]}" if len(lines) >= 2 else None


async def _wait_for_devtools_url(
    profile_dir: Path, process: asyncio.subprocess.Process, log_path: Path
) -> str:
    deadline = asyncio.get_running_loop().time() + STARTUP_TIMEOUT_SECONDS
    while asyncio.get_running_loop().time() < deadline:
        if process.returncode is not None:
            raise RuntimeError(f"chromium exited ({process.returncode}): {_log_tail(log_path)}")
        url = _devtools_url(profile_dir)
        if url is not None:
            return url
        await asyncio.sleep(0.1)
    raise TimeoutError(f"chromium did not open DevTools in time: {_log_tail(log_path)}")


@asynccontextmanager
async def headless_chromium(work_dir: Path) -> AsyncIterator[str]:
    """Runs Chromium with a fresh profile; yields the browser's DevTools WebSocket URL."""
    binary = require_chromium()
    profile_dir = work_dir / "profile"
    profile_dir.mkdir()
    log_path = work_dir / "chromium.log"
    with log_path.open("wb") as log:
        process = await asyncio.create_subprocess_exec(
            *chromium_command(binary, profile_dir), stdout=log, stderr=asyncio.subprocess.STDOUT,
            # Chromium keeps its singleton socket dir in TMPDIR and leaves it behind when it is
            # terminated; inside the test's own directory it goes away with the rest.
            env={**os.environ, "TMPDIR": str(work_dir)},
        )
    try:
        yield await _wait_for_devtools_url(profile_dir, process, log_path)
    finally:
        if process.returncode is None:
            process.terminate()
        try:
            await asyncio.wait_for(process.wait(), SHUTDOWN_TIMEOUT_SECONDS)
        except TimeoutError:
            process.kill()
            await process.wait()
