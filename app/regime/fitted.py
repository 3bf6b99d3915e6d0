"""The fitted model's engine: walk-forward Gaussian HMM refits, the joint drift filter and
its labelling, one feature row at a time (``RegimeConfig(model="fitted")``).

At bar ``t`` (counting bars with defined features) the engine: on a refit bar -- the
``warmup``-th bar, then every ``refit_every`` bars -- fits the HMM to the trailing
``window`` bars up to and including ``t``, names the states, and re-runs the forward
filter over the last ``filter_bars`` of them; otherwise advances the filter by bar ``t``
alone; then multiplies the trend probabilities by the efficiency-ratio overlay and labels
the bar ``transition`` when the top regime's probability is under ``min_confidence`` or
it changed within ``settle_bars``. Nothing reads a bar after ``t``.
"""

from __future__ import annotations

from collections import deque

import numpy as np

from app.regime.config import REGIMES, TRANSITION, RegimeConfig
from app.regime.filtering import JointFilter
from app.regime.hmm import HIGH_VOLATILITY, StateFit, fit_states
from app.regime.reading import WARMING_UP, RegimeReading


class FittedEngine:
    """Walk-forward fitting, forward filtering and labelling, one feature row at a time."""

    def __init__(self, config: RegimeConfig, seed: int) -> None:
        self.config, self.seed = config, seed
        self._x: deque[np.ndarray] = deque(maxlen=config.window)
        self._z: deque[float] = deque(maxlen=config.window)
        self._er: deque[float] = deque(maxlen=config.window)
        self._seen = 0
        self._filter: JointFilter | None = None
        self._memory: dict[int, tuple[np.ndarray, np.ndarray]] = {}
        self._recent: deque[int] = deque(maxlen=config.settle_bars + 1)

    def push(self, x: np.ndarray, z: float, er: float) -> RegimeReading:
        if not np.isfinite(x).all():
            return WARMING_UP
        self._x.append(x)
        self._z.append(z)
        self._er.append(er)
        self._seen += 1
        since = self._seen - self.config.warmup
        if since < 0:
            return WARMING_UP
        if since % self.config.refit_every == 0:
            probs = self._refit()
        else:
            assert self._filter is not None
            probs = self._filter.run(x[None, :], np.array([z]))
        return self._label(probs, er)

    def _refit(self) -> np.ndarray:
        cfg = self.config
        x = np.asarray(self._x)
        er = np.asarray(self._er)
        fit = fit_states(x, er, cfg, self.seed)
        means, variances, classes = fit.means, fit.variances, fit.classes
        if cfg.remember_regimes:
            means, variances, classes = self._with_memory(fit)
        if HIGH_VOLATILITY not in classes:
            means, variances, classes = _with_wild_state(means, variances, classes, x, cfg)
        self._filter = JointFilter(means, variances, classes, cfg)
        m = min(cfg.filter_bars, len(x))
        return self._filter.run(x[-m:], np.asarray(self._z)[-m:])

    def _with_memory(self, fit: StateFit) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Remember each named class's emission; add back those this window lacks."""
        live = fit.share >= self.config.min_state_share
        present = {int(c) for c in fit.classes[live]}
        for cls in present:
            sel = live & (fit.classes == cls)
            w = fit.share[sel]
            self._memory[cls] = (
                np.average(fit.means[sel], axis=0, weights=w),
                np.average(fit.variances[sel], axis=0, weights=w),
            )
        missing = sorted(c for c in self._memory if c not in present)
        if not missing:
            return fit.means, fit.variances, fit.classes
        return (
            np.vstack([fit.means, *[self._memory[c][0] for c in missing]]),
            np.vstack([fit.variances, *[self._memory[c][1] for c in missing]]),
            np.concatenate([fit.classes, missing]),
        )

    def _label(self, probs: np.ndarray, er: float) -> RegimeReading:
        cfg = self.config
        p = probs.copy()
        if cfg.er_weight and np.isfinite(er):
            p[:2] *= np.exp(cfg.er_weight * (er - cfg.er_neutral))
        p /= p.sum()
        best = int(np.argmax(p))
        confidence = float(p[best])
        self._recent.append(best)
        settled = all(b == best for b in self._recent)
        regime = REGIMES[best] if confidence >= cfg.min_confidence and settled else TRANSITION
        return RegimeReading(regime, confidence, tuple(float(v) for v in p))


def _with_wild_state(
    means: np.ndarray,
    variances: np.ndarray,
    classes: np.ndarray,
    x: np.ndarray,
    config: RegimeConfig,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Add a high-volatility state when neither the fit nor memory has one.

    It sits one typical state width above the ``hv_ratio`` line, so a market that turns
    wild before any wild spell was seen is named at once instead of after the next refit.
    """
    centre = np.median(x, axis=0)
    var = variances.mean(axis=0)
    wild = centre.copy()
    wild[0] += np.log(config.hv_ratio) + np.sqrt(var[0])
    return (
        np.vstack([means, wild]),
        np.vstack([variances, var]),
        np.concatenate([classes, [HIGH_VOLATILITY]]),
    )
