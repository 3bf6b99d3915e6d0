"""Orders and fills as the execution path passes them to a broker and back.

An order carries a deterministic client order id built from the run, the symbol, the bar
and the intent, so a runner that is killed and restarted re-submits the *same* id and the
broker (paper or real) can refuse the duplicate instead of trading twice.
"""

from __future__ import annotations

import hashlib
import time
from dataclasses import dataclass, field
from functools import lru_cache
from typing import TYPE_CHECKING, Literal

if TYPE_CHECKING:
    from app.execution.fill_model import Bracket

Intent = Literal["open_long", "open_short", "close"]
OrderStatus = Literal["new", "filled", "rejected", "canceled"]

BUY, SELL = 1, -1


@lru_cache(maxsize=65_536)
def _stamp(seconds: int) -> str:
    """A bar time to the second in UTC (a backtest asks for the same bars many times)."""
    return time.strftime("%Y%m%dT%H%M%S", time.gmtime(seconds))


MAX_CLIENT_ORDER_ID = 48
"""Alpaca's limit on a client order id's length."""
_INTENT_CODES = {"open_long": "OL", "open_short": "OS", "close": "C", "flatten": "F"}


def client_order_id(run_id: str, symbol: str, bar_time_ns: int, intent: str) -> str:
    """Deterministic id: the same decision on the same bar always gets the same id.

    Readable (``r1a2b-GOOG-20121203T1600-OL``) and within Alpaca's 48 characters: the bar
    time to the second in UTC, the symbol without its pair slash, the intent as a code.
    """
    stamp = _stamp(bar_time_ns // 1_000_000_000)
    code = _INTENT_CODES.get(intent, intent.upper()[:6])
    compact = symbol.replace("/", "")[:12]
    coid = f"{run_id}-{compact}-{stamp}-{code}"
    if len(coid) > MAX_CLIENT_ORDER_ID:
        digest = hashlib.sha1(coid.encode()).hexdigest()[:10]
        coid = f"{run_id[:20]}-{compact[:6]}-{digest}-{code}"[:MAX_CLIENT_ORDER_ID]
    return coid


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
