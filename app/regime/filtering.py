"""The forward filter: the HMM's states joined with the direction of a trend.

A volatility state named *trending* is split in two sub-states, up and down, whose
standardised returns ``z`` have mean ``+trend_drift`` and ``-trend_drift``; the other
states' returns have mean 0. Within a trend the direction reverses with probability
``direction_switch`` a bar; entering a trend from another regime picks either direction
with even odds. Every sub-state keeps its volatility state's Gaussian emission.

The filter is the forward algorithm only -- ``alpha_t ~ (alpha_{t-1} T) * p(obs_t)`` --
so the probabilities at bar ``t`` use observations up to ``t`` and never a later one (no
smoothing). Probabilities are summed per named regime in :data:`REGIMES` order.
"""

from __future__ import annotations

import numpy as np

from app.regime.config import REGIMES, RegimeConfig
from app.regime.hmm import TREND, persistent_transitions

UP, DOWN = 0, 1


class JointFilter:
    """Forward filter over (volatility state, trend direction) sub-states."""

    def __init__(
        self,
        means: np.ndarray,
        variances: np.ndarray,
        classes: np.ndarray,
        config: RegimeConfig,
    ) -> None:
        k = len(classes)
        states: list[tuple[int, int]] = []  # (volatility state, named regime index)
        for i, cls in enumerate(classes):
            states.extend([(i, UP), (i, DOWN)] if cls == TREND else [(i, int(cls))])
        base = persistent_transitions(k, config.persistence)
        q = config.direction_switch
        n = len(states)
        trans = np.empty((n, n))
        for a, (i, da) in enumerate(states):
            for b, (j, db) in enumerate(states):
                p = base[i, j]
                if classes[j] == TREND:
                    p *= ((1.0 - q) if da == db else q) if classes[i] == TREND else 0.5
                trans[a, b] = p
        self._trans = trans / trans.sum(axis=1, keepdims=True)
        index = [i for i, _ in states]
        self._means = means[index]
        self._inv_var = 1.0 / variances[index]
        self._log_norm = -0.5 * np.log(variances[index]).sum(axis=1)
        self._drift = np.array(
            [
                config.trend_drift if d == UP else -config.trend_drift if d == DOWN else 0.0
                for _, d in states
            ]
        )
        self._named = np.zeros((n, len(REGIMES)))
        self._named[np.arange(n), [d for _, d in states]] = 1.0
        self._alpha = np.full(n, 1.0 / n)

    def log_likelihood(self, x: np.ndarray, z: np.ndarray) -> np.ndarray:
        """(m, n) emission log densities (up to a constant) of rows ``x`` (m, D) and ``z``."""
        d = x[:, None, :] - self._means[None, :, :]
        ll = self._log_norm[None, :] - 0.5 * (d * d * self._inv_var[None, :, :]).sum(axis=2)
        zz = np.where(np.isfinite(z), z, 0.0)
        dz = zz[:, None] - self._drift[None, :]
        ll -= np.where(np.isfinite(z)[:, None], 0.5 * dz * dz, 0.0)
        return np.where(np.isfinite(ll), ll, 0.0)

    def run(self, x: np.ndarray, z: np.ndarray) -> np.ndarray:
        """Filter rows in order; the named probabilities after the last one."""
        trans, alpha = self._trans, self._alpha
        ll = self.log_likelihood(x, z)
        for like in np.exp(ll - ll.max(axis=1, keepdims=True)):
            alpha = (alpha @ trans) * like
            alpha /= alpha.sum()
        self._alpha = alpha
        return alpha @ self._named
