"""arq-backed job queue: jobs go to Redis and run in `tb-registry worker` processes.

arq names a job by a string: the name of the function implementing the handle, the same name
`registry/worker.py` registers that function under. The job table comes from the composition
root (registry/runtime.py), so this module does not import workers/.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping
from typing import Any, ParamSpec

from arq import ArqRedis

from domain.jobs import Job
from registry.redis_pool import bounded_pool

P = ParamSpec("P")


class ArqQueue:
    def __init__(
        self,
        pool: ArqRedis,
        queue_name: str,
        jobs: Mapping[Job[Any], Callable[..., Awaitable[Any]]],
    ) -> None:
        self.pool = pool
        self.queue_name = queue_name
        self.jobs = jobs

    @classmethod
    async def connect(
        cls, redis_url: str, queue_name: str, jobs: Mapping[Job[Any], Callable[..., Awaitable[Any]]]
    ) -> ArqQueue:
        # Not arq's create_pool: it gives its connections no read timeout, so an enqueue
        # against a Redis that stopped answering would hang the request (registry/redis_pool.py).
        # No retries of arq's own either: the start waits for Redis (registry/startup_wait.py).
        pool = ArqRedis(bounded_pool(redis_url), default_queue_name=queue_name)
        pool.auto_close_connection_pool = True  # aclose() closes the pool it owns
        try:
            await pool.ping()
        except BaseException:
            await pool.aclose()
            raise
        return cls(pool, queue_name, jobs)

    def scoped_job_id(self, job_id: str) -> str:
        """arq keeps job ids in one namespace per Redis (`arq:job:<id>`), whatever the queue:
        prefixed with the queue name, `scan:1` of one registry cannot swallow another's."""
        return f"{self.queue_name}:{job_id}"

    async def enqueue(self, job: Job[P], *args: P.args, **kwargs: P.kwargs) -> None:
        # arq's own options are underscored keywords, next to the job's keyword arguments.
        keywords: dict[str, Any] = {
            **kwargs,
            "_job_id": self.scoped_job_id(job.job_id(*args, **kwargs)),
            "_queue_name": self.queue_name,
        }
        await self.pool.enqueue_job(self.jobs[job].__name__, *args, **keywords)

    async def ping(self) -> tuple[bool, str]:
        try:
            await self.pool.ping()
        except Exception as exc:  # readiness reports any failure as text
            return False, f"{type(exc).__name__}: {exc}"
        return True, "ok"

    async def aclose(self) -> None:
        await self.pool.aclose()
