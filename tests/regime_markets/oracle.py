"""The ceiling of each family: an exact Bayes filter that knows how the market was made.

The filter knows the family's generator: the spell-length distribution, that the next
regime is drawn evenly from the other three, the ranges the per-spell draws come from
(trend drift, high-volatility multiplier, mean-reversion pull; each on a grid of ``GRID``
values), the shock law (Gaussian or Student-t), the market's base volatility and the
volatility factor every regime shares (GARCH or stochastic vol). Its state is (regime,
per-spell value, bars into the spell), so the mean-reverting pull to the spell's start is
exact. It reads closes only.

Two readings, both with the same transitions:

* ``closes`` -- what is knowable from closes: for ``fat_flat`` (wicks, opens and volume
  carry no regime information there) this is the Bayes-optimal accuracy itself;
* ``true_vol`` -- the filter is also told each bar's true shock scale (regime multiplier
  included). Ranges, gaps and volume depend on the regime only through that scale, so no
  detector reading OHLCV can do better in expectation: an upper bound.

``causal`` labels each bar with the regime most probable given the bars up to it;
``smoothed`` with the whole series (hindsight). Small departures from exact: per-spell
values on a grid, and geometric spells longer than ``SPAN`` bars fold into the last state.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from regime_markets.families import HV, LATENT, MR, REGIMES, UP, Latent

GRID = 7
SPAN = {"switching_garch": 600, "fat_flat": 300, "weak_long": 600, "own": 250}


@dataclass(frozen=True)
class Law:
    """One family's generator, as the filter knows it (mirrors families.py)."""

    spells: tuple
    trend: tuple[float, float]
    hv: tuple[float, float]
    pull: tuple[float, float]
    mr_mult: float
    hv_drift: float
    """Drift in high volatility, as a multiple of the bar's shock scale."""
    student: bool


LAWS = {
    "switching_garch": Law(
        ("geometric", 20, 1 / 80), (0.08, 0.2), (2.5, 4.0), (0.05, 0.2), 0.9, 0.0, False
    ),
    "fat_flat": Law(("uniform", 40, 300), (0.1, 0.2), (2.5, 3.5), (0.1, 0.3), 1.0, 0.0, True),
    "weak_long": Law(
        ("lognormal", math.log(120), 0.7, 25, 600),
        (0.05, 0.2),
        (2.0, 4.0),
        (0.03, 0.1),
        0.8,
        -0.05,
        False,
    ),
    "own": Law(("uniform", 60, 250), (0.15, 0.15), (3.5, 3.5), (0.1, 0.1), 0.5, 0.0, False),
}


def hazard(spells: tuple, span: int) -> np.ndarray:
    """P(a spell ends after bar u | it lasted u bars), u = 1..span (the last absorbs)."""
    u = np.arange(1, span + 1, dtype=float)
    kind = spells[0]
    if kind == "geometric":
        floor, p = spells[1], spells[2]
        pmf = np.where(u > floor, p * (1 - p) ** np.maximum(u - floor - 1, 0), 0.0)
        tail = p  # memoryless past the floor
    elif kind == "uniform":
        lo, hi = spells[1], spells[2]
        pmf = np.where((u >= lo) & (u <= hi), 1.0 / (hi - lo + 1), 0.0)
        tail = 1.0
    else:
        mu, sd, lo, hi = spells[1:]
        cdf = np.vectorize(lambda x: 0.5 * (1 + math.erf((math.log(x) - mu) / (sd * 2**0.5))))
        pmf = cdf(u + 0.5) - cdf(np.maximum(u - 0.5, 1e-12))
        pmf[u < lo] = 0.0
        pmf[u == lo] = cdf(lo + 0.5)
        pmf[u == hi] = 1 - cdf(hi - 0.5)
        pmf[u > hi] = 0.0
        tail = 1.0
    survive = np.clip(1.0 - np.concatenate([[0.0], np.cumsum(pmf)[:-1]]), 1e-300, None)
    h = np.clip(pmf / survive, 0.0, 1.0)
    h[-1] = tail
    return h


class Filter:
    """Forward (and backward) recursion over (regime, per-spell value, bars into spell)."""

    def __init__(self, family: str, latent: Latent, true_vol: bool) -> None:
        self.law, self.lat, self.true_vol = LAWS[family], latent, true_vol
        self.span = SPAN[family]
        self.h = hazard(self.law.spells, self.span)
        k = (np.arange(GRID) + 0.5) / GRID
        law = self.law
        self.theta = {
            UP: law.trend[0] + k * (law.trend[1] - law.trend[0]),
            HV: law.hv[0] + k * (law.hv[1] - law.hv[0]),
            MR: law.pull[0] + k * (law.pull[1] - law.pull[0]),
        }
        self.theta[1] = self.theta[UP]
        self.level = np.r_[0.0, latent.log_close]  # level before each bar
        self.ret = np.diff(self.level)
        self.back = np.arange(self.span)

    def loglik(self, t: int) -> np.ndarray:
        """log p(return at bar t | state), shape (4, GRID, span)."""
        lat, law = self.lat, self.law
        s0, c = lat.sigma0, lat.common[t]
        scale = np.empty((4, GRID, 1))
        scale[0] = scale[1] = s0 * c
        scale[2] = s0 * law.mr_mult * c
        scale[3] = s0 * self.theta[HV][:, None] * c
        mask = np.zeros((4, 1, 1))
        if self.true_vol:
            mult = lat.sigma[t] / (s0 * c)
            scale[:] = lat.sigma[t]
            ok = np.array(
                [
                    abs(mult - 1) < 1e-9,
                    abs(mult - 1) < 1e-9,
                    abs(mult - law.mr_mult) < 1e-9,
                    mult > 1.5,
                ]
            )
            mask[:, 0, 0] = np.where(ok, 0.0, -np.inf)
        mean = np.zeros((4, GRID, self.span))
        mean[0] = (self.theta[UP] * s0)[:, None]
        mean[1] = -(self.theta[UP] * s0)[:, None]
        start = np.clip(t - self.back, 0, None)  # bar at which a spell of u bars began
        mean[2] = -self.theta[MR][:, None] * (self.level[t] - self.level[start])[None, :]
        mean[3] = law.hv_drift * scale[3]
        z = (self.ret[t] - mean) / scale
        if law.student:
            w = scale / math.sqrt(3.0)
            z = (self.ret[t] - mean) / w
            out = -2.0 * np.log1p(z * z / 3.0) - np.log(w)
        else:
            out = -0.5 * z * z - np.log(scale)
        return out + mask

    @staticmethod
    def _norm(log: np.ndarray) -> np.ndarray:
        e = np.exp(log - log.max())
        return e

    def forward(self) -> np.ndarray:
        """Filtered state probabilities at every bar, shape (n, 4, GRID, span) as regime
        marginals (n, 4), plus the filtered joint kept for the smoother."""
        n, h = len(self.ret), self.h
        alpha = np.zeros((4, GRID, self.span))
        alpha[:, :, 0] = 1.0 / (4 * GRID)
        out, self.alphas = np.empty((n, 4)), []
        for t in range(n):
            if t:
                alpha = self._predict(alpha, h)
            alpha = alpha * self._norm(self.loglik(t))
            alpha /= alpha.sum()
            self.alphas.append(alpha.astype(np.float32))
            out[t] = alpha.sum(axis=(1, 2))
        return out

    def _predict(self, alpha: np.ndarray, h: np.ndarray) -> np.ndarray:
        ends = (alpha * h).sum(axis=(1, 2))
        stay = alpha * (1 - h)
        pred = np.zeros_like(alpha)
        pred[:, :, 1:] = stay[:, :, :-1]
        pred[:, :, -1] += stay[:, :, -1]
        pred[:, :, 0] = ((ends.sum() - ends) / 3.0)[:, None] / GRID
        return pred

    def smooth(self) -> np.ndarray:
        """Regime marginals given the whole series (run :meth:`forward` first)."""
        n, h = len(self.ret), self.h
        beta = np.ones((4, GRID, self.span))
        out = np.empty((n, 4))
        for t in range(n - 1, -1, -1):
            post = self.alphas[t] * beta
            out[t] = post.sum(axis=(1, 2)) / post.sum()
            if t == 0:
                break
            w = self._norm(self.loglik(t)) * beta
            cont = np.empty_like(w)
            cont[:, :, :-1] = w[:, :, 1:]
            cont[:, :, -1] = w[:, :, -1]
            entry = w[:, :, 0].sum(axis=1) / GRID
            beta = (1 - h) * cont + h * ((entry.sum() - entry) / 3.0)[:, None, None]
            beta /= beta.max()
        return out


def oracle_probs(
    family: str, n_bars: int, seed: int, true_vol: bool = False
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(filtered, smoothed) regime probabilities, (n, 4) in :data:`REGIMES` order, and
    the truth of one market of ``family``."""
    _, truth, latent = LATENT[family](n_bars, seed)
    f = Filter(family, latent, true_vol)
    return f.forward(), f.smooth(), truth.to_numpy(dtype=object)


def oracle_labels(
    family: str, n_bars: int, seed: int, true_vol: bool = False
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(causal labels, smoothed labels, truth) of one market of ``family``."""
    causal, smoothed, truth = oracle_probs(family, n_bars, seed, true_vol)
    names = np.array(REGIMES)
    return names[causal.argmax(axis=1)], names[smoothed.argmax(axis=1)], truth


def abstaining(probs: np.ndarray, share: float, cost: float = 0.0) -> np.ndarray:
    """Bayes decisions: each bar gets the label of highest expected score, where calling
    a trend that is truly the opposite one costs ``cost`` (0: the most probable regime),
    and ``transition`` on the ``share`` of bars where that score is lowest (the oracle
    allowed the targets' transition share)."""
    score = probs.copy()
    score[:, UP] -= cost * probs[:, 1]
    score[:, 1] -= cost * probs[:, UP]
    out = np.array(REGIMES, dtype=object)[score.argmax(axis=1)]
    out[np.argsort(score.max(axis=1), kind="stable")[: int(share * len(out))]] = "transition"
    return out
