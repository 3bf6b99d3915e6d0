"""Indicators computed from several fields of the bars (high, low, close, volume, time).

The TA-Lib ports (STOCH, ATR, ADX) take arrays with no leading NaN, as the TA-Lib wrapper
would pass them; VWAP and the opening range have no TA-Lib counterpart and are defined in
their docstrings.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import NDArray

from app.indicators._kernels import (
    FloatArray,
    linear_recursion,
    nans,
    rolling_max,
    rolling_min,
    rolling_sum,
)
from app.indicators._series import sma, wilder_from

_TA_EPSILON = 1e-14
"""TA-Lib's relative dead-zone for "this difference of two prices is zero"."""


def stoch(
    high: FloatArray,
    low: FloatArray,
    close: FloatArray,
    k_period: int,
    k_smooth: int,
    d_period: int,
) -> dict[str, FloatArray]:
    """TA-Lib STOCH with SMA smoothing for both slow %K and %D.

    Fast %K is 0 on a flat window, where TA-Lib's guard is relative: the range counts as
    zero when it is within 1e-14 of the extremes' magnitude (a float residue, not a move).
    Both outputs share ``k_period + k_smooth + d_period - 3`` leading NaNs.
    """
    hh, ll = rolling_max(high, k_period), rolling_min(low, k_period)
    spread = hh - ll
    flat = np.abs(spread) <= _TA_EPSILON * (np.abs(hh) + np.abs(ll))
    fast_k = np.divide(close - ll, spread / 100.0, out=np.zeros_like(spread), where=~flat)
    fast_k[np.isnan(spread)] = np.nan
    begin = k_period + k_smooth + d_period - 3
    k, d = nans(close.size), nans(close.size)
    if close.size > begin:
        slow_k = sma(fast_k[k_period - 1 :], k_smooth)
        slow_d = sma(slow_k[k_smooth - 1 :], d_period)
        k[begin:] = slow_k[d_period + k_smooth - 2 :]
        d[begin:] = slow_d[d_period - 1 :]
    return {"k": k, "d": d}


def true_range(high: FloatArray, low: FloatArray, close: FloatArray) -> FloatArray:
    """TA-Lib TRANGE for bars ``1 ..`` (bar 0 has no previous close)."""
    prev = close[:-1]
    widest: FloatArray = np.maximum.reduce(
        [high[1:] - low[1:], np.abs(high[1:] - prev), np.abs(low[1:] - prev)]
    )
    return widest


def atr(high: FloatArray, low: FloatArray, close: FloatArray, n: int) -> FloatArray:
    """TA-Lib ATR: Wilder's smoothing of the true range seeded with its first ``n``-bar mean.

    ``n`` leading NaNs; with ``n == 1`` it is the true range itself, as in TA-Lib.
    """
    out = nans(close.size)
    if close.size > n:
        out[n:] = wilder_from(true_range(high, low, close), n)
    return out


def _directional_movement(high: FloatArray, low: FloatArray) -> tuple[FloatArray, FloatArray]:
    """One-bar +DM and -DM for bars ``1 ..``: the larger outside move wins, ties give none."""
    up = high[1:] - high[:-1]
    down = low[:-1] - low[1:]
    minus = np.where((down > 0) & (up < down), down, 0.0)
    plus = np.where((up > 0) & (up > down), up, 0.0)
    return plus, minus


def _wilder_sum(values: FloatArray, n: int) -> FloatArray:
    """ADX-style Wilder *sum* for bars ``n ..``: ``s - s/n + v`` over a seed of ``n - 1`` values.

    TA-Lib's ADX seeds with the sum of the first ``n - 1`` one-bar values, then applies
    the decay before adding bar ``n``; keeping that quirk is what makes the numbers match.
    """
    seed = float(np.sum(values[: n - 1]))
    return linear_recursion(values[n - 1 :], 1.0 - 1.0 / n, seed)


def adx(high: FloatArray, low: FloatArray, close: FloatArray, n: int) -> FloatArray:
    """TA-Lib ADX: ``2n - 1`` leading NaNs.

    The first ADX is the sum of the first ``n`` DX values over ``n``; after that
    ``adx = (adx*(n-1) + dx) / n``. A bar whose DX is undefined (no range, or no
    directional movement at all) leaves the ADX unchanged, as in TA-Lib, so the recursion
    runs over the defined DX values only and is spread back with a forward fill.
    """
    out = nans(close.size)
    if close.size < 2 * n:
        return out
    plus, minus = _directional_movement(high, low)
    tr = _wilder_sum(true_range(high, low, close), n)
    plus_di = 100.0 * np.divide(_wilder_sum(plus, n), tr, out=np.zeros_like(tr), where=tr != 0)
    minus_di = 100.0 * np.divide(_wilder_sum(minus, n), tr, out=np.zeros_like(tr), where=tr != 0)
    di_sum = plus_di + minus_di
    defined = (tr != 0) & (di_sum != 0)
    dx = 100.0 * np.divide(np.abs(minus_di - plus_di), di_sum, out=np.zeros_like(tr), where=defined)
    first = float(np.sum(dx[:n])) / n
    later, later_defined = dx[n:], defined[n:]
    smoothed = linear_recursion(later[later_defined] / n, (n - 1) / n, first)
    filled = np.concatenate(([first], smoothed))
    out[2 * n - 1 :] = np.concatenate(([first], filled[np.cumsum(later_defined)]))
    return out


def vwap(
    high: FloatArray, low: FloatArray, close: FloatArray, volume: FloatArray, n: int
) -> FloatArray:
    """Rolling VWAP: ``sum(typical * volume) / sum(volume)`` over the last ``n`` bars.

    ``typical = (high + low + close) / 3``. NaN for the first ``n - 1`` bars and wherever
    the window's volume is zero (e.g. an index quoted without volume): a price weighted by
    nothing is undefined, and a NaN makes any comparison against it false rather than
    silently using a made-up number. TA-Lib has no such indicator.
    """
    typical = (high + low + close) / 3.0
    weight = rolling_sum(volume, n)
    value = rolling_sum(typical * volume, n)
    return np.divide(value, weight, out=nans(close.size), where=weight != 0)


def opening_range(
    sessions: NDArray[np.int64], values: FloatArray, bars: int, *, high: bool
) -> FloatArray:
    """Highest high (``high=True``) or lowest low of each session's first ``bars`` bars.

    ``sessions`` numbers each bar's trading session (:meth:`Bars.session_days`: the
    venue's session from its open to its close, early closes included; -1 for a bar
    outside every session, such as pre-market or after-hours, which is NaN). The value is
    NaN on the session's first ``bars - 1`` bars (the range is not known yet), then
    constant from the bar that completes it to the session's last bar; a session shorter
    than ``bars`` is all NaN.
    """
    out = nans(values.size)
    if values.size == 0:
        return out
    inside = np.flatnonzero(sessions >= 0)
    if inside.size == 0:
        return out
    day, kept = sessions[inside], values[inside]
    is_first = np.concatenate(([True], day[1:] != day[:-1]))
    starts = np.flatnonzero(is_first)
    session = np.cumsum(is_first) - 1
    lengths = np.diff(np.append(starts, kept.size))
    window = (rolling_max if high else rolling_min)(kept, bars)
    per_session = nans(starts.size)
    complete = lengths >= bars
    per_session[complete] = window[starts[complete] + bars - 1]
    position = np.arange(kept.size) - starts[session]
    got = per_session[session]
    got[position < bars - 1] = np.nan
    out[inside] = got
    return out
