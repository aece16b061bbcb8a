"""Committed writes, announced to whoever caches what they change.

Every domain write runs in `write_transaction()`. When one commits, the registered listeners
are called (synchronously, so they must be cheap): the HTTP layer drops its cached read
models, and with Redis configured the runtime forwards the news to the other processes.
Announcing after the commit, not before, is what makes a cache safe: a reader that fills the
cache after the announcement sees the committed data.
"""

from __future__ import annotations

import contextlib
import logging
from collections.abc import AsyncIterator, Callable

from tortoise.backends.base.client import BaseDBAsyncClient
from tortoise.transactions import in_transaction

log = logging.getLogger("registry.changes")

Listener = Callable[[], None]
_listeners: list[Listener] = []


def subscribe(listener: Listener) -> Callable[[], None]:
    """Call `listener` after every committed write; returns the unsubscribe function."""
    _listeners.append(listener)

    def unsubscribe() -> None:
        with contextlib.suppress(ValueError):
            _listeners.remove(listener)

    return unsubscribe


def announce() -> None:
    """Tell every listener that the registry changed (after a commit)."""
    for listener in list(_listeners):
        try:
            listener()
        except Exception:  # a broken cache must not turn a committed write into an error
            log.exception("change listener failed")


@contextlib.asynccontextmanager
async def write_transaction() -> AsyncIterator[BaseDBAsyncClient]:
    """`in_transaction()` that announces the change once it has committed."""
    async with in_transaction() as conn:
        yield conn
    announce()
