"""Local stand-ins for the outside world of verification: an HTTP server (GitHub raw / a
publisher's domain) and a DNS server answering TXT queries. Both bind to 127.0.0.1 only."""

from __future__ import annotations

import asyncio
import contextlib
from dataclasses import dataclass, field
from typing import Any

import dns.flags
import dns.message
import dns.rcode
import dns.rdatatype
import dns.rrset
import httpx

from domain.models import User
from domain.services.users import set_admin, upsert_user
from tests.fixtures.stack import bearer


@dataclass
class Reply:
    status: int = 200
    body: bytes = b""
    headers: dict[str, str] = field(default_factory=dict)
    delay: float = 0.0
    send_length: bool = True  # False: no Content-Length, the body ends when we close


class ProofServer:
    """A tiny HTTP/1.1 server whose answers are set per path by the test."""

    def __init__(self) -> None:
        self.routes: dict[str, Reply | list[Reply]] = {}
        self.requested: list[str] = []
        self.hosts: list[str] = []  # the Host header of each request, in order
        self._server: asyncio.Server | None = None
        self._handlers: set[asyncio.Task[None]] = set()
        self.port = 0

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def text(self, path: str, body: str, **kw: object) -> None:
        self.routes[path] = Reply(body=body.encode(), **kw)  # type: ignore[arg-type]

    def _next(self, path: str) -> Reply:
        """A list of replies is served in order; its last one repeats."""
        route = self.routes.get(path, Reply(status=404, body=b"not found"))
        if isinstance(route, list):
            return route.pop(0) if len(route) > 1 else route[0]
        return route

    async def start(self) -> None:
        self._server = await asyncio.start_server(self._serve, "127.0.0.1", 0)
        self.port = self._server.sockets[0].getsockname()[1]

    async def stop(self) -> None:
        for task in list(self._handlers):
            task.cancel()
        if self._server is not None:
            self._server.close()
            with contextlib.suppress(Exception):
                await asyncio.wait_for(self._server.wait_closed(), 2)

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        task = asyncio.current_task()
        assert task is not None
        self._handlers.add(task)
        try:
            head = await reader.readuntil(b"\r\n\r\n")
            path = head.split(b" ", 2)[1].decode()
            self.requested.append(path)
            for line in head.decode("latin-1").split("\r\n")[1:]:
                name, _, value = line.partition(":")
                if name.strip().lower() == "host":
                    self.hosts.append(value.strip())
            reply = self._next(path)
            if reply.delay:
                await asyncio.sleep(reply.delay)
            lines = [
                f"HTTP/1.1 {reply.status} X",
                "Connection: close",
                *(f"{k}: {v}" for k, v in reply.headers.items()),
            ]
            if reply.send_length:
                lines.append(f"Content-Length: {len(reply.body)}")
            writer.write(("\r\n".join(lines) + "\r\n\r\n").encode() + reply.body)
            await writer.drain()
        except (asyncio.IncompleteReadError, ConnectionError, asyncio.CancelledError):
            pass
        finally:
            writer.close()
            self._handlers.discard(task)


class DnsServer(asyncio.DatagramProtocol):
    """Answers TXT queries from `records`; names in `silent` get no answer at all."""

    def __init__(self) -> None:
        self.records: dict[str, list[str]] = {}
        self.silent: set[str] = set()
        self.transport: asyncio.DatagramTransport | None = None
        self.port = 0

    async def start(self) -> None:
        loop = asyncio.get_running_loop()
        transport, _ = await loop.create_datagram_endpoint(
            lambda: self, local_addr=("127.0.0.1", 0)
        )
        self.transport = transport  # type: ignore[assignment]
        self.port = transport.get_extra_info("sockname")[1]

    def stop(self) -> None:
        if self.transport is not None:
            self.transport.close()

    def datagram_received(self, data: bytes, addr: tuple[str, int]) -> None:
        query = dns.message.from_wire(data)
        question = query.question[0]
        name = question.name.to_text().rstrip(".").lower()
        if name in self.silent:
            return
        response = dns.message.make_response(query)
        response.flags |= dns.flags.AA
        values = self.records.get(name)
        if values is None:
            response.set_rcode(dns.rcode.NXDOMAIN)
        elif question.rdtype == dns.rdatatype.TXT:
            response.answer.append(
                dns.rrset.from_text(question.name, 60, "IN", "TXT", *(f'"{v}"' for v in values))
            )
        assert self.transport is not None
        self.transport.sendto(response.to_wire(), addr)


async def make_admin(user_id: str = "admin-1") -> User:
    await upsert_user(user_id, f"admin-{user_id}", f"{user_id}@example.com")
    return await set_admin(user_id, True)


async def join_publisher(
    client: httpx.AsyncClient, owner_id: str, slug: str, user_id: str, role: str = "member"
) -> dict[str, Any]:
    """Membership by consent: `owner_id` invites `user_id` over REST, who accepts."""
    await client.get("/api/v1/auth/me", headers=bearer(user_id))  # the user exists from here
    invited = await client.post(
        f"/api/v1/publishers/{slug}/invitations",
        headers=bearer(owner_id),
        json={"user_id": user_id, "role": role},
    )
    assert invited.status_code == 201, invited.text
    accepted = await client.post(
        f"/api/v1/invitations/{invited.json()['id']}/accept", headers=bearer(user_id)
    )
    assert accepted.status_code == 200, accepted.text
    return accepted.json()
