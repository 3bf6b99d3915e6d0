"""Walk-forward regime labels: the batch function and the live tracker, on one engine.

At bar ``t`` (counting bars with defined features) the engine:

1. on a refit bar -- the ``warmup``-th bar, then every ``refit_every`` bars -- fits the HMM
   to the trailing ``window`` bars up to and including ``t``, names the states, and re-runs
   the forward filter over the last ``filter_bars`` of them;
2. otherwise advances the current filter by bar ``t`` alone;
3. multiplies the trend probabilities by the efficiency-ratio overlay, takes the most
   likely regime, and labels the bar ``transition`` when that regime's probability (the
   confidence) is under ``min_confidence`` or the most likely regime changed within the
   last ``settle_bars`` bars.

Nothing in these steps reads a bar after ``t``, and the refit schedule counts from the
first bar, so appending bars never changes an earlier label. :func:`detect_regimes` feeds
the engine features computed over the whole frame; :class:`RegimeTracker` computes each
bar's features from the last :attr:`RegimeConfig.lookback` bars and feeds the same
engine, so both give identical labels on the same bars.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from app.errors import ParleyError
from app.regime.config import DEFAULT_CONFIG, REGIMES, TRANSITION, RegimeConfig
from app.regime.features import Features, compute_features
from app.regime.filtering import JointFilter
from app.regime.hmm import HIGH_VOLATILITY, StateFit, fit_states
from app.regime.switching import SwitchingFilter, frame_probs, switching_features

_BAR_FIELDS = ("open", "high", "low", "close", "volume")


class RegimeError(ParleyError):
    """Bars the regime detector cannot use (missing columns, non-positive prices)."""


@dataclass(frozen=True)
class RegimeReading:
    """The regime of one bar, as the runner records it with a decision."""

    regime: str
    """One of :data:`app.regime.LABELS`."""
    confidence: float
    """Probability of the most likely regime after the overlay (0 during warm-up)."""
    probabilities: tuple[float, ...]
    """Probability of each regime in :data:`REGIMES` order (all 0 during warm-up)."""

    @property
    def ready(self) -> bool:
        """False during warm-up, before the first fit."""
        return any(self.probabilities)

    @property
    def most_likely(self) -> str | None:
        """The most likely named regime, even when the label is ``transition``."""
        return REGIMES[int(np.argmax(self.probabilities))] if self.ready else None


WARMING_UP = RegimeReading(TRANSITION, 0.0, (0.0,) * len(REGIMES))


class _Engine:
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
            self._memory[cls] = (np.average(fit.means[sel], axis=0, weights=w),
                                 np.average(fit.variances[sel], axis=0, weights=w))
        missing = sorted(c for c in self._memory if c not in present)
        if not missing:
            return fit.means, fit.variances, fit.classes
        return (np.vstack([fit.means, *[self._memory[c][0] for c in missing]]),
                np.vstack([fit.variances, *[self._memory[c][1] for c in missing]]),
                np.concatenate([fit.classes, missing]))

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


class _SwitchingEngine:
    """The switching model's filter and labelling, fed blocks of bars' ``z`` and ``dev``."""

    def __init__(self, config: RegimeConfig) -> None:
        self.config, self.sw = config, config.switching
        self._filter = SwitchingFilter(self.sw)
        self._seen = 0
        self._prev = -1

    def push_many(self, z: np.ndarray, dev: np.ndarray
                  ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Labels, confidences and (m, 4) probabilities of the next ``m`` bars."""
        m = len(z)
        ok = np.isfinite(z) & np.isfinite(dev)
        probs = np.zeros((m, len(REGIMES)))
        probs[ok] = self._filter.run(frame_probs(z[ok], dev[ok], self.sw))
        best = np.argmax(probs, axis=1)
        conf = probs[np.arange(m), best]
        prev = np.concatenate(([self._prev], best[:-1]))
        prev_ok = np.concatenate(([self._prev >= 0], ok[:-1]))
        firm = ok & prev_ok & (best == prev) & (conf >= self.sw.min_confidence)
        labels = np.where(firm, np.array(REGIMES, dtype=object)[best], TRANSITION)
        warm = (np.arange(self._seen, self._seen + m) < self.config.warmup) | ~ok
        labels[warm] = TRANSITION
        conf = np.where(warm, 0.0, conf)
        probs[warm] = 0.0
        if m:
            self._prev = int(best[-1]) if ok[-1] else -1
        self._seen += m
        return labels, conf, probs


def _readings(labels: np.ndarray, conf: np.ndarray, probs: np.ndarray) -> list[RegimeReading]:
    return [RegimeReading(lab, c, tuple(p))
            for lab, c, p in zip(labels.tolist(), conf.tolist(), probs.tolist(), strict=True)]


def _with_wild_state(
    means: np.ndarray, variances: np.ndarray, classes: np.ndarray, x: np.ndarray,
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
    return (np.vstack([means, wild]), np.vstack([variances, var]),
            np.concatenate([classes, [HIGH_VOLATILITY]]))


def detect_regimes(
    frame: pd.DataFrame, *, config: RegimeConfig = DEFAULT_CONFIG, seed: int = 0
) -> pd.DataFrame:
    """Walk-forward regime of every bar of one symbol.

    Args:
        frame: Bars as :func:`app.market.loader.load_bars` returns them (columns ``open,
            high, low, close`` and, with ``config.use_volume``, ``volume``), oldest first.
        config: Detector settings.
        seed: ``random_state`` of every HMM fit. The same bars, config and seed always give
            the same labels; as every fit starts from quantiles of the window (no random
            initialisation), the seed does not change them today.

    Returns:
        A frame on ``frame.index`` with ``regime`` (a label from
        :data:`app.regime.LABELS`; ``transition`` during the first ``config.warmup`` bars)
        and ``confidence`` (0 to 1).

    Raises:
        RegimeError: a needed column is missing or a price is not positive.
    """
    if config.model == "switching":
        _check_frame(frame, config)
        z, dev = switching_features(frame["close"].to_numpy(dtype=float), config.switching)
        labels, conf, _ = _SwitchingEngine(config).push_many(z, dev)
        return pd.DataFrame({"regime": pd.Series(labels, index=frame.index, dtype=object),
                             "confidence": conf}, index=frame.index)
    feats = frame_features(frame, config)
    engine = _Engine(config, seed)
    x = feats.hmm_matrix()
    readings = [engine.push(x[t], float(feats.z[t]), float(feats.er[t])) for t in range(len(x))]
    return pd.DataFrame(
        {"regime": pd.Series([r.regime for r in readings], index=frame.index, dtype=object),
         "confidence": np.array([r.confidence for r in readings], dtype=float)},
        index=frame.index,
    )


class RegimeTracker:
    """Incremental regime detection for a live feed: one closed bar at a time.

    Gives, bar for bar, the labels :func:`detect_regimes` gives on the same bars with the
    same config and seed. Memory is bounded: the last ``config.window`` feature rows and
    ``config.lookback`` bars.

    >>> tracker = RegimeTracker()
    >>> for _, bar in frame.iterrows():        # doctest: +SKIP
    ...     reading = tracker.update(bar)      # reading.regime, reading.confidence
    """

    def __init__(self, config: RegimeConfig = DEFAULT_CONFIG, seed: int = 0) -> None:
        self.config = config
        self._engine = _Engine(config, seed)
        self._switching = _SwitchingEngine(config) if config.model == "switching" else None
        self._bars: deque[tuple[float, ...]] = deque(maxlen=config.lookback)
        self.last: RegimeReading = WARMING_UP

    def update(self, bar: Mapping[str, Any] | pd.Series) -> RegimeReading:
        """Add one closed bar (``open, high, low, close``, optional ``volume``)."""
        try:
            row = tuple(float(bar[k]) if k != "volume" or k in bar else 1.0 for k in _BAR_FIELDS)
        except KeyError as err:
            raise RegimeError(f"A bar needs open, high, low and close; {err} is missing.") from None
        if min(row[:4]) <= 0 or not all(np.isfinite(row)):
            raise RegimeError(f"Bar prices must be positive numbers, got {row[:4]}.")
        if self._switching is not None:
            return self.update_many(*([v] for v in row))[0]
        self._bars.append(row)
        cols = np.array(self._bars).T
        feats = compute_features(*cols, self.config)
        self.last = self._engine.push(feats.hmm_matrix()[-1], float(feats.z[-1]),
                                      float(feats.er[-1]))
        return self.last

    def update_many(
        self,
        open_: np.ndarray,
        high: np.ndarray,
        low: np.ndarray,
        close: np.ndarray,
        volume: np.ndarray | None = None,
    ) -> list[RegimeReading]:
        """Add several closed bars at once (arrays, oldest first); one reading per bar.

        The same readings as calling :meth:`update` bar by bar, computed with vectorised
        features (a replay or a catch-up after a restart)."""
        new = np.column_stack([np.asarray(a, dtype=float) for a in (
            open_, high, low, close, np.ones(len(close)) if volume is None else volume)])
        if len(new) == 0:
            return []
        if not np.isfinite(new[:, :4]).all() or new[:, :4].min() <= 0:
            raise RegimeError("Bar prices must be positive numbers.")
        old = np.array(self._bars, dtype=float).reshape(-1, len(_BAR_FIELDS))
        rows = np.vstack([old, new])
        if self._switching is not None:
            z, dev = switching_features(rows[:, 3], self.config.switching)
            readings = _readings(*self._switching.push_many(z[len(old):], dev[len(old):]))
            self._keep(rows)
            self.last = readings[-1]
            return readings
        feats = compute_features(*rows.T, self.config)
        x = feats.hmm_matrix()
        readings = [self._engine.push(x[t], float(feats.z[t]), float(feats.er[t]))
                    for t in range(len(old), len(rows))]
        self._keep(rows)
        self.last = readings[-1]
        return readings

    def _keep(self, rows: np.ndarray) -> None:
        """Keep the last ``lookback`` bars of ``rows`` (the old bars and the new)."""
        self._bars.clear()
        self._bars.extend(map(tuple, rows[-self.config.lookback :].tolist()))


def _check_frame(frame: pd.DataFrame, config: RegimeConfig) -> None:
    """Raise :class:`RegimeError` for missing columns or non-positive prices."""
    need = ["open", "high", "low", "close"] + (["volume"] if config.use_volume else [])
    missing = [c for c in need if c not in frame.columns]
    if missing:
        raise RegimeError(f"Regime detection needs the columns {', '.join(need)}; "
                          f"missing {', '.join(missing)}.")
    prices = frame[["open", "high", "low", "close"]].to_numpy(dtype=float)
    if len(prices) and (not np.isfinite(prices).all() or prices.min() <= 0):
        raise RegimeError("Regime detection needs positive, finite prices.")


def frame_features(frame: pd.DataFrame, config: RegimeConfig) -> Features:
    """Checked features of a bar frame (the fitted model's)."""
    _check_frame(frame, config)
    prices = frame[["open", "high", "low", "close"]].to_numpy(dtype=float)
    volume = (frame["volume"].to_numpy(dtype=float) if "volume" in frame.columns
              else np.ones(len(frame)))
    return compute_features(*prices.T, volume, config)
