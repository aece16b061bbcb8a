"""`tb-registry export DIR` and `tb-registry import DIR` (issue 16): move a whole registry,
metadata and objects, e.g. from the embedded default (SQLite + folder) to PostgreSQL + S3.

Export reads the registry the settings name (stop its servers and workers first, so that
buffered download counts are written and nothing changes underneath) and writes DIR
(layout: registry/commands/transfer_files.py): each table in pages by primary key as JSON
Lines, each referenced object streamed from storage and checked against the SHA-256 its key
names. Import applies the migrations to the target the settings name, refuses a target that
already has rows (unless it is resuming the same export into the same target), checks every
file of DIR against the manifest, inserts the rows in dependency order keeping their keys and
timestamps, uploads each object streamed and checked by its SHA-256, resets PostgreSQL's
sequences, rebuilds the search index and compares the row counts with the manifest.

Both are resumable: progress is recorded after every page (export: `export-state.json`;
import: `import-state.json`, both in DIR), and rerunning the same command continues from
there; pages written again are skipped by key (domain/services/transfer.py), never doubled.
Mirrors of the target are not written: `tb-registry reconcile` copies the objects to them.
"""

from __future__ import annotations

import asyncio
import hashlib
import os
import sys
import time
import uuid
from collections.abc import Awaitable, Callable, Coroutine
from datetime import UTC, datetime
from functools import partial
from pathlib import Path
from typing import IO, Any

from tortoise.exceptions import BaseORMException
from tortoise.models import Model

from domain import search_index
from domain.context import StorageSet
from domain.database import describe_database
from domain.services import replication, transfer
from domain.services.replication import ReferencedObject
from registry.commands.offline import open_database, opened_storage
from registry.commands.progress import Progress, print_summary
from registry.commands.transfer_files import (
    EXPORT_STATE,
    FORMAT,
    FORMAT_VERSION,
    IMPORT_STATE,
    MANIFEST,
    OBJECT_LIST,
    OBJECTS_DIR,
    TABLES_DIR,
    LineReader,
    TransferError,
    append_durably,
    encode_lines,
    file_sha256,
    object_path,
    open_for_append,
    read_json,
    table_file,
    write_json_atomically,
)
from registry.config import Settings
from storage.errors import ChecksumMismatch, ObjectNotFound, StorageError
from storage.failover import read_with_failover
from storage.interface import BlobStore
from storage.keys import sha256_of_key

# Called after each page is durable (written and recorded): the phase ("table users",
# "objects") and how many items the page held. Tests interrupt a run through it.
PageHook = Callable[[str, int], None]
Summary = list[tuple[str, object]]

OBJECT_CONCURRENCY = 4  # objects read or written at once


def _now() -> str:
    return datetime.now(UTC).isoformat()


def _describe_storage(settings: Settings) -> str:
    spec = settings.primary_storage
    if spec.kind == "local":
        return f"local:{spec.root}"
    return f"s3:{spec.endpoint}/{spec.bucket}"


async def _bounded(work: list[Callable[[], Awaitable[int]]], done: Callable[[], None]) -> list[int]:
    """Run one page's object transfers, OBJECT_CONCURRENCY at a time (each waits on storage
    and disk, not the CPU); results in order. The first failure cancels the rest, and the
    page is not recorded, so a rerun does it again."""
    gate = asyncio.Semaphore(OBJECT_CONCURRENCY)

    async def one(step: Callable[[], Awaitable[int]]) -> int:
        async with gate:
            result = await step()
        done()
        return result

    try:
        async with asyncio.TaskGroup() as group:
            tasks = [group.create_task(one(step)) for step in work]
    except ExceptionGroup as failed:
        first: BaseException = failed
        while isinstance(first, BaseExceptionGroup):
            first = first.exceptions[0]
        raise first from None  # one error, said in one line (`_run`)
    return [task.result() for task in tasks]


# --- export ----------------------------------------------------------------------------------


def _start_export(directory: Path) -> tuple[dict[str, Any], bool]:
    """The export's progress (a new one, or the one an interrupted run left) and whether it
    resumes one."""
    if directory.exists() and not directory.is_dir():
        raise TransferError(f"{directory}: exists and is not a directory")
    if (directory / MANIFEST).exists():
        raise TransferError(f"{directory}: already holds a finished export; choose another DIR")
    state = read_json(directory / EXPORT_STATE, "the export's progress file")
    if state is not None:
        if not (
            isinstance(state.get("export_id"), str)
            and isinstance(state.get("tables"), dict)
            and isinstance(state.get("objects"), dict)
        ):
            raise TransferError(
                f"{directory / EXPORT_STATE}: damaged; delete DIR and run the export again"
            )
        return state, True
    if directory.exists() and any(directory.iterdir()):
        raise TransferError(f"{directory}: not empty and holds no unfinished export")
    directory.mkdir(parents=True, exist_ok=True)
    state = {"export_id": uuid.uuid4().hex, "started_at": _now(), "tables": {}, "objects": {}}
    write_json_atomically(directory / EXPORT_STATE, state)
    return state, False


def _page_saved(
    state_file: Path, state: dict[str, Any], after_page: PageHook | None, what: str, count: int
) -> None:
    """A page of an export or import is done once the progress that covers it is on disk;
    only then is `after_page` told (an interruption there must resume after the page)."""
    write_json_atomically(state_file, state)
    if after_page is not None:
        after_page(what, count)


async def _write_page(out: IO[bytes], rows: list[dict[str, Any]]) -> int:
    return await asyncio.to_thread(append_durably, out, encode_lines(rows))


async def _export_table(
    directory: Path,
    state: dict[str, Any],
    model: type[Model],
    page_rows: int,
    after_page: PageHook | None,
) -> None:
    table = transfer.table_of(model)
    entry = state["tables"].setdefault(table, {"rows": 0, "bytes": 0, "last": None, "done": 0})
    total = await transfer.count_rows(model)
    with Progress(f"export {table}", total=max(total, entry["rows"])) as bar:
        bar.advance(entry["rows"])
        if entry["done"]:
            return
        out = open_for_append(table_file(directory, table), entry["bytes"])
        try:
            pk = transfer.primary_key_column(model)
            async for page in transfer.pages(model, after=entry["last"], page_rows=page_rows):
                entry["bytes"] = await _write_page(out, page)
                entry["rows"] += len(page)
                entry["last"] = page[-1][pk]
                bar.advance(len(page))
                _page_saved(
                    directory / EXPORT_STATE, state, after_page, f"table {table}", len(page)
                )
        finally:
            out.close()
    entry["done"] = 1
    write_json_atomically(directory / EXPORT_STATE, state)


def _hashing_writer(path: Path) -> tuple[IO[bytes], Any]:
    path.parent.mkdir(parents=True, exist_ok=True)
    return open(path, "wb"), hashlib.sha256()


def _write_chunk(out: IO[bytes], digest: Any, chunk: bytes) -> None:
    out.write(chunk)
    digest.update(chunk)


def _finish_file(out: IO[bytes]) -> None:
    out.flush()
    os.fsync(out.fileno())
    out.close()


async def _export_object(storage: StorageSet, directory: Path, key: str) -> int:
    """Stream one object into DIR/objects/<key>, checked against the SHA-256 its key names;
    returns its size. An object already there from an interrupted run is checked again."""
    target = object_path(directory, key)
    expected = sha256_of_key(key)
    if target.exists() and await asyncio.to_thread(file_sha256, target) == expected:
        return target.stat().st_size
    scratch = target.with_name(target.name + ".partial")
    out, digest = await asyncio.to_thread(_hashing_writer, scratch)
    size = 0
    try:
        async for chunk in read_with_failover(storage.all, key, breakers=storage.breakers):
            await asyncio.to_thread(_write_chunk, out, digest, chunk)
            size += len(chunk)
        await asyncio.to_thread(_finish_file, out)
    except ObjectNotFound as exc:
        raise TransferError(
            f"object {key} is missing from every storage backend; run `tb-registry reconcile`"
        ) from exc
    finally:
        out.close()
    if digest.hexdigest() != expected:
        scratch.unlink(missing_ok=True)
        raise TransferError(
            f"object {key} read from storage does not match its sha256 (got "
            f"{digest.hexdigest()}); run `tb-registry reconcile --full` to repair it"
        )
    os.replace(scratch, target)
    return size


async def _export_objects(
    storage: StorageSet,
    directory: Path,
    state: dict[str, Any],
    page_rows: int,
    after_page: PageHook | None,
) -> None:
    entry = state["objects"]
    for name, start in (("count", 0), ("size", 0), ("bytes", 0), ("last", None), ("done", 0)):
        entry.setdefault(name, start)
    total = await transfer.referenced_key_count()
    with Progress("export objects", total=max(total, entry["count"])) as bar:
        bar.advance(entry["count"])
        if entry["done"]:
            return
        out = open_for_append(directory / OBJECT_LIST, entry["bytes"])
        try:
            async for keys in transfer.referenced_keys(after=entry["last"], page_rows=page_rows):
                sizes = await _bounded(
                    [partial(_export_object, storage, directory, key) for key in keys],
                    bar.advance,
                )
                lines = [
                    {"key": key, "sha256": sha256_of_key(key), "size": size}
                    for key, size in zip(keys, sizes, strict=True)
                ]
                entry["size"] += sum(sizes)
                entry["bytes"] = await _write_page(out, lines)
                entry["count"] += len(lines)
                entry["last"] = keys[-1]
                _page_saved(directory / EXPORT_STATE, state, after_page, "objects", len(lines))
        finally:
            out.close()
    entry["done"] = 1
    write_json_atomically(directory / EXPORT_STATE, state)


async def export_registry(
    settings: Settings,
    directory: Path,
    *,
    page_rows: int = transfer.PAGE_ROWS,
    after_page: PageHook | None = None,
) -> Summary:
    """Write the registry the settings name into `directory` (see the module docstring)."""
    started = time.monotonic()
    state, resumed = _start_export(directory)
    # The embedded default is brought to the current schema first, as every command does.
    async with open_database(settings):
        migrations = await transfer.applied_migrations()
        for model in transfer.COPIED:
            await _export_table(directory, state, model, page_rows, after_page)
        async with opened_storage(settings) as storage:
            await _export_objects(storage, directory, state, page_rows, after_page)
        tables = []
        for model in transfer.COPIED:
            name = transfer.table_of(model)
            path = table_file(directory, name)  # written (empty for an empty table) above
            tables.append(
                {
                    "name": name,
                    "file": f"{TABLES_DIR}/{path.name}",
                    "rows": state["tables"][name]["rows"],
                    "columns": transfer.columns_of(model),
                    "sha256": await asyncio.to_thread(file_sha256, path),
                }
            )
    objects = state["objects"]
    manifest = {
        "format": FORMAT,
        "format_version": FORMAT_VERSION,
        "export_id": state["export_id"],
        "started_at": state["started_at"],
        "finished_at": _now(),
        "source": {"database": describe_database(settings.database_url), "migrations": migrations},
        "tables": tables,
        "objects": {
            "file": OBJECT_LIST,
            "directory": OBJECTS_DIR,
            "count": objects["count"],
            "bytes": objects["size"],
            "sha256": await asyncio.to_thread(file_sha256, directory / OBJECT_LIST),
        },
    }
    write_json_atomically(directory / MANIFEST, manifest)
    (directory / EXPORT_STATE).unlink()
    return [
        *((f"rows {table['name']}", table["rows"]) for table in tables),
        ("objects", objects["count"]),
        ("object bytes", objects["size"]),
        ("resumed", resumed),
        ("seconds", round(time.monotonic() - started, 1)),
        ("directory", str(directory)),
    ]


# --- import ----------------------------------------------------------------------------------


def _read_manifest(directory: Path) -> dict[str, Any]:
    if not directory.is_dir():
        raise TransferError(f"{directory}: not a directory")
    manifest = read_json(directory / MANIFEST, "the manifest")
    if manifest is None:
        unfinished = (directory / EXPORT_STATE).exists()
        raise TransferError(
            f"{directory}: no {MANIFEST}; "
            + (
                "the export is unfinished: run the export again to complete it"
                if unfinished
                else "not an export directory"
            )
        )
    if manifest.get("format") != FORMAT:
        raise TransferError(f"{directory}: {MANIFEST} is not a {FORMAT} manifest")
    if manifest.get("format_version") != FORMAT_VERSION:
        raise TransferError(
            f"{directory}: export format version {manifest.get('format_version')!r}, this "
            f"tb-registry reads version {FORMAT_VERSION}"
        )
    try:
        tables = {table["name"]: table for table in manifest["tables"]}
        expected = {transfer.table_of(model) for model in transfer.COPIED}
        if set(tables) != expected:
            raise TransferError(
                f"{directory}: the manifest's tables ({', '.join(sorted(tables))}) are not "
                f"the ones this tb-registry copies"
            )
        for table in tables.values():
            int(table["rows"]), str(table["sha256"]), list(table["columns"])
        objects = manifest["objects"]
        int(objects["count"]), str(objects["sha256"])
        str(manifest["export_id"]), list(manifest["source"]["migrations"])
    except (KeyError, TypeError, ValueError) as exc:
        raise TransferError(f"{directory}: {MANIFEST} is incomplete ({exc!r})") from exc
    return manifest


def _check_files(directory: Path, manifest: dict[str, Any]) -> None:
    """Blocking: every table file and the object list hash as the manifest says."""
    files = [(table["file"], table["sha256"]) for table in manifest["tables"]]
    files.append((OBJECT_LIST, manifest["objects"]["sha256"]))
    for name, expected in files:
        path = directory / name
        if not path.resolve().is_relative_to(directory.resolve()):
            raise TransferError(f"{directory}: the manifest names a file outside DIR: {name}")
        try:
            actual = file_sha256(path)
        except FileNotFoundError as exc:
            raise TransferError(f"{path}: missing from the export") from exc
        if actual != expected:
            raise TransferError(f"{path}: corrupt (sha256 {actual}, the manifest says {expected})")


async def _check_schema(manifest: dict[str, Any]) -> None:
    applied = set(await transfer.applied_migrations())
    newer = sorted(set(manifest["source"]["migrations"]) - applied)
    if newer:
        raise TransferError(
            f"the export comes from a newer registry (migrations {', '.join(newer)} are "
            "unknown here): import it with that tb-registry version"
        )
    for table in manifest["tables"]:
        model = transfer.model_for(table["name"])
        assert model is not None  # _read_manifest checked the names
        if transfer.current_columns(model, table["columns"]) != transfer.columns_of(model):
            raise TransferError(
                f"table {table['name']}: the export's columns differ from this registry's; "
                "export and import with the same tb-registry version"
            )


async def _target_rows() -> dict[str, int]:
    return {transfer.table_of(model): await transfer.count_rows(model) for model in transfer.COPIED}


async def _start_import(
    directory: Path, manifest: dict[str, Any], target: dict[str, str]
) -> tuple[dict[str, Any], bool]:
    """The import's progress: the one in DIR when it resumes this export into this target
    (and the target has at least the rows it records), else a new one for an empty target."""
    rows = await _target_rows()
    state = read_json(directory / IMPORT_STATE, "the import's progress file")
    well_formed = (
        state is not None
        and isinstance(state.get("tables"), dict)
        and all(
            isinstance(entry, dict) and isinstance(entry.get("rows"), int)
            for entry in state["tables"].values()
        )
        and isinstance(state.get("objects"), int)
    )
    if state is not None and well_formed and state.get("export_id") == manifest["export_id"]:
        if state.get("target") == target and all(
            rows[name] >= int(entry.get("rows", 0))
            for name, entry in dict(state.get("tables", {})).items()
            if name in rows
        ):
            return state, True
    filled = {name: count for name, count in rows.items() if count}
    if filled:
        listed = ", ".join(f"{count} {name}" for name, count in filled.items())
        raise TransferError(
            f"the target registry is not empty ({listed}); import only into an empty registry "
            "(or rerun an interrupted import of this export into the same target)"
        )
    state = {
        "export_id": manifest["export_id"],
        "target": target,
        "started_at": _now(),
        "tables": {},
        "objects": 0,
        "finished": 0,
    }
    write_json_atomically(directory / IMPORT_STATE, state)
    return state, False


async def _import_table(
    directory: Path,
    state: dict[str, Any],
    table: dict[str, Any],
    page_rows: int,
    after_page: PageHook | None,
) -> None:
    name = table["name"]
    model = transfer.model_for(name)
    assert model is not None
    entry = state["tables"].setdefault(name, {"rows": 0})
    reader = LineReader(directory / table["file"])
    try:
        with Progress(f"import {name}", total=int(table["rows"])) as bar:
            await asyncio.to_thread(reader.skip, entry["rows"])
            bar.advance(entry["rows"])
            while rows := await asyncio.to_thread(reader.read, page_rows):
                try:
                    await transfer.insert_rows(model, rows)
                except (ValueError, TypeError, BaseORMException) as exc:
                    detail = " ".join(str(exc).split())[:300]
                    raise TransferError(
                        f"{reader.path}: rows before line {reader.line_number + 1}: {detail}"
                    ) from exc
                entry["rows"] += len(rows)
                bar.advance(len(rows))
                _page_saved(directory / IMPORT_STATE, state, after_page, f"table {name}", len(rows))
    finally:
        reader.close()


async def _import_object(primary: BlobStore, directory: Path, line: dict[str, Any]) -> int:
    """Upload one object from DIR, checked against its SHA-256 before it is stored, and
    record the copy on the target's primary; returns its size."""
    key, sha256, size = line.get("key"), line.get("sha256"), line.get("size")
    if not isinstance(key, str) or not isinstance(size, int) or isinstance(size, bool):
        raise TransferError(f"{directory / OBJECT_LIST}: malformed line {str(line)[:200]}")
    path = object_path(directory, key)
    if sha256 != sha256_of_key(key):
        raise TransferError(f"{directory / OBJECT_LIST}: {key} listed with sha256 {sha256!r}")
    if not path.is_file():
        raise TransferError(f"{path}: object missing from the export")
    try:
        stored = await primary.put_file(path, sha256=sha256)
    except ChecksumMismatch as exc:
        raise TransferError(
            f"{path}: corrupt object: its content hashes to {exc.actual}, not {sha256}"
        ) from exc
    if stored.size != size:
        raise TransferError(f"{path}: {stored.size} bytes, the export lists {size}")
    await replication.record_present(ReferencedObject(key, sha256, size), primary.name)
    return size


async def _import_objects(
    settings: Settings,
    directory: Path,
    state: dict[str, Any],
    total: int,
    page_rows: int,
    after_page: PageHook | None,
) -> int:
    """Upload the objects not yet uploaded; returns the bytes uploaded by this run."""
    uploaded = 0
    reader = LineReader(directory / OBJECT_LIST)
    try:
        async with opened_storage(settings) as storage:
            with Progress("import objects", total=total) as bar:
                await asyncio.to_thread(reader.skip, state["objects"])
                bar.advance(state["objects"])
                while lines := await asyncio.to_thread(reader.read, page_rows):
                    sizes = await _bounded(
                        [
                            partial(_import_object, storage.primary, directory, line)
                            for line in lines
                        ],
                        bar.advance,
                    )
                    uploaded += sum(sizes)
                    state["objects"] += len(lines)
                    _page_saved(directory / IMPORT_STATE, state, after_page, "objects", len(lines))
    finally:
        reader.close()
    return uploaded


async def import_registry(
    settings: Settings,
    directory: Path,
    *,
    page_rows: int = transfer.PAGE_ROWS,
    after_page: PageHook | None = None,
) -> Summary:
    """Load `directory` into the (empty) registry the settings name (see the module
    docstring)."""
    started = time.monotonic()
    manifest = _read_manifest(directory)
    await asyncio.to_thread(_check_files, directory, manifest)
    target = {
        "database": describe_database(settings.database_url),
        "storage": _describe_storage(settings),
    }
    by_name = {table["name"]: table for table in manifest["tables"]}
    async with open_database(settings, migrate=True):
        await _check_schema(manifest)
        state, resumed = await _start_import(directory, manifest, target)
        uploaded = 0
        if not state.get("finished"):
            for model in transfer.COPIED:
                table = by_name[transfer.table_of(model)]
                await _import_table(directory, state, table, page_rows, after_page)
            await transfer.reset_sequences()
            uploaded = await _import_objects(
                settings,
                directory,
                state,
                int(manifest["objects"]["count"]),
                page_rows,
                after_page,
            )
            await search_index.rebuild_search_index()
        rows = await _target_rows()
        wrong = [
            f"{name} {rows[name]} (export {table['rows']})"
            for name, table in by_name.items()
            if rows[name] != int(table["rows"])
        ]
        if wrong:
            raise TransferError(f"row counts differ after the import: {', '.join(wrong)}")
        state["finished"] = 1
        write_json_atomically(directory / IMPORT_STATE, state)
    return [
        *((f"rows {name}", count) for name, count in rows.items()),
        ("objects", int(manifest["objects"]["count"])),
        ("object bytes uploaded", uploaded),
        ("resumed", resumed),
        ("seconds", round(time.monotonic() - started, 1)),
        ("target database", target["database"]),
        ("target storage", target["storage"]),
    ]


# --- the CLI's entry points ------------------------------------------------------------------


def _run(name: str, work: Coroutine[Any, Any, Summary]) -> int:
    """Run one command; a problem the operator can fix is one line on stderr and status 1."""
    try:
        summary = asyncio.run(work)
    except KeyboardInterrupt:
        print(f"tb-registry {name}: interrupted; run it again to resume", file=sys.stderr)
        return 130
    except TransferError as exc:
        print(f"tb-registry {name}: {exc}", file=sys.stderr)
        return 1
    except StorageError as exc:
        print(f"tb-registry {name}: storage: {' '.join(str(exc).split())}", file=sys.stderr)
        return 1
    except OSError as exc:
        where = f": {exc.filename}" if exc.filename else ""
        print(f"tb-registry {name}: {exc.strerror or exc}{where}", file=sys.stderr)
        return 1
    print_summary(name, summary)
    return 0


def run_export(settings: Settings, directory: str) -> int:
    return _run("export", export_registry(settings, Path(directory)))


def run_import(settings: Settings, directory: str) -> int:
    return _run("import", import_registry(settings, Path(directory)))
