"""The runner's part of the limits: only what a live venue can trip.

The daily loss limit, the drawdown stop, the circuit breaker and the PDT rule live on the
execution path (:mod:`app.execution.limits`) and run the same in a backtest. A live run
adds:

* **slippage anomaly** -- a venue fill more than ``max_slippage_bps`` worse than the price
  the order expected (the bar's open). The paper broker fills at the open plus the cost
  model's slippage, so in a backtest there is no anomaly to find; it trips through
  :meth:`Limits.trip` like every other limit and blocks entries for the rest of the run;
* the reaction to a trip (:class:`app.runner.Runner`): the run is paused, with the trip in
  its events, while entries are blocked, and a person may resume it (which a backtest,
  with nobody to ask, never does).
"""

from __future__ import annotations

import numpy as np

from app.execution import limits as shared
from app.execution.limits import LimitState
from app.execution.risk import RiskGate
from app.spec.models import StrategySpec

__all__ = ["DEFAULT_MAX_SLIPPAGE_BPS", "LimitState", "Limits", "RunnerRiskGate"]

DEFAULT_MAX_SLIPPAGE_BPS = 200.0


class Limits(shared.Limits):
    """The execution path's limits plus the slippage check on venue fills."""

    def __init__(
        self,
        spec: StrategySpec,
        state: LimitState | None = None,
        max_slippage_bps: float = DEFAULT_MAX_SLIPPAGE_BPS,
    ) -> None:
        super().__init__(spec, state)
        self.max_slippage_bps = max_slippage_bps

    def slippage(
        self, symbol: str, side: int, price: float, expected: float
    ) -> tuple[str, str] | None:
        """(limit, message) when a fill at ``price`` is anomalously worse than expected."""
        if expected <= 0 or not np.isfinite(price):
            return None
        bps = side * (price - expected) / expected * 1e4
        if bps > self.max_slippage_bps:
            return "slippage", (
                f"slippage anomaly: {symbol} filled at {price:g}, "
                f"{bps:.0f} bps worse than {expected:g} "
                f"(limit {self.max_slippage_bps:g} bps)"
            )
        return None


RunnerRiskGate = RiskGate
"""The execution path's risk gate (the name older callers use); give it the run's limits."""
