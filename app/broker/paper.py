"""The simulated paper broker behind the :class:`~app.broker.base.Broker` contract.

It wraps the execution path's :class:`app.execution.paper.PaperBroker` -- the same
simulated venue the backtest uses -- instead of duplicating it: orders go into that
venue's book and fill at the next bar's open when the runner steps the session. This
adapter only translates its state into the broker-neutral records.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timezone

import pandas as pd

from app.broker.models import (
    BrokerAccount,
    BrokerOrder,
    BrokerPosition,
    MarketClock,
    OrderRequest,
)
from app.execution.orders import Order
from app.execution.paper import PaperBroker

_STATES = {"new": "accepted", "filled": "filled", "rejected": "rejected",
           "canceled": "canceled"}


class SimBroker:
    """The simulated venue seen through the broker contract."""

    name = "sim"

    def __init__(self, paper: PaperBroker, mark: Callable[[str], float] | None = None,
                 now_ns: Callable[[], int] | None = None) -> None:
        self.paper = paper
        self._mark = mark or (lambda symbol: 0.0)
        self._now_ns = now_ns or (lambda: 0)
        self.fill_qty: dict[str, tuple[float, float]] = {}
        """Client order id -> (qty, price) of its fill, kept as fills are booked."""

    def submit(self, req: OrderRequest) -> BrokerOrder:
        side = 1 if req.side == "buy" else -1
        pos = self.paper.position(req.symbol)
        intent = "close" if pos is not None and pos.side == -side else (
            "open_long" if side > 0 else "open_short")
        order = Order(req.client_order_id, req.symbol, side, req.qty, intent, "manual", -1,
                      self._now_ns())
        return self._view(self.paper.submit(order))

    def cancel(self, client_order_id: str) -> bool:
        return self.paper.cancel(client_order_id)

    def get_order(self, client_order_id: str) -> BrokerOrder | None:
        order = self.paper.orders.by_id.get(client_order_id)
        return None if order is None else self._view(order)

    def list_orders(self, open_only: bool = True) -> list[BrokerOrder]:
        orders = self.paper.orders.pending.values() if open_only \
            else self.paper.orders.by_id.values()
        return [self._view(o) for o in orders]

    def positions(self) -> list[BrokerPosition]:
        return [BrokerPosition(symbol=p.symbol, qty=p.side * p.qty, avg_entry_price=p.entry_price)
                for p in self.paper.account.positions.values()]

    def account(self) -> BrokerAccount:
        acct = self.paper.account
        return BrokerAccount(account_number="SIM", cash=acct.cash,
                             equity=acct.equity(self._mark), buying_power=acct.cash)

    def clock(self) -> MarketClock:
        """The replay's clock: the market is open whenever the feed hands out a bar."""
        now = self._now_ns()
        ts = pd.Timestamp(now).tz_localize("UTC").to_pydatetime() if now \
            else datetime.now(timezone.utc)
        return MarketClock(timestamp=ts, is_open=True)

    def _view(self, o: Order) -> BrokerOrder:
        qty, price = self.fill_qty.get(o.client_order_id, (0.0, None))
        return BrokerOrder(client_order_id=o.client_order_id, broker_id=o.client_order_id,
                           symbol=o.symbol, side="buy" if o.side > 0 else "sell", qty=o.qty,
                           status=_STATES[o.status],  # type: ignore[arg-type]
                           filled_qty=qty if o.status == "filled" else 0.0,
                           filled_avg_price=price, note=o.note)
