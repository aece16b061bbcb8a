"""200 concurrent downloads of a 50 MiB version: correct bytes, bounded server memory.

Starts the registry (embedded default: SQLite + local folder) with uvicorn in a subprocess on a
free 127.0.0.1 port, publishes a ~50 MiB version through the REST API, then lets a separate
process open all downloads at once over keep-alive HTTP/1.1 connections and hash every body.
The server process's RSS is sampled with psutil every 20 ms throughout. Exit status 1 when a
download fails or has the wrong SHA-256, or when the server's peak RSS reaches 300 MiB.

    uv run python bench/download_bench.py [--downloads 200] [--size-mib 50]
"""

from __future__ import annotations

import argparse
import asyncio
import hashlib
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import httpx

from bench import rest_bench  # its REST seeding
from bench.http_load import RegistryServer, RssSampler, registry_env, use_uvloop

MiB = 1024 * 1024
RSS_LIMIT_MIB = 300
PACKAGE = "BigMod"


async def _fetch_all(url: str, count: int) -> dict[str, Any]:
    """`count` simultaneous GETs, each on its own connection, each body hashed as it arrives."""
    parts = urlsplit(url)
    request = (
        f"GET {parts.path} HTTP/1.1\r\nHost: {parts.netloc}\r\nAccept: */*\r\n"
        "User-Agent: python-httpx/0.28\r\nConnection: close\r\n\r\n"
    ).encode()
    start = asyncio.Event()
    first_byte: list[float] = []

    async def one() -> tuple[int, str, int]:
        reader, writer = await asyncio.open_connection(parts.hostname, parts.port, limit=4 * MiB)
        try:
            await start.wait()
            writer.write(request)
            head = await reader.readuntil(b"\r\n\r\n")
            first_byte.append(time.monotonic())
            status = int(head.split(b" ", 2)[1])
            length = next(
                int(line.split(b":", 1)[1])
                for line in head.split(b"\r\n")
                if line.lower().startswith(b"content-length:")
            )
            digest = hashlib.sha256()
            remaining = length
            while remaining:
                chunk = await reader.read(min(remaining, MiB))
                if not chunk:
                    break
                digest.update(chunk)
                remaining -= len(chunk)
            return status, digest.hexdigest(), length - remaining
        finally:
            writer.close()

    tasks = [asyncio.create_task(one()) for _ in range(count)]
    await asyncio.sleep(0.5)  # every connection is open before the first request goes out
    began = time.monotonic()
    start.set()
    results = await asyncio.gather(*tasks, return_exceptions=True)
    elapsed = time.monotonic() - began
    outcomes = [r if isinstance(r, tuple) else (0, repr(r), 0) for r in results]
    return {
        "results": outcomes,
        "seconds": elapsed,
        "first_byte_max": max(first_byte) - began if first_byte else None,
    }


def run_downloads(url: str, count: int) -> dict[str, Any]:
    output = subprocess.run(
        [sys.executable, __file__, "--fetch", url, "--downloads", str(count)],
        check=True,
        capture_output=True,
        text=True,
    ).stdout
    return json.loads(output)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--downloads", type=int, default=200)
    parser.add_argument("--size-mib", type=int, default=50)
    parser.add_argument("--fetch", help=argparse.SUPPRESS)  # child mode: the downloader
    args = parser.parse_args()
    if args.fetch:
        use_uvloop()
        print(json.dumps(asyncio.run(_fetch_all(args.fetch, args.downloads))))
        return 0

    with tempfile.TemporaryDirectory(prefix="download-bench-") as tmp:
        workdir = Path(tmp)
        url = f"sqlite://{workdir}/data/registry.sqlite3"
        env = registry_env(workdir / "data", url, admin_id=rest_bench.ADMIN_ID)
        server = RegistryServer.start("registry", env, workdir / "registry.log")
        try:
            started = time.monotonic()
            rest_bench.seed(
                server.base_url,
                PACKAGE,
                ["1.0.0"],
                padding=os.urandom(args.size_mib * MiB),
                timeout=170,
            )
            seeded = time.monotonic() - started
            detail = httpx.get(f"{server.base_url}/api/v1/packages/{PACKAGE}/versions/1.0.0").json()
            url = server.base_url + detail["download_url"]
            with RssSampler(server.process.pid, interval=0.02) as rss:
                outcome = run_downloads(url, args.downloads)
        finally:
            server.stop()

    expected = detail["checksum_sha256"]
    size = detail["size_bytes"]
    results = outcome["results"]
    good = [r for r in results if r[0] == 200 and r[1] == expected and r[2] == size]
    total = sum(r[2] for r in results)
    peak_mib = rss.peak_mib
    print(
        f"{args.downloads} concurrent downloads of {PACKAGE} 1.0.0 ({size / MiB:.1f} MiB, "
        f"published in {seeded:.1f} s): {len(good)} correct (SHA-256 and length), "
        f"{len(results) - len(good)} failed"
    )
    print(
        f"  {total / MiB:.0f} MiB in {outcome['seconds']:.1f} s "
        f"({total / MiB / outcome['seconds']:.0f} MiB/s); every response started within "
        f"{outcome['first_byte_max']:.2f} s"
    )
    print(
        f"  server RSS: {rss.start_mib:.1f} MiB before, peak {peak_mib:.1f} MiB "
        f"(limit {RSS_LIMIT_MIB} MiB)"
    )
    failures = [r for r in results if r not in good][:3]
    if failures:
        print(f"  first failures: {failures}")
    ok = len(good) == args.downloads and peak_mib < RSS_LIMIT_MIB
    print("  -> ok" if ok else "  -> FAILED")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
