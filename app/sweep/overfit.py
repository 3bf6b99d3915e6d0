"""The overfitting guards every sweep report carries.

* The **deflated Sharpe ratio** (Bailey and Lopez de Prado, 2014): the probability that
  the best variant's true Sharpe is above zero, once the expected maximum of N trials'
  Sharpe ratios under the null, their spread, and the returns' skew and kurtosis are
  allowed for.
* The **probability of backtest overfitting** by combinatorially symmetric
  cross-validation (Bailey, Borwein, Lopez de Prado and Zhu, 2015): split the bars into S
  blocks; for every half of the blocks chosen as in-sample, take the best variant there and
  see where it ranks out of sample; PBO is the share of splits where it ranks below the
  median.
* The fall from in-sample to out-of-sample (walk-forward), reported by the sweep itself.
"""

from __future__ import annotations

import itertools
import math
from dataclasses import dataclass
from statistics import NormalDist

import numpy as np

_EULER = 0.5772156649015329
_NORMAL = NormalDist()


def expected_max_sharpe(n_trials: int, sharpe_std: float) -> float:
    """E[max of N Sharpe ratios] when every true Sharpe is zero (per-bar units)."""
    if n_trials < 2 or sharpe_std <= 0:
        return 0.0
    z1 = _NORMAL.inv_cdf(1.0 - 1.0 / n_trials)
    z2 = _NORMAL.inv_cdf(1.0 - 1.0 / (n_trials * math.e))
    return float(sharpe_std * ((1.0 - _EULER) * z1 + _EULER * z2))


def deflated_sharpe(best_rets: np.ndarray, trial_sharpes: np.ndarray) -> float:
    """Probability (0-1) that the best variant's Sharpe is real, given all trials.

    ``best_rets`` are the chosen variant's per-bar returns; ``trial_sharpes`` the
    per-bar (not annualised) Sharpe ratios of every variant tried.
    """
    n = best_rets.size
    finite = trial_sharpes[np.isfinite(trial_sharpes)]
    if n < 3 or finite.size == 0:
        return float("nan")
    sd = float(np.std(best_rets, ddof=1))
    if sd == 0:
        return float("nan")
    sr = float(np.mean(best_rets)) / sd
    sr0 = expected_max_sharpe(
        int(finite.size), float(np.std(finite, ddof=1)) if finite.size > 1 else 0.0
    )
    skew, kurt = _moments(best_rets)
    denom = 1.0 - skew * sr + (kurt - 1.0) / 4.0 * sr * sr
    if denom <= 0:
        return float("nan")
    return float(_NORMAL.cdf((sr - sr0) * math.sqrt(n - 1) / math.sqrt(denom)))


def _moments(x: np.ndarray) -> tuple[float, float]:
    """Skewness and (non-excess) kurtosis, the biased moment estimators."""
    d = x - x.mean()
    m2 = float(np.mean(d * d))
    if m2 == 0:
        return 0.0, 3.0
    return float(np.mean(d**3)) / m2**1.5, float(np.mean(d**4)) / m2**2


@dataclass(frozen=True)
class PBO:
    probability: float
    """Share of the splits whose in-sample winner ranked below the out-of-sample median."""
    splits: int
    blocks: int
    in_sample: float = float("nan")
    """Mean per-bar Sharpe of the in-sample winners, in sample..."""
    out_sample: float = float("nan")
    """...and out of sample: the fall from one to the other."""


def pbo(returns: np.ndarray, blocks: int = 10, max_splits: int = 252) -> PBO:
    """CSCV over a (bars, variants) matrix of per-bar returns.

    The bars are cut into ``blocks`` equal blocks (an even number); every choice of half
    the blocks is one in-sample set (capped at ``max_splits``, taken in a fixed order).
    """
    n_bars, n_var = returns.shape
    blocks = max(2, blocks - blocks % 2)
    if n_var < 2 or n_bars < 2 * blocks:
        return PBO(float("nan"), 0, blocks)
    sums, squares, counts, mu = _block_moments(returns, blocks)
    logits, ins_sr, oos_sr = [], [], []
    for chosen in itertools.islice(itertools.combinations(range(blocks), blocks // 2), max_splits):
        mask = np.zeros(blocks, dtype=np.bool_)
        mask[list(chosen)] = True
        in_sharpes = _pooled_sharpes(sums[mask], squares[mask], counts[mask], mu)
        best = int(np.argmax(in_sharpes))
        oos = _pooled_sharpes(sums[~mask], squares[~mask], counts[~mask], mu)
        ins_sr.append(in_sharpes[best])
        oos_sr.append(oos[best])
        rank = (np.sum(oos < oos[best]) + 0.5 * (np.sum(oos == oos[best]) - 1)) / (n_var - 1)
        rank = min(max(rank, 1e-6), 1 - 1e-6)
        logits.append(math.log(rank / (1.0 - rank)))
    arr = np.asarray(logits)
    return PBO(float(np.mean(arr <= 0)), int(arr.size), blocks, _mean(ins_sr), _mean(oos_sr))


def _mean(values: list[float]) -> float:
    arr = np.asarray(values, dtype=float)
    arr = arr[np.isfinite(arr)]
    return float(arr.mean()) if arr.size else float("nan")


def _block_moments(
    returns: np.ndarray, blocks: int
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Per block and variant: the sum and the sum of squares of the returns less the
    variant's mean (centred, so pooling them loses little precision), the bar counts, and
    the means."""
    mu = returns.mean(axis=0)
    centred = returns - mu
    parts = np.array_split(np.arange(returns.shape[0]), blocks)
    sums = np.stack([centred[p].sum(axis=0) for p in parts])
    squares = np.stack([np.square(centred[p]).sum(axis=0) for p in parts])
    return sums, squares, np.array([p.size for p in parts], dtype=np.float64), mu


def _pooled_sharpes(
    sums: np.ndarray, squares: np.ndarray, counts: np.ndarray, mu: np.ndarray
) -> np.ndarray:
    """Per-bar Sharpe of each variant over the chosen blocks, from their moments (the
    mean over standard deviation, ddof 1; -inf where the returns do not vary)."""
    n = counts.sum()
    mean = sums.sum(axis=0) / n
    var = np.maximum(squares.sum(axis=0) - n * mean * mean, 0.0) / (n - 1)
    sd = np.sqrt(var)
    with np.errstate(divide="ignore", invalid="ignore"):
        out: np.ndarray = np.where(sd > 0, (mean + mu) / sd, -np.inf)
    return out


def _sharpes(rets: np.ndarray) -> np.ndarray:
    sd = np.std(rets, axis=0, ddof=1)
    with np.errstate(divide="ignore", invalid="ignore"):
        out = np.where(sd > 0, np.mean(rets, axis=0) / sd, -np.inf)
    return out
