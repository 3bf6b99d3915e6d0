"""Portfolio accounting: cash, one position per symbol (long or short), closed trades.

Cash moves only on fills: a buy pays ``qty * price`` plus commission, a sell (closing a
long or opening a short) receives ``qty * price`` less commission. Equity is cash plus the
signed market value of every position, marked at the last close the caller supplies, so a
short adds its sale proceeds to cash and subtracts its current value.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from app.execution.fill_model import ExitPlan
from app.execution.orders import Fill

Mark = Callable[[str], float]
"""Symbol -> the price to value a position at (the last close the clock has reached)."""


@dataclass(slots=True)
class Position:
    """An open position; ``side`` is +1 long, -1 short and ``qty`` is always positive."""

    id: int
    symbol: str
    side: int
    qty: float
    entry_price: float
    entry_bar: int
    entry_time_ns: int
    entry_commission: float
    entry_reason: str
    plan: ExitPlan | None = None
    closing: bool = False
    """A close order is pending: it leaves at the next open."""

    def value(self, price: float) -> float:
        return self.side * self.qty * price


@dataclass(frozen=True, slots=True)
class Trade:
    """A closed round trip. ``pnl`` is net of both commissions; times are ns since epoch."""

    symbol: str
    side: str
    entry_time_ns: int
    entry_price: float
    exit_time_ns: int
    exit_price: float
    qty: float
    pnl: float
    pnl_pct: float
    bars_held: int
    exit_reason: str
    commission: float
    entry_bar: int
    exit_bar: int


@dataclass(slots=True)
class Portfolio:
    """The account: cash, open positions by symbol, closed trades and every fill."""

    cash: float
    positions: dict[str, Position] = field(default_factory=dict)
    trades: list[Trade] = field(default_factory=list)
    fills: list[Fill] = field(default_factory=list)
    _next_id: int = 0

    def open(self, fill: Fill, plan: ExitPlan | None, reason: str) -> Position:
        """Book an opening fill as a new position on its symbol."""
        self._book_cash(fill)
        self._next_id += 1
        pos = Position(
            self._next_id,
            fill.symbol,
            fill.side,
            fill.qty,
            fill.price,
            fill.bar,
            fill.time_ns,
            fill.commission,
            reason,
            plan,
        )
        self.positions[fill.symbol] = pos
        return pos

    def close(self, fill: Fill, bars_held: int) -> Trade:
        """Book a closing fill for the whole position and record the trade."""
        self._book_cash(fill)
        pos = self.positions.pop(fill.symbol)
        commission = pos.entry_commission + fill.commission
        pnl = pos.side * pos.qty * (fill.price - pos.entry_price) - commission
        cost = pos.qty * pos.entry_price
        trade = Trade(
            fill.symbol,
            "long" if pos.side > 0 else "short",
            pos.entry_time_ns,
            pos.entry_price,
            fill.time_ns,
            fill.price,
            pos.qty,
            pnl,
            100.0 * pnl / cost if cost else 0.0,
            bars_held,
            fill.reason,
            commission,
            pos.entry_bar,
            fill.bar,
        )
        self.trades.append(trade)
        return trade

    def equity(self, mark: Mark) -> float:
        """Cash plus every position valued at ``mark``."""
        return self.cash + sum(p.value(mark(p.symbol)) for p in self.positions.values())

    def gross_exposure(self, mark: Mark) -> float:
        """The summed absolute market value of the positions."""
        return sum(p.qty * mark(p.symbol) for p in self.positions.values())

    def open_count(self) -> int:
        """Positions that will still be held after the next open (not closing)."""
        return sum(1 for p in self.positions.values() if not p.closing)

    def _book_cash(self, fill: Fill) -> None:
        self.cash -= fill.side * fill.qty * fill.price + fill.commission
        self.fills.append(fill)
