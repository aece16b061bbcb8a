"""Prometheus metrics: what each process counts, and how several processes add up.

The metrics themselves are declared here, with the small recording functions the rest of
registry/ calls (the request middleware and the `/metrics` route are in metrics_http.py;
values read from the database, Redis and the breakers at scrape time in metrics_scrape.py).

Several processes: multiprocess mode. With `PROMETHEUS_MULTIPROC_DIR` in the environment of
every web and worker process of one host, prometheus-client keeps each process's values in
memory-mapped files in that directory, and `/metrics` of ANY web process answers the sum over
all of them (counters and histograms of processes that have exited included, so totals never
go back; gauges of exited processes dropped: they are `livesum`). Without the variable each
process counts only itself, which is right for one process (the embedded default) and for
per-process scrape targets. We chose the shared directory because `tb-registry worker`
processes have no HTTP port of their own: their job counts reach Prometheus through the web
processes' `/metrics`.

The directory must not carry values over from an earlier run (a pid used again would add the
old run's counts to a new process). The first process to use it wipes it, and only the first:
every process holds a shared `flock` on `<dir>/.in-use` for its lifetime, and a starting
process wipes only when it can take that lock exclusively, i.e. when no other process of the
deployment is running. Restarting one of several processes therefore keeps the others'
counts. (prometheus-client leaves this to the operator; doing it here makes `tb-registry
serve` and `tb-registry worker` correct without a wrapper script.)

Labels are bounded: routes are templates (metrics_http.py), GraphQL operation names are
admitted up to `MAX_OPERATION_NAMES` per process, job names and breaker states come from code.
"""

from __future__ import annotations

import asyncio
import atexit
import logging
import os
import re
import time
from bisect import bisect_left
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any, TypeVar

from prometheus_client import Counter, Gauge, Histogram
from prometheus_client import multiprocess as prometheus_multiprocess

from domain.enums import VersionStatus
from domain.jobs import Retry

log = logging.getLogger("registry.metrics")

MULTIPROC_VARIABLE = "PROMETHEUS_MULTIPROC_DIR"
_IN_USE_LOCK = ".in-use"
_WIPE_LOCK = ".wipe"
_LIVE_GAUGE_FILE = re.compile(r"gauge_live[a-z]+_(\d+)\.db")
# Held open (and flock-ed shared) for the whole life of the process; see the module doc.
_lock_files: list[Any] = []


def multiprocess_dir() -> Path | None:
    """The shared directory of multiprocess mode, or None (each process counts itself)."""
    value = os.environ.get(MULTIPROC_VARIABLE)
    return Path(value) if value else None


def _pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # someone else's process: alive
        return True
    return True


def join_shared_dir(path: Path) -> bool:
    """Start using `path` as this process's multiprocess directory; True when this process
    wiped it (no other process was using it)."""
    import fcntl  # POSIX only; multiprocess mode is for Linux deployments

    path.mkdir(parents=True, exist_ok=True)
    wipe = open(path / _WIPE_LOCK, "a+b")
    in_use = open(path / _IN_USE_LOCK, "a+b")
    try:
        # One starting process at a time: between "nobody uses it" and "I use it" no other
        # process may decide the same and wipe what this one has begun to write.
        fcntl.flock(wipe, fcntl.LOCK_EX)
        try:
            fcntl.flock(in_use, fcntl.LOCK_EX | fcntl.LOCK_NB)
            alone = True
        except BlockingIOError:
            alone = False
        if alone:
            for stale in path.glob("*.db"):
                stale.unlink(missing_ok=True)
        else:
            # Others are running; drop only the live gauges of processes that died unannounced
            # (killed): their counters still belong in the totals.
            for entry in path.glob("gauge_live*.db"):
                match = _LIVE_GAUGE_FILE.fullmatch(entry.name)
                if match and not _pid_alive(int(match.group(1))):
                    prometheus_multiprocess.mark_process_dead(int(match.group(1)), str(path))
        fcntl.flock(in_use, fcntl.LOCK_SH)
    finally:
        fcntl.flock(wipe, fcntl.LOCK_UN)
        wipe.close()
    _lock_files.append(in_use)
    pid = os.getpid()
    atexit.register(prometheus_multiprocess.mark_process_dead, pid, str(path))
    return alone


# Joined on import, before any metric below has a value: prometheus-client creates a process's
# files as soon as a labelled child is first used.
if (_shared := multiprocess_dir()) is not None:
    join_shared_dir(_shared)


# --- HTTP --------------------------------------------------------------------------------------

HTTP_REQUESTS = Counter(
    "registry_http_requests",
    "HTTP requests answered, by route template, method and status.",
    ["route", "method", "status"],
)
HTTP_BUCKETS = (0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0)
HTTP_DURATION = Histogram(
    "registry_http_request_duration_seconds",
    "Time from a request's arrival to its last byte, by route template and method.",
    ["route", "method"],
    buckets=HTTP_BUCKETS,
)
# Requests are tallied in plain dicts and added to the metrics above at most this many seconds
# later (and before every scrape of this process): see RequestTally.
REQUEST_FLUSH_SECONDS = 1.0


class RequestTally:
    """Request counts and durations summed in memory, added to `HTTP_REQUESTS` and
    `HTTP_DURATION` in batches.

    Why not `labels(...).inc()` and `.observe()` per request: those two cost ~3 us per request
    in prometheus-client (locks, and in multiprocess mode a write into the shared file each),
    on the hot path that is benchmarked. Here a request costs a dict lookup, three additions
    and a bisect (~0.5 us); a flush runs at most `REQUEST_FLUSH_SECONDS` after the first
    request it covers (a timer on the event loop, only while something is pending), before
    every scrape of this process, and at exit. A histogram child has no public bulk update, so
    the flush adds to its `_sum` and `_buckets` values, the ones its `observe` adds to
    (tests/metrics compare the flushed histogram with the requests made, so a
    prometheus-client that changed them fails there).
    """

    def __init__(self) -> None:
        # (route, method, status) -> [count, seconds, count per bucket (last: +Inf)]
        self._pending: dict[tuple[str, str, int], list[Any]] = {}
        self._flush_loop: asyncio.AbstractEventLoop | None = None

    def add(self, route: str, method: str, status: int, seconds: float) -> None:
        key = (route, method, status)
        entry = self._pending.get(key)
        if entry is None:
            entry = self._pending[key] = [0, 0.0, [0] * (len(HTTP_BUCKETS) + 1)]
        entry[0] += 1
        entry[1] += seconds
        entry[2][bisect_left(HTTP_BUCKETS, seconds)] += 1  # le: the first bound >= seconds
        if self._flush_loop is None:
            self._flush_loop = asyncio.get_running_loop()
            self._flush_loop.call_later(REQUEST_FLUSH_SECONDS, self.flush)

    def flush(self) -> None:
        pending, self._pending = self._pending, {}
        self._flush_loop = None
        for (route, method, status), (count, seconds, buckets) in pending.items():
            HTTP_REQUESTS.labels(route, method, str(status)).inc(count)
            histogram = HTTP_DURATION.labels(route, method)
            histogram._sum.inc(seconds)
            for index, in_bucket in enumerate(buckets):
                if in_bucket:
                    histogram._buckets[index].inc(in_bucket)


REQUEST_TALLY = RequestTally()
atexit.register(REQUEST_TALLY.flush)

# --- GraphQL -----------------------------------------------------------------------------------

GRAPHQL_OPERATIONS = Counter(
    "registry_graphql_operations",
    "GraphQL operations executed over HTTP, by operation name (anonymous, or `other` past the "
    "cap) and outcome (ok, error). Answers served from the answer cache are counted as cache "
    "hits instead.",
    ["operation", "outcome"],
)
MAX_OPERATION_NAMES = 100
ANONYMOUS_OPERATION = "anonymous"
OTHER_OPERATION = "other"
_GRAPHQL_NAME = re.compile(r"[_A-Za-z][_0-9A-Za-z]{0,63}")
_admitted_operation_names: set[str] = set()


def operation_label(name: object) -> str:
    """The label of a client-chosen operation name: the first `MAX_OPERATION_NAMES` valid
    names this process sees keep their own; later ones (and invalid ones) share `other`."""
    if not isinstance(name, str) or not name:
        return ANONYMOUS_OPERATION
    if name in _admitted_operation_names:
        return name
    if len(_admitted_operation_names) >= MAX_OPERATION_NAMES or not _GRAPHQL_NAME.fullmatch(name):
        return OTHER_OPERATION
    _admitted_operation_names.add(name)
    return name


def count_graphql_operation(name: object, *, failed: bool) -> None:
    GRAPHQL_OPERATIONS.labels(operation_label(name), "error" if failed else "ok").inc()


# --- jobs --------------------------------------------------------------------------------------

JOBS = Counter(
    "registry_jobs",
    "Job runs finished, by job and outcome: ok, retry (a transient error; tried again later), "
    "failed (an exception), cancelled (shutdown).",
    ["job", "outcome"],
)
JOB_DURATION = Histogram(
    "registry_job_duration_seconds",
    "Time one job run took, by job.",
    ["job"],
    buckets=(0.01, 0.05, 0.1, 0.5, 1.0, 5.0, 15.0, 60.0, 300.0, 600.0),
)
IN_PROCESS_QUEUE_DEPTH = Gauge(
    "registry_job_queue_depth",
    "Jobs of the in-process runner (no REDIS_URL) queued or running; with Redis see "
    "registry_arq_queue_depth.",
    ["runner"],
    multiprocess_mode="livesum",
)
SCAN_VERDICTS = Counter(
    "registry_scan_verdicts",
    "Scan verdicts recorded, by the status they gave the version (published, quarantined).",
    ["verdict"],
)

T = TypeVar("T")


async def observe_job(
    function: Callable[..., Awaitable[T]], ctx: dict[str, Any], *args: Any, **kwargs: Any
) -> T:
    """Run one job (arq's or the in-process runner's) and count its outcome and duration."""
    name = function.__name__
    started = time.perf_counter()
    outcome = "failed"
    try:
        result = await function(ctx, *args, **kwargs)
        outcome = "ok"
        # The scan job returns the verdict it recorded (None: nothing to do).
        if isinstance(result, VersionStatus):
            SCAN_VERDICTS.labels(result.value).inc()
        return result
    except Retry:
        outcome = "retry"
        raise
    except asyncio.CancelledError:
        outcome = "cancelled"
        raise
    finally:
        JOBS.labels(name, outcome).inc()
        JOB_DURATION.labels(name).observe(time.perf_counter() - started)


def in_process_job_queued() -> None:
    IN_PROCESS_QUEUE_DEPTH.labels("in-process").inc()


def in_process_job_done() -> None:
    IN_PROCESS_QUEUE_DEPTH.labels("in-process").dec()


# --- downloads, caches, breakers ---------------------------------------------------------------

DOWNLOADS = Counter(
    "registry_downloads",
    "Package and artifact files served whole (the downloads the counters in the database add).",
)
CACHE_LOOKUPS = Counter(
    "registry_cache_lookups",
    "Lookups in the in-memory answer caches, by cache and result (hit, miss); "
    "hit ratio = hit / (hit + miss).",
    ["cache", "result"],
)
BREAKER_STATE = Gauge(
    "registry_storage_breaker_state",
    "Storage backends' circuit breakers: per backend and state, how many live processes see "
    "the breaker in that state (closed: in use, open: skipped, half_open: probing).",
    ["backend", "state"],
    multiprocess_mode="livesum",
)
BREAKER_STATES = ("closed", "open", "half_open")  # storage.failover.BreakerState's values


def count_download() -> None:
    DOWNLOADS.inc()


def cache_counters(cache: str) -> tuple[Any, Any]:
    """The (hit, miss) counters of one named cache, bound once by the cache itself."""
    return CACHE_LOOKUPS.labels(cache, "hit"), CACHE_LOOKUPS.labels(cache, "miss")


def breaker_changed(backend: str, state: str) -> None:
    """A breaker was created or changed state (storage/failover.py calls this): 1 for its
    state, 0 for the others, so that summed over processes each state counts processes."""
    for each in BREAKER_STATES:
        BREAKER_STATE.labels(backend, each).set(1 if each == state else 0)
