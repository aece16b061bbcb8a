"""Child process for the crash tests: starts an upload, reports that it is spooling, and then
waits forever so the parent can SIGKILL it mid-upload.

    python -m tests.storage.upload_child '<StorageSpec fields as JSON>' <spool_dir>
"""

from __future__ import annotations

import asyncio
import json
import os
import sys
from collections.abc import AsyncIterator
from pathlib import Path

from storage import StorageSpec, build_store


async def stalls() -> AsyncIterator[bytes]:
    yield os.urandom(2 * 1024 * 1024)
    # Asked for the next chunk: the first one has been written to the scratch file.
    print("SPOOLING", flush=True)
    await asyncio.Event().wait()
    yield b""


async def main(spec_json: str, spool_dir: str) -> None:
    fields = json.loads(spec_json)
    if fields.get("root"):
        fields["root"] = Path(fields["root"])
    store = build_store(StorageSpec(**fields), spool_dir=Path(spool_dir))
    await store.ensure_ready()
    await store.put_stream(stalls())


if __name__ == "__main__":
    asyncio.run(main(sys.argv[1], sys.argv[2]))
