"""A minimal Chrome DevTools Protocol client: just enough to drive GraphiQL in headless Chromium.

Uses the browser-level WebSocket with flattened sessions, so one connection serves every tab.
"""

from __future__ import annotations

import asyncio
import base64
import itertools
import json
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from websockets.asyncio.client import ClientConnection, connect

DEFAULT_TIMEOUT_SECONDS = 30.0


class CdpError(RuntimeError):
    """Chromium answered a DevTools command with an error."""


class PageScriptError(RuntimeError):
    """A script evaluated in the page threw."""


@dataclass(frozen=True)
class CdpEvent:
    method: str
    params: dict[str, Any]
    session_id: str | None


@dataclass
class CdpConnection:
    websocket: ClientConnection
    events: list[CdpEvent] = field(default_factory=list)
    _pending: dict[int, asyncio.Future[dict[str, Any]]] = field(default_factory=dict)
    _ids: itertools.count[int] = field(default_factory=lambda: itertools.count(1))
    _reader: asyncio.Task[None] | None = None

    @classmethod
    async def open(cls, browser_ws_url: str) -> CdpConnection:
        # Screenshots of a full-HD page exceed websockets' default 1 MiB message limit.
        websocket = await connect(browser_ws_url, max_size=64 * 1024 * 1024, ping_interval=None)
        connection = cls(websocket)
        connection._reader = asyncio.create_task(connection._read_forever())
        return connection

    async def close(self) -> None:
        await self.websocket.close()
        if self._reader is not None:
            await asyncio.gather(self._reader, return_exceptions=True)

    async def _read_forever(self) -> None:
        try:
            async for raw in self.websocket:
                message = json.loads(raw)
                if "id" in message:
                    future = self._pending.pop(message["id"], None)
                    if future is not None and not future.done():
                        future.set_result(message)
                else:
                    event = CdpEvent(
                        message["method"], message.get("params", {}), message.get("sessionId")
                    )
                    self.events.append(event)
        finally:
            for future in self._pending.values():
                if not future.done():
                    future.set_exception(CdpError("DevTools connection closed"))

    async def call(
        self,
        method: str,
        params: dict[str, Any] | None = None,
        *,
        session_id: str | None = None,
        timeout: float = DEFAULT_TIMEOUT_SECONDS,
    ) -> dict[str, Any]:
        message_id = next(self._ids)
        message: dict[str, Any] = {"id": message_id, "method": method, "params": params or {}}
        if session_id is not None:
            message["sessionId"] = session_id
        future: asyncio.Future[dict[str, Any]] = asyncio.get_running_loop().create_future()
        self._pending[message_id] = future
        await self.websocket.send(json.dumps(message))
        reply = await asyncio.wait_for(future, timeout)
        if "error" in reply:
            raise CdpError(f"{method} failed: {reply['error']}")
        return reply.get("result", {})


@dataclass
class Tab:
    """One page target, attached through a flattened session."""

    connection: CdpConnection
    session_id: str

    @classmethod
    async def open(cls, connection: CdpConnection, width: int, height: int) -> Tab:
        created = await connection.call("Target.createTarget", {"url": "about:blank"})
        attached = await connection.call(
            "Target.attachToTarget", {"targetId": created["targetId"], "flatten": True}
        )
        tab = cls(connection, attached["sessionId"])
        for domain in ("Page", "Network", "Runtime"):
            await tab.call(f"{domain}.enable")
        await tab.call(
            "Emulation.setDeviceMetricsOverride",
            {"width": width, "height": height, "deviceScaleFactor": 1, "mobile": False},
        )
        return tab

    async def call(self, method: str, params: dict[str, Any] | None = None) -> dict[str, Any]:
        return await self.connection.call(method, params, session_id=self.session_id)

    def events(self, method: str) -> list[dict[str, Any]]:
        return [
            event.params
            for event in self.connection.events
            if event.session_id == self.session_id and event.method == method
        ]

    async def navigate(self, url: str) -> None:
        result = await self.call("Page.navigate", {"url": url})
        if result.get("errorText"):
            raise CdpError(f"navigation to {url} failed: {result['errorText']}")

    async def evaluate(self, expression: str) -> Any:
        result = await self.call(
            "Runtime.evaluate",
            {"expression": expression, "returnByValue": True, "awaitPromise": True},
        )
        if "exceptionDetails" in result:
            raise PageScriptError(json.dumps(result["exceptionDetails"])[:2000])
        return result["result"].get("value")

    async def wait_until(
        self,
        expression: str,
        accept: Callable[[Any], bool] = bool,
        *,
        timeout: float = DEFAULT_TIMEOUT_SECONDS,
        poll_seconds: float = 0.1,
    ) -> Any:
        """Re-evaluates ``expression`` until ``accept(value)``; returns the accepted value."""
        deadline = asyncio.get_running_loop().time() + timeout
        value: Any = None
        while asyncio.get_running_loop().time() < deadline:
            value = await self.evaluate(expression)
            if accept(value):
                return value
            await asyncio.sleep(poll_seconds)
        raise TimeoutError(f"after {timeout}s, {expression!r} was still {value!r}")

    async def click(self, selector: str) -> None:
        """A real mouse click (move, press, release) at the centre of the element."""
        box = await self.evaluate(
            f"(() => {{ const r = document.querySelector({json.dumps(selector)})"
            ".getBoundingClientRect(); return {x: r.x + r.width / 2, y: r.y + r.height / 2}; })()"
        )
        for event_type in ("mouseMoved", "mousePressed", "mouseReleased"):
            await self.call(
                "Input.dispatchMouseEvent",
                {"type": event_type, "button": "left", "clickCount": 1, **box},
            )

    async def screenshot_png(self) -> bytes:
        result = await self.call("Page.captureScreenshot", {"format": "png"})
        return base64.b64decode(result["data"])
