"""Logging for every process (server, worker, one-off commands): text or JSON lines on stdout,
each line naming the request (or job) it was written for.

The id travels in context variables, set by `registry.middleware.EdgeMiddleware` for a
request and by the worker's job wrapper for a job; a filter on the one handler copies them onto
every record, so a line logged anywhere below (a service, the ORM, the error handlers) carries
them without being passed the id.

JSON (`LOG_FORMAT=json`): one object per line with `ts` (UTC, ISO 8601, milliseconds), `level`,
`logger`, `message`, `request_id` (null outside a request), `job_id` when in a job, any
`extra={...}` fields of the call, and `exc` with the traceback. The formatter is written here
rather than taken from python-json-logger: its whole job is these few fixed keys plus the
extras, a few lines over msgspec (already a dependency) and the standard library's `json`, and
it keeps a dependency out of every process.
"""

from __future__ import annotations

import json
import logging
import sys
import time
from collections.abc import Callable
from contextvars import ContextVar
from typing import IO, Any, Literal

import msgspec

REQUEST_ID: ContextVar[str | None] = ContextVar("request_id", default=None)
JOB_ID: ContextVar[str | None] = ContextVar("job_id", default=None)

LogFormat = Literal["text", "json"]

# Loggers that say too much at INFO; DEBUG lets them speak.
_NOISY = ("tortoise", "urllib3", "aiosqlite", "asyncio")
# Everything a LogRecord holds by itself: the rest of its __dict__ is the call's `extra`.
_RECORD_FIELDS = frozenset(logging.LogRecord("", 0, "", 0, "", None, None).__dict__) | {
    "message",
    "asctime",
    "request_id",
    "job_id",
    "taskName",
}


class ContextFilter(logging.Filter):
    """Copies the current request and job ids onto each record (as `request_id`, `job_id`);
    `missing` stands in for an id that is not set (None for JSON, "-" for text)."""

    def __init__(self, missing: str | None) -> None:
        super().__init__()
        self.missing = missing

    def filter(self, record: logging.LogRecord) -> bool:
        record.request_id = REQUEST_ID.get() or self.missing
        record.job_id = JOB_ID.get() or self.missing
        return True


# Value types the fast JSON encoder writes as json.dumps does (but a float NaN, which it writes
# as null where json.dumps wrote NaN, not JSON); any other (a datetime, a set, an object shown
# by str()) sends the entry through json.dumps.
_PLAIN_TYPES = frozenset({str, int, float, bool, type(None)})
_fast_json = msgspec.json.Encoder().encode


class _SecondText:
    """A whole second as `stamp` writes it, formatted once per second rather than per line (a
    tuple swapped in one assignment, so threads logging at once read a consistent pair)."""

    def __init__(self, stamp: Callable[[int], str]) -> None:
        self._stamp = stamp
        self._cached: tuple[int, str] = (-1, "")

    def __call__(self, second: int) -> str:
        cached = self._cached
        if cached[0] != second:
            cached = self._cached = (second, self._stamp(second))
        return cached[1]


def _utc_second(second: int) -> str:
    return time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(second))


class JsonFormatter(logging.Formatter):
    """One JSON object per record, on one line (line breaks are escaped).

    A line is written on every request (the access line), so its cost is kept down: the
    timestamp's date and time are formatted once per second, and an entry of plain values in
    ASCII is encoded by msgspec (a tenth of json.dumps' CPU); any other goes through
    json.dumps (ASCII escapes, `str()` of other values), with the same compact separators, so
    every line reads the same."""

    def __init__(self) -> None:
        super().__init__()
        self._utc_second = _SecondText(_utc_second)

    def timestamp(self, created: float) -> str:
        """`created` as datetime.fromtimestamp(created, UTC).isoformat(timespec="milliseconds")
        writes it (its microseconds rounded half to even, then cut to milliseconds)."""
        second = int(created)
        micros = round((created - second) * 1e6)
        if micros == 1_000_000:
            second, micros = second + 1, 0
        return f"{self._utc_second(second)}.{micros // 1000:03d}+00:00"

    def format(self, record: logging.LogRecord) -> str:
        entry: dict[str, Any] = {
            "ts": self.timestamp(record.created),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
            "request_id": getattr(record, "request_id", None),
        }
        job_id = getattr(record, "job_id", None)
        if job_id:
            entry["job_id"] = job_id
        for key, value in record.__dict__.items():
            if key not in _RECORD_FIELDS:
                entry[key] = value
        if record.exc_info:
            entry["exc"] = self.formatException(record.exc_info)
        if record.stack_info:
            entry["stack"] = self.formatStack(record.stack_info)
        if _PLAIN_TYPES.issuperset(map(type, entry.values())):
            try:
                line = _fast_json(entry)
            except ValueError:  # a lone surrogate: json.dumps escapes it
                pass
            else:
                if line.isascii():
                    return line.decode("ascii")
        return json.dumps(entry, default=str, separators=(",", ":"))


TEXT_FORMAT = "%(asctime)s %(levelname)s %(name)s [%(request_id)s]: %(message)s"


class TextFormatter(logging.Formatter):
    """`TEXT_FORMAT`, its local date and time formatted once per second (the milliseconds are
    the record's), as logging.Formatter writes them."""

    def __init__(self) -> None:
        super().__init__(TEXT_FORMAT)
        self._local_second = _SecondText(
            lambda second: time.strftime(self.default_time_format, self.converter(second))
        )

    def formatTime(self, record: logging.LogRecord, datefmt: str | None = None) -> str:
        if datefmt or not self.default_msec_format:
            return super().formatTime(record, datefmt)
        text = self._local_second(int(record.created))
        return self.default_msec_format % (text, record.msecs)


def configure_logging(
    log_format: LogFormat, *, debug: bool = False, stream: IO[str] | None = None
) -> None:
    """Send every logger's records to one handler on `stream` (stdout; stderr is kept for the
    one line that explains a failed start). Uvicorn's own loggers propagate here too; its
    access log is replaced by `registry.access` (the request-id middleware writes it)."""
    # Neither format shows where a call was made or by which thread or process: the Logging
    # HOWTO's "Optimization" switches stop every record from collecting them (on the request
    # path, the access line, that halves what logging costs per request).
    logging._srcfile = None  # no caller lookup (findCaller)
    logging.logThreads = False
    logging.logProcesses = False
    logging.logMultiprocessing = False
    handler = logging.StreamHandler(stream or sys.stdout)
    if log_format == "json":
        handler.addFilter(ContextFilter(None))
        handler.setFormatter(JsonFormatter())
    else:
        handler.addFilter(ContextFilter("-"))
        handler.setFormatter(TextFormatter())
    root = logging.getLogger()
    for old in root.handlers[:]:
        root.removeHandler(old)
    root.addHandler(handler)
    root.setLevel(logging.DEBUG if debug else logging.INFO)
    for name in ("uvicorn", "uvicorn.error", "uvicorn.asgi"):
        logger = logging.getLogger(name)
        logger.handlers.clear()
        logger.setLevel(logging.NOTSET)  # uvicorn.Config sets its log level on them again
        logger.propagate = True
        logger.disabled = False
    logging.getLogger("uvicorn.access").disabled = True
    if not debug:
        for noisy in _NOISY:
            logging.getLogger(noisy).setLevel(logging.WARNING)
    logging.captureWarnings(True)  # warnings become log lines, not bare stderr text
