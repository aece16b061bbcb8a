"""SIGTERM on the real `tb-registry serve` process: stop accepting, let in-flight requests
finish within SERVER_SHUTDOWN_GRACE, then exit 0 (after the runtime has stopped)."""

from __future__ import annotations

import signal
import socket
import time
from pathlib import Path

import httpx

from tests.fixtures.stack import bearer
from tests.helpers import mod_zip
from tests.process.server import ServerProcess
from tests.process.test_serve import ENV, _publisher_and_package

# Wide margins: the machine may be busy. The shutdown itself takes well under a second.
EXIT_BOUND_SECONDS = 30.0


def _upload_request(base: str, name: str) -> tuple[bytes, bytes]:
    """An upload of `name` 1.0.0 as raw HTTP/1.1: the head and the (multipart) body."""
    request = httpx.Request(
        "POST",
        f"{base}/api/v1/packages/{name}/versions",
        headers=bearer("p1"),
        data={"version": "1.0.0"},
        files={"file": ("pkg.zip", mod_zip(name, "1.0.0"))},
    )
    body = request.read()
    lines = [f"POST {request.url.raw_path.decode()} HTTP/1.1"]
    lines += [f"{key}: {value}" for key, value in request.headers.items()]
    return ("\r\n".join(lines) + "\r\n\r\n").encode(), body


def _refuses_connections(port: int, within: float) -> bool:
    deadline = time.monotonic() + within
    while time.monotonic() < deadline:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=1):
                pass
        except ConnectionRefusedError:
            return True
        time.sleep(0.1)
    return False


def _read_response(sock: socket.socket) -> bytes:
    sock.settimeout(EXIT_BOUND_SECONDS)
    received = b""
    while chunk := sock.recv(65536):
        received += chunk
    return received


def _start_upload(server: ServerProcess, name: str) -> tuple[socket.socket, bytes]:
    """Send the head and half the body of an upload; returns the socket and the rest."""
    head, body = _upload_request(server.url, name)
    sock = socket.create_connection(("127.0.0.1", server.port))
    sock.sendall(head + body[: len(body) // 2])
    time.sleep(0.5)  # the server has read the head: the request is in flight
    return sock, body[len(body) // 2 :]


def _output(server: ServerProcess) -> str:
    assert server.process is not None and server.process.stdout is not None
    return server.process.stdout.read().decode(errors="replace")


def test_sigterm_drains_in_flight_requests_within_the_grace(tmp_path: Path) -> None:
    """Two uploads are in flight at SIGTERM: the one whose client goes on completes (201), the
    one whose client stalls is cut off when SERVER_SHUTDOWN_GRACE runs out. New connections are
    refused at once, and the process exits 0 right after the grace."""
    grace = 6
    server = ServerProcess(tmp_path / "data", {**ENV, "SERVER_SHUTDOWN_GRACE": str(grace)})
    server.start()
    assert server.process is not None
    try:
        _publisher_and_package(server.url, "Stalled")
        created = httpx.post(
            f"{server.url}/api/v1/packages",
            headers=bearer("p1"),
            json={"name": "Draining", "visibility": "unlisted"},
        )
        assert created.status_code == 201, created.text
        stalled, _ = _start_upload(server, "Stalled")  # the rest of its body never comes
        draining, rest = _start_upload(server, "Draining")
        signalled = time.monotonic()
        server.process.send_signal(signal.SIGTERM)
        assert _refuses_connections(server.port, within=grace), "still accepting after SIGTERM"
        draining.sendall(rest)
        response = _read_response(draining)
        draining.close()
        status_line = response.split(b"\r\n", 1)[0]
        assert status_line.startswith(b"HTTP/1.1 201"), response[:500]
        assert b'"version":"1.0.0"' in response.replace(b" ", b"")

        code = server.process.wait(timeout=EXIT_BOUND_SECONDS)
        took = time.monotonic() - signalled
        output = _output(server)
        assert code == 0, output
        assert grace <= took < grace + EXIT_BOUND_SECONDS, took
        assert "timeout graceful shutdown exceeded" in output  # the stalled upload was cut
        assert "Application shutdown complete" in output
        stalled.close()
    finally:
        server.kill()
