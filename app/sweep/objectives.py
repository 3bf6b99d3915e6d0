"""What a sweep maximises, computed from a variant's equity curve and trades.

The figures follow :mod:`app.backtest.metrics` (empyrical's definitions: simple per-bar
returns, sample standard deviation, annualised by the bars per calendar year), so a
variant's Sharpe here equals the Sharpe its backtest reports.

How each objective treats the edge cases (:func:`rank_key` ranks by them):

* fewer trades than the minimum (0 trades included): the variant ranks below every
  variant that has enough, whatever its figures; only when none has enough does the one
  with the most trades win (the sweep says so in a note);
* a 0% drawdown: return over drawdown is +inf with a gain (no loss to divide by: the
  best this objective can say, ties broken by the return) and 0 without one, never a
  winner by default;
* no losing trade: profit factor is +inf with a gain, 0 with no trade;
* no variation in the returns (flat equity): Sharpe is -inf;
* NaN (an equity curve that reached zero): ranks as -inf, below every number.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
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
            if math.isnan(dd) or math.isnan(self.total_return_pct):
                return math.nan
            if dd > 0:
                return self.total_return_pct / dd
            return math.inf if self.total_return_pct > 0 else 0.0
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
    return Score(
        sharpe(rets, ppy), 100.0 * total, 100.0 * float(dd.min(initial=0.0)), pf, int(pnl.size)
    )


def objective_fn(objective: str, min_trades: int) -> Callable[[Score], float]:
    """The finite value a guided search maximises, in :func:`rank_key`'s order: the
    objective (clipped to +-1e11, NaN as -1e11) for a variant with at least
    ``min_trades`` trades; ``-1e12`` plus its trade count, below all of those, for a
    variant with fewer. Picking a winner uses :func:`rank_key` itself."""
    if objective not in OBJECTIVES:
        raise ValueError(objective)

    def value(s: Score) -> float:
        if s.trades < min_trades:
            return -1e12 + s.trades
        return min(max(_number(s.value(objective)), -1e11), 1e11)

    return value


Rank = tuple[int, float, float]


def rank_key(objective: str, min_trades: int) -> Callable[[Score], Rank]:
    """A sort key, larger is better: every variant with ``min_trades`` trades or more
    ranks above every variant with fewer; among the first by the objective, then the
    return; among the others by their trade count, then the objective."""
    if objective not in OBJECTIVES:
        raise ValueError(objective)

    def key(s: Score) -> Rank:
        value = _number(s.value(objective))
        if s.trades >= min_trades:
            return 1, value, _number(s.total_return_pct)
        return 0, float(s.trades), value

    return key


def best_index(scores: Sequence[Score], objective: str, min_trades: int) -> int:
    """The winner among ``scores`` by :func:`rank_key` (the first of equals)."""
    key = rank_key(objective, min_trades)
    return max(range(len(scores)), key=lambda i: key(scores[i]), default=0)


def _number(x: float) -> float:
    return -math.inf if math.isnan(x) else x
