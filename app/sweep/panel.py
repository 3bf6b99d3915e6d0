"""The bars of every symbol on own-bar grids, and each variant's signals on them.

A sweep reads the data once. Each symbol keeps one :class:`~app.engine.evaluate.Evaluator`
for the whole sweep, so an indicator that many variants share (``sma(close, 20)`` in every
variant whose fast or slow length is 20) is computed once per symbol; the
:class:`~app.sweep.grid_eval.GridEvaluator` stacks those series into (L, S) grids and
evaluates only the variant's own comparisons per variant, over all symbols in one pass.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from app.backtest.kernel_run import Market, Signals, market, stack
from app.backtest.prepare import prepare
from app.engine.evaluate import Evaluator
from app.engine.warmup import warmup
from app.indicators.compute import compute
from app.spec.models import AtrLevel, StrategySpec
from app.sweep.grid_eval import GridEvaluator


@dataclass
class Panel:
    """The run's :class:`~app.backtest.kernel_run.Market` and the per-symbol evaluators."""

    market: Market
    evaluators: list[Evaluator]
    _buffers: dict[str, np.ndarray] = field(default_factory=dict)
    _grid: GridEvaluator | None = None

    @property
    def grid(self) -> GridEvaluator:
        """The rules' evaluator over all symbols (built on first use, in the worker)."""
        if self._grid is None:
            self._grid = GridEvaluator(self.evaluators, self.market.rows)
        return self._grid

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


def build_panel(
    spec: StrategySpec,
    frames: Mapping[str, pd.DataFrame],
    start: pd.Timestamp | None,
    end: pd.Timestamp | None,
    source: str,
) -> Panel:
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
    """Evaluate the variant's four rules and its ATR levels for every symbol at once."""
    le, lx, se, sx = (
        _rule_grid(panel, rule, on)
        for rule, on in (
            (spec.long_entry, spec.direction != "short"),
            (spec.long_exit, spec.direction != "short"),
            (spec.short_entry, spec.direction != "long"),
            (spec.short_exit, spec.direction != "long"),
        )
    )
    stop, target, trail = (
        _atr_grid(panel, level) for level in (spec.stop_loss, spec.take_profit, spec.trailing_stop)
    )
    return Signals(le, lx, se, sx, stop, target, trail)


def batch_signals(specs: Sequence[StrategySpec], panel: Panel) -> list[Signals]:
    """:func:`variant_arrays` of many long-only variants, each rule evaluated for all of
    them together where their rules share a shape (:meth:`GridEvaluator.conditions`).
    Their grids are the panel's buffers: use them before the next call."""
    if any(spec.direction != "long" for spec in specs):
        return [variant_arrays(spec, panel) for spec in specs]
    never = _constant(panel, "never", np.bool_, False)
    entries, exits = (
        _rule_grids(panel, [getattr(spec, name) for spec in specs], name)
        for name in ("long_entry", "long_exit")
    )
    out = []
    for spec, le, lx in zip(specs, entries, exits):
        stop, target, trail = (
            _atr_grid(panel, level)
            for level in (spec.stop_loss, spec.take_profit, spec.trailing_stop)
        )
        out.append(Signals(le, lx, never, never, stop, target, trail))
    return out


def _rule_grids(panel: Panel, rules: list[object], slot: str) -> Sequence[np.ndarray]:
    if len(rules) > 1 and all(rule is not None for rule in rules):
        many = panel.grid.conditions(rules, slot)
        if many is not None:
            return list(many)  # out[v]: views, no copy
    return [_rule_grid(panel, rule, True) for rule in rules]


def _rules(spec: StrategySpec) -> list[object]:
    return [
        r
        for r in (spec.long_entry, spec.long_exit, spec.short_entry, spec.short_exit)
        if r is not None
    ]


def _constant(panel: Panel, name: str, dtype: type, fill: object) -> np.ndarray:
    """A (L, S) grid of one value, shared by every variant (the kernel only reads it)."""
    grid = panel._buffers.get(name)
    if grid is None:
        grid = panel._buffers[name] = np.full(panel.shape, fill, dtype=dtype)
    return grid


def _rule_grid(panel: Panel, rule: object, on: bool) -> np.ndarray:
    if rule is None or not on:
        return _constant(panel, "never", np.bool_, False)
    return panel.grid.condition(rule)


def _atr_grid(panel: Panel, level: object) -> np.ndarray:
    if not isinstance(level, AtrLevel):
        return _constant(panel, "no-level", np.float64, np.nan)
    name = f"atr-{level.period}"
    grid = panel._buffers.get(name)
    if grid is None:
        grid = panel._buffers[name] = stack(
            [
                compute("atr", ev.bars, None, (float(level.period),), None)
                for ev in panel.evaluators
            ],
            np.nan,
            panel.shape[0],
        )
    return grid
