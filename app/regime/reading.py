"""What the detector says about one bar, and its error type."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from app.errors import ParleyError
from app.regime.config import REGIMES, TRANSITION


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
