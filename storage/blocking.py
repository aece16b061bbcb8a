"""A bounded thread pool that runs blocking calls (file IO, the synchronous minio client)
for one store, so storage work neither starves nor is starved by other `to_thread` users."""

from __future__ import annotations

import asyncio
import functools
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import ParamSpec, TypeVar

from storage.errors import StoreClosed

P = ParamSpec("P")
T = TypeVar("T")


class BlockingRunner:
    def __init__(self, max_workers: int, thread_name_prefix: str) -> None:
        if max_workers < 1:
            raise ValueError("max_workers must be at least 1")
        self.max_workers = max_workers
        self._executor = ThreadPoolExecutor(max_workers, thread_name_prefix=thread_name_prefix)
        self._closed = False

    async def __call__(self, fn: Callable[P, T], *args: P.args, **kwargs: P.kwargs) -> T:
        if self._closed:
            raise StoreClosed("store is closed")
        loop = asyncio.get_running_loop()
        return await loop.run_in_executor(self._executor, functools.partial(fn, *args, **kwargs))

    def shutdown(self) -> None:
        """Stop accepting work; running calls finish in their threads."""
        self._closed = True
        self._executor.shutdown(wait=False, cancel_futures=True)
