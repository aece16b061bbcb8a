"""Progress bar and end-of-run summary for long operator commands (export, import, reconcile,
rescan), built on `rich`.

Use::

    from registry.commands.progress import Progress, print_summary

    with Progress("export packages", total=row_count) as bar:
        for page in pages:
            ...
            bar.advance(len(page))
    print_summary("export", [("packages", 12), ("objects", 30), ("bytes", 123456)])

- `Progress(label, total=None, stream=None)`: `total` None means unknown (a spinner and a
  count instead of a bar). `advance(n=1)` adds to the count; `count` holds it.
- On a terminal it draws a live bar (on `stream`, stdout by default). When the stream is not a
  terminal (CI, a pipe, a log file) nothing is drawn while it runs and exactly one plain line
  is printed when the block ends (`export packages: 12 of 12`, with `(interrupted)` when the
  block raised), so logs stay clean and still say how far it got.
- `print_summary(title, rows)`: a two-column table on a terminal; otherwise one plain
  `title: name: value` line per row, easy to grep. Numbers get thousands separators.
"""

from __future__ import annotations

import sys
from collections.abc import Iterable
from types import TracebackType
from typing import TextIO

from rich import progress as rich_progress
from rich.console import Console
from rich.table import Table


def _console(stream: TextIO | None) -> Console:
    return Console(file=stream if stream is not None else sys.stdout, highlight=False)


def _show(value: object) -> str:
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, int):
        return f"{value:,}"
    return str(value)


class Progress:
    """A labelled progress count for one phase of a command (see the module docstring)."""

    def __init__(self, label: str, total: int | None = None, stream: TextIO | None = None) -> None:
        self.label = label
        self.total = total
        self.count = 0
        self._console = _console(stream)
        self._live: rich_progress.Progress | None = None
        self._task: rich_progress.TaskID | None = None

    @property
    def is_live(self) -> bool:
        """True when a bar is drawn (the stream is a terminal)."""
        return self._console.is_terminal

    def __enter__(self) -> Progress:
        if self.is_live:
            columns: list[str | rich_progress.ProgressColumn] = [
                rich_progress.TextColumn("{task.description}"),
                rich_progress.BarColumn()
                if self.total is not None
                else rich_progress.SpinnerColumn(),
                rich_progress.MofNCompleteColumn()
                if self.total is not None
                else rich_progress.TextColumn("{task.completed:,.0f}"),
                rich_progress.TimeElapsedColumn(),
            ]
            self._live = rich_progress.Progress(*columns, console=self._console, transient=False)
            self._live.start()
            self._task = self._live.add_task(self.label, total=self.total)
        return self

    def advance(self, n: int = 1) -> None:
        self.count += n
        if self._live is not None and self._task is not None:
            self._live.update(self._task, completed=self.count)

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        if self._live is not None:
            self._live.stop()
            self._live = None
            return
        done = _show(self.count) if self.total is None else f"{self.count:,} of {self.total:,}"
        suffix = " (interrupted)" if exc_type is not None else ""
        self._console.print(f"{self.label}: {done}{suffix}", soft_wrap=True, markup=False)


def print_summary(
    title: str, rows: Iterable[tuple[str, object]], stream: TextIO | None = None
) -> None:
    """End-of-run summary: a table on a terminal, `title: name: value` lines otherwise."""
    console = _console(stream)
    if console.is_terminal:
        table = Table(title=title, show_header=False, title_justify="left")
        table.add_column("what")
        table.add_column("value", justify="right")
        for name, value in rows:
            table.add_row(name, _show(value))
        console.print(table)
        return
    for name, value in rows:
        console.print(f"{title}: {name}: {_show(value)}", soft_wrap=True, markup=False)
