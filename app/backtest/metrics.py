"""Performance metrics of an equity curve and a trade list, with pandas/numpy.

Definitions follow empyrical (Quantopian's, kept up as ``empyrical-reloaded``), which the
tests cross-check against: simple per-bar returns, the risk-free rate zero, sample
standard deviation (ddof=1), ``annual return = (end/start) ** (periods_per_year / bars) - 1``,
Sortino's downside deviation as the root mean square of the negative returns over *all*
bars. The annualisation factor is measured from the data (bars per calendar year), so it
is ~252 for daily stock bars, 12 for monthly bars, and right for intraday data too.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd

from app.execution.portfolio import Trade

_DAYS_PER_YEAR = 365.25


def periods_per_year(index: pd.DatetimeIndex) -> float:
    """Bars per calendar year in the data (252 when it spans no time)."""
    if len(index) < 2:
        return 252.0
    years = (index[-1] - index[0]) / pd.Timedelta(days=_DAYS_PER_YEAR)
    return (len(index) - 1) / years if years > 0 else 252.0


def curve_metrics(equity: pd.Series, ppy: float) -> dict[str, float | None]:
    """Return and risk figures of one equity curve."""
    values = equity.to_numpy(dtype=float)
    rets = values[1:] / values[:-1] - 1.0 if values.size > 1 else np.zeros(0)
    total = float(values[-1] / values[0] - 1.0)
    annual = _annual_return(values, ppy)
    vol = float(np.std(rets, ddof=1)) * math.sqrt(ppy) if rets.size > 1 else None
    dd = drawdown(values)
    max_dd = float(dd.min()) if dd.size else 0.0
    return {
        "total_return_pct": 100.0 * total,
        "annual_return_pct": None if annual is None else 100.0 * annual,
        "volatility_pct": None if vol is None else 100.0 * vol,
        "sharpe": _ratio(float(np.mean(rets)) * ppy, vol) if rets.size > 1 else None,
        "sortino": _sortino(rets, ppy),
        "max_drawdown_pct": 100.0 * max_dd,
        "calmar": None if annual is None or max_dd == 0 else annual / abs(max_dd),
        "final_equity": float(values[-1]),
    }


def drawdown(values: np.ndarray) -> np.ndarray:
    """Fraction below the running peak at each bar (0 at a new high, negative below)."""
    peak = np.maximum.accumulate(values)
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(peak > 0, values / peak - 1.0, 0.0)


def _annual_return(values: np.ndarray, ppy: float) -> float | None:
    n = values.size - 1
    if n < 1 or values[0] <= 0:
        return None
    growth = float(values[-1] / values[0])
    return growth ** (ppy / n) - 1.0 if growth > 0 else -1.0


def _ratio(num: float, den: float | None) -> float | None:
    if den is None or den == 0 or not math.isfinite(den):
        return None
    return num / den


def _sortino(rets: np.ndarray, ppy: float) -> float | None:
    if rets.size < 2:
        return None
    downside = math.sqrt(float(np.mean(np.minimum(rets, 0.0) ** 2))) * math.sqrt(ppy)
    return _ratio(float(np.mean(rets)) * ppy, downside)


def trade_metrics(trades: Sequence[Trade]) -> dict[str, float | int | None]:
    """Win rate, profit factor and trade averages over closed trades."""
    pnl = np.array([t.pnl for t in trades], dtype=float)
    wins, losses = float(pnl[pnl > 0].sum()), float(-pnl[pnl < 0].sum())
    pct = np.array([t.pnl_pct for t in trades], dtype=float)
    held = np.array([t.bars_held for t in trades], dtype=float)
    some = pnl.size > 0
    return {
        "trades": int(pnl.size),
        "win_rate_pct": 100.0 * float((pnl > 0).mean()) if some else None,
        "profit_factor": (float(wins / losses) if losses > 0 else None) if some else None,
        "avg_trade_pct": float(pct.mean()) if some else None,
        "best_trade_pct": float(pct.max()) if some else None,
        "worst_trade_pct": float(pct.min()) if some else None,
        "avg_bars_held": float(held.mean()) if some else None,
        "closed_pnl": float(pnl.sum()),
    }


def activity_metrics(
    equity: np.ndarray, gross: np.ndarray, traded_value: float, ppy: float
) -> dict[str, float | None]:
    """How much of the time and of the equity the strategy was in the market, and how
    much it traded: ``turnover`` is traded value (buys plus sells) over average equity,
    per year."""
    n = equity.size
    years = max(n - 1, 1) / ppy
    mean_equity = float(np.mean(equity)) if n else 0.0
    with np.errstate(divide="ignore", invalid="ignore"):
        share = np.where(equity > 0, gross / equity, np.nan)
    return {
        "exposure_time_pct": 100.0 * float(np.mean(gross > 0)) if n else None,
        "avg_exposure_pct": 100.0 * float(np.nanmean(share)) if n else None,
        "turnover_per_year": traded_value / mean_equity / years if mean_equity > 0 else None,
    }


def all_metrics(
    equity: pd.Series, gross: np.ndarray, trades: Sequence[Trade], traded_value: float
) -> dict[str, Any]:
    ppy = periods_per_year(pd.DatetimeIndex(equity.index))
    out: dict[str, Any] = curve_metrics(equity, ppy)
    out.update(trade_metrics(trades))
    out.update(activity_metrics(equity.to_numpy(float), gross, traded_value, ppy))
    out["periods_per_year"] = ppy
    return out
