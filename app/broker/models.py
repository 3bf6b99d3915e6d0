"""Broker-neutral records: what is asked of a broker and what it answers.

Quantities are positive; ``side`` says the direction. Prices are floats in the account's
currency. These are the only shapes the runner sees, whatever the venue.
"""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict

Side = Literal["buy", "sell"]
OrderState = Literal[
    "new", "accepted", "partially_filled", "filled", "canceled", "rejected", "expired"
]
OPEN_STATES: tuple[str, ...] = ("new", "accepted", "partially_filled")


class _Model(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class OrderRequest(_Model):
    """A market order, day or good-till-cancelled."""

    client_order_id: str
    """Deterministic (run, symbol, bar, intent): the same decision always has the same id."""
    symbol: str
    side: Side
    qty: float
    time_in_force: Literal["day", "gtc"] = "day"


class BrokerOrder(_Model):
    """An order as the broker knows it."""

    client_order_id: str
    broker_id: str
    symbol: str
    side: Side
    qty: float
    status: OrderState
    filled_qty: float = 0.0
    filled_avg_price: float | None = None
    note: str = ""

    @property
    def is_open(self) -> bool:
        return self.status in OPEN_STATES


class BrokerPosition(_Model):
    symbol: str
    qty: float
    """Signed: negative for a short."""
    avg_entry_price: float


class BrokerAccount(_Model):
    account_number: str
    cash: float
    equity: float
    buying_power: float | None = None
    pattern_day_trader: bool = False
    daytrade_count: int | None = None
    trading_blocked: bool = False
    margin: bool = True
    """A margin account (Alpaca's ``multiplier`` above 1); a cash account is not under the
    pattern-day-trader rule."""


class MarketClock(_Model):
    timestamp: datetime
    is_open: bool
    next_open: datetime | None = None
    next_close: datetime | None = None
