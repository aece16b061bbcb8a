"""A process killed mid-upload leaves scratch files; `startup_cleanup()` of the next start
removes them, but never the in-flight files of a live process sharing the directory."""

from __future__ import annotations

import asyncio
import json
import os
import signal
import subprocess
import sys
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from storage import BlobStore, LocalBlobStore, S3BlobStore, StorageSpec, build_store
from tests.storage.conftest import scratch_files

REPO_ROOT = Path(__file__).resolve().parents[2]


def spec_fields(store: BlobStore) -> dict[str, object]:
    if isinstance(store, LocalBlobStore):
        return {"name": store.name, "kind": "local", "root": str(store.root)}
    assert isinstance(store, S3BlobStore)
    from tests.fixtures.seaweed_process import SeaweedServer

    return {
        "name": store.name,
        "kind": "s3",
        "endpoint": store.endpoint_url,
        "access_key": SeaweedServer.access_key,
        "secret_key": SeaweedServer.secret_key,
        "bucket": store.bucket,
    }


def scratch_entries_of(store: BlobStore, pid: int) -> list[str]:
    """Names of the scratch directory and lock file a process `pid` owned."""
    scratch_dir: Path = store.scratch_dir  # type: ignore[attr-defined]
    return sorted(path.name for path in scratch_dir.glob(f"{pid}-*"))


async def kill_mid_upload(store: BlobStore) -> int:
    """Run an upload of the same store configuration in a child process, SIGKILL it, and
    return its pid."""
    spool_parent = store.scratch_dir.parent  # type: ignore[attr-defined]
    child = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "tests.storage.upload_child",
        json.dumps(spec_fields(store)),
        str(spool_parent),
        cwd=REPO_ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    try:
        line = await asyncio.wait_for(child.stdout.readline(), 30)  # type: ignore[union-attr]
        if line.strip() != b"SPOOLING":
            stderr = await child.stderr.read()  # type: ignore[union-attr]
            pytest.fail(f"upload child did not start: {line!r} {stderr.decode()[-2000:]}")
    finally:
        if child.returncode is None:
            child.send_signal(signal.SIGKILL)
        await child.wait()
    return child.pid


async def test_startup_cleanup_removes_files_of_a_killed_process(
    blob_store: BlobStore, stored_keys
) -> None:
    child_pid = await kill_mid_upload(blob_store)
    leftovers = scratch_files(blob_store)
    assert leftovers, "the killed upload should have left its partial file"
    assert all(path.stat().st_size > 0 for path in leftovers)

    removed = await blob_store.startup_cleanup()

    assert removed >= 1
    assert scratch_files(blob_store) == []
    assert scratch_entries_of(blob_store, child_pid) == []
    assert stored_keys(blob_store) == []


async def test_startup_cleanup_spares_a_live_upload(blob_store: BlobStore) -> None:
    # A second store on the same root / spool directory, as the server and the job worker
    # would have; its upload is in flight while this store starts up.
    fields = spec_fields(blob_store)
    if fields.get("root"):
        fields["root"] = Path(str(fields["root"]))
    spool_parent = blob_store.scratch_dir.parent  # type: ignore[attr-defined]
    twin = build_store(StorageSpec(**fields), spool_dir=spool_parent)  # type: ignore[arg-type]
    spooling, resume = asyncio.Event(), asyncio.Event()
    first, second = os.urandom(2 * 1024 * 1024), os.urandom(1000)

    async def pauses() -> AsyncIterator[bytes]:
        yield first
        spooling.set()
        await resume.wait()
        yield second

    try:
        upload = asyncio.create_task(twin.put_stream(pauses()))
        await asyncio.wait_for(spooling.wait(), 10)
        in_flight = scratch_files(twin)
        assert len(in_flight) == 1

        assert await blob_store.startup_cleanup() == 0
        assert scratch_files(twin) == in_flight

        resume.set()
        stored = await asyncio.wait_for(upload, 30)
        assert stored.size == len(first) + len(second)
        chunks = [chunk async for chunk in blob_store.open(stored.key)]
        assert b"".join(chunks) == first + second
    finally:
        await twin.aclose()
