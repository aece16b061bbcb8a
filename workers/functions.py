"""The job table: every job the registry runs, by name.

The same functions run under arq (Redis) and under the in-process runner (embedded default), so
each must be idempotent: arq may run a job more than once.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

JobFunction = Callable[..., Awaitable[Any]]

JOBS: dict[str, JobFunction] = {}


def job(function: JobFunction) -> JobFunction:
    """Register a job under its function name."""
    JOBS[function.__name__] = function
    return function


class Retry(Exception):  # noqa: N818 - mirrors arq.Retry's name on purpose
    """Raised by a job for an infrastructure error that deserves another attempt."""

    def __init__(self, defer_seconds: float = 5.0) -> None:
        super().__init__(f"retry in {defer_seconds}s")
        self.defer_seconds = defer_seconds
