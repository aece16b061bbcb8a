"""Debian's headless Chromium (never a downloaded browser), driven by Playwright, for the
GraphiQL tests.

Playwright's own browser builds are not used: `executable_path` points it at /usr/bin/chromium,
which scripts/test installs with apt. Do not run `playwright install`.
"""

import os
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager, contextmanager
from pathlib import Path

import pytest
from playwright.async_api import BrowserContext, async_playwright

CHROMIUM = Path("/usr/bin/chromium")
APT_INSTALL_COMMAND = "apt-get update && apt-get install -y chromium"
STARTUP_TIMEOUT_MS = 30_000
WINDOW_SIZE = (1400, 900)
CHROMIUM_FLAGS = [
    "--disable-gpu",
    "--disable-quic",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-dev-shm-usage",
]


def require_chromium() -> Path:
    """Skips locally without Chromium; under CI=true a missing Chromium fails the test."""
    if CHROMIUM.is_file() and os.access(CHROMIUM, os.X_OK):
        return CHROMIUM
    message = f"{CHROMIUM} not found; install Debian's chromium with: {APT_INSTALL_COMMAND}"
    if os.environ.get("CI") == "true":
        pytest.fail(message)
    pytest.skip(message)


@contextmanager
def _temporary_files_in(directory: Path) -> Iterator[None]:
    """TMPDIR for the processes started meanwhile: Playwright's driver keeps its artifacts
    there, and Chromium its singleton socket dir, which it leaves behind when terminated;
    inside the test's own directory they go away with the rest. (Python's `tempfile` has
    fixed its directory long before, so the test process itself is not affected.)"""
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("TMPDIR", str(directory))
        yield


@asynccontextmanager
async def headless_chromium(work_dir: Path) -> AsyncIterator[BrowserContext]:
    """Chromium with a fresh profile in `work_dir`; yields its browser context (one window of
    WINDOW_SIZE, so screenshots have a known size)."""
    binary = require_chromium()
    width, height = WINDOW_SIZE
    with _temporary_files_in(work_dir):
        playwright = await async_playwright().start()
    try:
        context = await playwright.chromium.launch_persistent_context(
            work_dir / "profile",
            executable_path=binary,
            headless=True,
            # The tests run as root in CI, where Chromium's sandbox refuses to start
            # (Playwright then passes --no-sandbox).
            chromium_sandbox=False,
            args=CHROMIUM_FLAGS,
            env={**os.environ, "TMPDIR": str(work_dir)},
            viewport={"width": width, "height": height},
            timeout=STARTUP_TIMEOUT_MS,
        )
        try:
            yield context
        finally:
            await context.close()
    finally:
        await playwright.stop()
