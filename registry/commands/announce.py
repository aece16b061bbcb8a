"""Telling the running servers that a one-off command changed the registry.

A command writes through the domain in its own process, whose change listeners reach only
that process. With Redis configured, the change feed's topic reaches every server, and they
drop their cached reads at once; without Redis (the embedded default) the servers' caches
expire by themselves within PACKAGE_CACHE_TTL.
"""

from __future__ import annotations

from registry.change_feed import TOPIC
from registry.config import Settings
from registry.redis_event_bus import RedisEventBus
from registry.runtime import event_bus_for


async def announce_change(settings: Settings) -> None:
    bus = event_bus_for(settings)
    if isinstance(bus, RedisEventBus):
        try:
            await bus.publish(TOPIC, {})
        finally:
            await bus.aclose()
