"""Vectorised building blocks for the indicators: trailing windows and linear recursions.

Everything here is O(n) or O(n log n) numpy work with no per-bar Python loop, and every
trailing-window result is computed from the window's own values only. That matters for
precision: a running total (``sum += new; sum -= old``) or a difference of cumulative sums
carries the rounding error of the whole history into every later window, whereas the
block scheme below never adds more than one window's worth of values together.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import NDArray

FloatArray = NDArray[np.float64]

_NEGLIGIBLE = 1e-30
"""Decay factor below which older terms of a recursion cannot move a double any more
(unless prices span 14 orders of magnitude), so the doubling scan may stop early."""


def nans(size: int) -> FloatArray:
    """A float64 array of ``size`` NaNs: the "not defined yet" value of every output."""
    return np.full(size, np.nan)


def _blocks(x: FloatArray, n: int, fill: float) -> NDArray[np.float64]:
    """``x`` padded with ``fill`` to a multiple of ``n`` and cut into rows of ``n``."""
    rows = -(-x.size // n)
    padded = np.full(rows * n, fill)
    padded[: x.size] = x
    return padded.reshape(rows, n)


def _prefix_suffix(blocks: NDArray[np.float64], ufunc: np.ufunc) -> tuple[FloatArray, FloatArray]:
    """Running ``ufunc`` from each block's start (prefix) and towards its end (suffix)."""
    prefix = ufunc.accumulate(blocks, axis=1).ravel()
    suffix = ufunc.accumulate(blocks[:, ::-1], axis=1)[:, ::-1].ravel()
    return prefix, suffix


def _window_scan(x: FloatArray, n: int, ufunc: np.ufunc, identity: float) -> FloatArray:
    """Combine every trailing window of ``n`` values with ``ufunc`` (sum, max or min).

    Cut the series into blocks of ``n``: a window ``[s, s+n-1]`` is the tail of the block
    holding ``s`` (a suffix scan) plus the head of the next block up to the window's end
    (a prefix scan) -- van Herk / Gil-Werman. O(len) work for any ``n``, and a NaN only
    affects the windows that contain it.
    """
    out = nans(x.size)
    if n > x.size:
        return out
    prefix, suffix = _prefix_suffix(_blocks(x, n, identity), ufunc)
    count = x.size - n + 1
    head = prefix[n - 1 : x.size].copy()
    head[::n] = identity  # windows starting on a block boundary are a whole block
    out[n - 1 :] = ufunc(suffix[:count], head)
    return out


def rolling_sum(x: FloatArray, n: int) -> FloatArray:
    """Sum of each trailing window of ``n`` values; NaN for the first ``n - 1`` bars."""
    return _window_scan(x, n, np.add, 0.0)


def rolling_max(x: FloatArray, n: int) -> FloatArray:
    """Highest value of each trailing window of ``n`` values (TA-Lib MAX)."""
    return _window_scan(x, n, np.maximum, -np.inf)


def rolling_min(x: FloatArray, n: int) -> FloatArray:
    """Lowest value of each trailing window of ``n`` values (TA-Lib MIN)."""
    return _window_scan(x, n, np.minimum, np.inf)


def rolling_weighted_sum(x: FloatArray, n: int) -> FloatArray:
    """``sum(w * x)`` over each trailing window with weights 1 (oldest) .. ``n`` (newest).

    Same block split as :func:`_window_scan`; the weights are expressed through the
    position inside the block (0..n-1), so no product ever grows with the series length.
    """
    out = nans(x.size)
    if n > x.size:
        return out
    blocks = _blocks(x, n, 0.0)
    p, s = _prefix_suffix(blocks, np.add)
    pj, sj = _prefix_suffix(blocks * np.arange(n), np.add)
    count = x.size - n + 1
    start = np.arange(count) % n  # window start, as a position in its block
    tail = sj[:count] - (start - 1) * s[:count]  # weights 1 .. n - start
    end = slice(n - 1, x.size)
    head = pj[end] + (n - start + 1) * p[end]  # weights n - start + 1 .. n
    head[start == 0] = 0.0
    out[n - 1 :] = tail + head
    return out


def rolling_variance(x: FloatArray, n: int) -> FloatArray:
    """Population variance of each trailing window of ``n`` values.

    ``E[x^2] - E[x]^2`` on raw prices cancels catastrophically (a price of 500 squared is
    250000; a variance of 0.01 is lost below its rounding). Each block is therefore shifted
    by its own first value before summing, and the next block's sums are re-based onto the
    window's shift, so the cancellation happens at the scale of local price moves only.
    """
    out = nans(x.size)
    if n > x.size:
        return out
    blocks = _blocks(x, n, 0.0)
    shift = blocks[:, 0].copy()
    shift[~np.isfinite(shift)] = 0.0  # a NaN shift would spoil windows that skip it
    dev = blocks - shift[:, None]
    p1, s1 = _prefix_suffix(dev, np.add)
    p2, s2 = _prefix_suffix(dev * dev, np.add)
    count = x.size - n + 1
    first = np.arange(count)
    start = first % n
    end = slice(n - 1, x.size)
    in_next = start.astype(np.float64)  # values of the window in the following block
    head1 = np.where(start == 0, 0.0, p1[end])
    head2 = np.where(start == 0, 0.0, p2[end])
    step = shift[np.minimum(first // n + 1, shift.size - 1)] - shift[first // n]
    step = np.where(start == 0, 0.0, step)
    total1 = s1[:count] + head1 + in_next * step
    total2 = s2[:count] + head2 + 2.0 * step * head1 + in_next * step * step
    mean_dev = total1 / n
    out[n - 1 :] = np.maximum(total2 / n - mean_dev * mean_dev, 0.0)
    return out


def linear_recursion(u: FloatArray, a: float, y0: float) -> FloatArray:
    """Solve ``y[t] = a * y[t-1] + u[t]`` with ``y[-1] = y0`` (EMA and Wilder smoothing).

    A Hillis-Steele doubling scan: after the pass with shift ``d`` each ``y[t]`` holds the
    terms back to ``t - 2d + 1``, so log2(len) whole-array passes replace the per-bar loop.
    Only ``0 <= a < 1`` is used here, so every coefficient is at most 1 and the summation is
    as stable as the sequential one. As in the sequential recursion, a NaN input makes
    every later output NaN.
    """
    y = np.array(u, dtype=np.float64, copy=True)
    if y.size == 0:
        return y
    y[0] += a * y0
    scratch = np.empty_like(y)
    shift, power = 1, a
    while shift < y.size and power >= _NEGLIGIBLE:
        part = scratch[: y.size - shift]
        np.multiply(y[:-shift], power, out=part)
        y[shift:] += part
        shift, power = shift * 2, power * power
    bad = np.flatnonzero(np.isnan(u))
    if bad.size:
        y[bad[0] :] = np.nan
    return y
