"""The figures of an evaluation: Sharpe ratios of pooled fold returns, the percentile of a
layer's Sharpe among its null draws, and a block-bootstrap interval for a Sharpe difference.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np
import pandas as pd

BLOCK = 20
"""Bars per bootstrap block (about a trading month of daily bars), keeping autocorrelation."""
RESAMPLES = 1000
TIE = 1e-9
"""Sharpe ratios closer than this are equal (the same trades, summed in another order)."""


def fold_returns(curves: Sequence[pd.Series]) -> np.ndarray:
    """Per-bar returns of each fold's equity curve, folds end to end (no return is taken
    across a fold boundary: each fold starts with fresh cash)."""
    parts = [c.to_numpy(dtype=float) for c in curves if len(c) > 1]
    return np.concatenate([p[1:] / p[:-1] - 1.0 for p in parts]) if parts else np.zeros(0)


def sharpe(returns: np.ndarray, ppy: float) -> float:
    """Annualised Sharpe ratio (risk-free 0, ddof=1); 0 for a flat or too short series."""
    if len(returns) < 2:
        return 0.0
    sd = float(np.std(returns, ddof=1))
    if sd == 0 or not math.isfinite(sd):
        return 0.0
    return float(np.mean(returns)) / sd * math.sqrt(ppy)


def percentile(value: float, null: Sequence[float]) -> float:
    """Share of null draws below ``value`` (ties, within :data:`TIE`, count half), in
    percent."""
    arr = np.asarray(null, dtype=float)
    if arr.size == 0:
        return math.nan
    tie = np.isclose(arr, value, rtol=0.0, atol=TIE)
    below = (arr < value) & ~tie
    return float(100.0 * (np.sum(below) + 0.5 * np.sum(tie)) / arr.size)


def bootstrap_difference(
    a: np.ndarray, b: np.ndarray, ppy: float, seed: int, level: float = 0.95
) -> tuple[float, float]:
    """A moving-block bootstrap interval for ``sharpe(a) - sharpe(b)`` on paired returns
    (the same bars resampled for both, so what they share cancels)."""
    n = min(len(a), len(b))
    if n < 2 * BLOCK:
        return (math.nan, math.nan)
    rng = np.random.default_rng(seed)
    starts = rng.integers(0, n - BLOCK + 1, size=(RESAMPLES, math.ceil(n / BLOCK)))
    idx = (starts[:, :, None] + np.arange(BLOCK)).reshape(RESAMPLES, -1)[:, :n]
    diffs = np.array([sharpe(a[i], ppy) - sharpe(b[i], ppy) for i in idx])
    lo, hi = np.quantile(diffs, [(1 - level) / 2, 1 - (1 - level) / 2])
    return float(lo), float(hi)


def ordinal(p: float) -> str:
    """``48`` -> ``48th``; ``1`` -> ``1st``."""
    n = int(round(p))
    suffix = "th" if 10 <= n % 100 <= 20 else {1: "st", 2: "nd", 3: "rd"}.get(n % 10, "th")
    return f"{n}{suffix}"
