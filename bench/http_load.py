"""What the HTTP benches share: a registry server in its own process, tokens and mod ZIPs to
seed it through the REST API, and a load generator with latency percentiles.

- `RegistryServer.start(...)` runs the registry as `tb-registry serve` does (runtime started
  before uvicorn, the loop-responsiveness settings of registry/cli.py, uvloop when installed)
  in a child process on a free 127.0.0.1 port, with uvicorn's access log off (one log line
  per request would measure the terminal, not the registry).
- `checkout(rev)` makes a git worktree of another revision with its own environment
  (`uv sync --frozen`); `RegistryServer.start(..., root=it)` then serves that revision's code
  with the same wrapper (its interpreter, this file), and `migrate(url, root=it)` applies its
  migrations: a side-by-side run against an earlier registry on the same data.
- `load(...)` sends one request over and over on N keep-alive connections for a duration:
  with `wrk` when it is on PATH (C, event-driven: it costs the 2-core machine little CPU),
  else with a small HTTP/1.1 client on raw asyncio streams in a child process. Both report
  requests, errors (non-2xx, socket errors), p50 and p99 latency.

Run as a script only by the benches themselves (`--serve`, `--load` child modes).
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import io
import json
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

REPO_ROOT = Path(__file__).resolve().parents[1]
if str(REPO_ROOT) not in sys.path:
    sys.path.insert(0, str(REPO_ROOT))

import httpx  # noqa: E402
import jwt  # noqa: E402

JWT_SECRET = "bench-secret-for-cloudm-tokens-0123456789"
# Budgets high enough that one loader address is never throttled; the limiter still runs.
UNTHROTTLED = "100000000/60"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def token(user_id: str, secret: str = JWT_SECRET, ttl: float = 4 * 3600) -> str:
    """A CloudM-style access token for `user_id`, signed with `secret`."""
    now = time.time()
    return jwt.encode(
        {
            "sub": user_id,
            "user_id": user_id,
            "username": user_id,
            "email": f"{user_id}@example.com",
            "type": "access",
            "iat": now,
            "exp": now + ttl,
        },
        secret,
        algorithm="HS256",
    )


def mod_archive(
    name: str,
    version: str,
    dependencies: list[str] | None = None,
    padding: bytes = b"",
    *,
    description: str | None = None,
    keywords: list[str] | None = None,
    platforms: list[str] | None = None,
    toolbox_version: str | None = None,
) -> bytes:
    """A mod ZIP in ModManager's installer layout (`name/tbConfig.yaml`, `name/__init__.py`)."""
    import yaml

    manifest: dict[str, Any] = {
        "module_name": name,
        "version": version,
        "config_version": "2.0",
        "description": description if description is not None else f"{name} for benchmarks",
        "dependencies": dependencies or [],
    }
    if keywords:
        manifest["metadata"] = {"keywords": keywords}
    if platforms:
        manifest["platforms"] = {p: {"files": ["*"], "required": True} for p in platforms}
    if toolbox_version:
        manifest["toolbox_version"] = toolbox_version
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr(f"{name}/tbConfig.yaml", yaml.safe_dump(manifest))
        archive.writestr(f"{name}/__init__.py", f"__version__ = {version!r}\n")
        if padding:
            archive.writestr(f"{name}/payload.bin", padding)
    return buffer.getvalue()


# --- the server ----------------------------------------------------------------------------


def use_uvloop() -> None:
    with contextlib.suppress(ImportError):
        import uvloop

        asyncio.set_event_loop_policy(uvloop.EventLoopPolicy())


def python_of(root: Path) -> str:
    """The interpreter of the checkout at `root` (this one's for this checkout)."""
    return sys.executable if root == REPO_ROOT else str(root / ".venv" / "bin" / "python")


@contextlib.contextmanager
def checkout(rev: str) -> Iterator[Path]:
    """A git worktree of `rev` in a temporary folder, synced (`uv sync --frozen`: its own
    lock file), removed with its environment afterwards."""
    folder = Path(tempfile.mkdtemp(prefix="registry-rev-"))
    root = folder / "tree"
    git = ["git", "-C", str(REPO_ROOT), "worktree"]
    subprocess.run([*git, "add", "--detach", str(root), rev], check=True, capture_output=True)
    try:
        env = {
            k: v
            for k, v in os.environ.items()
            if k not in ("VIRTUAL_ENV", "UV_PROJECT_ENVIRONMENT")
        }
        subprocess.run(["uv", "sync", "--frozen", "--quiet"], cwd=root, env=env, check=True)
        yield root
    finally:
        subprocess.run([*git, "remove", "--force", str(root)], check=False, capture_output=True)
        shutil.rmtree(folder, ignore_errors=True)


def migrate(database_url: str, root: Path = REPO_ROOT) -> None:
    """The migrations of the code at `root` applied to `database_url` (PostgreSQL: the
    server applies SQLite's itself at start)."""
    code = "import asyncio, sys; from domain.database import apply_migrations as m; "
    code += "asyncio.run(m(sys.argv[1]))"
    subprocess.run([python_of(root), "-c", code, database_url], cwd=root, check=True)


async def serve_registry(port: int, seed: str | None = None) -> None:
    """`tb-registry serve` (registry/cli.py `_serve`) without the per-request access log.
    `seed` ("module:function"): a coroutine function awaited once the runtime has started
    (the database is open), before the server listens."""
    import importlib

    import uvicorn

    from registry.app import create_app
    from registry.cli import _keep_the_loop_responsive
    from registry.config import load_settings
    from registry.runtime import Runtime

    settings = load_settings()
    runtime = Runtime(settings)
    await runtime.start()
    try:
        if seed:
            module, _, function = seed.partition(":")
            await getattr(importlib.import_module(module), function)()
        app = create_app(settings, runtime=runtime)
        _keep_the_loop_responsive()
        config = uvicorn.Config(
            app, host="127.0.0.1", port=port, access_log=False, log_level="warning"
        )
        await uvicorn.Server(config).serve()
    finally:
        await runtime.stop()


def registry_env(
    data_dir: Path, database_url: str, *, admin_id: str, secret: str = JWT_SECRET
) -> dict[str, str]:
    return {
        "DATA_DIR": str(data_dir),
        "DATABASE_URL": database_url,
        "CLOUDM_JWT_SECRET": secret,
        "ADMIN_USERS": admin_id,
        "RATE_LIMIT_READ": UNTHROTTLED,
        "RATE_LIMIT_SEARCH": UNTHROTTLED,
        "RATE_LIMIT_UPLOAD": UNTHROTTLED,
        "RATE_LIMIT_WRITE": UNTHROTTLED,
        "TB_REGISTRY_ENV_FILE": os.devnull,
    }


@dataclass
class RegistryServer:
    name: str
    process: subprocess.Popen[bytes]
    port: int
    log: Path

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @classmethod
    def start(
        cls,
        name: str,
        env: dict[str, str],
        log: Path,
        timeout: float = 120,
        *,
        root: Path = REPO_ROOT,
        seed: str | None = None,
        command: list[str] | None = None,
        ready_path: str = "/api/v1/health",
    ) -> RegistryServer:
        """The registry code at `root` (default: this checkout; else a `checkout(rev)`),
        seeded in its process by `seed` (see `serve_registry`). `command`: another server
        (it is given `--port N`), ready when `ready_path` answers 200."""
        port = free_port()
        if command is None:
            command = [python_of(root), __file__, "--serve", "--root", str(root)]
            command += ["--seed", seed] if seed else []
        process = subprocess.Popen(
            [*command, "--port", str(port)],
            cwd=root,
            env={**os.environ, **env},
            stdout=log.open("wb"),
            stderr=subprocess.STDOUT,
        )
        server = cls(name, process, port, log)
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if process.poll() is not None:
                raise RuntimeError(f"{name} server exited: {log.read_text()[-3000:]}")
            with contextlib.suppress(httpx.HTTPError):
                if httpx.get(server.base_url + ready_path, timeout=2).status_code == 200:
                    return server
            time.sleep(0.2)
        server.stop()
        raise RuntimeError(f"{name} server did not start: {log.read_text()[-3000:]}")

    def tail(self, chars: int = 3000) -> str:
        return self.log.read_text(errors="replace")[-chars:]

    def rss_mib(self) -> float:
        import psutil  # the parent's: --serve runs on another checkout's environment too

        return psutil.Process(self.process.pid).memory_info().rss / 2**20

    def cpu_seconds(self) -> float:
        import psutil

        times = psutil.Process(self.process.pid).cpu_times()
        return float(times.user + times.system)

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGINT)  # graceful: lifespan shutdown runs
            try:
                self.process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()


class RssSampler:
    """Samples a process's RSS every `interval` seconds in a thread while in use."""

    def __init__(self, pid: int, interval: float = 0.1) -> None:
        import psutil

        self.process = psutil.Process(pid)
        self._gone = psutil.Error
        self.interval = interval
        self.samples: list[float] = []
        self.start_mib = self.now()  # before the sampling thread starts
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        while not self._stop.is_set():
            with contextlib.suppress(self._gone):
                self.samples.append(self.process.memory_info().rss / 2**20)
            self._stop.wait(self.interval)

    def now(self) -> float:
        return float(self.process.memory_info().rss / 2**20)

    @property
    def peak_mib(self) -> float:
        return max(self.samples, default=self.start_mib)

    def __enter__(self) -> RssSampler:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()


# --- load ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Request:
    method: str
    path: str  # with the query string
    body: bytes = b""
    headers: dict[str, str] = field(default_factory=dict)

    def as_json(self) -> dict[str, Any]:
        return {
            "method": self.method,
            "path": self.path,
            "body": self.body.decode(),
            "headers": self.headers,
        }


@dataclass
class LoadResult:
    requests: int
    seconds: float
    errors: int
    p50_ms: float
    p99_ms: float
    server_cpu_percent: float = 0.0

    @property
    def rps(self) -> float:
        return self.requests / self.seconds if self.seconds else 0.0


def loader_for(choice: str) -> str:
    if choice == "auto":
        return "wrk" if shutil.which("wrk") else "python"
    if choice == "wrk" and not shutil.which("wrk"):
        raise SystemExit("--loader wrk: wrk is not on PATH (Debian: apt-get install wrk)")
    return choice


def _lua_string(text: str) -> str:
    return "'" + text.replace("\\", "\\\\").replace("'", "\\'").replace("\n", "\\n") + "'"


_UNITS = {"us": 0.001, "ms": 1.0, "s": 1000.0, "m": 60_000.0}


def _wrk_ms(text: str) -> float:
    number, unit = re.fullmatch(r"([\d.]+)(us|ms|s|m)", text).groups()  # type: ignore[union-attr]
    return float(number) * _UNITS[unit]


def run_wrk(base_url: str, request: Request, duration: float, connections: int) -> LoadResult:
    lines = [f"wrk.method = {_lua_string(request.method)}"]
    if request.body:
        lines.append(f"wrk.body = {_lua_string(request.body.decode())}")
    for name, value in request.headers.items():
        lines.append(f"wrk.headers[{_lua_string(name)}] = {_lua_string(value)}")
    with tempfile.NamedTemporaryFile("w", suffix=".lua", delete=False) as script:
        script.write("\n".join(lines) + "\n")
    try:
        output = subprocess.run(
            [
                "wrk",
                "-t1",
                f"-c{connections}",
                f"-d{max(1, round(duration))}s",
                "--timeout",
                "10s",
                "--latency",
                "-s",
                script.name,
                base_url + request.path,
            ],
            check=True,
            capture_output=True,
            text=True,
        ).stdout
    finally:
        os.unlink(script.name)
    found = re.search(r"(\d+) requests in ([\d.]+)(us|ms|s|m)", output)
    assert found is not None, output
    requests = int(found.group(1))
    seconds = _wrk_ms(found.group(2) + found.group(3)) / 1000
    failed = 0
    if bad := re.search(r"Non-2xx or 3xx responses: (\d+)", output):
        failed += int(bad.group(1))
    if errors := re.search(
        r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", output
    ):
        failed += sum(int(n) for n in errors.groups())
    percentiles = dict(re.findall(r"^\s+(50|99)%\s+([\d.]+(?:us|ms|s|m))\s*$", output, re.M))
    return LoadResult(
        requests,
        seconds,
        failed,
        _wrk_ms(percentiles["50"]) if "50" in percentiles else float("nan"),
        _wrk_ms(percentiles["99"]) if "99" in percentiles else float("nan"),
    )


def percentile(sorted_values: list[float], fraction: float) -> float:
    if not sorted_values:
        return float("nan")
    index = min(len(sorted_values) - 1, max(0, round(fraction * (len(sorted_values) - 1))))
    return sorted_values[index]


async def _python_load(
    base_url: str, request: dict[str, Any], duration: float, connections: int
) -> dict[str, Any]:
    """Keep-alive HTTP/1.1 over raw streams: light enough to outrun one server process."""
    from urllib.parse import urlsplit

    parts = urlsplit(base_url)
    body = request["body"].encode()
    head = f"{request['method']} {request['path']} HTTP/1.1\r\nHost: {parts.netloc}\r\n"
    head += "Accept: */*\r\nUser-Agent: discovery-bench\r\n"
    for name, value in request["headers"].items():
        head += f"{name}: {value}\r\n"
    if body or request["method"] != "GET":
        head += f"Content-Length: {len(body)}\r\n"
    raw = head.encode() + b"\r\n" + body
    counts = {"ok": 0, "bad": 0}
    latencies: list[float] = []
    stop_at = time.monotonic() + duration
    length_re = re.compile(rb"(?i)content-length: *(\d+)")

    async def worker() -> None:
        reader, writer = await asyncio.open_connection(parts.hostname, parts.port)
        try:
            while time.monotonic() < stop_at:
                started = time.perf_counter()
                writer.write(raw)
                answer = await reader.readuntil(b"\r\n\r\n")
                length = length_re.search(answer)
                if length is None:  # chunked: not sent by the registry for these routes
                    raise RuntimeError(f"no Content-Length in {answer[:200]!r}")
                await reader.readexactly(int(length.group(1)))
                latencies.append((time.perf_counter() - started) * 1000)
                counts["ok" if answer[9:10] == b"2" else "bad"] += 1
        finally:
            writer.close()

    started = time.monotonic()
    await asyncio.gather(*(worker() for _ in range(connections)))
    latencies.sort()
    return {
        "requests": counts["ok"] + counts["bad"],
        "errors": counts["bad"],
        "seconds": time.monotonic() - started,
        "p50_ms": percentile(latencies, 0.50),
        "p99_ms": percentile(latencies, 0.99),
    }


def run_python(base_url: str, request: Request, duration: float, connections: int) -> LoadResult:
    spec = json.dumps({"base_url": base_url, "request": request.as_json()})
    output = subprocess.run(
        [
            sys.executable,
            __file__,
            "--load",
            spec,
            "--duration",
            str(duration),
            "--connections",
            str(connections),
        ],
        check=True,
        capture_output=True,
        text=True,
    ).stdout
    result = json.loads(output)
    return LoadResult(
        result["requests"], result["seconds"], result["errors"], result["p50_ms"], result["p99_ms"]
    )


def load(
    base_url: str,
    request: Request,
    *,
    loader: str,
    duration: float,
    connections: int,
    warmup: float = 1.0,
    server: RegistryServer | None = None,
) -> LoadResult:
    """Warm up, then load `request` for `duration` seconds; the server's CPU share when known."""
    run = run_wrk if loader == "wrk" else run_python
    if warmup > 0:
        run(base_url, request, warmup, connections)
    before = server.cpu_seconds() if server else 0.0
    result = run(base_url, request, duration, connections)
    if server is not None and result.seconds:
        result.server_cpu_percent = 100 * (server.cpu_seconds() - before) / result.seconds
    return result


def main() -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--serve", action="store_true")
    parser.add_argument("--port", type=int)
    parser.add_argument("--root", help="--serve: the checkout whose registry code runs")
    parser.add_argument("--seed", help="--serve: module:function awaited before serving")
    parser.add_argument("--load")
    parser.add_argument("--duration", type=float, default=8.0)
    parser.add_argument("--connections", type=int, default=32)
    args = parser.parse_args()
    use_uvloop()
    if args.serve:
        if args.root:  # before anything imports the registry: its code, not this checkout's
            sys.path.insert(0, args.root)
        asyncio.run(serve_registry(args.port, args.seed))
        return 0
    if args.load:
        spec = json.loads(args.load)
        result = asyncio.run(
            _python_load(spec["base_url"], spec["request"], args.duration, args.connections)
        )
        print(json.dumps(result))
        return 0
    parser.error("child modes only: --serve or --load")
    return 2


if __name__ == "__main__":
    sys.exit(main())
