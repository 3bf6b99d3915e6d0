"""The three labelled market families (see the package docstring)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import pandas as pd

REGIMES = ("trending_up", "trending_down", "mean_reverting", "high_volatility")
UP, DOWN, MR, HV = range(4)


@dataclass(frozen=True)
class Latent:
    """What generated a market, for the oracle filter (tests/regime_markets/oracle.py)."""

    codes: np.ndarray
    """The regime code of each bar (UP, DOWN, MR, HV)."""
    log_close: np.ndarray
    """log(close / first price level): the path the regimes drove."""
    sigma: np.ndarray
    """Each bar's true shock scale (regime multiplier included)."""
    sigma0: float
    """The market's base volatility."""
    common: np.ndarray
    """The volatility factor every regime shares (GARCH, stochastic vol; 1 when none)."""


def _codes(rng: np.random.Generator, lengths: np.ndarray, n: int) -> tuple[np.ndarray, np.ndarray]:
    """Per-bar regime codes and spell ids from spell lengths; no regime follows itself."""
    steps = rng.integers(1, 4, size=len(lengths))
    steps[0] = rng.integers(0, 4)
    spell_codes = np.cumsum(steps) % 4
    spell = np.repeat(np.arange(len(lengths)), lengths)[:n]
    return spell_codes[spell], spell


def _path(
    codes: np.ndarray, spell: np.ndarray, shocks: np.ndarray, drift: np.ndarray, pull: np.ndarray
) -> np.ndarray:
    """Log closes: drift + shock, and in mean-reverting spells a pull to the spell's start."""
    out = np.empty(len(codes))
    level = anchor = 0.0
    for t in range(len(codes)):
        if t == 0 or spell[t] != spell[t - 1]:
            anchor = level
        step = drift[t] + shocks[t]
        if codes[t] == MR:
            step -= pull[t] * (level - anchor)
        level += step
        out[t] = level
    return out


def _frame(
    log_close: np.ndarray,
    log_open: np.ndarray,
    high: np.ndarray,
    low: np.ndarray,
    volume: np.ndarray,
    codes: np.ndarray,
    price0: float,
) -> tuple[pd.DataFrame, pd.Series]:
    index = pd.date_range("2005-01-03", periods=len(codes), freq="B", name="date")
    high = np.maximum(high, np.maximum(log_open, log_close))
    low = np.minimum(low, np.minimum(log_open, log_close))
    frame = pd.DataFrame(
        {
            "open": np.exp(log_open),
            "high": np.exp(high),
            "low": np.exp(low),
            "close": np.exp(log_close),
            "volume": volume,
        },
        index=index,
    ) * np.array([price0, price0, price0, price0, 1.0])
    truth = pd.Series(np.array(REGIMES, dtype=object)[codes], index=index, name="regime")
    return frame, truth.astype(str)


def _bridge_range(
    rng: np.random.Generator,
    log_open: np.ndarray,
    log_close: np.ndarray,
    sigma: np.ndarray,
    steps: int = 8,
) -> tuple[np.ndarray, np.ndarray]:
    """High and low of an intrabar Brownian bridge from open to close with the bar's vol."""
    n = len(log_open)
    w = np.cumsum(rng.standard_normal((n, steps)), axis=1) * (sigma[:, None] / np.sqrt(steps))
    frac = np.arange(1, steps + 1) / steps
    bridge = w - frac[None, :] * w[:, -1:]
    path = log_open[:, None] + frac[None, :] * (log_close - log_open)[:, None] + bridge
    path = np.column_stack([log_open, path])
    return path.max(axis=1), path.min(axis=1)


def switching_garch(n_bars: int, seed: int) -> tuple[pd.DataFrame, pd.Series]:
    """Markov switching (geometric spells, mean 100 bars, at least 20) with GARCH(1,1)."""
    return _switching_garch(n_bars, seed)[:2]


def _switching_garch(n_bars: int, seed: int) -> tuple[pd.DataFrame, pd.Series, Latent]:
    rng = np.random.default_rng([seed, 101])
    lengths = 20 + rng.geometric(1 / 80, size=n_bars // 20 + 1)
    codes, spell = _codes(rng, lengths, n_bars)
    sigma0 = rng.uniform(0.006, 0.025)
    n_spells = spell[-1] + 1
    d = rng.uniform(0.08, 0.2, n_spells)[spell]
    hv_mult = rng.uniform(2.5, 4.0, n_spells)[spell]
    mult = np.select([codes == HV, codes == MR], [hv_mult, 0.9], 1.0)
    eps = rng.standard_normal(n_bars)
    g = np.empty(n_bars)
    g_prev, e_prev = 1.0, 0.0
    for t in range(n_bars):
        g_prev = 0.02 + 0.08 * e_prev**2 + 0.9 * g_prev
        g[t] = g_prev
        e_prev = eps[t] * np.sqrt(g_prev)
    sigma = sigma0 * mult * np.sqrt(g)
    drift = np.select([codes == UP, codes == DOWN], [d, -d], 0.0) * sigma0
    pull = rng.uniform(0.05, 0.2, n_spells)[spell]
    log_close = _path(codes, spell, sigma * eps, drift, pull)
    prev = np.r_[0.0, log_close[:-1]]
    log_open = prev + 0.1 * sigma * rng.standard_normal(n_bars)
    high, low = _bridge_range(rng, log_open, log_close, sigma)
    volume = np.round(1e6 * np.exp(0.3 * rng.standard_normal(n_bars)) * mult)
    frame, truth = _frame(log_close, log_open, high, low, volume, codes, rng.uniform(20, 200))
    return frame, truth, Latent(codes, log_close, sigma, sigma0, np.sqrt(g))


def fat_flat(n_bars: int, seed: int) -> tuple[pd.DataFrame, pd.Series]:
    """Student-t(3) shocks, uniform 40-300 bar spells, wicks that ignore volatility."""
    return _fat_flat(n_bars, seed)[:2]


def _fat_flat(n_bars: int, seed: int) -> tuple[pd.DataFrame, pd.Series, Latent]:
    rng = np.random.default_rng([seed, 202])
    lengths = rng.integers(40, 301, size=n_bars // 40 + 1)
    codes, spell = _codes(rng, lengths, n_bars)
    sigma0 = rng.uniform(0.008, 0.02)
    n_spells = spell[-1] + 1
    d = rng.uniform(0.1, 0.2, n_spells)[spell]
    mult = np.where(codes == HV, rng.uniform(2.5, 3.5, n_spells)[spell], 1.0)
    sigma = sigma0 * mult
    shocks = rng.standard_t(3, n_bars) / np.sqrt(3.0) * sigma
    drift = np.select([codes == UP, codes == DOWN], [d, -d], 0.0) * sigma0
    pull = rng.uniform(0.1, 0.3, n_spells)[spell]
    log_close = _path(codes, spell, shocks, drift, pull)
    log_open = np.r_[0.0, log_close[:-1]]
    wick = 0.6 * sigma0  # the same in every regime
    high = np.maximum(log_open, log_close) + wick * np.abs(rng.standard_normal(n_bars))
    low = np.minimum(log_open, log_close) - wick * np.abs(rng.standard_normal(n_bars))
    volume = np.round(5e5 * np.exp(0.4 * rng.standard_normal(n_bars)))
    frame, truth = _frame(log_close, log_open, high, low, volume, codes, rng.uniform(10, 400))
    return frame, truth, Latent(codes, log_close, sigma, sigma0, np.ones(n_bars))


def weak_long(n_bars: int, seed: int) -> tuple[pd.DataFrame, pd.Series]:
    """Log-normal spells (25-600 bars), stochastic volatility, drifts of 0.05-0.2 sigma."""
    return _weak_long(n_bars, seed)[:2]


def _weak_long(n_bars: int, seed: int) -> tuple[pd.DataFrame, pd.Series, Latent]:
    rng = np.random.default_rng([seed, 303])
    lengths = np.clip(
        np.round(np.exp(rng.normal(np.log(120), 0.7, n_bars // 25 + 1))), 25, 600
    ).astype(int)
    codes, spell = _codes(rng, lengths, n_bars)
    sigma0 = rng.uniform(0.005, 0.03)
    n_spells = spell[-1] + 1
    d = rng.uniform(0.05, 0.2, n_spells)[spell]
    hv_mult = rng.uniform(2.0, 4.0, n_spells)[spell]
    mult = np.select([codes == HV, codes == MR], [hv_mult, 0.8], 1.0)
    logv = np.empty(n_bars)
    v = 0.0
    for t, e in enumerate(0.12 * rng.standard_normal(n_bars)):
        v = 0.97 * v + e
        logv[t] = v
    sigma = sigma0 * mult * np.exp(logv)
    drift = np.select(
        [codes == UP, codes == DOWN, codes == HV], [d * sigma0, -d * sigma0, -0.05 * sigma], 0.0
    )
    pull = rng.uniform(0.03, 0.1, n_spells)[spell]
    body = sigma * rng.standard_normal(n_bars)
    log_close = _path(codes, spell, body, drift, pull)
    prev = np.r_[0.0, log_close[:-1]]
    log_open = prev + 0.3 * sigma * rng.standard_normal(n_bars)  # overnight gaps
    high, low = _bridge_range(rng, log_open, log_close, 0.8 * sigma, steps=6)
    volume = np.round(2e6 * np.exp(0.3 * rng.standard_normal(n_bars) + 0.3 * np.log(mult)))
    frame, truth = _frame(log_close, log_open, high, low, volume, codes, rng.uniform(5, 500))
    return frame, truth, Latent(codes, log_close, sigma, sigma0, np.exp(logv))


def _own(n_bars: int, seed: int) -> tuple[pd.DataFrame, pd.Series, Latent]:
    """The project's own generator (:func:`app.market.synthetic.synthetic_regime_series`,
    start price 100) with what generated it, for the oracle: segments of 60-250 bars,
    trends of +/-0.15 sigma a bar, OU around the segment's first level (pull 0.1, half the
    base volatility), high volatility of 3.5x; Gaussian shocks, no shared factor."""
    from app.market import synthetic

    frame, truth = synthetic.synthetic_regime_series(n_bars, seed)
    codes = np.array([REGIMES.index(x) for x in truth.to_numpy()], dtype=np.int64)
    log_close = np.log(frame["close"].to_numpy()) - np.log(100.0)
    sigma = synthetic._VOL[codes]
    return frame, truth, Latent(codes, log_close, sigma, float(synthetic._VOL[0]), np.ones(n_bars))


OWN = "own"
"""The key of the project's own generator in :data:`LATENT` (not one of :data:`FAMILIES`,
the independent ones)."""

FAMILIES: dict[str, Callable[[int, int], tuple[pd.DataFrame, pd.Series]]] = {
    "switching_garch": switching_garch,
    "fat_flat": fat_flat,
    "weak_long": weak_long,
}

LATENT: dict[str, Callable[[int, int], tuple[pd.DataFrame, pd.Series, Latent]]] = {
    "switching_garch": _switching_garch,
    "fat_flat": _fat_flat,
    "weak_long": _weak_long,
    OWN: _own,
}
"""The same markets with what generated them (same seeds, same bars), and the project's
own generator's."""
