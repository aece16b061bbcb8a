"""The Redis connections of the web side (job queue, event bus): bounded waits.

redis-py waits forever by default, both to connect and for an answer. A Redis that keeps its
connections open but stops answering (a stopped process, a network partition) would then hold
every request that enqueues a job or publishes an event, and fill the pool with stuck
connections. With these bounds such a call fails within seconds; the callers treat that as the
outage it is (`domain.jobs.enqueue_committed` leaves the job to its sweep, post-commit events
are best effort). The rate limiter has its own, shorter bounds (registry/ratelimit.py).

A pub/sub reader is unaffected by the read bound: `PubSub.get_message(timeout=...)` passes its
own timeout, so an idle subscription is not mistaken for a dead one (the event bus pings it).
"""

from __future__ import annotations

from redis.asyncio import ConnectionPool

# Seconds to open a connection (TCP and handshake) to Redis.
CONNECT_TIMEOUT_SECONDS = 3.0
# Seconds a command may wait for Redis's answer: enqueueing a job or publishing an event takes
# milliseconds on a Redis that works.
ANSWER_TIMEOUT_SECONDS = 2.0


def bounded_pool(url: str) -> ConnectionPool:
    """A connection pool for `url` (redis://, rediss://, unix://) whose waits are bounded."""
    return ConnectionPool.from_url(
        url,
        socket_connect_timeout=CONNECT_TIMEOUT_SECONDS,
        socket_timeout=ANSWER_TIMEOUT_SECONDS,
    )
