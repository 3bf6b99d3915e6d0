"""Run a batch of variants on one machine: the compiled path where it applies, the real
backtest engine where it does not (or where the compiled result could be inexact).

Workers of every backend call :func:`evaluate_batch`; they hold one :class:`Context`
(the panel and the frames), built once per worker.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from app.backtest.engine import run_backtest
from app.backtest.kernel_run import Signals
from app.errors import ParleyError
from app.execution.costs import CostModel
from app.spec.models import StrategySpec
from app.sweep.fast import fast_eligible, run_fast
from app.sweep.panel import Panel, batch_signals, too_short


@dataclass
class Context:
    """What every variant of one sweep shares."""

    panel: Panel
    frames: Mapping[str, pd.DataFrame]
    cash: float
    commission: CostModel
    slippage: CostModel
    start: pd.Timestamp | None
    end: pd.Timestamp | None
    source: str


@dataclass
class Outcome:
    """One variant's run: equity at each union close, and its closed trades' exit index
    and P&L. ``via`` is ``compiled`` or ``engine``; ``skipped`` says why it did not run;
    ``shards`` is ``merged`` when it came from symbol shards (:mod:`app.sweep.shards`),
    ``fallback`` when its shards interacted and it ran whole, else empty."""

    equity: np.ndarray
    exit_t: np.ndarray
    pnl: np.ndarray
    via: str
    skipped: str | None = None
    shards: str = ""


def evaluate_batch(ctx: Context, specs: Sequence[StrategySpec]) -> list[Outcome]:
    """Every variant's outcome; the compiled ones' signals evaluated together
    (:func:`app.sweep.panel.batch_signals`: over the variant axis where the rules allow)."""
    compiled = [
        i
        for i, spec in enumerate(specs)
        if fast_eligible(spec) is None and too_short(spec, ctx.panel) is None
    ]
    signals: dict[int, Signals] = (
        dict(zip(compiled, batch_signals([specs[i] for i in compiled], ctx.panel)))
        if compiled
        else {}
    )
    return [evaluate_one(ctx, spec, signals.get(i)) for i, spec in enumerate(specs)]


def evaluate_one(ctx: Context, spec: StrategySpec, signals: Signals | None = None) -> Outcome:
    why = too_short(spec, ctx.panel)
    if why is not None:
        return _skipped(ctx, why)
    if fast_eligible(spec) is None:
        run = run_fast(spec, ctx.panel, ctx.cash, ctx.commission, ctx.slippage, signals)
        if run.exact:
            rows = run.trades
            return Outcome(run.equity, rows[:, 4].astype(np.int64), rows[:, 9].copy(), "compiled")
    return _engine(ctx, spec)


def _engine(ctx: Context, spec: StrategySpec) -> Outcome:
    try:
        res = run_backtest(
            spec,
            ctx.frames,
            cash=ctx.cash,
            commission=ctx.commission,
            slippage=ctx.slippage,
            start=ctx.start,
            end=ctx.end,
            source=ctx.source,
        )
    except ParleyError as err:
        return _skipped(ctx, err.message)
    union = ctx.panel.union
    equity = res.equity.to_numpy(dtype=float)
    if equity.size != union.size:
        return _skipped(ctx, "its timeline differs from the sweep's")
    exits = np.fromiter((t.exit_time_ns for t in res.trades), np.int64, len(res.trades))
    pnl = np.fromiter((t.pnl for t in res.trades), np.float64, len(res.trades))
    return Outcome(equity, np.searchsorted(union, exits), pnl, "engine")


def _skipped(ctx: Context, why: str) -> Outcome:
    n = ctx.panel.union.size
    return Outcome(np.full(n, ctx.cash), np.zeros(0, np.int64), np.zeros(0), "none", why)
