"""Orders and fills as the execution path passes them to a broker and back.

An order carries a deterministic client order id built from the run, the symbol, the bar
and the intent, so a runner that is killed and restarted re-submits the *same* id and the
broker (paper or real) can refuse the duplicate instead of trading twice.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Literal

if TYPE_CHECKING:
    from app.execution.fill_model import Bracket

Intent = Literal["open_long", "open_short", "close"]
OrderStatus = Literal["new", "filled", "rejected", "canceled"]

BUY, SELL = 1, -1


def client_order_id(run_id: str, symbol: str, bar_time_ns: int, intent: str) -> str:
    """Deterministic id: the same decision on the same bar always gets the same id."""
    return f"{run_id}-{symbol}-{bar_time_ns}-{intent}"


@dataclass(slots=True)
class Order:
    """A market order placed on a closed bar, to fill at the next bar's open.

    An opening order carries its :class:`~app.execution.fill_model.Bracket`, so the
    broker attaches the protective exits, like a bracket order, once it knows the fill
    price.
    """

    client_order_id: str
    symbol: str
    side: int
    """+1 buy, -1 sell."""
    qty: float
    intent: Intent
    reason: str
    """Why it was placed: ``long_entry``, ``short_entry``, ``exit_rule``, ``max_hold``..."""
    bar: int
    """Index of the bar whose close produced the order."""
    time_ns: int
    bracket: Bracket | None = None
    status: OrderStatus = "new"
    note: str = ""
    """Why a rejected or shrunk order was changed by the venue."""


@dataclass(frozen=True, slots=True)
class Fill:
    """An executed order (or a protective exit, whose ``client_order_id`` names the position)."""

    client_order_id: str
    symbol: str
    side: int
    qty: float
    price: float
    commission: float
    bar: int
    time_ns: int
    reason: str


@dataclass(slots=True)
class OrderBook:
    """Orders by client order id, and the pending ones by symbol (at most one each)."""

    by_id: dict[str, Order] = field(default_factory=dict)
    pending: dict[str, Order] = field(default_factory=dict)
