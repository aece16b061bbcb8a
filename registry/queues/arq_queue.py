"""arq-backed job queue: jobs go to Redis and run in `tb-registry worker` processes."""

from __future__ import annotations

from arq import ArqRedis, create_pool
from arq.connections import RedisSettings


class ArqQueue:
    def __init__(self, pool: ArqRedis, queue_name: str) -> None:
        self.pool = pool
        self.queue_name = queue_name

    @classmethod
    async def connect(cls, redis_url: str, queue_name: str) -> ArqQueue:
        settings = RedisSettings.from_dsn(redis_url)
        settings.conn_timeout = 3
        settings.conn_retries = 1
        pool = await create_pool(settings, default_queue_name=queue_name)
        return cls(pool, queue_name)

    def scoped_job_id(self, job_id: str) -> str:
        """arq keeps job ids in one namespace per Redis (`arq:job:<id>`), whatever the queue:
        prefixed with the queue name, `scan:1` of one registry cannot swallow another's."""
        return f"{self.queue_name}:{job_id}"

    async def enqueue(self, function: str, *args: object, job_id: str | None = None,
                      defer_seconds: float = 0) -> None:
        await self.pool.enqueue_job(
            function, *args, _job_id=self.scoped_job_id(job_id) if job_id else None,
            _queue_name=self.queue_name, _defer_by=defer_seconds or None,
        )

    async def ping(self) -> tuple[bool, str]:
        try:
            await self.pool.ping()
        except Exception as exc:  # noqa: BLE001 - readiness reports any failure as text
            return False, f"{type(exc).__name__}: {exc}"
        return True, "ok"

    async def aclose(self) -> None:
        await self.pool.aclose()
