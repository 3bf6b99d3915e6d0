"""Indicators of one price series, ported from TA-Lib's definitions.

Each function takes a series with no leading NaN (the caller strips them, as TA-Lib's
Python wrapper does) and returns an array of the same length with TA-Lib's number of
leading NaNs. The docstrings record the TA-Lib detail each one reproduces, because those
details (seeds, alignment, zero guards) are exactly what a from-the-textbook version gets
wrong.
"""

from __future__ import annotations

import numpy as np

from app.indicators._kernels import (
    FloatArray,
    linear_recursion,
    nans,
    rolling_max,
    rolling_min,
    rolling_sum,
    rolling_variance,
    rolling_weighted_sum,
)


def sma(x: FloatArray, n: int) -> FloatArray:
    """TA-Lib SMA: mean of the last ``n`` values; ``n - 1`` leading NaNs."""
    return rolling_sum(x, n) / n


def wma(x: FloatArray, n: int) -> FloatArray:
    """TA-Lib WMA: weights 1 (oldest) .. ``n`` (newest) over their sum ``n(n+1)/2``."""
    return rolling_weighted_sum(x, n) / (n * (n + 1) / 2)


def ema_from(x: FloatArray, n: int, start: int) -> FloatArray:
    """EMA values for bars ``start ..`` seeded with the SMA of the ``n`` bars ending at ``start``.

    This is TA-Lib's EMA core: the seed is a plain average, then
    ``ema = k * x + (1 - k) * ema`` with ``k = 2 / (n + 1)``. MACD calls it with a ``start``
    later than ``n - 1`` to line the fast EMA up with the slow one.
    """
    k = 2.0 / (n + 1)
    seed = float(np.sum(x[start - n + 1 : start + 1])) / n
    tail = linear_recursion(k * x[start + 1 :], 1.0 - k, seed)
    return np.concatenate(([seed], tail))


def ema(x: FloatArray, n: int) -> FloatArray:
    """TA-Lib EMA (default compatibility): SMA seed at bar ``n - 1``, alpha ``2 / (n + 1)``."""
    out = nans(x.size)
    if x.size >= n:
        out[n - 1 :] = ema_from(x, n, n - 1)
    return out


def wilder_from(values: FloatArray, n: int) -> FloatArray:
    """Wilder smoothing: the mean of the first ``n`` values, then ``(prev*(n-1) + v) / n``."""
    seed = float(np.sum(values[:n])) / n
    tail = linear_recursion(values[n:] / n, (n - 1) / n, seed)
    return np.concatenate(([seed], tail))


def rsi(x: FloatArray, n: int) -> FloatArray:
    """TA-Lib RSI: Wilder-smoothed gains and losses of the bar-to-bar change.

    ``n`` leading NaNs (the first change needs two bars). When both averages are zero (a
    flat series) TA-Lib answers 0, not 50; so do we.
    """
    out = nans(x.size)
    if x.size <= n:
        return out
    change = np.diff(x)
    gain = wilder_from(np.where(change < 0, 0.0, change), n)
    loss = wilder_from(np.where(change < 0, -change, 0.0), n)
    total = gain + loss
    out[n:] = np.divide(100.0 * gain, total, out=np.zeros_like(total), where=total != 0)
    return out


def roc(x: FloatArray, n: int) -> FloatArray:
    """TA-Lib ROC: ``(x / x[n ago] - 1) * 100``; 0 (TA-Lib's choice) when ``x[n ago]`` is 0."""
    out = nans(x.size)
    if x.size <= n:
        return out
    before = x[:-n]
    ratio = np.divide(x[n:], before, out=np.ones_like(before), where=before != 0)
    out[n:] = (ratio - 1.0) * 100.0
    return out


def highest(x: FloatArray, n: int) -> FloatArray:
    """TA-Lib MAX over the last ``n`` bars."""
    return rolling_max(x, n)


def lowest(x: FloatArray, n: int) -> FloatArray:
    """TA-Lib MIN over the last ``n`` bars."""
    return rolling_min(x, n)


def stddev(x: FloatArray, n: int) -> FloatArray:
    """TA-Lib STDDEV with nbdev 1: population standard deviation of the last ``n`` bars."""
    return np.sqrt(rolling_variance(x, n))


def bollinger(x: FloatArray, n: int, k: float) -> dict[str, FloatArray]:
    """TA-Lib BBANDS with an SMA middle and ``k`` population deviations for both bands."""
    middle = sma(x, n)
    width = k * stddev(x, n)
    return {"middle": middle, "upper": middle + width, "lower": middle - width}


def macd(x: FloatArray, fast: int, slow: int, signal: int) -> dict[str, FloatArray]:
    """TA-Lib MACD.

    TA-Lib swaps the periods if ``slow < fast``, seeds *both* EMAs at the slow EMA's first
    bar (so the fast EMA's seed is the SMA of the ``fast`` bars ending there, not of the
    first ``fast`` bars) and publishes nothing -- not even the line -- until the signal
    EMA exists: ``slow + signal - 2`` leading NaNs on all three outputs.
    """
    fast, slow = min(fast, slow), max(fast, slow)
    begin = slow + signal - 2
    outputs = {name: nans(x.size) for name in ("line", "signal", "hist")}
    if x.size <= begin:
        return outputs
    line = ema_from(x, fast, slow - 1) - ema_from(x, slow, slow - 1)
    smoothed = ema_from(line, signal, signal - 1)
    outputs["line"][begin:] = line[signal - 1 :]
    outputs["signal"][begin:] = smoothed
    outputs["hist"][begin:] = line[signal - 1 :] - smoothed
    return outputs
