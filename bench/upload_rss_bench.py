"""Peak RSS of the *server* while a 1 GiB upload streams through HTTP into each backend.

Starts `python -m registry` (embedded: SQLite + local folder; and SQLite + S3 on a SeaweedFS
the script launches), publishes a 1 GiB mod ZIP with the client's multipart form, samples the
server process's RSS every 10 ms, and prints the increase over its idle RSS. Exit code 1 when an
increase reaches the limit (64 MiB).

    uv run python bench/upload_rss_bench.py [--size-mib 1024] [--backends local,s3]
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import threading
import time
import zipfile
from pathlib import Path

import httpx
import psutil

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from tests.fixtures.seaweed_process import SeaweedServer
from tests.fixtures.stack import JWT_SECRET, bearer
from tests.process.server import ServerProcess

LIMIT_MIB = 64


def build_zip(path: Path, size_mib: int) -> None:
    """A stored (uncompressed) mod archive of about `size_mib`, written in 8 MiB pieces."""
    with zipfile.ZipFile(path, "w", zipfile.ZIP_STORED, allowZip64=True) as archive:
        archive.writestr("Big/tbConfig.yaml", "module_name: Big\nversion: 1.0.0\n")
        archive.writestr("Big/__init__.py", "")
        piece = os.urandom(8 * 1024 * 1024)
        with archive.open("Big/data.bin", "w", force_zip64=True) as entry:
            for _ in range(size_mib // 8):
                entry.write(piece)


class RssSampler(threading.Thread):
    def __init__(self, pid: int) -> None:
        super().__init__(daemon=True)
        self.process = psutil.Process(pid)
        self.peak = 0
        self.running = True

    def run(self) -> None:
        while self.running:
            try:
                self.peak = max(self.peak, self.process.memory_info().rss)
            except psutil.Error:
                return
            time.sleep(0.01)


def measure(backend: str, archive: Path, workdir: Path, s3: SeaweedServer | None) -> float:
    env = {"CLOUDM_JWT_SECRET": JWT_SECRET, "MAX_UPLOAD_SIZE": "4GiB"}
    if s3 is not None:
        env.update(
            {
                "MINIO_PRIMARY_ENDPOINT": s3.endpoint,
                "MINIO_PRIMARY_ACCESS_KEY": s3.access_key,
                "MINIO_PRIMARY_SECRET_KEY": s3.secret_key,
                "MINIO_PRIMARY_BUCKET": "bench-upload",
            }
        )
    server = ServerProcess(workdir / f"data-{backend}", env)
    server.start()
    try:
        headers = bearer("bench")
        httpx.post(
            f"{server.url}/api/v1/auth/register-publisher",
            headers=headers,
            json={"name": "bench", "display_name": "Bench", "email": "b@example.com"},
        )
        httpx.post(
            f"{server.url}/api/v1/packages",
            headers=headers,
            json={"name": "Big", "visibility": "private"},
        )
        assert server.process is not None
        time.sleep(1.0)
        idle = psutil.Process(server.process.pid).memory_info().rss
        sampler = RssSampler(server.process.pid)
        sampler.start()
        started = time.monotonic()
        with open(archive, "rb") as handle:
            response = httpx.post(
                f"{server.url}/api/v1/packages/Big/versions",
                headers=headers,
                data={"version": "1.0.0"},
                files={"file": ("tmpbench.zip", handle, "application/zip")},
                timeout=600,
            )
        elapsed = time.monotonic() - started
        sampler.running = False
        sampler.join()
        if response.status_code != 201:
            raise SystemExit(f"{backend}: upload failed {response.status_code} {response.text}")
        rise = (sampler.peak - idle) / 1024**2
        size = archive.stat().st_size / 1024**2
        print(
            f"{backend:>5}: {size:.0f} MiB in {elapsed:5.1f} s ({size / elapsed:6.1f} MiB/s), "
            f"server RSS idle {idle / 1024**2:.1f} MiB, peak +{rise:.1f} MiB "
            f"-> {'ok' if rise < LIMIT_MIB else 'OVER LIMIT'}"
        )
        return rise
    finally:
        server.stop()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--size-mib", type=int, default=1024)
    parser.add_argument("--backends", default="local,s3")
    args = parser.parse_args()
    backends = [b.strip() for b in args.backends.split(",") if b.strip()]
    with tempfile.TemporaryDirectory(prefix="upload-rss-") as tmp:
        workdir = Path(tmp)
        archive = workdir / "big.zip"
        build_zip(archive, args.size_mib)
        print(
            f"upload {archive.stat().st_size / 1024**2:.0f} MiB through HTTP, "
            f"limit +{LIMIT_MIB} MiB server RSS"
        )
        worst = 0.0
        for backend in backends:
            s3 = SeaweedServer.launch(workdir / "seaweed") if backend == "s3" else None
            try:
                worst = max(worst, measure(backend, archive, workdir, s3))
            finally:
                if s3 is not None:
                    s3.kill()
    return 0 if worst < LIMIT_MIB else 1


if __name__ == "__main__":
    raise SystemExit(main())
