"""`tb-registry worker --check`: the worker's liveness probe (compose healthcheck, Kubernetes
livenessProbe). Exit 0 while the worker of this ARQ_QUEUE_NAME beats; else 1 with one line.

The worker's supervisor (registry/worker_supervisor.py) writes a heartbeat file every
HEARTBEAT_INTERVAL_SECONDS from a task on the worker's event loop, saying what it is doing
and whether arq's job loop still comes round. The check reads that file; it does not ask Redis.

Why not arq's own health record (`arq --check`, the `<queue>:health-check` key)?
* it is one key per queue, shared by every replica: one live worker makes a hung one look
  healthy;
* it only says that arq's polling loop came round within `health_check_interval`, not what
  the supervisor around it does (starting, reconnecting, draining);
* reading it needs Redis. While Redis is down the supervisor keeps the worker alive on
  purpose (running jobs go on, it reconnects with backoff) and WORKER_OUTAGE_LIMIT alone
  decides when to give up and exit. A probe that failed on a Redis outage would restart
  workers that are waiting correctly, cut off their running jobs, and then crash-loop at
  start while Redis stays away: it would silently overrule WORKER_OUTAGE_LIMIT=0. So a Redis
  outage keeps the heartbeat healthy ("reconnecting"), and a hung process does not.

The file lives in the temporary folder (TMPDIR, else /tmp), named after the queue: a container
has its own /tmp, and queue names are per deployment (and per test run). Two workers of one
queue sharing one /tmp (one host, several systemd units) share the file; probes are for
containers, one worker each.
"""

from __future__ import annotations

import dataclasses
import json
import os
import sys
import tempfile
import time
from pathlib import Path
from urllib.parse import quote

# The worker writes its heartbeat this often; the check calls it stale after this long (four
# beats missed: the event loop was blocked, or the process stopped, for that long).
HEARTBEAT_INTERVAL_SECONDS = 5.0
HEARTBEAT_MAX_AGE_SECONDS = 20.0


def heartbeat_path(queue_name: str) -> Path:
    """Where the worker of `queue_name` keeps its heartbeat (any queue name is a safe file
    name once quoted)."""
    name = quote(queue_name, safe="-_.")
    return Path(tempfile.gettempdir()) / f"tb-registry-worker-{name}.heartbeat"


@dataclasses.dataclass(frozen=True)
class Heartbeat:
    pid: int
    written_at: float  # time.time(): the check runs in another process
    state: str  # what the supervisor does: starting, running, reconnecting, stopping
    problem: str = ""  # why the worker, although its loop runs, is not doing its work

    def write(self, path: Path) -> None:
        """Replace the file at once: the check never reads half a heartbeat."""
        partial = path.with_name(f"{path.name}.{self.pid}.tmp")
        partial.write_text(json.dumps(dataclasses.asdict(self)), encoding="utf-8")
        os.replace(partial, path)

    @classmethod
    def read(cls, path: Path) -> Heartbeat | None:
        try:
            return cls(**json.loads(path.read_text(encoding="utf-8")))
        except (OSError, ValueError, TypeError):
            return None


def verdict(queue_name: str, now: float | None = None) -> tuple[bool, str]:
    """(healthy, one line saying why) for the worker of `queue_name`."""
    path = heartbeat_path(queue_name)
    beat = Heartbeat.read(path)
    if beat is None:
        return False, f"no heartbeat at {path}: no worker of queue {queue_name!r} is running here"
    age = (time.time() if now is None else now) - beat.written_at
    if age > HEARTBEAT_MAX_AGE_SECONDS:
        return False, (
            f"last heartbeat {age:.0f} s ago (pid {beat.pid}, {beat.state}; at most"
            f" {HEARTBEAT_MAX_AGE_SECONDS:.0f} s): its event loop is blocked or it stopped"
        )
    if beat.problem:
        return False, f"{beat.problem} (pid {beat.pid}, {beat.state})"
    return True, f"{beat.state}, heartbeat {age:.0f} s ago (pid {beat.pid})"


def run() -> int:
    """The command: 0 healthy, 1 unhealthy (never 2, which Docker reserves), one line."""
    from registry.config import ConfigError, load_settings

    try:
        queue_name = load_settings().queue_name
    except ConfigError as exc:
        print(f"tb-registry worker --check: configuration error: {exc}", file=sys.stderr)
        return 1
    healthy, reason = verdict(queue_name)
    if healthy:
        print(f"tb-registry worker --check: healthy: {reason}")
        return 0
    print(f"tb-registry worker --check: unhealthy: {reason}", file=sys.stderr)
    return 1
