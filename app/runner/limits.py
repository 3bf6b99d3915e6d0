"""The runner's half of the risk gate: limits that need a live account's history.

:class:`app.execution.risk.RiskGate` already caps positions and exposure. This adds, in
code and never in a prompt:

* **daily loss limit** -- equity down ``limits.daily_loss_pct`` from the day's start;
* **max drawdown stop** -- equity down ``limits.max_drawdown_pct`` from its peak;
* **circuit breaker** -- a symbol's close moved ``move_pct`` within ``bars`` bars;
* **slippage anomaly** -- a fill more than ``max_slippage_bps`` worse than the price the
  order expected (the bar's open);
* **PDT** -- under $25,000 of equity, no entry that could make a 4th day trade within 5
  trading days (stocks only; crypto is exempt).

A tripped limit pauses the run: :class:`RunnerRiskGate` then vetoes every new entry
(exits still run) until the user resumes it. PDT is not a pause; it vetoes the entry.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np

from app.execution.risk import RiskBook, RiskGate, RiskVerdict
from app.spec.models import StrategySpec

PDT_EQUITY = 25_000.0
PDT_MAX_DAY_TRADES = 3
DEFAULT_MAX_SLIPPAGE_BPS = 200.0


@dataclass
class LimitState:
    """What the limits remember across bars (saved in the run's checkpoint)."""

    day: str | None = None
    day_start_equity: float | None = None
    peak_equity: float | None = None
    day_trades: list[str] = field(default_factory=list)
    """The trading day of each recent day trade (YYYY-MM-DD)."""
    recent_days: list[str] = field(default_factory=list)
    """The last five trading days seen."""
    paused: str | None = None
    """Why entries are paused (None: not paused)."""

    def to_json(self) -> dict[str, Any]:
        return {"day": self.day, "day_start_equity": self.day_start_equity,
                "peak_equity": self.peak_equity, "day_trades": self.day_trades,
                "recent_days": self.recent_days, "paused": self.paused}

    @classmethod
    def from_json(cls, data: dict[str, Any] | None) -> LimitState:
        return cls(**data) if data else cls()


class Limits:
    """Checks after each bar; returns (limit name, message) when one trips."""

    def __init__(self, spec: StrategySpec, state: LimitState,
                 max_slippage_bps: float = DEFAULT_MAX_SLIPPAGE_BPS) -> None:
        self.spec = spec
        self.state = state
        self.max_slippage_bps = max_slippage_bps

    def on_bar(self, day: str, equity: float) -> tuple[str, str] | None:
        s, lim = self.state, self.spec.limits
        if s.day != day:
            s.day, s.day_start_equity = day, equity
            s.recent_days = (s.recent_days + [day])[-5:]
            s.day_trades = [d for d in s.day_trades if d in s.recent_days]
        s.peak_equity = max(s.peak_equity or equity, equity)
        if lim.daily_loss_pct is not None and s.day_start_equity:
            lost = 100.0 * (s.day_start_equity - equity) / s.day_start_equity
            if lost >= lim.daily_loss_pct:
                return "daily_loss", (f"daily loss limit: equity down {lost:.2f}% today "
                                      f"(limit {lim.daily_loss_pct:g}%)")
        if lim.max_drawdown_pct is not None and s.peak_equity:
            dd = 100.0 * (s.peak_equity - equity) / s.peak_equity
            if dd >= lim.max_drawdown_pct:
                return "max_drawdown", (f"max drawdown stop: equity {dd:.2f}% below its peak "
                                        f"(limit {lim.max_drawdown_pct:g}%)")
        return None

    def circuit(self, symbol: str, close: float, back: float | None) -> tuple[str, str] | None:
        cb = self.spec.limits.circuit_breaker
        if cb is None or back is None or back <= 0:
            return None
        move = 100.0 * (close / back - 1.0)
        if abs(move) >= cb.move_pct:
            return "circuit_breaker", (f"circuit breaker: {symbol} moved {move:+.2f}% in "
                                       f"{cb.bars} bar(s) (limit {cb.move_pct:g}%)")
        return None

    def slippage(self, symbol: str, side: int, price: float, expected: float
                 ) -> tuple[str, str] | None:
        if expected <= 0 or not np.isfinite(price):
            return None
        bps = side * (price - expected) / expected * 1e4
        if bps > self.max_slippage_bps:
            return "slippage", (f"slippage anomaly: {symbol} filled at {price:g}, "
                                f"{bps:.0f} bps worse than {expected:g} "
                                f"(limit {self.max_slippage_bps:g} bps)")
        return None

    def day_trade(self, day: str) -> None:
        self.state.day_trades.append(day)

    def pdt_blocks(self, symbol: str, equity: float) -> bool:
        return "/" not in symbol and equity < PDT_EQUITY \
            and len(self.state.day_trades) >= PDT_MAX_DAY_TRADES


class RunnerRiskGate(RiskGate):
    """The execution path's risk gate, plus the run's pause and the PDT rule."""

    def __init__(self, spec: StrategySpec, limits: Limits) -> None:
        super().__init__(spec)
        self.limits = limits
        self.symbol = ""
        """The symbol being decided (set by the runner before each bar's step)."""

    def check(self, qty: float, price: float, fractional: bool, book: RiskBook) -> RiskVerdict:
        if self.limits.state.paused:
            return RiskVerdict(0.0, (f"paused: {self.limits.state.paused}",))
        if not fractional and self.limits.pdt_blocks("", book.equity()):
            return RiskVerdict(0.0, (f"PDT: {len(self.limits.state.day_trades)} day trades in "
                                     f"5 days with equity under ${PDT_EQUITY:,.0f}",))
        return super().check(qty, price, fractional, book)
