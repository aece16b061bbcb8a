"""The export directory of `tb-registry export` / `import`: its layout, its manifest, the
progress files that make both commands resumable, and bounded JSON Lines reading.

Layout::

    DIR/manifest.json          written last: its presence means the export is complete
    DIR/export-state.json      while an export runs (removed when it completes)
    DIR/import-state.json      written by an import reading DIR (which target, how far)
    DIR/tables/<table>.jsonl   one JSON object per row, in primary-key order
    DIR/objects.jsonl          one {"key", "sha256", "size"} per object, in key order
    DIR/objects/<key>          each object's bytes under its storage key (sha256/ab/ab...)

The manifest holds the format and its version, the source's applied migrations, and per
file its row count, columns and SHA-256, so the import checks every file before it writes
anything. Progress files are replaced atomically (write, fsync, rename).
"""

from __future__ import annotations

import hashlib
import json
import os
from collections.abc import Iterator
from pathlib import Path
from typing import IO, Any

from storage.errors import InvalidObjectKey
from storage.keys import validate_key

FORMAT = "tb-registry-export"
FORMAT_VERSION = 1

MANIFEST = "manifest.json"
EXPORT_STATE = "export-state.json"
IMPORT_STATE = "import-state.json"
TABLES_DIR = "tables"
OBJECT_LIST = "objects.jsonl"
OBJECTS_DIR = "objects"

# Bounds on what is read before parsing: a manifest or progress file is small; one row may
# hold a README and a scan report, far below this.
MAX_CONTROL_FILE_BYTES = 4 * 1024 * 1024
MAX_LINE_BYTES = 64 * 1024 * 1024
# A page read for insertion ends early once its lines add up to this, so that a table of
# large rows (READMEs, scan reports) never holds hundreds of them in memory at once.
MAX_PAGE_BYTES = 16 * 1024 * 1024
HASH_CHUNK = 1024 * 1024


class TransferError(Exception):
    """A problem the operator can fix, said in one line (no traceback)."""


def table_file(directory: Path, table: str) -> Path:
    return directory / TABLES_DIR / f"{table}.jsonl"


def object_path(directory: Path, key: str) -> Path:
    """Where an object's bytes live in DIR; the key is validated first, so no key can name a
    path outside DIR/objects."""
    try:
        validate_key(key)
    except InvalidObjectKey as exc:
        raise TransferError(f"not an object key: {key[:100]!r}") from exc
    return directory / OBJECTS_DIR / key


def write_json_atomically(path: Path, document: dict[str, Any]) -> None:
    scratch = path.with_name(path.name + ".tmp")
    with open(scratch, "wb") as out:
        out.write(json.dumps(document, indent=1).encode())
        out.flush()
        os.fsync(out.fileno())
    os.replace(scratch, path)


def read_json(path: Path, what: str) -> dict[str, Any] | None:
    """The JSON object in `path`, None when the file does not exist."""
    try:
        with open(path, "rb") as source:
            data = source.read(MAX_CONTROL_FILE_BYTES + 1)
    except FileNotFoundError:
        return None
    except IsADirectoryError as exc:
        raise TransferError(f"{path}: {what} is a directory") from exc
    if len(data) > MAX_CONTROL_FILE_BYTES:
        raise TransferError(f"{path}: {what} is larger than {MAX_CONTROL_FILE_BYTES} bytes")
    return json_object(data, f"{path}: {what}")


def json_object(data: bytes, where: str) -> dict[str, Any]:
    """`data` decoded as a JSON object; anything else is a TransferError naming `where`."""
    try:
        document = json.loads(data)
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise TransferError(f"{where} is not valid JSON ({exc})") from exc
    if not isinstance(document, dict):
        raise TransferError(f"{where} is not a JSON object")
    return document


def encode_lines(rows: list[dict[str, Any]]) -> bytes:
    return b"".join(
        json.dumps(row, ensure_ascii=False, separators=(",", ":")).encode() + b"\n" for row in rows
    )


def open_for_append(path: Path, keep_bytes: int) -> IO[bytes]:
    """Open a JSON Lines file to continue writing after its first `keep_bytes` bytes (what
    the progress file says was completely written; anything after it is a torn page)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    out = open(path, "r+b") if path.exists() else open(path, "w+b")
    out.truncate(keep_bytes)
    out.seek(keep_bytes)
    return out


def append_durably(out: IO[bytes], data: bytes) -> int:
    """Write, flush to disk, and return the file's length after the write."""
    out.write(data)
    out.flush()
    os.fsync(out.fileno())
    return out.tell()


class LineReader:
    """JSON Lines of one export file, each line bounded before it is parsed."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.line_number = 0
        try:
            self._source: IO[bytes] = open(path, "rb")
        except FileNotFoundError as exc:
            raise TransferError(f"{path}: missing from the export") from exc

    def close(self) -> None:
        self._source.close()

    def _next_line(self) -> bytes | None:
        line = self._source.readline(MAX_LINE_BYTES + 1)
        if not line:
            return None
        self.line_number += 1
        if not line.endswith(b"\n"):
            too_long = len(line) > MAX_LINE_BYTES
            reason = f"longer than {MAX_LINE_BYTES} bytes" if too_long else "cut short"
            raise TransferError(f"{self.path}: line {self.line_number} is {reason}")
        return line

    def skip(self, count: int) -> None:
        for _ in range(count):
            if self._next_line() is None:
                raise TransferError(f"{self.path}: fewer lines than the progress file records")

    def read(self, count: int, max_bytes: int = MAX_PAGE_BYTES) -> list[dict[str, Any]]:
        """Up to `count` parsed lines, fewer once they add up to `max_bytes` ([] at the end of
        the file)."""
        rows: list[dict[str, Any]] = []
        size = 0
        while len(rows) < count and size < max_bytes:
            line = self._next_line()
            if line is None:
                break
            rows.append(json_object(line, f"{self.path}: line {self.line_number}"))
            size += len(line)
        return rows


def _chunks(path: Path) -> Iterator[bytes]:
    with open(path, "rb") as source:
        while chunk := source.read(HASH_CHUNK):
            yield chunk


def file_sha256(path: Path) -> str:
    """Blocking: the SHA-256 of a file, read in chunks."""
    digest = hashlib.sha256()
    for chunk in _chunks(path):
        digest.update(chunk)
    return digest.hexdigest()
