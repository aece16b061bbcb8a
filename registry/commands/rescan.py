"""`tb-registry rescan`: run today's ZIP scan again over stored versions, in this process.

The scans run here, not as queued jobs: the command then works the same on the embedded
default and with workers, its progress is what it shows, and it ends with the summary. At most
`--concurrency` archives are scanned at once (each on a worker thread), so a rescan of a large
registry leaves the machine's other cores to the servers.

What a verdict changes is domain/services/rescans.py's rule: a published version that fails
now is quarantined (audited); a quarantined one that passes now stays quarantined until an
admin releases it.

Resuming: the run keeps a journal in `<DATA_DIR>/rescan-journal.jsonl`, a header line with the
selection, then the id of every version it finished. Run the same command again after an
interruption (Ctrl-C, a crash, a storage outage) and it skips what the journal lists: only the
unfinished and failed versions are scanned. A run that finished without failures deletes its
journal, so the next `rescan` starts over; a different selection, or `--restart`, starts a
new journal.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import logging
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from pathlib import Path
from typing import IO, TextIO

from domain.context import RegistryContext
from domain.enums import VersionStatus
from domain.exceptions import DomainError
from domain.services import rescans
from domain.services.rescans import Outcome, Selection
from registry.commands.progress import Progress, print_summary
from registry.config import Settings
from storage.errors import StorageError

log = logging.getLogger("registry.rescan")

JOURNAL_NAME = "rescan-journal.jsonl"
DEFAULT_CONCURRENCY = 2
MAX_CONCURRENCY = 32


def journal_path(settings: Settings) -> Path:
    return settings.data_dir / JOURNAL_NAME


def parse_since(text: str) -> datetime:
    """`--since`: an ISO date or date-time; a naive one is UTC."""
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        try:
            moment = datetime.combine(date.fromisoformat(text), datetime.min.time())
        except ValueError:
            raise ValueError(f"--since: not an ISO date or date-time: {text!r}") from None
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)


class Journal:
    """The versions one run finished, kept across interruptions (module docstring)."""

    def __init__(self, path: Path, selection: Selection, *, restart: bool) -> None:
        self.path = path
        self.header = {"selection": selection.describe()}
        self.done: set[int] = set()
        self.resumed = False
        if not restart and path.exists():
            self._load()
        if not self.resumed:
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(json.dumps(self.header) + "\n", encoding="utf-8")
        self._out: IO[str] | None = None

    def _load(self) -> None:
        lines = iter(self.path.read_text(encoding="utf-8").splitlines())
        try:
            header = json.loads(next(lines))
        except (StopIteration, ValueError):
            return  # unreadable: start a new journal
        if header != self.header:
            return  # another selection's run: this one starts over
        self.resumed = True
        for line in lines:
            # A line cut short by a kill is not a finished version: it is scanned again.
            if line.strip().isdigit():
                self.done.add(int(line))

    def __enter__(self) -> Journal:
        self._out = self.path.open("a", encoding="utf-8")
        return self

    def record(self, version_id: int) -> None:
        """Called after the version's verdict is committed."""
        assert self._out is not None
        self._out.write(f"{version_id}\n")
        self._out.flush()  # a kill loses at most the versions being scanned right now

    def __exit__(self, *exc: object) -> None:
        if self._out is not None:
            self._out.close()
            self._out = None

    def finish(self) -> None:
        self.path.unlink(missing_ok=True)


@dataclass
class RescanSummary:
    selected: int = 0
    already_done: int = 0  # finished by the interrupted run this one resumed
    outcomes: list[Outcome] = field(default_factory=list)
    failed: list[str] = field(default_factory=list)  # "id: error"
    seconds: float = 0.0
    resumed: bool = False

    @property
    def ok(self) -> bool:
        return not self.failed

    def rows(self) -> list[tuple[str, object]]:
        tally = rescans.count(self.outcomes)
        return [
            ("versions selected", self.selected),
            ("done before (resumed run)", self.already_done),
            ("scanned now", len(self.outcomes)),
            *((str(outcome), number) for outcome, number in tally.items()),
            ("failed (storage errors; run again to retry)", len(self.failed)),
            ("seconds", f"{self.seconds:.1f}"),
        ]


async def _scan_all(
    ctx: RegistryContext,
    ids: list[int],
    journal: Journal,
    summary: RescanSummary,
    bar: Progress,
    concurrency: int,
) -> None:
    """Scan `ids` with `concurrency` workers pulling from one shared iterator."""
    pending: Iterator[int] = iter(ids)

    async def worker() -> None:
        for version_id in pending:
            try:
                outcome = await rescans.rescan_version(ctx, version_id)
            except StorageError as exc:
                summary.failed.append(f"{version_id}: {exc}")
                log.warning("rescan of version %s failed: %s", version_id, exc)
            else:
                summary.outcomes.append(outcome)
                journal.record(version_id)
            bar.advance()

    await asyncio.gather(*(worker() for _ in range(max(1, concurrency))))


async def rescan(
    settings: Settings,
    selection: Selection,
    *,
    concurrency: int = DEFAULT_CONCURRENCY,
    restart: bool = False,
    stream: TextIO | None = None,
) -> RescanSummary:
    """The whole command: select, resume, scan with a progress bar, print the summary."""
    from registry.commands.announce import announce_change
    from registry.commands.offline import offline_context, with_database

    summary = RescanSummary()
    started = time.monotonic()

    async def action() -> None:
        ids = await rescans.selected_version_ids(selection)
        journal = Journal(journal_path(settings), selection, restart=restart)
        summary.resumed = journal.resumed
        todo = [version_id for version_id in ids if version_id not in journal.done]
        summary.selected = len(ids)
        summary.already_done = len(ids) - len(todo)
        # Its status events reach other processes' subscribers (offline_context's bus).
        async with offline_context(settings) as ctx:
            try:
                with journal, Progress("rescan", total=len(todo), stream=stream) as bar:
                    await _scan_all(ctx, todo, journal, summary, bar, concurrency)
            finally:
                if Outcome.QUARANTINED in summary.outcomes:
                    await announce_change(settings)
        if summary.ok:
            journal.finish()

    try:
        await with_database(settings, action)
    finally:
        summary.seconds = time.monotonic() - started
    print_summary("rescan", summary.rows(), stream=stream)
    for line in summary.failed[:10]:
        print(f"  failed: {line}", file=stream, flush=True)
    return summary


def selection_from(
    packages: list[str] | None,
    versions: list[str] | None,
    statuses: list[str] | None,
    since: str | None,
) -> Selection:
    return Selection(
        packages=tuple(packages or ()),
        versions=tuple(versions or ()),
        statuses=tuple(VersionStatus(s) for s in statuses) if statuses else rescans.RESCANNABLE,
        since=parse_since(since) if since else None,
    )


def run_command(settings: Settings, args: argparse.Namespace) -> int:
    """`tb-registry rescan ...`: 0 when every selected version was judged, 1 when some could
    not be read, 2 for a bad selection (unknown package, malformed version or date)."""
    try:
        selection = selection_from(args.package, args.version, args.status, args.since)
        if args.concurrency < 1 or args.concurrency > MAX_CONCURRENCY:
            raise ValueError(f"--concurrency: between 1 and {MAX_CONCURRENCY}")
        summary = asyncio.run(
            rescan(settings, selection, concurrency=args.concurrency, restart=args.restart)
        )
    except (DomainError, ValueError) as exc:
        print(f"tb-registry rescan: {exc}", file=sys.stderr)
        return 2
    return 0 if summary.ok else 1
