"""Market regimes: a causal four-regime Markov-switching filter that knows when it does not
know (or, with ``RegimeConfig(model="fitted")``, the walk-forward Gaussian HMM).

* :func:`detect_regimes` -- the regime and confidence of every bar of a frame;
* :class:`RegimeTracker` -- the same labels one closed bar at a time, for a live runner;
* :class:`RegimeFilter` -- the execution path's gate: a spec's allowed regimes and its
  transition policy, applied to a reading (see :mod:`app.regime.gate`).

How the labels are made: :mod:`app.regime.detector`.
"""

from app.regime.config import DEFAULT_CONFIG, LABELS, REGIMES, TRANSITION, RegimeConfig
from app.regime.detector import RegimeTracker, detect_regimes
from app.regime.reading import RegimeError, RegimeReading
from app.regime.gate import RegimeFilter, RegimeVerdict

__all__ = [
    "DEFAULT_CONFIG",
    "LABELS",
    "REGIMES",
    "TRANSITION",
    "RegimeConfig",
    "RegimeError",
    "RegimeFilter",
    "RegimeReading",
    "RegimeTracker",
    "RegimeVerdict",
    "detect_regimes",
]
