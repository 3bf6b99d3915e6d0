"""One refit of the Gaussian HMM, and the naming of its states by their statistics.

The HMM (hmmlearn ``GaussianHMM``, diagonal covariances) learns volatility states from a
trailing window. Each fit starts from the same place -- state means at quantiles of the
window's log volatility -- so it needs no random initialisation and repeats exactly.

States are then named by what they look like, never by their index:

* **high volatility** -- states above the widest volatility gap between neighbouring
  states when that gap is wide (``hv_gap``), or far above the window's median
  (``hv_ratio``);
* **mean reverting** -- among the rest, the calm side of a clear volatility gap
  (``mr_gap``) if its bars' average efficiency ratio is low too (``mr_gap_max_er``: a
  quiet, steady climb is a trend); with no such gap, the states whose bars have a low
  efficiency ratio (``mr_max_er``);
* **trending** -- the others. Whether a trend is up or down is not a property of a
  volatility state: the joint filter (:mod:`app.regime.filtering`) infers it bar by bar
  from returns.

Thin states (under ``min_state_share`` of the window) are too poorly estimated to name a
regime; they take the name of the nearest well-populated state by volatility.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

import numpy as np

from app.regime.config import RegimeConfig

TREND, MEAN_REVERTING, HIGH_VOLATILITY = 0, 2, 3
"""State classes; values index :data:`app.regime.config.REGIMES` (a trend is ``0`` until
its direction is known)."""


@dataclass(frozen=True)
class StateFit:
    """A fitted HMM's states in raw feature units, with their names."""

    means: np.ndarray
    """(K, D) emission means; column 0 is log volatility."""
    variances: np.ndarray
    """(K, D) emission variances."""
    classes: np.ndarray
    """(K,) TREND, MEAN_REVERTING or HIGH_VOLATILITY."""
    share: np.ndarray
    """(K,) share of the window each state explains (smoothed posterior within the window)."""


def fit_states(x: np.ndarray, er: np.ndarray, config: RegimeConfig, seed: int) -> StateFit:
    """Fit the HMM to the window ``x`` (n, D) and name its states (see the module docstring).

    ``er`` holds the window's efficiency ratios (NaN allowed), used only for naming.
    """
    from hmmlearn.hmm import GaussianHMM  # imported here: ~0.5 s, only when detecting

    k = config.n_states
    center, scale = x.mean(axis=0), x.std(axis=0)
    scale = np.where(scale > 0, scale, 1.0)
    xs = (x - center) / scale
    model = GaussianHMM(
        n_components=k,
        covariance_type="diag",
        n_iter=config.n_iter,
        tol=1e-4,
        random_state=seed,
        init_params="",
        params="mc",
        min_covar=1e-3,
        implementation="scaling",
        means_weight=1e-2,
        covars_prior=1e-2,
        covars_weight=2,
    )
    model.startprob_ = np.full(k, 1.0 / k)
    model.transmat_ = persistent_transitions(k, config.persistence)
    model.means_ = _quantile_means(xs, k)
    model.covars_ = np.repeat((xs.var(axis=0) / 4.0 + 1e-3)[None, :], k, axis=0)
    with _quiet_hmmlearn():
        model.fit(xs)
        posterior = model.predict_proba(xs)
    means = model.means_ * scale + center
    variances = np.array([np.diag(c) for c in model.covars_]) * scale**2
    share = posterior.mean(axis=0)
    classes = name_states(means[:, 0], share, posterior, x[:, 0], er, config)
    return StateFit(means=means, variances=variances, classes=classes, share=share)


def name_states(
    lvol: np.ndarray,
    share: np.ndarray,
    posterior: np.ndarray,
    window_lvol: np.ndarray,
    window_er: np.ndarray,
    config: RegimeConfig,
) -> np.ndarray:
    """Class of each state from its mean log volatility and its bars' efficiency ratio."""
    live = share >= config.min_state_share
    if not live.any():
        live = share == share.max()
    order = [int(i) for i in np.argsort(lvol, kind="stable") if live[i]]
    high: set[int] = set()
    if len(order) > 1:
        gaps = np.diff(lvol[order])
        if gaps.max() >= np.log(config.hv_gap):
            high.update(order[int(np.argmax(gaps)) + 1 :])
    median = float(np.median(window_lvol))
    wild = {i for i in range(len(lvol)) if lvol[i] >= median + np.log(config.hv_ratio)}
    high.update(i for i in order if i in wild)
    rest = [i for i in order if i not in high]
    er = np.where(
        np.isfinite(window_er),
        window_er,
        np.nanmean(window_er) if np.isfinite(window_er).any() else 0.0,
    )
    weight = posterior.sum(axis=0)
    state_er = (posterior * er[:, None]).sum(axis=0) / np.maximum(weight, 1e-12)
    calm: set[int] = set()
    if len(rest) > 1 and np.diff(lvol[rest]).max() >= np.log(config.mr_gap):
        below = rest[: int(np.argmax(np.diff(lvol[rest]))) + 1]
        calm.update(i for i in below if state_er[i] < config.mr_gap_max_er)
    else:
        calm.update(i for i in rest if state_er[i] < config.mr_max_er)
    classes = np.empty(len(lvol), dtype=int)
    for i in range(len(lvol)):
        j = i if live[i] else min(order, key=lambda o: abs(lvol[o] - lvol[i]))
        if i in wild or j in high:
            classes[i] = HIGH_VOLATILITY
        else:
            classes[i] = MEAN_REVERTING if j in calm else TREND
    return classes


def persistent_transitions(k: int, stay: float) -> np.ndarray:
    """A ``k x k`` transition matrix: stay with ``stay``, else move to any other state."""
    t = np.full((k, k), (1.0 - stay) / (k - 1))
    np.fill_diagonal(t, stay)
    return t


def _quantile_means(xs: np.ndarray, k: int) -> np.ndarray:
    """Initial means: the average row of bands of the window sorted by log volatility."""
    order = np.argsort(xs[:, 0], kind="stable")
    n = len(xs)
    means = np.empty((k, xs.shape[1]))
    for i, q in enumerate(np.linspace(0.1, 0.95, k)):
        lo, hi = int(max(0.0, q - 0.1) * n), int(min(1.0, q + 0.1) * n)
        means[i] = xs[order[lo : max(hi, lo + 1)]].mean(axis=0)
    return means


@contextmanager
def _quiet_hmmlearn() -> Iterator[None]:
    """EM with priors may lower the likelihood by a hair; hmmlearn logs that as a warning."""
    log = logging.getLogger("hmmlearn.base")
    level = log.level
    log.setLevel(logging.ERROR)
    try:
        yield
    finally:
        log.setLevel(level)
