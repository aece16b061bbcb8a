"""`tb-registry reconcile [--full]`: one reconciliation pass (domain/services/reconciliation.py)
with a progress bar of the copies checked, then its summary.

Resuming: a sampled run needs nothing: it checks copies never verified and those verified
longest ago, so the next run carries on where an interrupted one stopped. A full run hashes
every copy, which can take hours; it keeps `<DATA_DIR>/reconcile-journal.json` (when it
began) until it finishes. `reconcile --full` run again after an interruption continues that
run: copies found intact since it began are not hashed again. `--restart` starts a new full
run whatever the journal says.
"""

from __future__ import annotations

import asyncio
import json
from datetime import UTC, datetime
from pathlib import Path
from typing import TextIO

from registry.commands.progress import Progress
from registry.config import Settings

JOURNAL_NAME = "reconcile-journal.json"


def journal_path(settings: Settings) -> Path:
    return settings.data_dir / JOURNAL_NAME


def _resume_point(path: Path, restart: bool) -> datetime | None:
    """When the interrupted full run began, or None (then a new journal is written)."""
    if not restart and path.exists():
        try:
            began = datetime.fromisoformat(json.loads(path.read_text(encoding="utf-8"))["began"])
        except (ValueError, KeyError, TypeError):
            began = None  # unreadable: a new run
        if began is not None:
            return began
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps({"began": datetime.now(UTC).isoformat()}), encoding="utf-8")
    return None


async def reconcile(
    settings: Settings, *, full: bool, restart: bool = False, stream: TextIO | None = None
) -> bool:
    """Run the pass with a progress bar and print its summary; True when nothing is left
    broken."""
    from domain.services import reconciliation, replication
    from registry.commands.offline import offline_context, with_database

    outcome: list[bool] = []
    full_run = full or settings.reconcile_mode == "full"

    async def action() -> None:
        journal = journal_path(settings)
        resume_since = _resume_point(journal, restart) if full_run else None
        if resume_since is not None:
            print(
                f"reconcile: resuming the full run begun {resume_since.isoformat()}",
                file=stream,
                flush=True,
            )
        async with offline_context(settings) as ctx:
            # A full run checks every referenced object on every backend; a sampled one an
            # unknown part of them.
            total = (
                await replication.referenced_count() * len(ctx.storage.all) if full_run else None
            )
            with Progress("reconcile: copies checked", total=total, stream=stream) as bar:
                summary = await reconciliation.reconcile(
                    ctx,
                    full=True if full else None,
                    on_checked=bar.advance,
                    resume_since=resume_since,
                )
        if full_run:
            journal.unlink(missing_ok=True)  # the pass ended: the next full run starts over
        print("\n".join(summary.lines()), file=stream, flush=True)
        outcome.append(summary.ok)

    await with_database(settings, action)
    return all(outcome)


def run_command(settings: Settings, *, full: bool, restart: bool) -> int:
    """Exit status 1 when something could not be repaired."""
    return 0 if asyncio.run(reconcile(settings, full=full, restart=restart)) else 1
