"""The book of a run trading through an external broker (Alpaca).

The execution path is unchanged: the session still decides on closed bars and the book
still holds the run's positions. What changes is where an order goes and what the book
believes happened:

* :meth:`VenueBook.send` submits the order to the broker (after the journal wrote it). A
  refusal rejects it in the book; a fault (5xx, 429, timeout) leaves it pending with its
  outcome unknown.
* :meth:`fill_at_open` asks the broker, by client order id, what became of a pending
  order and books *the broker's* quantity and average price. An order the broker never
  received is sent again under the same id; one not yet filled waits for the next bar;
  the unfilled rest of a partly filled entry is cancelled.
* A protective exit becomes a market close order (a "soft" stop checked on closed bars),
  booked when the broker fills it.
* An order in a US equity is sent only while the broker's clock says the market is open
  (:class:`app.broker.clock.MarketHours`); until then it waits in the book, pending, and
  the run's log says when the market opens. Crypto is sent at once, around the clock.

Every execution the broker reports is kept in ``venue_fills``, keyed by the order's
cumulative filled quantity, so seeing it again (a restart) never records it twice.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from app.broker.base import Broker, BrokerError, BrokerUnavailable
from app.broker.clock import MarketHours, Now, wall_clock
from app.broker.models import BrokerOrder, OrderRequest
from app.execution.fill_model import ExitHit
from app.execution.orders import Fill, Order
from app.execution.portfolio import Position, Trade
from app.instruments import instrument
from app.runner.book import Book, Execution, Journal, Note


@dataclass(frozen=True, slots=True)
class VenueFill:
    client_order_id: str
    symbol: str
    side: int
    qty: float
    price: float
    cum_qty: float
    time_ns: int


class VenueBook(Book):
    """The run's book at a broker: the same interface as :class:`Book`."""

    def __init__(
        self,
        cash: float,
        journal: Journal,
        broker: Broker,
        exit_id: Callable[[str, int, str], str],
        now: Now = wall_clock,
    ) -> None:
        super().__init__(cash, journal, now=now)
        self.margin = None  # the broker checks margin itself
        self.broker = broker
        self.exit_id = exit_id
        self.venue_fills: list[VenueFill] = []
        self.seen: dict[str, float] = {}
        """Client order id -> filled quantity already recorded."""
        self.hours = MarketHours(broker.clock, now)
        """The broker's clock (the NYSE calendar answers while the broker cannot)."""
        self.held: set[str] = set()
        """US equity orders waiting in the book for the market to open."""
        self._closed_told: str | None = None

    # ----------------------------------------------------------------- the runner's view
    def drain_executions(self) -> list[Execution]:
        """The broker's executions since the last call (the book's own fills mirror them)."""
        out = [
            Execution(
                Fill(
                    v.client_order_id, v.symbol, v.side, v.qty, v.price, 0.0, 0, v.time_ns, "venue"
                ),
                v.cum_qty,
                f"{v.client_order_id}/{v.cum_qty:.8g}",
                at_venue=True,
            )
            for v in self.venue_fills
        ]
        self.venue_fills.clear()
        self.account.fills.clear()
        return out

    def fault(self, message: str) -> None:
        self.notes.append(Note("broker_fault", message))

    # ----------------------------------------------------------------- sending
    def send(self, order: Order) -> Order:
        ack = self._submit(order)
        if ack is not None and ack.status == "rejected":
            self.orders.by_id[order.client_order_id] = order
            order.status, order.note = "rejected", ack.note or "rejected by the broker"
            return order
        if ack is None and order.client_order_id not in self.held:
            order.note = "sent; the broker did not confirm yet"
        return super().send(order)

    def _submit(self, order: Order) -> BrokerOrder | None:
        if self._market_closed(order):
            return None
        req = OrderRequest(
            client_order_id=order.client_order_id,
            symbol=order.symbol,
            side="buy" if order.side > 0 else "sell",
            qty=order.qty,
            time_in_force="gtc" if instrument(order.symbol).around_the_clock else "day",
        )
        try:
            return self.broker.submit(req)
        except BrokerUnavailable as err:
            self.fault(f"submit {order.client_order_id}: {err.message}")
            return None

    def _market_closed(self, order: Order) -> bool:
        """Hold a US equity order while the market is closed (say so once per closing)."""
        if instrument(order.symbol).calendar != "XNYS":
            return False
        closed = self.hours.closed_note()
        if self.hours.problem:
            self.fault(self.hours.problem)
        if closed is None:
            self.held.discard(order.client_order_id)
            self._closed_told = None
            return False
        self.held.add(order.client_order_id)
        order.note = f"waiting: {closed}"
        if self._closed_told != closed:
            self._closed_told = closed
            self.notes.append(Note("market", f"{closed}: US stock orders wait for the open"))
        return True

    # ----------------------------------------------------------------- fills
    def fill_at_open(
        self, symbol: str, bar: int, time_ns: int, open_price: float
    ) -> tuple[Order, Trade | Position | None] | None:
        order = self.orders.pending.get(symbol)
        if order is None:
            return None
        ack = self._status(order)
        if ack is None or (ack.is_open and ack.filled_qty <= 0):
            return None  # unknown or not filled yet: ask again next bar
        if ack.is_open and order.intent != "close":
            ack = self._cancel_rest(order, ack)
            if ack.is_open:
                return None
        elif ack.is_open:
            self._record(order, ack, time_ns)
            return None  # a close waits until it is complete
        self._record(order, ack, time_ns)
        if ack.filled_qty <= 0:
            self.orders.pending.pop(symbol, None)
            order.status = "rejected" if ack.status == "rejected" else "canceled"
            order.note = ack.note or f"the broker {ack.status} it unfilled"
            if order.intent == "close" and symbol in self.account.positions:
                self.account.positions[symbol].closing = False
            return order, None
        order.qty = ack.filled_qty
        return super().fill_at_open(symbol, bar, time_ns, ack.filled_avg_price or open_price)

    def fill_exit(self, symbol: str, hit: ExitHit, time_ns: int) -> Trade:
        """A protective exit: send a market close; it is booked when the broker fills it."""
        pos = self.account.positions[symbol]
        if symbol in self.orders.pending:
            return None  # type: ignore[return-value]
        coid = self.exit_id(symbol, time_ns, hit.reason)
        order = Order(coid, symbol, -pos.side, pos.qty, "close", hit.reason, hit.bar, time_ns)
        self.submit(order)
        return None  # type: ignore[return-value]

    def _status(self, order: Order) -> BrokerOrder | None:
        if order.client_order_id in self.held:  # never sent: send it if the market opened
            return self._submit(order)
        try:
            ack = self.broker.get_order(order.client_order_id)
            if ack is None:  # the broker never got it: send it again, same id
                ack = self._submit(order)
            return ack
        except BrokerError as err:  # BrokerUnavailable too
            self.fault(f"status of {order.client_order_id}: {err.message}")
        return None

    def _cancel_rest(self, order: Order, ack: BrokerOrder) -> BrokerOrder:
        try:
            self.broker.cancel(order.client_order_id)
            return self.broker.get_order(order.client_order_id) or ack
        except BrokerError as err:
            self.fault(f"cancel {order.client_order_id}: {err.message}")
            return ack

    def _record(self, order: Order, ack: BrokerOrder, time_ns: int) -> None:
        done = self.seen.get(order.client_order_id, 0.0)
        if ack.filled_qty > done + 1e-12:
            self.venue_fills.append(
                VenueFill(
                    order.client_order_id,
                    order.symbol,
                    order.side,
                    ack.filled_qty - done,
                    float(ack.filled_avg_price or 0.0),
                    ack.filled_qty,
                    time_ns,
                )
            )
            self.seen[order.client_order_id] = ack.filled_qty
