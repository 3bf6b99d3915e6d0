"""Causal features of bars for the regime detector.

Row ``t`` of every feature uses bars ``0..t`` only, so a label computed at the close of bar
``t`` never sees the future. Rolling sums are accumulated offset by offset (never with a
running total), which makes each row a function of its own window alone: the incremental
tracker, which keeps only the last :attr:`RegimeConfig.lookback` bars, computes exactly
the same numbers as the batch pass over the whole history.

Features:

* ``lvol`` -- log Garman-Klass volatility of the bar (averaged over ``vol_bars``): the
  HMM's main input. Ranges see intrabar movement that closes alone miss, so one bar tells
  a calm market from a wild one.
* ``z`` -- the close-to-close log return divided by the Garman-Klass volatility of the
  ``scale_bars`` bars before it: returns in units of recent volatility, the input of the
  trend-direction filter.
* ``er`` -- Kaufman's efficiency ratio over ``er_bars``: ``|net move| / sum |moves|``,
  near 1 in a clean trend and near 0 in a range.
* ``lvolume`` -- log of volume over its ``volume_bars`` average (only with ``use_volume``).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from app.regime.config import RegimeConfig

_TINY_VARIANCE = 1e-12
"""Floor of a bar's variance estimate (a flat bar would otherwise have log volatility -inf)."""
_GK_CLOSE = 2.0 * np.log(2.0) - 1.0


@dataclass(frozen=True)
class Features:
    """Per-bar feature arrays of one series, all of its length."""

    lvol: np.ndarray
    z: np.ndarray
    er: np.ndarray
    lvolume: np.ndarray | None

    def hmm_matrix(self) -> np.ndarray:
        """The HMM's observations, one row per bar (NaN until the features are defined)."""
        if self.lvolume is None:
            return self.lvol[:, None]
        return np.column_stack((self.lvol, self.lvolume))

    def __len__(self) -> int:
        return len(self.lvol)


def compute_features(
    open_: np.ndarray,
    high: np.ndarray,
    low: np.ndarray,
    close: np.ndarray,
    volume: np.ndarray,
    config: RegimeConfig,
) -> Features:
    """Features of bars given as float arrays, oldest first (see the module docstring)."""
    lo, lh, ll, lc = (np.log(np.asarray(a, dtype=float)) for a in (open_, high, low, close))
    n = len(lc)
    gk = np.maximum(0.5 * (lh - ll) ** 2 - _GK_CLOSE * (lc - lo) ** 2, _TINY_VARIANCE)
    lvol = 0.5 * np.log(rolling_mean(gk, config.vol_bars))
    scale = np.sqrt(rolling_mean(gk, config.scale_bars))
    r = np.full(n, np.nan)
    r[1:] = lc[1:] - lc[:-1]
    z = np.full(n, np.nan)
    z[1:] = r[1:] / scale[:-1]
    er = efficiency_ratio(lc, config.er_bars)
    lvolume = None
    if config.use_volume:
        v = np.maximum(np.asarray(volume, dtype=float), 1.0)
        lvolume = np.log(v / rolling_mean(v, config.volume_bars))
    return Features(lvol=lvol, z=z, er=er, lvolume=lvolume)


def efficiency_ratio(log_close: np.ndarray, n: int) -> np.ndarray:
    """Kaufman ER of each bar over the ``n`` moves ending at it (NaN for the first ``n``)."""
    out = np.full(len(log_close), np.nan)
    if len(log_close) <= n:
        return out
    moves = np.abs(np.diff(log_close))
    path = rolling_sum(moves, n)[n - 1 :]
    net = np.abs(log_close[n:] - log_close[:-n])
    out[n:] = np.where(path > 0, net / np.where(path > 0, path, 1.0), 0.0)
    return out


def rolling_sum(x: np.ndarray, n: int) -> np.ndarray:
    """Sum of the last ``n`` values (NaN for the first ``n - 1``), summed oldest first.

    Each row adds its own ``n`` values in a fixed order, so its value does not depend on
    where the array starts (unlike a running total, whose rounding carries history).
    """
    out = np.full(len(x), np.nan)
    m = len(x) - n + 1
    if m <= 0:
        return out
    acc = x[:m].astype(float, copy=True)
    for j in range(1, n):
        acc += x[j : j + m]
    out[n - 1 :] = acc
    return out


def rolling_mean(x: np.ndarray, n: int) -> np.ndarray:
    return rolling_sum(x, n) / n
