"""One symbol's bars with everything the execution path reads, computed once, vectorised.

Indicators and rule signals are evaluated over the whole array in one pass (numpy), so the
per-bar work of the engine is a lookup. The live runner builds the same object over the
bars it keeps; the backtest over the whole history.
"""

from __future__ import annotations

from bisect import bisect_left
from dataclasses import dataclass, field
from functools import partial

import numpy as np

from app.engine.evaluate import Evaluator
from app.engine.signals import rule_signals
from app.indicators.bars import Bars
from app.indicators.compute import compute
from app.instruments import instrument
from app.instruments.calendar import session_days
from app.instruments.clock import to_run_clock
from app.spec.models import AtrLevel, StrategySpec


@dataclass(eq=False)
class SymbolData:
    """Arrays aligned with the symbol's bars; entries are already masked by direction and
    by the screen, so ``long_entry[i]`` means "may open a long at bar i's close"."""

    symbol: str
    bars: Bars
    times: np.ndarray
    """Bar times as int64 nanoseconds of the run's clock (:mod:`app.instruments.clock`:
    the bars' own wall time unless the run mixes zones); ``bars.index`` keeps the
    venue's wall time."""
    long_entry: np.ndarray
    long_exit: np.ndarray
    short_entry: np.ndarray
    short_exit: np.ndarray
    atr: dict[int, np.ndarray] = field(default_factory=dict)
    screen_ok: np.ndarray | None = None
    """Bars where the screen's filter holds (None without a screen or filter)."""
    rank: np.ndarray | None = None
    """The screen's ranking value per bar (None without a screen)."""
    screen_pos: np.ndarray | None = None
    """The symbol's place (0 = best) in the screen's ranking per bar, once screened."""
    fractional: bool = False
    open: np.ndarray = field(init=False, repr=False)
    high: np.ndarray = field(init=False, repr=False)
    low: np.ndarray = field(init=False, repr=False)
    close: np.ndarray = field(init=False, repr=False)
    n: int = field(init=False)
    _exit_bars: dict[int, list[int]] = field(default_factory=dict)
    """Bars where a rule fires, by side (+1 long exit, -1 short exit, 0 any entry);
    filled on first use, after the screen has masked the entries."""

    def __post_init__(self) -> None:
        # Plain attributes, not properties: the event loop reads them on every event.
        self.open, self.high = self.bars.open, self.bars.high
        self.low, self.close = self.bars.low, self.bars.close
        self.n = int(self.times.size)

    def __len__(self) -> int:
        return self.n

    def close_at(self, time_ns: int) -> float:
        """The last close at or before ``time_ns`` (the mark for a position)."""
        i = int(np.searchsorted(self.times, time_ns, side="right")) - 1
        return float(self.bars.close[max(i, 0)])

    def local_ns(self, bar: int) -> int:
        """Bar ``bar``'s time in the venue's wall time (what the gates read bars by)."""
        return int(self.bars.index[bar].astype(np.int64))

    def atr_at(self, period: int, bar: int) -> float | None:
        values = self.atr.get(period)
        return None if values is None else float(values[bar])

    def next_entry(self, bar: int) -> int:
        """The first bar at or after ``bar`` where an entry rule fires (or len)."""
        bars = self._exit_bars.get(0)
        if bars is None:
            bars = self._exit_bars[0] = np.flatnonzero(self.long_entry | self.short_entry).tolist()
        k = bisect_left(bars, bar)
        return bars[k] if k < len(bars) else len(self)

    def next_exit(self, side: int, bar: int) -> int:
        """The first bar at or after ``bar`` where the exit rule of ``side`` fires (or len)."""
        bars = self._exit_bars.get(side)
        if bars is None:
            arr = self.long_exit if side > 0 else self.short_exit
            bars = self._exit_bars[side] = np.flatnonzero(arr).tolist()
        k = bisect_left(bars, bar)
        return bars[k] if k < len(bars) else len(self)


def prepare_symbol(
    spec: StrategySpec, symbol: str, bars: Bars, clock: str | None = None
) -> SymbolData:
    """Evaluate the spec's rules, screen and ATR levels over one symbol's bars; ``clock``
    is the run's zone when it differs from the symbol's (a mixed run: UTC)."""
    inst = instrument(symbol)
    # run only if needed; a partial, not a lambda, so the bars pickle (a spawned worker)
    bars.attach_sessions(partial(session_days, inst, bars.index))
    ev = Evaluator(bars)
    times = bars.index.astype("datetime64[ns]", copy=False).view(np.int64)  # no copy
    if clock is not None and clock != inst.timezone:
        times = to_run_clock(bars.index, inst.timezone, clock)
    sig = rule_signals(spec, bars, ev)
    long_on, short_on = spec.direction != "short", spec.direction != "long"

    def pick(on: bool, values: np.ndarray) -> np.ndarray:
        # A copy: the entries are masked in place later and the evaluator caches arrays.
        return values.copy() if on else np.zeros(len(bars), dtype=bool)

    data = SymbolData(
        symbol,
        bars,
        times,
        pick(long_on, sig.long_entry),
        pick(long_on, sig.long_exit),
        pick(short_on, sig.short_entry),
        pick(short_on, sig.short_exit),
        fractional=inst.fractional,
    )
    for level in (spec.stop_loss, spec.take_profit, spec.trailing_stop):
        if isinstance(level, AtrLevel) and level.period not in data.atr:
            data.atr[level.period] = compute("atr", bars, None, (float(level.period),), None)
    if spec.screen is not None:
        data.rank = ev.series(spec.screen.rank_by)
        if spec.screen.filter is not None:
            data.screen_ok = ev.condition(spec.screen.filter)
    return data
