"""The feed contract: where a runner's bars come from, live or replayed.

A feed hands the runner *closed* bars, one timestamp at a time, every symbol that has a
bar then in one :class:`BarBatch`. ``history(until_ns)`` gives the bars known before the
run (or its resumption) starts, to warm indicators up; ``batches(after_ns, stop)`` yields
the later ones as the market makes them (or as the replay plays them) and returns when
the data ends or ``stop`` is set.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Protocol

import pandas as pd

Bar = tuple[float, float, float, float, float]
"""open, high, low, close, volume."""


@dataclass(frozen=True, slots=True)
class BarBatch:
    time_ns: int
    bars: dict[str, Bar]


class Feed(Protocol):
    name: str
    """``replay`` or ``alpaca``."""
    live: bool
    """True when bars arrive in real time (the run never 'finishes' by itself)."""

    def history(self, until_ns: int | None) -> dict[str, pd.DataFrame]:
        """Bars at or before ``until_ns`` (None: those before the first live bar)."""
        ...

    def batches(self, after_ns: int | None, stop: threading.Event) -> Iterator[BarBatch]:
        """Bars after ``after_ns``, in time order, paced as the feed's clock says."""
        ...
