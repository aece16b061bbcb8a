"""The job table: the function that implements each job handle of `domain.jobs`.

The same functions run under arq (Redis) and under the in-process runner (embedded default), so
each must be idempotent: arq may run a job more than once.
"""

from __future__ import annotations

from collections.abc import Callable, Coroutine
from typing import Any, Concatenate, ParamSpec, TypeVar

from domain.jobs import Job

P = ParamSpec("P")
R = TypeVar("R")

# Coroutine functions (not any awaitable): arq accepts only those as jobs.
JobFunction = Callable[..., Coroutine[Any, Any, Any]]
# Filled by `runs` as the job modules are imported (workers/tasks.py imports them all).
JOBS: dict[Job[Any], JobFunction] = {}


# A job's implementation: the job context, then the handle's arguments.
Implementation = Callable[Concatenate[dict[str, Any], P], Coroutine[Any, Any, R]]


def runs(handle: Job[P]) -> Callable[[Implementation[P, R]], Implementation[P, R]]:
    """Register the decorated function as the implementation of `handle`: it takes the job
    context, then exactly the handle's arguments."""

    def register(function: Implementation[P, R]) -> Implementation[P, R]:
        if handle in JOBS:
            raise RuntimeError(
                f"{function.__name__}: job already implemented by {JOBS[handle].__name__}"
            )
        JOBS[handle] = function
        return function

    return register
