"""Progress of long CLI work on stderr, only when stderr is a terminal (logs and pipes
stay clean): ``with progress("backtesting", total) as tick: ... tick(done)``."""

from __future__ import annotations

import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import TextIO

Tick = Callable[[float], None]


@contextmanager
def progress(label: str, total: float = 1.0, stream: TextIO | None = None,
             unit: str = "") -> Iterator[Tick]:
    """A rich progress bar on a terminal; a no-op elsewhere. ``tick(done)`` sets how much
    of ``total`` is done."""
    out = stream or sys.stderr
    if not out.isatty():
        yield lambda done: None
        return
    from rich.console import Console
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TaskProgressColumn
    from rich.progress import TextColumn, TimeRemainingColumn

    columns = [TextColumn("{task.description}"), BarColumn(),
               MofNCompleteColumn() if unit else TaskProgressColumn(), TimeRemainingColumn()]
    with Progress(*columns, console=Console(file=out), transient=True) as bar:
        task = bar.add_task(label + (f" ({unit})" if unit else ""), total=total)
        yield lambda done: bar.update(task, completed=done)
