"""Logging for every process (server, worker, one-off commands): text or JSON lines on stdout,
each line naming the request (or job) it was written for.

The id travels in context variables, set by `registry.middleware.RequestIdMiddleware` for a
request and by the worker's job wrapper for a job; a filter on the one handler copies them onto
every record, so a line logged anywhere below (a service, the ORM, the error handlers) carries
them without being passed the id.

JSON (`LOG_FORMAT=json`): one object per line with `ts` (UTC, ISO 8601, milliseconds), `level`,
`logger`, `message`, `request_id` (null outside a request), `job_id` when in a job, any
`extra={...}` fields of the call, and `exc` with the traceback. The formatter is written here
rather than taken from python-json-logger: its whole job is these few fixed keys plus the
extras, about twenty lines over the standard library's `json`, and it keeps a dependency out of
every process.
"""

from __future__ import annotations

import json
import logging
import sys
from contextvars import ContextVar
from datetime import UTC, datetime
from typing import IO, Any, Literal

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


class JsonFormatter(logging.Formatter):
    """One JSON object per record, on one line (json.dumps escapes line breaks)."""

    def format(self, record: logging.LogRecord) -> str:
        entry: dict[str, Any] = {
            "ts": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
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
        return json.dumps(entry, default=str)


TEXT_FORMAT = "%(asctime)s %(levelname)s %(name)s [%(request_id)s]: %(message)s"


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
        handler.setFormatter(logging.Formatter(TEXT_FORMAT))
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
