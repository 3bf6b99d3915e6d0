"""From data frames to the per-symbol arrays the engine runs on, with the checks that turn
bad requests into clear errors.

Bars after ``end`` are dropped before anything is computed (nothing can peek past the end);
bars before ``start`` are kept as indicator warm-up but no position opens before ``start``.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from app.backtest.errors import EmptyRangeError, NoDataError, NotEnoughHistoryError
from app.dsl.printer import format_expr
from app.engine.warmup import slowest_part, warmup
from app.execution.screen import apply_screen
from app.execution.symbol_data import SymbolData, prepare_symbol
from app.indicators.bars import Bars
from app.instruments.clock import run_zone
from app.spec.models import AtrLevel, StrategySpec
from app.spec.params import runnable

_RULE_NAMES = {
    "long_entry": "long entry rule",
    "long_exit": "long exit rule",
    "short_entry": "short entry rule",
    "short_exit": "short exit rule",
}


@dataclass
class Prepared:
    """Everything the event loop needs."""

    datas: list[SymbolData]
    first_bar: list[int]
    """Per symbol, the first bar inside the trading window."""
    union: np.ndarray
    """Every bar time (int64 ns) of any symbol inside the trading window, sorted."""
    notes: list[str] = field(default_factory=list)
    clock: str = "America/New_York"
    """The zone of the run's times (:func:`app.instruments.clock.run_zone`)."""


def prepare(
    spec: StrategySpec,
    frames: Mapping[str, pd.DataFrame],
    start: pd.Timestamp | None = None,
    end: pd.Timestamp | None = None,
    source: str = "the data",
    allow_missing: bool = False,
) -> Prepared:
    """Check the request and compute every symbol's signals.

    Raises:
        NoDataError: no symbols, or a symbol with no bars.
        EmptyRangeError: ``start`` after ``end``, or a symbol without bars in the range.
        NotEnoughHistoryError: a rule or level needs more bars than a symbol has.
    """
    spec = runnable(spec)  # parameters at their defaults
    if not frames:
        raise NoDataError(f"no data for the universe ({', '.join(spec.universe)}) in {source}")
    if start is not None and end is not None and start > end:
        raise EmptyRangeError(
            f"the date range is empty: --from {_day(start)} is after --to {_day(end)}"
        )
    clock = run_zone(frames)  # a mixed run's events are ordered on UTC instants
    datas, firsts, notes = [], [], []
    short: list[NotEnoughHistoryError] = []
    for symbol, frame in frames.items():
        try:
            bars, first = _window(symbol, frame, start, end, source)
        except EmptyRangeError as err:
            if not allow_missing:
                raise
            notes.append(f"skipped: {err.message}")
            continue
        try:
            _check_history(spec, symbol, bars, source)
        except NotEnoughHistoryError as err:
            if len(frames) == 1:
                raise
            short.append(err)  # a late listing in a wide universe: it sits this run out
            notes.append(f"skipped (too little history): {err.message}")
            continue
        data = prepare_symbol(spec, symbol, bars, clock)
        for arr in (data.long_entry, data.short_entry):
            arr[:first] = False
        datas.append(data)
        firsts.append(first)
        notes += _warmup_note(spec, symbol, bars, first)
    if not datas and short:
        raise short[0]
    if not datas:
        raise EmptyRangeError("no symbol has bars in the date range: " + "; ".join(notes))
    if spec.screen is not None:
        apply_screen(datas, spec.screen)
    return Prepared(
        datas, firsts, _union([d.times[f:] for d, f in zip(datas, firsts)]), notes, clock
    )


def _union(times: list[np.ndarray]) -> np.ndarray:
    """Every time of any symbol, sorted, once. Symbols on one calendar (the usual case)
    share their times: then a comparison per symbol replaces sorting them all together."""
    first = times[0]
    if all(t.size == first.size and np.array_equal(t, first) for t in times[1:]) and (
        first.size < 2 or bool((first[1:] > first[:-1]).all())
    ):
        return first.copy()
    return np.unique(np.concatenate(times))


def _window(
    symbol: str,
    frame: pd.DataFrame,
    start: pd.Timestamp | None,
    end: pd.Timestamp | None,
    source: str,
) -> tuple[Bars, int]:
    if frame is None or len(frame) == 0:
        raise NoDataError(f"{symbol}: no bars in {source}")
    cut = frame if end is None else frame.loc[:end]
    first = 0 if start is None else int(cut.index.searchsorted(start, side="left"))
    if len(cut) == 0 or first >= len(cut):
        span = f"{_day(frame.index[0])} to {_day(frame.index[-1])}"
        asked = (
            f"{_day(start) if start is not None else 'the start'} to "
            f"{_day(end) if end is not None else 'the end'}"
        )
        raise EmptyRangeError(
            f"{symbol}: no bars from {asked} in {source} (its data covers {span})"
        )
    return Bars.from_frame(cut), first


def _rules(spec: StrategySpec) -> list[tuple[str, object]]:
    rules = [(name, getattr(spec, name)) for name in _RULE_NAMES]
    out = [(_RULE_NAMES[n], r) for n, r in rules if r is not None]
    if spec.screen is not None:
        out.append(("screen ranking", spec.screen.rank_by))
        if spec.screen.filter is not None:
            out.append(("screen filter", spec.screen.filter))
    return out


def _check_history(spec: StrategySpec, symbol: str, bars: Bars, source: str) -> None:
    n = len(bars)
    for label, node in _rules(spec):
        need = warmup(node)
        if need >= n:
            part = format_expr(slowest_part(node))
            raise NotEnoughHistoryError(
                f"{symbol}: the {label} `{format_expr(node)}` needs {need + 1} bars before it "
                f"can first be evaluated ({part}), but {source} has only {n} bar(s) of "
                f"{symbol} up to {_day(pd.Timestamp(bars.index[-1]))}",
                "load more history, move --from later, or shorten the indicator periods",
            )
    for label, level in (
        ("stop loss", spec.stop_loss),
        ("take profit", spec.take_profit),
        ("trailing stop", spec.trailing_stop),
    ):
        if isinstance(level, AtrLevel) and level.period >= n:
            raise NotEnoughHistoryError(
                f"{symbol}: the {label} uses atr({level.period}), which needs "
                f"{level.period + 1} bars, but {source} has only {n} bar(s) of {symbol}"
            )


def _warmup_note(spec: StrategySpec, symbol: str, bars: Bars, first: int) -> list[str]:
    entries = [r for r in (spec.long_entry, spec.short_entry) if r is not None]
    if not entries:
        return []
    need = min(warmup(r) for r in entries)
    if first == 0 or need <= first:  # without --from, a warm-up is expected, not news
        return []
    when = _day(pd.Timestamp(bars.index[need]))
    return [
        (
            f"{symbol}: the entry rules need {need} bars of history, so the first possible "
            f"signal is on {when}"
        )
    ]


def _day(ts: pd.Timestamp) -> str:
    ts = pd.Timestamp(ts)
    text: str = ts.strftime("%Y-%m-%d") if ts == ts.normalize() else ts.strftime("%Y-%m-%d %H:%M")
    return text
