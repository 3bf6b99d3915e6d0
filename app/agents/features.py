"""Indicator figures of a symbol's recent bars, computed once per decision and shared.

Agents read a trailing window (:data:`WINDOW` bars) so a decision costs the same at bar
300 and at bar 5,000; every figure uses only bars up to the decision time.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from app.agents.context import tail
from app.indicators.bars import Bars
from app.indicators.compute import compute

WINDOW = 400
"""Bars read per decision: enough for SMA(200) and a 250-bar volatility rank."""
RANK_BARS = 250


@dataclass(frozen=True)
class Features:
    """The latest value of each figure (NaN when there is not enough history)."""

    bars: int
    close: float
    sma50: float
    sma200: float
    sma50_slope_pct: float
    """SMA(50) now against 10 bars ago, in percent."""
    roc20: float
    rsi14: float
    macd_hist: float
    atr14: float
    atr_pct: float
    """ATR(14) as percent of the close."""
    atr_rank: float
    """Where today's ATR% sits among the last 250 (0 lowest .. 1 highest)."""
    adx14: float

    @property
    def trend(self) -> str:
        if math.isnan(self.sma50) or math.isnan(self.sma50_slope_pct):
            return "unknown"
        if self.close > self.sma50 and self.sma50_slope_pct > 0:
            return "up"
        if self.close < self.sma50 and self.sma50_slope_pct < 0:
            return "down"
        return "flat"

    @property
    def volatility(self) -> str:
        if math.isnan(self.atr_rank):
            return "unknown"
        return "low" if self.atr_rank < 0.33 else "high" if self.atr_rank > 0.8 else "normal"


def measure(bars: Bars) -> Features:
    """The figures of the last bar of ``bars``."""
    b = tail(bars, WINDOW)
    close = b.close

    def last(a: np.ndarray) -> float:
        return float(a[-1]) if len(a) else math.nan

    sma50 = _ind("sma", b, 50)
    atr = _ind("atr", b, 14)
    atr_pct = 100.0 * atr / close
    return Features(
        bars=len(bars),
        close=last(close),
        sma50=last(sma50),
        sma200=last(_ind("sma", b, 200)),
        sma50_slope_pct=_change_pct(sma50, 10),
        roc20=last(_ind("roc", b, 20)),
        rsi14=last(_ind("rsi", b, 14)),
        macd_hist=last(_ind("macd", b, 12, 26, 9, output="hist")),
        atr14=last(atr),
        atr_pct=last(atr_pct),
        atr_rank=_rank_last(atr_pct[-RANK_BARS:]),
        adx14=last(_ind("adx", b, 14)),
    )


def _ind(name: str, bars: Bars, *params: float, output: str | None = None) -> np.ndarray:
    need = {"sma": params[0], "macd": 34, "adx": 28}.get(name, params[0] + 1)
    if len(bars) <= need:
        return np.full(len(bars), np.nan)
    return compute(name, bars, None, tuple(float(p) for p in params), output)


def _change_pct(series: np.ndarray, bars: int) -> float:
    if len(series) <= bars:
        return math.nan
    now, then = series[-1], series[-1 - bars]
    return float(100.0 * (now - then) / then) if then else math.nan


def _rank_last(values: np.ndarray) -> float:
    """Share of the valid values strictly below the last one (NaN with under 60 values)."""
    valid = values[~np.isnan(values)]
    if len(valid) < 60 or math.isnan(values[-1]):
        return math.nan
    return float(np.mean(valid < values[-1]))
