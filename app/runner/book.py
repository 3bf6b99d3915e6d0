"""The run's book: the execution path's paper broker, with an order journal and a
checkpoint.

:class:`Book` *is* :class:`app.execution.paper.PaperBroker` (the simulated venue the
backtest uses) plus two things a long-lived run needs:

* every order is handed to ``journal`` -- which writes it to the database -- *before* the
  venue sees it, so a run killed right after sending still knows the order;
* :meth:`checkpoint` / :meth:`restore`: cash, positions (with their exit plans and
  trailing peaks) and pending orders as JSON, written with each processed bar.

The runner sees one interface whatever the venue (:class:`app.runner.venue.VenueBook` is
the other book): :meth:`at` each bar, :meth:`drain_executions` (the fills to store),
:meth:`drain_notes` (broker faults and market-hours notes) and :attr:`hours` (whether
the US stock market is open: the NYSE calendar's answer here, the broker's clock there).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import asdict, dataclass
from typing import Any

from app.broker.clock import MarketHours, Now, calendar_clock, wall_clock
from app.execution.costs import ZERO, CostModel
from app.execution.fill_model import Bracket, ExitPlan
from app.execution.orders import Fill, Order
from app.execution.paper import PaperBroker
from app.execution.portfolio import Position

Journal = Callable[[Order], None]
IndexOf = Callable[[str, int], int]
"""(symbol, bar time in ns) -> the bar's index in the run's arrays."""


PROTECTIVE = ("stop_loss", "take_profit", "trailing_stop", "margin_call")
"""Exit reasons filled at a level inside the bar, not at the open (no slippage check)."""


@dataclass(frozen=True, slots=True)
class Execution:
    """A fill as the run stores it."""

    fill: Fill
    cum_qty: float
    """The order's filled quantity so far."""
    key: str | None = None
    """The store's key for it (None: the fill's own)."""
    at_venue: bool = False
    """A broker filled it: its order is known, and every such fill is checked for
    slippage against the bar's open."""

    @property
    def checks_slippage(self) -> bool:
        return self.at_venue or self.fill.reason not in PROTECTIVE


@dataclass(frozen=True, slots=True)
class Note:
    """Something the run's event log should say: ``kind`` broker_fault or market."""

    kind: str
    message: str


class Book(PaperBroker):
    """The simulated venue, journaling orders before accepting them."""

    def __init__(
        self,
        cash: float,
        journal: Journal,
        commission: CostModel = ZERO,
        slippage: CostModel = ZERO,
        now: Now = wall_clock,
    ) -> None:
        super().__init__(cash, commission, slippage)
        self.journal = journal
        self.submitted: list[Order] = []
        """Orders submitted since the runner last drained the list."""
        self.now_ns = 0
        """The bar being processed (run clock)."""
        self.notes: list[Note] = []
        self.hours = MarketHours(lambda: calendar_clock(now()), now)
        """The US stock market's hours: the NYSE calendar's answer (paper trading)."""

    def at(self, time_ns: int) -> None:
        """A bar at ``time_ns`` is about to be processed."""
        self.now_ns = time_ns

    def drain_executions(self) -> list[Execution]:
        """The fills since the last call, for the store."""
        fills = list(self.account.fills)
        self.account.fills.clear()
        return [Execution(f, f.qty) for f in fills]

    def drain_notes(self) -> list[Note]:
        notes, self.notes = self.notes, []
        return notes

    def submit(self, order: Order) -> Order:
        known = self.orders.by_id.get(order.client_order_id)
        if known is not None:
            return known
        self.journal(order)
        result = self.send(order)
        self.submitted.append(result)
        return result

    def send(self, order: Order) -> Order:
        """Hand the order to the venue: here, the simulated one."""
        return super().submit(order)

    # ----------------------------------------------------------------- checkpoint
    def checkpoint(self) -> dict[str, Any]:
        acct = self.account
        return {
            "cash": acct.cash,
            "next_id": acct._next_id,
            "positions": [_position_json(p) for p in acct.positions.values()],
            "pending": [_order_json(o) for o in self.orders.pending.values()],
            "marks": dict(self.marks),
        }

    def restore(self, state: dict[str, Any], index_of: IndexOf) -> None:
        """Load a checkpoint; bar indices are re-derived from bar times."""
        acct = self.account
        acct.cash = float(state["cash"])
        acct._next_id = int(state["next_id"])
        self.marks = {s: float(p) for s, p in (state.get("marks") or {}).items()}
        acct.positions.clear()
        for p in state["positions"]:
            pos = _position_from(p, index_of)
            acct.positions[pos.symbol] = pos
        self.orders.pending.clear()
        for o in state["pending"]:
            order = _order_from(o, index_of)
            self.orders.pending[order.symbol] = order
            self.orders.by_id[order.client_order_id] = order


def _position_json(p: Position) -> dict[str, Any]:
    return {
        "id": p.id,
        "symbol": p.symbol,
        "side": p.side,
        "qty": p.qty,
        "entry_price": p.entry_price,
        "entry_time_ns": p.entry_time_ns,
        "entry_commission": p.entry_commission,
        "entry_reason": p.entry_reason,
        "plan": None if p.plan is None else asdict(p.plan),
        "closing": p.closing,
    }


def _position_from(p: dict[str, Any], index_of: IndexOf) -> Position:
    plan = None if p["plan"] is None else ExitPlan(**p["plan"])
    return Position(
        p["id"],
        p["symbol"],
        p["side"],
        p["qty"],
        p["entry_price"],
        index_of(p["symbol"], p["entry_time_ns"]),
        p["entry_time_ns"],
        p["entry_commission"],
        p["entry_reason"],
        plan,
        p["closing"],
    )


def _order_json(o: Order) -> dict[str, Any]:
    return {
        "client_order_id": o.client_order_id,
        "symbol": o.symbol,
        "side": o.side,
        "qty": o.qty,
        "intent": o.intent,
        "reason": o.reason,
        "time_ns": o.time_ns,
        "bracket": None if o.bracket is None else asdict(o.bracket),
        "status": o.status,
        "note": o.note,
    }


def _order_from(o: dict[str, Any], index_of: IndexOf) -> Order:
    bracket = None if o["bracket"] is None else Bracket(**o["bracket"])
    return Order(
        o["client_order_id"],
        o["symbol"],
        o["side"],
        o["qty"],
        o["intent"],
        o["reason"],
        index_of(o["symbol"], o["time_ns"]),
        o["time_ns"],
        bracket,
        o["status"],
        o["note"],
    )
