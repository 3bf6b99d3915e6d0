"""Seeded synthetic markets: for demos, tests and benchmarks, where real data is too small,
too few or has no known ground truth.

Two generators:

* :func:`synthetic_market` -- many correlated random-walk stocks (a common market factor plus
  each stock's own noise), for breadth and speed benchmarks (500 symbols x 2,520 bars).
* :func:`synthetic_regime_series` -- one stock whose every bar carries the regime that
  generated it, so regime detectors can be scored against the truth.

Both return frames of exactly the shape :func:`app.market.loader.load_bars` returns, and the
same seed always gives the same numbers. Symbol ``i`` of :func:`synthetic_market` depends
only on ``(seed, i)`` and the market factor, so adding symbols or bars does not change the
ones already there (each symbol's random draws are taken bar by bar).
"""

from __future__ import annotations

from collections.abc import Iterator

import numpy as np
import pandas as pd

from app.market.loader import COLUMNS, INDEX_UNIT

REGIMES: tuple[str, ...] = ("trending_up", "trending_down", "mean_reverting", "high_volatility")
"""Regime labels of :func:`synthetic_regime_series`, in code order."""

_DRIFT = np.array([0.0015, -0.0015, 0.0, 0.0])
"""Per-bar log drift of each regime (about +/-0.15% a day when trending)."""
_VOL = np.array([0.010, 0.010, 0.005, 0.035])
"""Per-bar volatility (the innovation's, for the mean-reverting regime)."""
_MR_PULL = 0.10
"""Share of the distance to its level an OU segment closes each bar (half-life ~6.6 bars)."""
_MARKET_VOL = 0.01


def synthetic_market(
    n_symbols: int,
    n_bars: int,
    seed: int = 7,
    start: str = "2010-01-04",
    freq: str = "B",
) -> dict[str, pd.DataFrame]:
    """Random-walk OHLCV for ``n_symbols`` stocks named ``SYN000``, ``SYN001``, ...

    Each stock has its own start price (10-300), market beta (0.5-1.5), own volatility
    (0.8-2.5% a bar) and drift (-5% to +20% a year); volatilities are per bar whatever
    ``freq`` is.
    """
    return dict(iter_synthetic_market(n_symbols, n_bars, seed, start, freq))


def iter_synthetic_market(
    n_symbols: int,
    n_bars: int,
    seed: int = 7,
    start: str = "2010-01-04",
    freq: str = "B",
) -> Iterator[tuple[str, pd.DataFrame]]:
    """:func:`synthetic_market` one ``(symbol, frame)`` at a time, the same frames, so a
    benchmark can write thousands of symbols without holding them all."""
    index = _index(start, n_bars, freq)
    market = np.random.default_rng([seed, 0]).standard_normal(n_bars) * _MARKET_VOL
    width = max(3, len(str(n_symbols - 1)))
    for i in range(n_symbols):
        yield f"SYN{i:0{width}d}", _random_walk(np.random.default_rng([seed, 1, i]), market, index)


def _random_walk(
    rng: np.random.Generator, market: np.ndarray, index: pd.DatetimeIndex
) -> pd.DataFrame:
    """One stock: factor model returns, then realistic bars around the close path."""
    u = rng.random(5)
    price0 = float(np.exp(np.log(10) + u[0] * np.log(30)))
    beta, own_vol = 0.5 + u[1], 0.008 + 0.017 * u[2]
    drift = (-0.05 + 0.25 * u[3]) / 252
    z = rng.standard_normal((len(index), 5))
    sigma = float(np.hypot(beta * _MARKET_VOL, own_vol))
    log_close = np.log(price0) + np.cumsum(drift + beta * market + own_vol * z[:, 0])
    base_volume = 1e5 * np.exp(u[4] * np.log(50))
    sigmas = np.full(len(index), sigma)
    return _bars(log_close, np.log(price0), sigmas, z[:, 1:], base_volume, index)


def synthetic_regime_series(
    n_bars: int,
    seed: int = 7,
    *,
    min_length: int = 60,
    max_length: int = 250,
    start: str = "2010-01-04",
    freq: str = "B",
    start_price: float = 100.0,
) -> tuple[pd.DataFrame, pd.Series]:
    """One symbol's bars and, per bar, the regime that generated it.

    The series runs through segments of ``min_length`` to ``max_length`` bars, each in a
    regime different from the one before: trending up or down (drift +/-0.15%, vol 1%),
    mean reverting (an Ornstein-Uhlenbeck process in log price around the level where the
    segment began, innovation vol 0.5%) or high volatility (vol 3.5%, no drift). The label
    of a bar is the regime of the move from the previous close to its close.

    Returns:
        ``(bars, labels)``: a bar frame and a ``str`` Series named ``regime`` on its index,
        holding values from :data:`REGIMES`.
    """
    if not 0 < min_length <= max_length:
        raise ValueError("need 0 < min_length <= max_length")
    rng = np.random.default_rng([seed, 2])
    codes = _regime_codes(rng, n_bars, min_length, max_length)
    z = rng.standard_normal((n_bars, 5))
    log_close = _regime_path(codes, z[:, 0], np.log(start_price))
    sigma = _VOL[codes] * np.where(codes == 2, 1.1, 1.0)  # OU returns are a bit wider than eps
    index = _index(start, n_bars, freq)
    bars = _bars(log_close, np.log(start_price), sigma, z[:, 1:], 1e6, index)
    labels = pd.Series(np.array(REGIMES, dtype=object)[codes], index=index, name="regime")
    return bars, labels.astype("str")


def _regime_codes(rng: np.random.Generator, n_bars: int, low: int, high: int) -> np.ndarray:
    """Per-bar regime codes: random segment lengths, never the same regime twice in a row."""
    n_segments = n_bars // low + 1
    lengths = rng.integers(low, high + 1, size=n_segments)
    steps = rng.integers(1, len(REGIMES), size=n_segments)
    steps[0] = rng.integers(0, len(REGIMES))
    segment_codes = np.cumsum(steps) % len(REGIMES)
    return np.repeat(segment_codes, lengths)[:n_bars]


def _regime_path(codes: np.ndarray, eps: np.ndarray, log_start: float) -> np.ndarray:
    """Log closes: random walks with drift, except OU around a level in mean-reverting runs."""
    steps = _DRIFT[codes] + _VOL[codes] * eps
    log_close = np.empty(len(codes))
    edges = np.flatnonzero(np.diff(codes)) + 1
    level = log_start
    for lo, hi in zip(np.r_[0, edges], np.r_[edges, len(codes)]):
        if codes[lo] == 2:
            log_close[lo:hi] = level + _ou(steps[lo:hi])
        else:
            log_close[lo:hi] = level + np.cumsum(steps[lo:hi])
        level = log_close[hi - 1]
    return log_close


def _ou(shocks: np.ndarray) -> np.ndarray:
    """Deviation from the level: d[t] = (1 - pull) * d[t-1] + shock[t], from d[-1] = 0."""
    keep = 1.0 - _MR_PULL
    out = np.empty(len(shocks))
    d = 0.0
    for t, shock in enumerate(shocks.tolist()):
        d = keep * d + shock
        out[t] = d
    return out


def _bars(
    log_close: np.ndarray,
    log_first_prev: float,
    sigma: np.ndarray,
    z: np.ndarray,
    base_volume: float,
    index: pd.DatetimeIndex,
) -> pd.DataFrame:
    """OHLCV around a close path.

    The open is the previous close plus a small gap (a tenth of the bar's vol); high and
    low extend past the body by half-normal wicks of half the bar's vol; volume rises with
    the size of the move. ``z`` holds four standard normal draws per bar.
    """
    prev = np.concatenate(([log_first_prev], log_close[:-1]))
    log_open = prev + 0.1 * sigma * z[:, 0]
    body_hi, body_lo = np.maximum(log_open, log_close), np.minimum(log_open, log_close)
    high = np.exp(body_hi + 0.5 * sigma * np.abs(z[:, 1]))
    low = np.exp(body_lo - 0.5 * sigma * np.abs(z[:, 2]))
    move = np.abs(log_close - prev) / sigma
    volume = np.maximum(1.0, np.round(base_volume * np.exp(0.3 * z[:, 3] + 0.4 * (move - 0.8))))
    values = np.column_stack((np.exp(log_open), high, low, np.exp(log_close), volume))
    return pd.DataFrame(values, index=index, columns=list(COLUMNS))


def _index(start: str, n_bars: int, freq: str) -> pd.DatetimeIndex:
    return pd.date_range(start, periods=n_bars, freq=freq, name="date").as_unit(INDEX_UNIT)
