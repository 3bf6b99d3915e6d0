"""The replay feed: bundled or CSV bars played as a live market.

``speed`` is bars per second (``max``: as fast as the runner takes them). Bars of all
symbols are merged into one timeline and handed out a timestamp at a time. Pacing waits
on the run's stop event, so a stop is never delayed by the clock. ``bar_delay`` adds a
fixed pause per bar (tests use it to make a fast replay killable mid-run). Batches are
timed on the run's clock (:mod:`app.instruments.clock`: UTC when the symbols' zones
differ); :meth:`ReplayFeed.history` gives frames in each venue's wall time, as loaded.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator, Mapping

import numpy as np
import pandas as pd

from app.errors import ParleyError
from app.feeds.base import Bar, BarBatch
from app.instruments.clock import from_run_clock, run_zone, zone_of, to_run_clock


def parse_speed(text: str | float | None) -> float | None:
    """Bars per second, or None for ``max``.

    Raises:
        ParleyError: not a positive number nor ``max``.
    """
    if text is None or str(text).strip().lower() in ("max", "inf", ""):
        return None
    try:
        value = float(text)
    except ValueError:
        raise ParleyError(f"--speed {text!r} is not a number of bars a second (or max)") from None
    if not value > 0:
        raise ParleyError(f"--speed must be above zero, not {text}")
    return value


def replay_label(frames: Mapping[str, pd.DataFrame]) -> str:
    """``replay of 2004-08-19..2018-03-27``: the dates a replay of ``frames`` covers."""
    starts = [f.index[0] for f in frames.values() if len(f)]
    ends = [f.index[-1] for f in frames.values() if len(f)]
    if not starts:
        return "replay of no bars"
    return f"replay of {_day(min(starts))}..{_day(max(ends))}"


def _day(ts: pd.Timestamp) -> str:
    ts = pd.Timestamp(ts)
    text: str = ts.strftime("%Y-%m-%d") if ts == ts.normalize() else ts.strftime("%Y-%m-%d %H:%M")
    return text


class ReplayFeed:
    """Historical frames (symbol -> OHLCV frame) as a market."""

    name = "replay"
    live = False

    def __init__(
        self, frames: Mapping[str, pd.DataFrame], speed: float | None = None, bar_delay: float = 0.0
    ) -> None:
        self.frames = dict(frames)
        self.speed = speed
        self.bar_delay = bar_delay
        self.clock = run_zone(self.frames)
        self._times = {
            s: to_run_clock(f.index, zone_of(s), self.clock) for s, f in self.frames.items()
        }
        self._values = {
            s: f[["open", "high", "low", "close", "volume"]].to_numpy(np.float64)
            for s, f in self.frames.items()
        }

    @property
    def label(self) -> str:
        """``replay of FIRST..LAST``: the history this feed plays, for every view of a run."""
        return replay_label(self.frames)

    @property
    def timeline(self) -> np.ndarray:
        return np.unique(np.concatenate(list(self._times.values())))

    def history(self, until_ns: int | None) -> dict[str, pd.DataFrame]:
        if until_ns is None:
            return {s: f.iloc[:0] for s, f in self.frames.items()}
        return {s: f.loc[: self._local(s, until_ns)] for s, f in self.frames.items()}

    def _local(self, symbol: str, time_ns: int) -> pd.Timestamp:
        local = from_run_clock(np.array([time_ns]), self.clock, zone_of(symbol))[0]
        return pd.Timestamp(int(local))

    def batches(self, after_ns: int | None, stop: threading.Event) -> Iterator[BarBatch]:
        times = self.timeline
        if after_ns is not None:
            times = times[np.searchsorted(times, after_ns, side="right") :]
        cursor = {
            s: int(np.searchsorted(t, times[0])) if times.size else 0
            for s, t in self._times.items()
        }
        interval = 0.0 if self.speed is None else 1.0 / self.speed
        due = time.monotonic()
        for t in times.tolist():
            if stop.is_set():
                return
            yield BarBatch(t, self._take(t, cursor))
            due += interval
            pause = max(due - time.monotonic(), 0.0) + self.bar_delay
            if pause > 0 and stop.wait(pause):
                return

    def _take(self, t: int, cursor: dict[str, int]) -> dict[str, Bar]:
        out = {}
        for s, times in self._times.items():
            i = cursor[s]
            if i < times.size and times[i] == t:
                o, h, lo, c, v = self._values[s][i]
                out[s] = (float(o), float(h), float(lo), float(c), float(v))
                cursor[s] = i + 1
        return out
