"""A load generator for the denial-of-service checks (issue #12, finding 1), run in its own
process so that its CPU does not skew the latency measured by the caller.

`N` connections each send the given requests round-robin (each connection starting at a
different one) until the time is up, then the process prints one JSON line: how many answers
of each status came back and how many requests failed at the transport.

    python -m tests.security.dos_load URL SECONDS CONNECTIONS PAYLOAD_FILE

PAYLOAD_FILE is a JSON list of `{"path": "/api/v1/resolve", "json": {...}}`; with `"vary":
true`, every `__N__` in the body is replaced by a number unique to the request (so texts are
new to the server's parse cache each time). GraphQL answers are counted by their first error
code (`graphql:<code>`, `graphql:ok`). Used by tests/security/test_parse_bounds.py and
bench/dos_bench.py.
"""

from __future__ import annotations

import asyncio
import itertools
import json
import subprocess
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path
from typing import Any

import httpx

REPO_ROOT = Path(__file__).resolve().parents[2]
_request_numbers = itertools.count(1)


def _outcome(path: str, response: httpx.Response) -> str:
    if path != "/graphql" or response.status_code != 200:
        return str(response.status_code)
    errors = response.json().get("errors")
    return (
        f"graphql:{errors[0].get('extensions', {}).get('code', 'error')}"
        if errors
        else "graphql:ok"
    )


async def _connection(
    client: httpx.AsyncClient,
    payloads: list[dict[str, Any]],
    start: int,
    deadline: float,
    statuses: Counter[str],
) -> None:
    index = start
    bodies = [json.dumps(payload["json"]) for payload in payloads]
    while time.monotonic() < deadline:
        payload, body = payloads[index % len(payloads)], bodies[index % len(payloads)]
        if payload.get("vary"):
            body = body.replace("__N__", str(next(_request_numbers)))
        index += 1
        try:
            response = await client.post(
                payload["path"], content=body, headers={"content-type": "application/json"}
            )
            statuses[_outcome(payload["path"], response)] += 1
        except httpx.HTTPError as exc:
            statuses[f"error:{type(exc).__name__}"] += 1


async def run(
    url: str, seconds: float, connections: int, payloads: list[dict[str, Any]]
) -> dict[str, int]:
    statuses: Counter[str] = Counter()
    deadline = time.monotonic() + seconds
    # One client per connection: each keeps its own keep-alive connection, like N clients.
    clients = [httpx.AsyncClient(base_url=url, timeout=60) for _ in range(connections)]
    try:
        await asyncio.gather(
            *(
                _connection(client, payloads, number, deadline, statuses)
                for number, client in enumerate(clients)
            )
        )
    finally:
        for client in clients:
            await client.aclose()
    return dict(statuses)


class LoadProcess:
    """The generator as a child process: `start()`, then `result()` when it is done."""

    def __init__(
        self, url: str, seconds: float, connections: int, payloads: list[dict[str, Any]]
    ) -> None:
        self._file = tempfile.NamedTemporaryFile("w", suffix=".json", delete=False)
        json.dump(payloads, self._file)
        self._file.close()
        self.seconds = seconds
        self.args = [
            sys.executable,
            "-m",
            "tests.security.dos_load",
            url,
            str(seconds),
            str(connections),
            self._file.name,
        ]
        self.process: subprocess.Popen[str] | None = None

    def start(self) -> None:
        self.process = subprocess.Popen(
            self.args, cwd=REPO_ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
        )

    def result(self) -> dict[str, int]:
        assert self.process is not None
        try:
            out, err = self.process.communicate(timeout=self.seconds + 120)
        finally:
            Path(self._file.name).unlink(missing_ok=True)
        if self.process.returncode != 0:
            raise RuntimeError(f"load generator failed: {err}")
        return json.loads(out.strip().splitlines()[-1])


def main() -> None:
    url, seconds, connections, payload_file = sys.argv[1:5]
    payloads = json.loads(Path(payload_file).read_text(encoding="utf-8"))
    result = asyncio.run(run(url, float(seconds), int(connections), payloads))
    print(json.dumps(result))


PROBE_INTERVAL = 0.02


def probe_health(url: str, seconds: float) -> list[float]:
    """`/health` latencies, one probe every 20 ms, each on a new connection (so the server
    also pays the accept, as for a load balancer's probe); one client, so the probe does not
    time its own set-up."""
    latencies: list[float] = []
    deadline = time.monotonic() + seconds
    with httpx.Client(
        base_url=url, timeout=60, limits=httpx.Limits(max_keepalive_connections=0)
    ) as client:
        while time.monotonic() < deadline:
            started = time.perf_counter()
            response = client.get("/api/v1/health")
            latencies.append(time.perf_counter() - started)
            response.raise_for_status()
            time.sleep(PROBE_INTERVAL)
    return latencies


if __name__ == "__main__":
    main()
