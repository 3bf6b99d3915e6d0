"""One variant through the compiled simulation, and whether its result is exact.

:func:`fast_eligible` says which specs the kernel covers at all. A covered variant can
still meet a rule the kernel leaves to the engine -- the pattern-day-trader limit under
$25,000 -- so :func:`run_fast` reports ``exact=False`` when its trades could have met
it, and the sweep reruns that variant through :func:`app.backtest.engine.run_backtest`.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from app.execution.costs import CostModel
from app.execution.limits import PDT_DAYS, PDT_EQUITY, PDT_MAX_DAY_TRADES
from app.execution.sizing import DEFAULT_SIZING
from app.spec.models import AtrLevel, PctLevel, StrategySpec
from app.sweep import kernel as K
from app.sweep.panel import Panel, variant_arrays

_SIZING = {"pct_equity": K.PCT_EQUITY, "risk_pct": K.RISK_PCT, "fixed_usd": K.FIXED_USD,
           "fixed_shares": K.FIXED_SHARES}
_COST = {"none": 0, "per_share": 1, "percent": 2, "fixed": 3}


@dataclass
class FastRun:
    """A variant's equity at each union close and its closed trades (kernel rows)."""

    equity: np.ndarray
    trades: np.ndarray
    exact: bool
    open_positions: int


def fast_eligible(spec: StrategySpec) -> str | None:
    """Why the compiled path cannot run this spec (None: it can)."""
    if spec.regime is not None or spec.agents is not None:
        return "it has a regime filter or an agent team"
    if spec.screen is not None:
        return "it screens its universe"
    if spec.direction != "long":
        return "it sells short (the paper broker's margin rules run in the engine)"
    lim = spec.limits
    if lim.daily_loss_pct or lim.max_drawdown_pct or lim.circuit_breaker:
        return "it sets account limits"
    return None


def run_fast(spec: StrategySpec, panel: Panel, cash: float, commission: CostModel,
             slippage: CostModel) -> FastRun:
    """Simulate one variant (``fast_eligible(spec)`` must be None)."""
    arrays = variant_arrays(spec, panel)
    T, S = panel.shape
    trades = np.zeros((max(16, int(np.count_nonzero(arrays.long_entry))
                       + int(np.count_nonzero(arrays.short_entry))), K.TRADE_FIELDS))
    equity = np.empty(T)
    flags = np.zeros(5)
    sizing = spec.sizing or DEFAULT_SIZING
    lim = spec.limits
    n = K.simulate(
        panel.open, panel.high, panel.low, panel.close, panel.bar_ix, panel.first,
        panel.fractional, arrays.long_entry, arrays.long_exit, arrays.short_entry,
        arrays.short_exit, arrays.atr_stop, arrays.atr_target, arrays.atr_trail,
        _levels(spec), _SIZING[sizing.kind], float(sizing.value), spec.max_hold_bars or 0,
        spec.max_positions or 0, lim.max_position_pct or 0.0,
        lim.max_exposure_pct or 0.0,  # as the risk gate: long-only at the default cap is
        # held to 1x by the cash rule, and shorts never take this path
        float(cash), _COST[commission.kind], commission.value, _COST[slippage.kind],
        slippage.value, trades, equity, flags)
    rows = trades[:n]
    return FastRun(equity, rows, _pdt_free(rows, panel, flags[2]), int(flags[4]))


def _levels(spec: StrategySpec) -> np.ndarray:
    out = np.full(6, np.nan)
    for k, level in enumerate((spec.stop_loss, spec.take_profit, spec.trailing_stop)):
        if isinstance(level, PctLevel):
            out[2 * k] = level.pct
        elif isinstance(level, AtrLevel):
            out[2 * k + 1] = level.atr
    return out


def _pdt_free(rows: np.ndarray, panel: Panel, lowest_equity: float) -> bool:
    """True when the PDT limit could not have blocked an entry of this run."""
    if lowest_equity >= PDT_EQUITY or bool(panel.fractional.all()) or rows.size == 0:
        return True
    days = panel.union.astype("datetime64[ns]").astype("datetime64[D]")
    _, day_ix = np.unique(days, return_inverse=True)
    t0, t1 = rows[:, 2].astype(np.int64), rows[:, 4].astype(np.int64)
    stock = ~panel.fractional[rows[:, 0].astype(np.int64)]
    same = day_ix[t0] == day_ix[t1]
    d = np.sort(day_ix[t1[same & stock]])
    if d.size < PDT_MAX_DAY_TRADES:
        return True
    window = d[PDT_MAX_DAY_TRADES - 1:] - d[:-(PDT_MAX_DAY_TRADES - 1)]
    return bool((window >= PDT_DAYS).all())
