"""Several `tb-registry serve` processes sharing PROMETHEUS_MULTIPROC_DIR: `/metrics` of any of
them reports the sum over all; the first process wipes what an earlier run left, a process
that joins while another runs does not; an exited process's counts stay in the
totals while its live gauges (breaker states) leave them."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

import httpx

from registry.metrics import REQUEST_FLUSH_SECONDS
from tests.metrics.test_metrics import Samples, parse, value
from tests.process.server import ServerProcess

HEALTH = {"route": "/health", "method": "GET", "status": "200"}
STALE_COUNT = 1000


def _leave_stale_values(directory: Path) -> None:
    """A finished earlier run's file: the same metric, counted by a process long gone."""
    code = (
        "from prometheus_client import Counter\n"
        "Counter('registry_http_requests', '', ['route', 'method', 'status'])"
        f".labels('/health', 'GET', '200').inc({STALE_COUNT})\n"
    )
    env = {**os.environ, "PROMETHEUS_MULTIPROC_DIR": str(directory)}
    subprocess.run([sys.executable, "-c", code], env=env, check=True, timeout=60)
    assert list(directory.glob("counter_*.db"))


def _scrape(server: ServerProcess) -> Samples:
    response = httpx.get(f"{server.url}/metrics", timeout=10)
    assert response.status_code == 200, response.text
    return parse(response.text)


def _closed_breakers(samples: Samples) -> float:
    return value(samples, "registry_storage_breaker_state", backend="primary", state="closed")


def test_two_processes_share_one_count(tmp_path: Path) -> None:
    shared = tmp_path / "prometheus"
    shared.mkdir()
    _leave_stale_values(shared)
    env = {"PROMETHEUS_MULTIPROC_DIR": str(shared), "RATE_LIMIT_ENABLED": "false"}
    first = ServerProcess(tmp_path / "first", env, log_path=tmp_path / "first.log")
    second = ServerProcess(tmp_path / "second", env, log_path=tmp_path / "second.log")
    for server in (first, second):
        server.data_dir.mkdir()
    try:
        first.start()
        second.start()
        for server, count in ((first, 3), (second, 5)):
            for _ in range(count):
                assert httpx.get(f"{server.url}/health", timeout=10).status_code == 200
        time.sleep(REQUEST_FLUSH_SECONDS + 1.0)  # each process's tally reaches the files

        # Either process answers the sum; the earlier run's 1000 were wiped by the first.
        assert value(_scrape(first), "registry_http_requests_total", **HEALTH) == 8
        from_second = _scrape(second)
        assert value(from_second, "registry_http_requests_total", **HEALTH) == 8
        # The second joined without wiping: both processes' start-up polls are there.
        polls = {"route": "/api/v1/health", "method": "GET", "status": "200"}
        assert value(from_second, "registry_http_requests_total", **polls) >= 2
        # Each scraped process made its breaker (closed): a live gauge, summed.
        assert _closed_breakers(from_second) == 2

        second.stop()
        after_exit = _scrape(first)
        assert value(after_exit, "registry_http_requests_total", **HEALTH) == 8  # kept
        assert _closed_breakers(after_exit) == 1  # the exited process's gauge left
    finally:
        for server in (first, second):
            server.stop()
