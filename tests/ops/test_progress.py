"""The operator commands' progress and summary helper: plain lines off a terminal, a live bar
and a table on one."""

from __future__ import annotations

import io

import pytest

from registry.commands.progress import Progress, print_summary


def test_off_a_terminal_one_plain_line_per_phase_and_per_summary_row() -> None:
    out = io.StringIO()
    with Progress("export [packages]", total=3, stream=out) as bar:
        assert not bar.is_live
        bar.advance()
        bar.advance(2)
    print_summary("export", [("rows", 1234567), ("resumed", False), ("dir", "/x")], stream=out)
    assert out.getvalue().splitlines() == [
        "export [packages]: 3 of 3",
        "export: rows: 1,234,567",
        "export: resumed: no",
        "export: dir: /x",
    ]


def test_an_interrupted_phase_says_how_far_it_got() -> None:
    out = io.StringIO()
    with pytest.raises(RuntimeError), Progress("import", stream=out) as bar:
        bar.advance(5)
        raise RuntimeError("stop")
    assert out.getvalue() == "import: 5 (interrupted)\n"


def test_on_a_terminal_a_bar_and_a_table(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("FORCE_COLOR", "1")
    monkeypatch.setenv("TTY_COMPATIBLE", "1")
    out = io.StringIO()
    with Progress("objects", total=2, stream=out) as bar:
        assert bar.is_live
        bar.advance(2)
    print_summary("import", [("objects", 2)], stream=out)
    text = out.getvalue()
    assert "objects" in text and "2/2" in text
    assert "import" in text
    assert "│" in text  # the summary is a table, not plain lines
    assert "import: objects" not in text


def test_on_a_terminal_an_unknown_total_shows_a_whole_count(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("FORCE_COLOR", "1")
    monkeypatch.setenv("TTY_COMPATIBLE", "1")
    out = io.StringIO()
    with Progress("rescan", stream=out) as bar:
        bar.advance(1234)
    assert "1,234" in out.getvalue() and "1,234.0" not in out.getvalue()
