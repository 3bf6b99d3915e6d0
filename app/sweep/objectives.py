"""What a sweep maximises, computed from a variant's equity curve and trades.

The figures follow :mod:`app.backtest.metrics` (empyrical's definitions: simple per-bar
returns, sample standard deviation, annualised by the bars per calendar year), so a
variant's Sharpe here equals the Sharpe its backtest reports.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

OBJECTIVES = ("sharpe", "return", "return_over_dd", "profit_factor")
"""``--objective`` names."""


@dataclass(frozen=True)
class Score:
    """A variant's figures over one stretch of bars."""

    sharpe: float
    total_return_pct: float
    max_drawdown_pct: float
    profit_factor: float
    trades: int

    def value(self, objective: str) -> float:
        if objective == "sharpe":
            return self.sharpe
        if objective == "return":
            return self.total_return_pct
        if objective == "return_over_dd":
            dd = abs(self.max_drawdown_pct)
            return self.total_return_pct / dd if dd > 0 else -math.inf
        return self.profit_factor


def sharpe(rets: np.ndarray, ppy: float) -> float:
    """Annualised Sharpe ratio of per-bar returns (NaN-free; -inf when undefined)."""
    if rets.size < 2:
        return -math.inf
    sd = float(np.std(rets, ddof=1))
    if sd == 0 or not math.isfinite(sd):
        return -math.inf
    return float(np.mean(rets)) / sd * math.sqrt(ppy)


def score(equity: np.ndarray, pnl: np.ndarray, ppy: float) -> Score:
    """Figures of one equity curve (its first value is the start) and its trades' P&L."""
    rets = equity[1:] / equity[:-1] - 1.0 if equity.size > 1 else np.zeros(0)
    peak = np.maximum.accumulate(equity)
    with np.errstate(divide="ignore", invalid="ignore"):
        dd = np.where(peak > 0, equity / peak - 1.0, 0.0)
    wins, losses = float(pnl[pnl > 0].sum()), float(-pnl[pnl < 0].sum())
    pf = wins / losses if losses > 0 else (math.inf if wins > 0 else 0.0)
    total = float(equity[-1] / equity[0] - 1.0) if equity.size else 0.0
    return Score(sharpe(rets, ppy), 100.0 * total, 100.0 * float(dd.min(initial=0.0)), pf,
                 int(pnl.size))


def objective_fn(objective: str, min_trades: int) -> Callable[[Score], float]:
    """The value to maximise; variants with fewer than ``min_trades`` trades rank last."""
    if objective not in OBJECTIVES:
        raise ValueError(objective)

    def value(s: Score) -> float:
        return -math.inf if s.trades < min_trades else s.value(objective)
    return value
