"""Peak RSS of streaming a large object through each storage backend.

Streams a generated object (default 1 GiB, produced chunk by chunk, never held in memory)
into a filesystem store and into an S3 store on a SeaweedFS server started for the run,
then streams it back and checks the SHA-256. Each backend runs in a fresh child process so
that its RSS is measured from a clean baseline; the number reported is the peak RSS increase
of that process over its baseline, sampled every 5 ms. Exit status 1 when a peak increase
reaches the limit (64 MiB).

    uv run python bench/storage_rss_bench.py [--size-mib 1024] [--backends local,s3]
"""

from __future__ import annotations

import argparse
import asyncio
import hashlib
import json
import os
import shutil
import struct
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import AsyncIterator, Callable
from pathlib import Path
from typing import Any

REPO_ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO_ROOT))

import psutil  # noqa: E402

from storage import BlobStore, LocalBlobStore, S3BlobStore  # noqa: E402

MiB = 1024 * 1024
LIMIT_MIB = 64


class PeakRss:
    """Samples this process's RSS in a background thread and keeps the maximum."""

    def __init__(self, interval: float = 0.005) -> None:
        self._process = psutil.Process()
        self._interval = interval
        self._stop = threading.Event()
        self.baseline = self._process.memory_info().rss
        self.peak = self.baseline
        self._thread = threading.Thread(target=self._sample, daemon=True)

    def _sample(self) -> None:
        while not self._stop.is_set():
            self.peak = max(self.peak, self._process.memory_info().rss)
            self._stop.wait(self._interval)

    def __enter__(self) -> PeakRss:
        self._thread.start()
        return self

    def __exit__(self, *exc_info: object) -> None:
        self._stop.set()
        self._thread.join()
        self.peak = max(self.peak, self._process.memory_info().rss)

    @property
    def increase_mib(self) -> float:
        return (self.peak - self.baseline) / MiB


async def generated(size: int, chunk_size: int, digest: Any) -> AsyncIterator[bytes]:
    """`size` bytes in `chunk_size` pieces (like an HTTP request body), hashed on the way so
    the read-back can be verified without keeping anything."""
    block = bytearray(os.urandom(chunk_size))
    sent = 0
    index = 0
    while sent < size:
        struct.pack_into(">Q", block, 0, index)  # every chunk differs
        chunk = bytes(block[: min(chunk_size, size - sent)])
        digest.update(chunk)
        sent += len(chunk)
        index += 1
        yield chunk


async def measure(store: BlobStore, size: int, chunk_size: int) -> dict[str, Any]:
    await store.ensure_ready()
    await store.startup_cleanup()

    async def warm_up() -> AsyncIterator[bytes]:
        yield b"warm-up"

    # Thread pools, HTTP connections and imports exist before the baseline is taken.
    await store.put_stream(warm_up())

    expected = hashlib.sha256()
    began = time.monotonic()
    with PeakRss() as put_rss:
        stored = await store.put_stream(generated(size, chunk_size, expected))
    put_seconds = time.monotonic() - began
    if stored.sha256 != expected.hexdigest() or stored.size != size:
        raise SystemExit(f"{store.kind}: stored digest/size do not match what was sent")

    actual = hashlib.sha256()
    began = time.monotonic()
    with PeakRss() as read_rss:
        async for chunk in store.open(stored.key):
            actual.update(chunk)
    read_seconds = time.monotonic() - began
    if actual.hexdigest() != stored.sha256:
        raise SystemExit(f"{store.kind}: read-back digest differs")
    await store.delete(stored.key)
    return {
        "backend": store.kind,
        "size_mib": size / MiB,
        "put_seconds": round(put_seconds, 1),
        "put_mib_s": round(size / MiB / put_seconds, 1),
        "put_peak_rss_increase_mib": round(put_rss.increase_mib, 1),
        "read_seconds": round(read_seconds, 1),
        "read_peak_rss_increase_mib": round(read_rss.increase_mib, 1),
        "baseline_rss_mib": round(put_rss.baseline / MiB, 1),
    }


async def child_main(args: argparse.Namespace) -> None:
    store: BlobStore
    if args.child == "local":
        store = LocalBlobStore(Path(args.root), name="bench")
    else:
        store = S3BlobStore(
            args.endpoint,
            args.access_key,
            args.secret_key,
            args.bucket,
            name="bench",
            spool_dir=Path(args.root) / "spool",
        )
    try:
        result = await measure(store, args.size_mib * MiB, args.chunk_kib * 1024)
    finally:
        await store.aclose()
    print(json.dumps(result), flush=True)


def run_child(extra: list[str], args: argparse.Namespace) -> dict[str, Any]:
    command = [
        sys.executable,
        str(Path(__file__).resolve()),
        f"--size-mib={args.size_mib}",
        f"--chunk-kib={args.chunk_kib}",
        *extra,
    ]
    output = subprocess.run(command, check=True, capture_output=True, text=True).stdout
    return json.loads(output.strip().splitlines()[-1])


def bench_local(args: argparse.Namespace, work: Path) -> dict[str, Any]:
    return run_child(["--child=local", f"--root={work / 'local'}"], args)


def bench_s3(args: argparse.Namespace, work: Path) -> dict[str, Any]:
    from tests.fixtures.seaweed_process import SeaweedServer

    server = SeaweedServer.launch(work / "seaweed")
    try:
        return run_child(
            [
                "--child=s3",
                f"--root={work / 's3'}",
                f"--endpoint={server.endpoint}",
                f"--access-key={server.access_key}",
                f"--secret-key={server.secret_key}",
                f"--bucket={server.new_bucket_name('bench')}",
            ],
            args,
        )
    finally:
        server.close()


BENCHES: dict[str, Callable[[argparse.Namespace, Path], dict[str, Any]]] = {
    "local": bench_local,
    "s3": bench_s3,
}


def parent_main(args: argparse.Namespace) -> int:
    work = Path(tempfile.mkdtemp(prefix="tb-storage-bench-"))
    failed = False
    try:
        print(
            f"object {args.size_mib} MiB, sent in {args.chunk_kib} KiB chunks, "
            f"limit {LIMIT_MIB} MiB"
        )
        for name in args.backends.split(","):
            result = BENCHES[name](args, work)
            worst = max(result["put_peak_rss_increase_mib"], result["read_peak_rss_increase_mib"])
            verdict = "ok" if worst < LIMIT_MIB else "OVER LIMIT"
            failed |= worst >= LIMIT_MIB
            print(
                f"{name:>5}: put {result['put_seconds']:>6.1f} s ({result['put_mib_s']} MiB/s), "
                f"peak RSS +{result['put_peak_rss_increase_mib']} MiB; "
                f"read {result['read_seconds']:>5.1f} s, peak RSS "
                f"+{result['read_peak_rss_increase_mib']} MiB "
                f"(baseline {result['baseline_rss_mib']} MiB) -> {verdict}",
                flush=True,
            )
    finally:
        shutil.rmtree(work, ignore_errors=True)
    return 1 if failed else 0


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--size-mib", type=int, default=1024)
    parser.add_argument("--chunk-kib", type=int, default=64, help="size of incoming chunks")
    parser.add_argument("--backends", default="local,s3")
    parser.add_argument("--child", choices=sorted(BENCHES), help=argparse.SUPPRESS)
    for option in ("--root", "--endpoint", "--access-key", "--secret-key", "--bucket"):
        parser.add_argument(option, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        asyncio.run(child_main(args))
        return 0
    return parent_main(args)


if __name__ == "__main__":
    sys.exit(main())
