"""Per-process scratch directories whose leftovers can be told apart from live ones.

Several processes may share one scratch base (the HTTP server and the job worker both write
to the same store root or spool directory). A process that is killed mid-upload leaves its
partial files behind; the next start must remove those without touching the files a *live*
process is still writing. So each process owns a subdirectory `<token>/` guarded by an
exclusive lock on `<token>.lock`, held for as long as the store is open. The kernel drops the
lock when the process dies, which is exactly the signal the cleaner needs: a lock it can take
belongs to a dead owner.
"""

from __future__ import annotations

import logging
import os
import secrets
import shutil
import sys
import threading
from pathlib import Path

if sys.platform == "win32":  # pragma: no cover - exercised on Windows only
    import msvcrt

    def _try_lock(fd: int) -> bool:
        try:
            msvcrt.locking(fd, msvcrt.LK_NBLCK, 1)
        except OSError:
            return False
        return True

else:
    import fcntl

    def _try_lock(fd: int) -> bool:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            return False
        return True


log = logging.getLogger(__name__)

_LOCK_SUFFIX = ".lock"


class ScratchArea:
    """Hands out scratch file paths inside this process's own locked subdirectory of `base`."""

    def __init__(self, base: Path) -> None:
        self.base = base
        self._guard = threading.Lock()
        self._own_dir: Path | None = None
        self._lock_path: Path | None = None
        self._lock_fd: int | None = None

    def new_path(self, prefix: str) -> Path:
        """A fresh, not yet existing path in the owned directory (created on first use)."""
        own_dir = self._ensure_owned()
        return own_dir / f"{prefix}{secrets.token_hex(8)}.part"

    def _ensure_owned(self) -> Path:
        with self._guard:
            if self._own_dir is None:
                self.base.mkdir(parents=True, exist_ok=True)
                self._own_dir, self._lock_path, self._lock_fd = self._claim()
            return self._own_dir

    def _claim(self) -> tuple[Path, Path, int]:
        while True:
            token = f"{os.getpid()}-{secrets.token_hex(6)}"
            lock_path = self.base / f"{token}{_LOCK_SUFFIX}"
            fd = os.open(lock_path, os.O_RDWR | os.O_CREAT, 0o600)
            if not _try_lock(fd):
                os.close(fd)
                continue
            # A cleaner may have locked and unlinked the file between our open and our lock;
            # then we hold a lock on a dead inode. Only keep it if the path is still ours.
            try:
                same = os.path.samestat(os.fstat(fd), os.stat(lock_path))
            except FileNotFoundError:
                same = False
            if not same:
                os.close(fd)
                continue
            own_dir = self.base / token
            own_dir.mkdir()
            return own_dir, lock_path, fd

    def cleanup_stale(self) -> int:
        """Remove every scratch entry in `base` not owned by a live process."""
        if not self.base.is_dir():
            return 0
        removed = 0
        locks = {p.name[: -len(_LOCK_SUFFIX)] for p in self.base.glob(f"*{_LOCK_SUFFIX}")}
        for token in sorted(locks):
            if self._remove_if_dead(token):
                removed += 1
        for entry in self.base.iterdir():
            if entry.name.endswith(_LOCK_SUFFIX) or entry.name in locks:
                continue
            # No lock file at all: an owner that died before taking its lock, or a stray
            # file. Nobody can be writing to it.
            _remove_entry(entry)
            removed += 1
        if removed:
            log.info("removed %d stale scratch entries under %s", removed, self.base)
        return removed

    def _remove_if_dead(self, token: str) -> bool:
        lock_path = self.base / f"{token}{_LOCK_SUFFIX}"
        try:
            fd = os.open(lock_path, os.O_RDWR)
        except FileNotFoundError:
            return False
        try:
            if not _try_lock(fd):
                return False  # owner alive (possibly this very process)
            _remove_entry(self.base / token)
            lock_path.unlink(missing_ok=True)
            return True
        finally:
            os.close(fd)

    def release(self) -> None:
        """Delete this process's scratch directory and drop its lock."""
        with self._guard:
            if self._own_dir is None:
                return
            _remove_entry(self._own_dir)
            # Close before unlinking: Windows cannot delete an open file. A cleaner that grabs
            # the lock in between only deletes what we were deleting anyway.
            if self._lock_fd is not None:
                os.close(self._lock_fd)
            if self._lock_path is not None:
                self._lock_path.unlink(missing_ok=True)
            self._own_dir = self._lock_path = self._lock_fd = None


def _remove_entry(path: Path) -> None:
    try:
        if path.is_dir() and not path.is_symlink():
            shutil.rmtree(path)
        else:
            path.unlink(missing_ok=True)
    except FileNotFoundError:
        pass
    except OSError as exc:
        log.warning("could not remove scratch entry %s: %s", path, exc)
