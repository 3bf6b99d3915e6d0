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

from app.backtest.kernel_run import Market, Signals, market
from app.backtest.prepare import prepare
from app.engine.evaluate import Evaluator
from app.engine.warmup import warmup
from app.indicators.compute import compute
from app.spec.models import AtrLevel, StrategySpec


@dataclass
class Panel:
    """The run's :class:`~app.backtest.kernel_run.Market` and the per-symbol evaluators."""

    market: Market
    evaluators: list[Evaluator]
    _buffers: dict[str, np.ndarray] = field(default_factory=dict)

    @property
    def symbols(self) -> tuple[str, ...]:
        return self.market.symbols

    @property
    def union(self) -> np.ndarray:
        return self.market.union

    @property
    def lengths(self) -> np.ndarray:
        return self.market.lengths

    @property
    def fractional(self) -> np.ndarray:
        return self.market.fractional

    @property
    def shape(self) -> tuple[int, int]:
        """(own-bar rows, symbols) of the signal grids."""
        return self.market.rows, len(self.market.symbols)


def build_panel(spec: StrategySpec, frames: Mapping[str, pd.DataFrame],
                start: pd.Timestamp | None, end: pd.Timestamp | None,
                source: str) -> Panel:
    """Check the data as a backtest would (same errors) and lay it on one timeline."""
    prepared = prepare(spec, frames, start, end, source)
    return Panel(market(prepared), [Evaluator(d.bars) for d in prepared.datas])


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


def variant_arrays(spec: StrategySpec, panel: Panel) -> Signals:
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
    return Signals(*grids, *atrs)


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
    """Put a symbol's per-bar values into its column of the own-bar grid."""
    grid[:values.size, s] = values


def _forget_conditions(ev: Evaluator) -> None:
    """Drop cached boolean arrays (a variant's own comparisons); keep the series."""
    cache = ev._cache
    for key in [k for k, v in cache.items() if v.dtype == np.bool_]:
        del cache[key]
