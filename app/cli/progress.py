"""Progress of long CLI work on stderr, only when stderr is a terminal (logs and pipes
stay clean): ``with progress("sweep", total) as tick: ... tick(done)`` (a rich bar), or
:func:`line_bar` for one line of ``#`` that output printed meanwhile can wipe first."""

from __future__ import annotations

import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import TextIO

Tick = Callable[[float], None]


@contextmanager
def progress(
    label: str, total: float = 1.0, stream: TextIO | None = None, unit: str = ""
) -> Iterator[Tick]:
    """A rich progress bar on a terminal; a no-op elsewhere. ``tick(done)`` sets how much
    of ``total`` is done."""
    out = stream or sys.stderr
    if not out.isatty():
        yield lambda done: None
        return
    from rich.console import Console
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TaskProgressColumn
    from rich.progress import TextColumn, TimeRemainingColumn

    columns = [
        TextColumn("{task.description}"),
        BarColumn(),
        MofNCompleteColumn() if unit else TaskProgressColumn(),
        TimeRemainingColumn(),
    ]
    with Progress(*columns, console=Console(file=out), transient=True) as bar:
        task = bar.add_task(label + (f" ({unit})" if unit else ""), total=total)
        yield lambda done: bar.update(task, completed=done)


class LineBar:
    """``label [#####.....]  50%`` on one line of a terminal; ``bar(fraction)`` redraws it
    when the whole percent changes, :meth:`clear` wipes it (before printing, and at 100%)."""

    def __init__(self, stream: TextIO, label: str, width: int = 30) -> None:
        self.stream, self.label, self.width = stream, label, width
        self.shown = -1

    def __call__(self, fraction: float) -> None:
        percent = int(100 * min(max(fraction, 0.0), 1.0))
        if percent == self.shown:
            return
        self.shown = percent
        filled = self.width * percent // 100
        self.stream.write(
            f"\r{self.label} [{'#' * filled}{'.' * (self.width - filled)}] {percent:3d}%"
        )
        if percent >= 100:
            self.clear()
        self.stream.flush()

    def clear(self) -> None:
        """Wipe the line (the next draw starts afresh)."""
        if self.shown >= 0:
            self.stream.write("\r" + " " * (len(self.label) + self.width + 8) + "\r")
            self.stream.flush()
        self.shown = -1


def line_bar(stream: TextIO, label: str, width: int = 30) -> LineBar | None:
    """A :class:`LineBar` when ``stream`` is a terminal, else None (stay quiet in pipes)."""
    return LineBar(stream, label, width) if stream.isatty() else None
