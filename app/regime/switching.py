"""The default regime model: a four-state Markov-switching filter on closes alone.

Each hidden state *is* a named regime, told apart by how returns behave in it:

* ``trending_up`` / ``trending_down`` -- standardised returns ``z`` with mean ``+drift`` /
  ``-drift`` and width 1;
* ``mean_reverting`` -- ``z`` pulled back toward the recent average price: mean
  ``-pull * dev`` (``dev`` the last close's distance from its ``mr_bars`` average, in the
  same units), width ``mr_width``;
* ``high_volatility`` -- mean 0, width ``hv_width``.

Returns are measured in units of ``ref``, the ``ref_quantile`` quantile of the trailing
``ref_bars`` bars' ``vol_bars``-bar volatility (mean absolute return, scaled to a standard
deviation, with ``abs_vol``), so the model is scale free: the same settings serve a calm
index and a wild stock. A low quantile over a long window is the calm regimes' width even
when a wild spell fills much of the window (a median over 250 bars drifted up to the wild
spell's width within 125 bars of it). Each state's returns follow a Student t law with
``tail_df`` degrees of freedom scaled to its width (0: Gaussian), so one large shock is
weaker evidence of a wild spell than a run of them. With ``fit_tails`` the law is fitted
walk-forward instead (:func:`switching_tails`): each bar's degrees of freedom are the
maximum-likelihood choice among :data:`TAIL_CHOICES` over the trailing ``tail_bars``
returns in units of their own ``tail_vol_bars``-bar volatility, so heavy tails are assumed
only on a series that shows them. Ranges and volume are not used (on
some markets ranges carry no regime information; closes always do). A state persists
with probability ``persistence`` a bar, else moves to any other with even odds.

The filter is the forward pass only, through hmmlearn's compiled kernel
(``hmmlearn._hmmc.forward_scaling``): the probabilities at bar ``t`` use bars up to
``t``. It runs in fixed blocks of :data:`BLOCK` feature rows counted from the first
one, each started from the previous block's last probabilities, so a live tracker that
re-runs the current block gets exactly the batch numbers. Nothing is refitted: every
setting was chosen on one labelled market family and is reported on the others
(``benchmarks/bench_regime.py``).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

BLOCK = 64
"""Feature rows per forward block (a tracker re-runs at most this many per bar)."""
TAIL_CHOICES: tuple[float, ...] = (4.0, 6.0, 10.0, 0.0)
"""Degrees of freedom ``fit_tails`` chooses among (0: Gaussian)."""


@dataclass(frozen=True)
class SwitchingConfig:
    """Settings of the switching filter, chosen on the ``switching_garch`` family (seeds
    1-10, ``benchmarks/bench_regime.py``'s coordinate ascent) and reported on the others."""

    vol_bars: int = 10
    ref_bars: int = 1000
    ref_quantile: float = 0.45
    """The quantile of the trailing volatilities that is the unit of returns."""
    abs_vol: bool = True
    """Volatility as mean absolute return (times sqrt(pi / 2)) rather than root mean square."""
    tail_df: float = 0.0
    """Degrees of freedom of the emissions' Student t law (0: Gaussian)."""
    fit_tails: bool = False
    """Fit the degrees of freedom walk-forward per bar (:func:`switching_tails`) instead of
    ``tail_df``. Off by default: on the choice family (Gaussian shocks) it cost half a
    point of the objective; ``benchmarks/bench_regime.py`` reports it on every family."""
    tail_bars: int = 500
    tail_vol_bars: int = 40
    mr_bars: int = 40
    drift: float = 0.25
    pull: float = 0.1
    mr_width: float = 1.0
    hv_width: float = 2.5
    persistence: float = 0.99
    min_confidence: float = 0.35
    """Below this posterior the bar is labelled ``transition``."""
    opposite_cost: float = 3.0
    """Labels are Bayes decisions: calling a trend when the bar is truly in the opposite
    one costs this much against 1 for a right call, so a bar is named by the largest
    ``P(label) - opposite_cost * P(opposite trend)`` (0: the most probable regime)."""

    def __post_init__(self) -> None:
        if min(self.vol_bars, self.ref_bars, self.mr_bars, self.tail_bars, self.tail_vol_bars) < 2:
            raise ValueError("SwitchingConfig bar counts must be at least 2")
        if min(self.mr_width, self.hv_width) <= 0 or self.drift < 0 or self.pull < 0:
            raise ValueError("SwitchingConfig widths must be positive, drift and pull >= 0")
        if self.opposite_cost < 0:
            raise ValueError("SwitchingConfig.opposite_cost must be >= 0")
        if not 0.25 <= self.persistence < 1.0:
            raise ValueError("SwitchingConfig.persistence must be in [0.25, 1)")
        if not 0.0 < self.ref_quantile < 1.0:
            raise ValueError("SwitchingConfig.ref_quantile must be in (0, 1)")
        if self.tail_df and self.tail_df <= 2.0:
            raise ValueError("SwitchingConfig.tail_df must be 0 (Gaussian) or above 2")

    @property
    def ref_min_bars(self) -> int:
        """Volatilities the reference needs before it is defined."""
        return max(2, min(self.ref_bars // 2, 125))

    @property
    def lookback(self) -> int:
        """Bars of history that fix one feature row (what a tracker keeps)."""
        bars = self.vol_bars + self.ref_bars + self.mr_bars + 2
        return max(bars, self.tail_vol_bars + self.tail_bars + 2) if self.fit_tails else bars

    def transitions(self) -> np.ndarray:
        t = np.full((4, 4), (1.0 - self.persistence) / 3.0)
        np.fill_diagonal(t, self.persistence)
        return t


def switching_features(close: np.ndarray, config: SwitchingConfig) -> tuple[np.ndarray, np.ndarray]:
    """``z`` and ``dev`` of every bar (NaN where undefined); row ``t`` uses bars ``<= t``.

    Rolling sums are exact per window (:func:`app.regime.features.rolling_sum`) and the
    median is an order statistic, so a tracker's tail gives the batch's numbers."""
    from app.regime.features import rolling_mean

    lc = np.log(np.asarray(close, dtype=float))
    n = len(lc)
    r = np.full(n, np.nan)
    r[1:] = lc[1:] - lc[:-1]
    if config.abs_vol:
        vol = rolling_mean(np.abs(r), config.vol_bars) * np.sqrt(np.pi / 2.0)
    else:
        vol = np.sqrt(rolling_mean(r * r, config.vol_bars))
    ref = np.full(n, np.nan)
    ref[1:] = rolling_quantile(vol, config.ref_bars, config.ref_min_bars, config.ref_quantile)[:-1]
    avg = rolling_mean(lc, config.mr_bars)
    dev = np.full(n, np.nan)
    dev[1:] = lc[:-1] - avg[:-1]
    return r / ref, dev / ref


def switching_tails(close: np.ndarray, config: SwitchingConfig) -> np.ndarray | None:
    """Each bar's emission degrees of freedom fitted walk-forward (None without
    ``fit_tails``): the :data:`TAIL_CHOICES` value of highest summed log density (unit
    variance) over the ``tail_bars`` returns before the bar, each in units of the
    mean-absolute volatility of the ``tail_vol_bars`` bars before it; NaN (Gaussian)
    until the window is full. Row ``t`` uses bars ``< t``; exact rolling sums."""
    if not config.fit_tails:
        return None
    from app.regime.features import rolling_mean, rolling_sum

    lc = np.log(np.asarray(close, dtype=float))
    n = len(lc)
    r = np.full(n, np.nan)
    r[1:] = lc[1:] - lc[:-1]
    vol = rolling_mean(np.abs(r), config.tail_vol_bars) * np.sqrt(np.pi / 2.0)
    u = np.full(n, np.nan)
    u[1:] = r[1:] / vol[:-1]
    m = config.tail_bars
    fill = np.isfinite(u)
    sums = []
    for nu in TAIL_CHOICES:
        dens = np.where(fill, student_logpdf(np.where(fill, u, 0.0), nu), 0.0)
        sums.append(rolling_sum(dens, m))
    count = rolling_sum(fill.astype(float), m)
    best = np.array(TAIL_CHOICES)[np.argmax(np.vstack(sums), axis=0)]
    best = np.where(count >= m, best, np.nan)
    out = np.full(n, np.nan)
    out[1:] = best[:-1]
    return out


def student_logpdf(x: np.ndarray, nu: float) -> np.ndarray:
    """Log density of a unit-variance Student t (``nu`` > 2; 0: the standard normal)."""
    from math import gamma, log, pi

    if not nu:
        out: np.ndarray = -0.5 * x * x - 0.5 * log(2.0 * pi)
        return out
    s2 = (nu - 2.0) / nu
    const = log(gamma((nu + 1.0) / 2.0) / gamma(nu / 2.0)) - 0.5 * log(nu * pi * s2)
    out = const - 0.5 * (nu + 1.0) * np.log1p(x * x / (s2 * nu))
    return out


def rolling_median(x: np.ndarray, n: int, min_count: int) -> np.ndarray:
    """Median of the last ``n`` values (of at least ``min_count`` non-NaN), an exact order
    statistic whatever the array's start: bottleneck's move_median, else pandas'."""
    if len(x) < n:  # bottleneck wants a window no longer than the array
        return (
            np.full(len(x), np.nan)
            if len(x) < min_count
            else pd.Series(x).rolling(n, min_periods=min_count).median().to_numpy()
        )
    try:
        import bottleneck
    except ImportError:  # pragma: no cover - bottleneck is a dependency
        out: np.ndarray = pd.Series(x).rolling(n, min_periods=min_count).median().to_numpy()
        return out
    out = bottleneck.move_median(x, n, min_count=min_count)
    return out


def rolling_quantile(x: np.ndarray, n: int, min_count: int, q: float) -> np.ndarray:
    """The ``q`` quantile (linear interpolation) of the last ``n`` values, of at least
    ``min_count`` non-NaN: :func:`rolling_median` at 0.5, else pandas' (an order statistic
    of each window's own values, whatever the array's start)."""
    if q == 0.5:
        return rolling_median(x, n, min_count)
    out: np.ndarray = pd.Series(x).rolling(n, min_periods=min_count).quantile(q).to_numpy()
    return out


def decide(probs: np.ndarray, config: SwitchingConfig) -> np.ndarray:
    """Each row's label index: the largest expected score, where a right call scores 1
    and calling the opposite trend (up for down, down for up) costs ``opposite_cost``."""
    if not config.opposite_cost:
        out: np.ndarray = np.argmax(probs, axis=1)
        return out
    score = probs.copy()
    score[:, 0] -= config.opposite_cost * probs[:, 1]
    score[:, 1] -= config.opposite_cost * probs[:, 0]
    out = np.argmax(score, axis=1)
    return out


def frame_probs(
    z: np.ndarray, dev: np.ndarray, config: SwitchingConfig, df: np.ndarray | None = None
) -> np.ndarray:
    """(m, 4) emission likelihoods of rows, each scaled so its largest is 1; ``df`` the
    rows' degrees of freedom (:func:`switching_tails`; NaN or 0 Gaussian), else
    ``config.tail_df`` for all."""
    d = config.drift
    mu = np.column_stack(
        [np.full(len(z), d), np.full(len(z), -d), -config.pull * dev, np.zeros(len(z))]
    )
    width = np.array([1.0, 1.0, config.mr_width, config.hv_width])
    u = (z[:, None] - mu) / width
    if df is None:
        ll = student_logpdf(u, config.tail_df) - np.log(width)
    else:
        ll = np.empty_like(u)
        nus = np.where(np.isfinite(df), df, 0.0)
        for nu in np.unique(nus):
            rows = nus == nu
            ll[rows] = student_logpdf(u[rows], float(nu)) - np.log(width)
    out: np.ndarray = np.exp(ll - ll.max(axis=1, keepdims=True))
    return out


class SwitchingFilter:
    """Block-wise forward filter; :meth:`run` takes new rows, returns their probabilities."""

    def __init__(self, config: SwitchingConfig) -> None:
        self.config = config
        self._trans = config.transitions()
        self._alpha: np.ndarray | None = None  # probabilities at the last block's end
        self._pending = np.empty((0, 4))  # emission rows of the open block

    def run(self, frameprob: np.ndarray) -> np.ndarray:
        out = []
        rows = np.asarray(frameprob, dtype=float)
        while len(rows):
            take = BLOCK - len(self._pending)
            block = (
                np.ascontiguousarray(rows[:take])
                if not len(self._pending)
                else np.vstack([self._pending, rows[:take]])
            )
            start = np.full(4, 0.25) if self._alpha is None else self._alpha @ self._trans
            fwd = forward(start, self._trans, block)
            out.append(fwd[len(self._pending) :])
            if len(block) == BLOCK:
                self._alpha, self._pending = fwd[-1].copy(), np.empty((0, 4))
            else:
                self._pending = block
            rows = rows[take:]
        return np.vstack(out) if out else np.empty((0, 4))


def forward(start: np.ndarray, trans: np.ndarray, frameprob: np.ndarray) -> np.ndarray:
    """Scaled forward pass: row ``t`` is ``P(state_t | rows 0..t)``, ``start`` the prior of row 0.

    hmmlearn's compiled kernel does it; only its ``_hmmc`` extension is imported (not
    ``hmmlearn.hmm``, which pulls in scikit-learn). Should a hmmlearn release drop that
    module, :func:`forward_numpy` gives the same numbers."""
    try:
        from hmmlearn import _hmmc
    except ImportError:  # pragma: no cover - depends on the installed hmmlearn
        return forward_numpy(start, trans, frameprob)
    out: np.ndarray = _hmmc.forward_scaling(start, trans, frameprob)[1]
    return out


def forward_numpy(start: np.ndarray, trans: np.ndarray, frameprob: np.ndarray) -> np.ndarray:
    """The same pass in numpy, one row at a time (the fallback, and the kernel's check)."""
    out = np.empty_like(frameprob, dtype=float)
    alpha = start
    for t, like in enumerate(frameprob):
        alpha = (alpha if t == 0 else alpha @ trans) * like
        alpha = alpha / alpha.sum()
        out[t] = alpha
    return out
