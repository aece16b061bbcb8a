"""`tb-registry reconcile`: a progress count of the copies checked and the summary, and a
full run that resumes after an interruption without hashing again what it already hashed."""

from __future__ import annotations

import io
from pathlib import Path

import pytest

from domain.services import reconciliation
from registry.commands import reconcile as command
from storage.factory import StorageSpec
from tests.cli.support import VERSIONS, Interrupted, Seeded, seed

COPIES = len(VERSIONS) * 2  # every archive on the primary and on the folder mirror


@pytest.fixture
async def seeded(tmp_path: Path) -> Seeded:
    mirror = StorageSpec(name="disk", kind="local", root=tmp_path / "mirror")
    return await seed(tmp_path / "data", mirrors=(mirror,))


async def run(seeded: Seeded, **kw: bool) -> tuple[bool, str]:
    out = io.StringIO()
    ok = await command.reconcile(seeded.settings, stream=out, **kw)
    return ok, out.getvalue()


async def test_progress_and_summary(seeded: Seeded) -> None:
    ok, text = await run(seeded, full=True)
    assert ok, text
    assert f"reconcile: copies checked: {COPIES} of {COPIES}" in text
    assert f"reconcile (full): {len(VERSIONS)} referenced objects" in text
    assert "  disk: checked 3, missing 0, corrupt 0, repaired 0, failed 0 (full check)" in text
    assert not command.journal_path(seeded.settings).exists()

    ok, text = await run(seeded, full=False)  # sampled: how many is not known up front
    assert ok and "reconcile: copies checked: " in text and "reconcile (sampled)" in text


async def test_full_run_resumes(seeded: Seeded, monkeypatch: pytest.MonkeyPatch) -> None:
    real = reconciliation.inspect_copy
    calls = 0

    async def cut_after_four(*args, **kwargs):  # type: ignore[no-untyped-def]
        nonlocal calls
        if calls == 4:
            raise Interrupted
        calls += 1
        return await real(*args, **kwargs)

    monkeypatch.setattr(reconciliation, "inspect_copy", cut_after_four)
    with pytest.raises(Interrupted):
        await run(seeded, full=True)
    monkeypatch.setattr(reconciliation, "inspect_copy", real)
    assert command.journal_path(seeded.settings).exists()

    ok, text = await run(seeded, full=True)
    assert ok, text
    assert "reconcile: resuming the full run begun" in text
    assert f"reconcile: copies checked: {COPIES} of {COPIES}" in text
    # The primary's 3 copies and one of the mirror's were hashed before the interruption.
    assert "primary: checked 0, missing 0, corrupt 0, repaired 0, failed 0 (full check, 3 " in text
    assert "disk: checked 2, missing 0, corrupt 0, repaired 0, failed 0 (full check, 1 " in text
    assert not command.journal_path(seeded.settings).exists()

    ok, text = await run(seeded, full=True)  # finished: the next full run hashes everything
    assert "resuming" not in text and "primary: checked 3," in text

    monkeypatch.setattr(reconciliation, "inspect_copy", cut_after_four)
    calls = 0
    with pytest.raises(Interrupted):
        await run(seeded, full=True)
    monkeypatch.setattr(reconciliation, "inspect_copy", real)
    ok, text = await run(seeded, full=True, restart=True)  # --restart: a new full run
    assert "resuming" not in text and "primary: checked 3," in text
