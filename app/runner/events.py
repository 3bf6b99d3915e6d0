"""What a running strategy reports, as plain dataclasses.

The runner calls ``emit(event)`` with these and knows nothing of who listens: the CLI
prints them, the TUI posts them as messages, a test collects them in a list.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True, slots=True)
class RunnerEvent:
    run_id: str


@dataclass(frozen=True, slots=True)
class Started(RunnerEvent):
    broker: str
    feed: str
    resumed_after_ns: int | None = None
    notes: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class BarProcessed(RunnerEvent):
    time_ns: int
    bars_done: int
    symbols: int
    equity: float


@dataclass(frozen=True, slots=True)
class DecisionMade(RunnerEvent):
    time_ns: int
    symbol: str
    side: str
    approved: bool
    qty: float
    conviction: float | None
    reasons: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class OrderSubmitted(RunnerEvent):
    client_order_id: str
    symbol: str
    side: str
    qty: float
    intent: str
    reason: str


@dataclass(frozen=True, slots=True)
class Filled(RunnerEvent):
    client_order_id: str
    symbol: str
    side: str
    qty: float
    price: float
    reason: str


@dataclass(frozen=True, slots=True)
class Rejected(RunnerEvent):
    client_order_id: str
    symbol: str
    reason: str


@dataclass(frozen=True, slots=True)
class TradeClosed(RunnerEvent):
    symbol: str
    side: str
    pnl: float
    pnl_pct: float
    exit_reason: str


@dataclass(frozen=True, slots=True)
class LimitTripped(RunnerEvent):
    limit: str
    """daily_loss, max_drawdown, circuit_breaker, slippage, pdt."""
    message: str


@dataclass(frozen=True, slots=True)
class Paused(RunnerEvent):
    reason: str


@dataclass(frozen=True, slots=True)
class Resumed(RunnerEvent):
    pass


@dataclass(frozen=True, slots=True)
class BrokerFault(RunnerEvent):
    message: str


@dataclass(frozen=True, slots=True)
class Reconciled(RunnerEvent):
    mismatches: tuple[str, ...] = field(default_factory=tuple)


@dataclass(frozen=True, slots=True)
class Finished(RunnerEvent):
    status: str
    """finished (the data ended), stopped, failed."""
    reason: str = ""
    summary: dict[str, Any] = field(default_factory=dict)
