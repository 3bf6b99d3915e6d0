"""Regime labels of bars: the batch function and the live tracker, on one engine per model.

* ``model="switching"`` (default): :mod:`app.regime.switching` turns closes into
  standardised returns and distances from the recent average, and a forward filter over
  four regime states gives each bar's probabilities; :class:`_SwitchingEngine` labels the
  bar ``transition`` when the top probability is under ``min_confidence`` or the top
  regime differs from the previous bar's.
* ``model="fitted"``: the walk-forward Gaussian HMM of :mod:`app.regime.fitted`.

Nothing reads a bar after ``t``: features are causal and filters run forward only, so
appending bars never changes an earlier label. :func:`detect_regimes` computes features
over the whole frame; :class:`RegimeTracker` computes each new bar's from the last
:attr:`RegimeConfig.lookback` bars (exact rolling windows) and feeds the same engine, so
both give identical labels and confidences on the same bars.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Mapping
from typing import Any

import numpy as np
import pandas as pd

from app.regime.config import DEFAULT_CONFIG, REGIMES, TRANSITION, RegimeConfig
from app.regime.features import Features, compute_features
from app.regime.fitted import FittedEngine
from app.regime.reading import WARMING_UP, RegimeError, RegimeReading
from app.regime.switching import (
    SwitchingFilter,
    decide,
    frame_probs,
    switching_features,
    switching_tails,
)

_BAR_FIELDS = ("open", "high", "low", "close", "volume")


class _SwitchingEngine:
    """The switching model's filter and labelling, fed blocks of bars' ``z`` and ``dev``."""

    def __init__(self, config: RegimeConfig) -> None:
        self.config, self.sw = config, config.switching
        self._filter = SwitchingFilter(self.sw)
        self._seen = 0
        self._prev = -1

    def push_many(
        self, z: np.ndarray, dev: np.ndarray, df: np.ndarray | None = None
    ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Labels, confidences and (m, 4) probabilities of the next ``m`` bars (``df``:
        their fitted degrees of freedom, with ``fit_tails``)."""
        m = len(z)
        ok = np.isfinite(z) & np.isfinite(dev)
        probs = np.zeros((m, len(REGIMES)))
        probs[ok] = self._filter.run(
            frame_probs(z[ok], dev[ok], self.sw, None if df is None else df[ok])
        )
        best = decide(probs, self.sw)
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
    return [
        RegimeReading(lab, c, tuple(p))
        for lab, c, p in zip(labels.tolist(), conf.tolist(), probs.tolist(), strict=True)
    ]


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
        close = frame["close"].to_numpy(dtype=float)
        z, dev = switching_features(close, config.switching)
        df = switching_tails(close, config.switching)
        labels, conf, _ = _SwitchingEngine(config).push_many(z, dev, df)
        return pd.DataFrame(
            {"regime": pd.Series(labels, index=frame.index, dtype=object), "confidence": conf},
            index=frame.index,
        )
    feats = frame_features(frame, config)
    engine = FittedEngine(config, seed)
    x = feats.hmm_matrix()
    readings = [engine.push(x[t], float(feats.z[t]), float(feats.er[t])) for t in range(len(x))]
    return pd.DataFrame(
        {
            "regime": pd.Series([r.regime for r in readings], index=frame.index, dtype=object),
            "confidence": np.array([r.confidence for r in readings], dtype=float),
        },
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
        self._engine = FittedEngine(config, seed)
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
            o, h, lo, c, v = (np.array([x]) for x in row)
            return self.update_many(o, h, lo, c, v)[0]
        self._bars.append(row)
        o, h, lo, c, v = np.array(self._bars).T
        feats = compute_features(o, h, lo, c, v, self.config)
        self.last = self._engine.push(
            feats.hmm_matrix()[-1], float(feats.z[-1]), float(feats.er[-1])
        )
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
        new = np.column_stack(
            [
                np.asarray(a, dtype=float)
                for a in (
                    open_,
                    high,
                    low,
                    close,
                    np.ones(len(close)) if volume is None else volume,
                )
            ]
        )
        if len(new) == 0:
            return []
        if not np.isfinite(new[:, :4]).all() or new[:, :4].min() <= 0:
            raise RegimeError("Bar prices must be positive numbers.")
        old = np.array(self._bars, dtype=float).reshape(-1, len(_BAR_FIELDS))
        rows = np.vstack([old, new])
        if self._switching is not None:
            z, dev = switching_features(rows[:, 3], self.config.switching)
            df = switching_tails(rows[:, 3], self.config.switching)
            readings = _readings(
                *self._switching.push_many(
                    z[len(old) :], dev[len(old) :], None if df is None else df[len(old) :]
                )
            )
            self._keep(rows)
            self.last = readings[-1]
            return readings
        o, h, lo, c, v = rows.T
        feats = compute_features(o, h, lo, c, v, self.config)
        x = feats.hmm_matrix()
        readings = [
            self._engine.push(x[t], float(feats.z[t]), float(feats.er[t]))
            for t in range(len(old), len(rows))
        ]
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
        raise RegimeError(
            f"Regime detection needs the columns {', '.join(need)}; missing {', '.join(missing)}."
        )
    for c in ("open", "high", "low", "close"):
        values = frame[c].to_numpy(dtype=float)
        if len(values) and (not np.isfinite(values).all() or values.min() <= 0):
            raise RegimeError("Regime detection needs positive, finite prices.")


def frame_features(frame: pd.DataFrame, config: RegimeConfig) -> Features:
    """Checked features of a bar frame (the fitted model's)."""
    _check_frame(frame, config)
    prices = frame[["open", "high", "low", "close"]].to_numpy(dtype=float)
    volume = (
        frame["volume"].to_numpy(dtype=float) if "volume" in frame.columns else np.ones(len(frame))
    )
    o, h, lo, c = prices.T
    return compute_features(o, h, lo, c, volume, config)
