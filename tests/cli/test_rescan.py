"""`tb-registry rescan` on the embedded default: selection (all, by package, by status), what
a changed verdict does (quarantine with an audit event; never a release), and resuming after
an interruption or a storage failure."""

from __future__ import annotations

import asyncio
import io
import zipfile
from dataclasses import replace
from pathlib import Path
from uuid import uuid4

import pytest

from domain.database import close_database, init_database
from domain.enums import VersionStatus
from domain.events import VERSION_STATUS_CHANGED
from domain.models import AuditEvent, Package, PackageVersion
from domain.services import rescans
from domain.services.rescans import Outcome, Selection
from registry.commands import rescan as command
from registry.config import Settings
from registry.redis_event_bus import RedisEventBus
from registry.runtime import event_bus_for
from tests.cli.support import Interrupted, Seeded, seed


@pytest.fixture
async def seeded(tmp_path: Path) -> Seeded:
    return await seed(tmp_path / "data")


def unsafe_archive() -> bytes:
    """What today's scanner refuses (`unsafe_path`): a stored object gone bad, or judged by
    stricter rules than at its upload."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("Alpha/tbConfig.yaml", "module_name: Alpha\nversion: 1.1.0\n")
        archive.writestr("../escape.py", "print('out')\n")
    return buffer.getvalue()


async def run(seeded: Seeded, selection: Selection = Selection(), **kw: object):
    out = io.StringIO()
    summary = await command.rescan(seeded.settings, selection, stream=out, **kw)  # type: ignore[arg-type]
    return summary, out.getvalue()


async def statuses(settings: Settings) -> dict[tuple[str, str], str]:
    await init_database(settings.database_url)
    try:
        rows = await PackageVersion.all().prefetch_related("package")
        return {(row.package.name, row.version): row.status for row in rows}
    finally:
        await close_database()


async def test_all_quarantines_what_fails_now_and_never_releases(seeded: Seeded) -> None:
    original = seeded.blobs["Alpha", "1.1.0"].read_bytes()
    seeded.blobs["Alpha", "1.1.0"].write_bytes(unsafe_archive())

    summary, text = await run(seeded)

    tally = rescans.count(summary.outcomes)
    assert (summary.selected, tally[Outcome.STILL_PASSES], tally[Outcome.QUARANTINED]) == (3, 2, 1)
    assert summary.ok and not summary.failed
    assert "rescan: quarantined now: 1" in text and "rescan: 3 of 3" in text
    assert not command.journal_path(seeded.settings).exists()  # finished: the next run starts over
    assert (await statuses(seeded.settings))["Alpha", "1.1.0"] == VersionStatus.QUARANTINED

    await init_database(seeded.settings.database_url)
    try:
        alpha = await Package.get(name="Alpha")
        assert alpha.latest_version == "1.0.0"
        row = await PackageVersion.get(package=alpha, version="1.1.0")
        assert (row.scan_report or {})["rule"] == "unsafe_path"
        event = await AuditEvent.get(action="version.quarantine")
        assert (event.actor_id, event.target_id) == ("system:rescan", "Alpha==1.1.0")
        assert event.details["by"] == "rescan" and event.details["rule"] == "unsafe_path"
    finally:
        await close_database()

    # The archive passes again: the version stays quarantined (an admin releases it), and
    # the audit log says it passes now.
    seeded.blobs["Alpha", "1.1.0"].write_bytes(original)
    summary, _ = await run(seeded, Selection(statuses=(VersionStatus.QUARANTINED,)))
    assert summary.selected == 1 and summary.outcomes == [Outcome.PASSES_NOW]
    assert (await statuses(seeded.settings))["Alpha", "1.1.0"] == VersionStatus.QUARANTINED
    await init_database(seeded.settings.database_url)
    try:
        event = await AuditEvent.get(action="version.rescan_passed")
        assert event.details["held_by"] == "unsafe_path" and event.details["released"] is False
    finally:
        await close_database()


async def test_selection_by_package_and_version(seeded: Seeded) -> None:
    summary, _ = await run(seeded, Selection(packages=("beta",)))  # names are case-insensitive
    assert summary.selected == 1 and summary.outcomes == [Outcome.STILL_PASSES]

    summary, _ = await run(seeded, Selection(packages=("Alpha",), versions=("1.1.0",)))
    assert summary.selected == 1

    summary, _ = await run(seeded, Selection(versions=("1.0.0",)))
    assert summary.selected == 2

    with pytest.raises(rescans.NotFound, match="Unknown package: nope"):
        await run(seeded, Selection(packages=("Alpha", "nope")))


async def test_resumes_after_an_interruption(
    seeded: Seeded, monkeypatch: pytest.MonkeyPatch
) -> None:
    real = rescans.rescan_version
    calls: list[int] = []

    async def cut_after_two(ctx, version_id, limits=None):  # type: ignore[no-untyped-def]
        if len(calls) == 2:
            raise Interrupted  # a crash, or Ctrl-C, in the middle of the run
        calls.append(version_id)
        return await real(ctx, version_id, limits)

    monkeypatch.setattr(rescans, "rescan_version", cut_after_two)
    with pytest.raises(Interrupted):
        await run(seeded, concurrency=1)
    monkeypatch.setattr(rescans, "rescan_version", real)
    journal = command.journal_path(seeded.settings)
    assert journal.exists()

    summary, text = await run(seeded, concurrency=1)
    assert summary.resumed and (summary.already_done, len(summary.outcomes)) == (2, 1)
    assert "rescan: done before (resumed run): 2" in text
    assert not journal.exists()

    # The finished run left no journal: the next one scans everything again.
    summary, _ = await run(seeded)
    assert not summary.resumed and (summary.already_done, len(summary.outcomes)) == (0, 3)


async def test_storage_failure_is_retried_by_the_next_run(seeded: Seeded) -> None:
    blob = seeded.blobs["Beta", "1.0.0"]
    saved = blob.read_bytes()
    blob.unlink()

    summary, text = await run(seeded)
    assert not summary.ok and len(summary.failed) == 1 and len(summary.outcomes) == 2
    assert "failed (storage errors; run again to retry): 1" in text
    assert command.journal_path(seeded.settings).exists()

    blob.write_bytes(saved)
    summary, _ = await run(seeded)
    assert summary.ok and summary.already_done == 2 and summary.outcomes == [Outcome.STILL_PASSES]

    # A different selection is a new run, whatever an older journal holds.
    summary, _ = await run(seeded, Selection(packages=("Alpha",)), restart=True)
    assert summary.already_done == 0 and len(summary.outcomes) == 2


def test_cli_exit_codes_and_bad_input(seeded: Seeded, monkeypatch: pytest.MonkeyPatch) -> None:
    from registry.cli import main

    monkeypatch.setenv("DATA_DIR", str(seeded.settings.data_dir))
    monkeypatch.delenv("DATABASE_URL", raising=False)
    assert main(["rescan", "--package", "Alpha"]) == 0
    assert main(["rescan", "--package", "nope"]) == 2
    assert main(["rescan", "--since", "yesterday"]) == 2
    assert main(["rescan", "--version", "not a version"]) == 2
    assert main(["rescan", "--since", "2020-01-01", "--status", "published"]) == 0


async def test_a_quarantine_reaches_other_processes_through_redis(
    seeded: Seeded, redis_url: str
) -> None:
    """With Redis configured, the command's status events reach the servers' subscribers
    (registry/commands/offline.py gives a command the registry's event bus)."""
    settings = replace(seeded.settings, redis_url=redis_url, queue_name=f"rescan-{uuid4().hex}")
    seeded.blobs["Alpha", "1.1.0"].write_bytes(unsafe_archive())
    server = event_bus_for(settings)
    assert isinstance(server, RedisEventBus)
    events = server.subscribe(VERSION_STATUS_CHANGED)
    first = asyncio.ensure_future(anext(events))
    try:
        for _ in range(500):  # subscribed before the command runs
            if await server.subscriber_count(VERSION_STATUS_CHANGED):
                break
            await asyncio.sleep(0.02)
        summary = await command.rescan(settings, Selection(), stream=io.StringIO())
        assert rescans.count(summary.outcomes)[Outcome.QUARANTINED] == 1
        async with asyncio.timeout(10):
            event = await first
        assert (event["package"], event["version"], event["status"]) == (
            "Alpha",
            "1.1.0",
            VersionStatus.QUARANTINED,
        )
    finally:
        first.cancel()
        await events.aclose()
        await server.aclose()
