"""A private PostgreSQL cluster an outage test may stop and start at will (issue #17).

The shared server on 127.0.0.1:5432 cannot be stopped under the other tests, so the test makes
its own: `initdb` as the `postgres` user (PostgreSQL refuses to run as root) into a fresh
folder under /tmp that user owns (a pytest tmp_path sits below root's 0700 folders, which the
`postgres` user cannot enter), trust authentication, listening on 127.0.0.1 at a free port
with its socket in the same folder. `stop_immediately` is `pg_ctl -m immediate`: every backend
is killed without a checkpoint, as in a crash, and `start` brings it back on the same port
(after crash recovery).
"""

from __future__ import annotations

import asyncio
import os
import shutil
import subprocess
import tempfile
from pathlib import Path

import asyncpg

from tests.fixtures.services import unavailable
from tests.process.server import free_port

SUPERUSER = "postgres"


def _postgres_bin() -> Path | None:
    """The newest installed server's bin folder (Debian keeps each major version apart)."""
    versions = sorted(
        Path("/usr/lib/postgresql").glob("*/bin/initdb"),
        key=lambda p: int(p.parent.parent.name) if p.parent.parent.name.isdigit() else 0,
    )
    return versions[-1].parent if versions else None


class PostgresCluster:
    def __init__(self) -> None:
        self.port = free_port()
        self.folder: Path | None = None
        self.bin: Path | None = None

    @property
    def data(self) -> Path:
        assert self.folder is not None
        return self.folder / "data"

    def url(self, database: str) -> str:
        return f"postgres://{SUPERUSER}@127.0.0.1:{self.port}/{database}"

    def _as_postgres(self, *args: str, timeout: float = 60) -> None:
        assert self.bin is not None
        command = ["runuser", "-u", SUPERUSER, "--", *args] if os.geteuid() == 0 else list(args)
        result = subprocess.run(command, capture_output=True, text=True, timeout=timeout)
        if result.returncode != 0:
            raise RuntimeError(f"{' '.join(args)} failed: {result.stdout}{result.stderr}")

    def create(self) -> None:
        self.bin = _postgres_bin()
        if self.bin is None or (os.geteuid() == 0 and shutil.which("runuser") is None):
            unavailable("PostgreSQL server binaries (initdb, pg_ctl) or runuser are missing")
            return
        self.folder = Path(tempfile.mkdtemp(prefix="tbr-pg-"))
        if os.geteuid() == 0:
            shutil.chown(self.folder, user=SUPERUSER, group=SUPERUSER)
        self._as_postgres(
            str(self.bin / "initdb"),
            "-D",
            str(self.data),
            "-U",
            SUPERUSER,
            "--auth=trust",
            "--no-sync",  # a throwaway cluster: no fsync of the fresh files
            "-E",
            "UTF8",
            "--locale=C",
        )

    def start(self, timeout: float = 60) -> None:
        assert self.bin is not None and self.folder is not None
        options = (
            f"-p {self.port} -k {self.folder} -c listen_addresses=127.0.0.1 -c fsync=off"
            " -c max_connections=50"
        )
        self._as_postgres(
            str(self.bin / "pg_ctl"),
            "-D",
            str(self.data),
            "-o",
            options,
            "-l",
            str(self.folder / "server.log"),
            "-w",
            "-t",
            str(int(timeout)),
            "start",
            timeout=timeout + 10,
        )

    def stop_immediately(self) -> None:
        """Like a crash: backends killed, clients' connections cut, no checkpoint."""
        assert self.bin is not None
        self._as_postgres(str(self.bin / "pg_ctl"), "-D", str(self.data), "-m", "immediate", "stop")

    def running(self) -> bool:
        return (self.data / "postmaster.pid").exists()

    def destroy(self) -> None:
        if self.folder is None:
            return
        if self.running():
            try:
                self.stop_immediately()
            except (RuntimeError, subprocess.TimeoutExpired):
                pass
        shutil.rmtree(self.folder, ignore_errors=True)
        self.folder = None

    def log(self) -> str:
        path = self.folder / "server.log" if self.folder is not None else None
        return path.read_text(errors="replace") if path is not None and path.exists() else ""

    async def _connect(self, database: str) -> asyncpg.Connection:
        return await asyncpg.connect(
            host="127.0.0.1", port=self.port, user=SUPERUSER, database=database, timeout=10
        )

    def create_database(self, name: str) -> str:
        async def create() -> None:
            conn = await self._connect("postgres")
            try:
                await conn.execute(f'CREATE DATABASE "{name}"')
            finally:
                await conn.close()

        asyncio.run(create())
        return self.url(name)

    def query(self, database: str, sql: str) -> list[asyncpg.Record]:
        async def fetch() -> list[asyncpg.Record]:
            conn = await self._connect(database)
            try:
                return list(await conn.fetch(sql))
            finally:
                await conn.close()

        return asyncio.run(fetch())
