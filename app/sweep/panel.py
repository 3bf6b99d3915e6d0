"""The bars of every symbol on one union timeline, and each variant's signals on it.

A sweep reads the data once. Each symbol keeps one :class:`~app.engine.evaluate.Evaluator`
for the whole sweep, so an indicator that many variants share (``sma(close, 20)`` in every
variant whose fast or slow length is 20) is computed once per symbol; only the variant's
own comparisons are evaluated per variant, and they are dropped again afterwards so the
cache holds indicator series, not one boolean array per variant.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from app.backtest.prepare import Prepared, prepare
from app.engine.evaluate import Evaluator
from app.engine.warmup import warmup
from app.indicators.compute import compute
from app.spec.models import AtrLevel, StrategySpec


@dataclass
class Panel:
    """Union-timeline arrays (T, S) of the symbols, and the per-symbol evaluators."""

    symbols: tuple[str, ...]
    union: np.ndarray
    """Bar times (int64 ns) of any symbol inside the window."""
    bar_ix: np.ndarray
    """(T, S) the symbol's own bar index at each union time, -1 where it has none."""
    first: np.ndarray
    """(S,) the symbol's first bar inside the window (no entry before it)."""
    fractional: np.ndarray
    open: np.ndarray
    high: np.ndarray
    low: np.ndarray
    close: np.ndarray
    evaluators: list[Evaluator]
    lengths: np.ndarray
    """(S,) bars per symbol, warm-up included."""
    places: list[tuple[slice | np.ndarray, slice | np.ndarray]] = field(default_factory=list)
    """Per symbol: (union rows, own bars) where it has a bar, as slices when contiguous."""
    _buffers: dict[str, np.ndarray] = field(default_factory=dict)

    @property
    def shape(self) -> tuple[int, int]:
        return int(self.bar_ix.shape[0]), int(self.bar_ix.shape[1])


def build_panel(spec: StrategySpec, frames: Mapping[str, pd.DataFrame],
                start: pd.Timestamp | None, end: pd.Timestamp | None,
                source: str) -> Panel:
    """Check the data as a backtest would (same errors) and lay it on one timeline."""
    prepared = prepare(spec, frames, start, end, source)
    return _panel(prepared)


def _panel(prepared: Prepared) -> Panel:
    datas, union = prepared.datas, prepared.union
    T, S = union.size, len(datas)
    bar_ix = np.full((T, S), -1, dtype=np.int64)
    fields = {name: np.full((T, S), np.nan) for name in ("open", "high", "low", "close")}
    for s, (data, first) in enumerate(zip(datas, prepared.first_bar)):
        times = data.times[first:]
        at = np.searchsorted(union, times)
        bar_ix[at, s] = np.arange(first, data.n)
        for name, grid in fields.items():
            grid[at, s] = getattr(data, name)[first:]
    return Panel(
        tuple(d.symbol for d in datas), union, bar_ix,
        np.asarray(prepared.first_bar, dtype=np.int64),
        np.array([d.fractional for d in datas], dtype=np.bool_),
        fields["open"], fields["high"], fields["low"], fields["close"],
        [Evaluator(d.bars) for d in datas], np.array([d.n for d in datas], dtype=np.int64),
        [_place(bar_ix[:, s]) for s in range(S)],
    )


def _place(rows: np.ndarray) -> tuple[slice | np.ndarray, slice | np.ndarray]:
    """Where a symbol's own bars sit on the union rows: two slices when its bars are one
    unbroken run of union rows (the common case), else index arrays."""
    have = np.flatnonzero(rows >= 0)
    own = rows[have]
    if have.size and have[-1] - have[0] + 1 == have.size and own[-1] - own[0] + 1 == own.size:
        return slice(int(have[0]), int(have[-1]) + 1), slice(int(own[0]), int(own[-1]) + 1)
    return have, own


@dataclass
class VariantArrays:
    """One variant's rules and ATR levels on the panel's timeline."""

    long_entry: np.ndarray
    long_exit: np.ndarray
    short_entry: np.ndarray
    short_exit: np.ndarray
    atr_stop: np.ndarray
    atr_target: np.ndarray
    atr_trail: np.ndarray


def too_short(spec: StrategySpec, panel: Panel) -> str | None:
    """Why a variant cannot run on this data (a rule needs more bars than a symbol has)."""
    need = max((warmup(r) for r in _rules(spec)), default=0)
    for level in (spec.stop_loss, spec.take_profit, spec.trailing_stop):
        if isinstance(level, AtrLevel):
            need = max(need, level.period)
    short = np.flatnonzero(panel.lengths <= need)
    if short.size == 0:
        return None
    return f"needs {need + 1} bars, {panel.symbols[int(short[0])]} has {panel.lengths[short[0]]}"


def variant_arrays(spec: StrategySpec, panel: Panel) -> VariantArrays:
    """Evaluate the variant's four rules and its ATR levels for every symbol."""
    grids = [_rule_grid(panel, rule, on, name) for rule, on, name in (
        (spec.long_entry, spec.direction != "short", "le"),
        (spec.long_exit, spec.direction != "short", "lx"),
        (spec.short_entry, spec.direction != "long", "se"),
        (spec.short_exit, spec.direction != "long", "sx"))]
    atrs = [_atr_grid(panel, level, name) for level, name in
            ((spec.stop_loss, "atr_stop"), (spec.take_profit, "atr_target"),
             (spec.trailing_stop, "atr_trail"))]
    for ev in panel.evaluators:
        _forget_conditions(ev)
    return VariantArrays(*grids, *atrs)


def _rules(spec: StrategySpec) -> list[object]:
    return [r for r in (spec.long_entry, spec.long_exit, spec.short_entry, spec.short_exit)
            if r is not None]


def _buffer(panel: Panel, name: str, dtype: type, fill: object) -> np.ndarray:
    """A (T, S) array reused from variant to variant (the kernel reads it, then it is
    refilled for the next variant)."""
    grid = panel._buffers.get(name)
    if grid is None:
        grid = panel._buffers[name] = np.empty(panel.shape, dtype=dtype)
    grid.fill(fill)
    return grid


def _rule_grid(panel: Panel, rule: object, on: bool, name: str) -> np.ndarray:
    grid = _buffer(panel, name, np.bool_, False)
    if rule is None or not on:
        return grid
    for s, ev in enumerate(panel.evaluators):
        _scatter(grid, panel, s, ev.condition(rule))
    return grid


def _atr_grid(panel: Panel, level: object, name: str) -> np.ndarray:
    grid = _buffer(panel, name, np.float64, np.nan)
    if not isinstance(level, AtrLevel):
        return grid
    for s, ev in enumerate(panel.evaluators):
        key = ("sweep-atr", level.period)
        values = ev._cache.get(key)
        if values is None:
            values = compute("atr", ev.bars, None, (float(level.period),), None)
            ev._cache[key] = values
        _scatter(grid, panel, s, values)
    return grid


def _scatter(grid: np.ndarray, panel: Panel, s: int, values: np.ndarray) -> None:
    """Put a symbol's per-bar values (own bars) onto the union rows where it has bars."""
    rows, own = panel.places[s]
    grid[rows, s] = values[own]


def _forget_conditions(ev: Evaluator) -> None:
    """Drop cached boolean arrays (a variant's own comparisons); keep the series."""
    cache = ev._cache
    for key in [k for k, v in cache.items() if v.dtype == np.bool_]:
        del cache[key]
