"""The paper broker: a simulated venue shared by the backtest and the paper runner.

It behaves like a broker account seen through an API: orders are submitted with a client
order id (re-submitting the same id returns the existing order, never a second one),
market orders fill at the next bar's open, protective exits (stop, target, trailing)
attached to a position fill where :mod:`app.execution.fill_model` says, and the account
keeps cash, positions and closed trades. Only the feed that hands it bars differs between
a backtest and a paper run.

Venue rules, documented because a real broker's differ:

* No cash is lent: a buy that costs more than the cash at the fill is cut to the whole
  shares the cash pays for (rejected when that is none).
* Shorts are margin-checked as a broker does (:mod:`app.execution.margin`): every opening
  order must fit the buying power (initial margin 50% on shorts, 100% on longs), and each
  short carries the price where the maintenance margin (30%) would be breached, at which
  the broker closes it (``margin_call``). Positions the fill does not touch are marked at
  the last price this venue saw for them. The level is fixed at the fill, so a backtest
  and a bar-by-bar run liquidate at the same bar.
* One pending order per symbol; a close order for a position that a protective exit has
  already closed is cancelled.
"""

from __future__ import annotations

from app.execution.costs import ZERO, CostModel
from app.execution.fill_model import ExitHit, ExitPlan
from app.execution.margin import MarginRules
from app.execution.orders import BUY, Fill, Order, OrderBook
from app.execution.portfolio import Portfolio, Position, Trade
from app.execution.sizing import is_fractional, round_qty


class PaperBroker:
    """Simulated account and order handling against bars."""

    def __init__(
        self,
        cash: float,
        commission: CostModel = ZERO,
        slippage: CostModel = ZERO,
        margin: MarginRules | None = MarginRules(),
    ) -> None:
        self.account = Portfolio(cash)
        self.orders = OrderBook()
        self.commission = commission
        self.slippage = slippage
        self.margin = margin
        """None: the venue is elsewhere and checks margin itself (a real broker)."""
        self.marks: dict[str, float] = {}
        """The last price this venue saw per symbol (an open it filled at)."""

    # ----------------------------------------------------------------- orders
    def submit(self, order: Order) -> Order:
        """Accept an order; the same client order id twice returns the first order."""
        known = self.orders.by_id.get(order.client_order_id)
        if known is not None:
            return known
        self.orders.by_id[order.client_order_id] = order
        if order.symbol in self.orders.pending:
            order.status, order.note = "rejected", "another order is pending for the symbol"
            return order
        self.orders.pending[order.symbol] = order
        if order.intent == "close":
            pos = self.account.positions.get(order.symbol)
            if pos is not None:
                pos.closing = True
        return order

    def cancel(self, client_order_id: str) -> bool:
        order = self.orders.by_id.get(client_order_id)
        if order is None or order.status != "new":
            return False
        order.status = "canceled"
        self.orders.pending.pop(order.symbol, None)
        return True

    def pending_order(self, symbol: str) -> Order | None:
        return self.orders.pending.get(symbol)

    def position(self, symbol: str) -> Position | None:
        return self.account.positions.get(symbol)

    # ----------------------------------------------------------------- fills
    def fill_at_open(
        self, symbol: str, bar: int, time_ns: int, open_price: float
    ) -> tuple[Order, Position | Trade | None] | None:
        """Fill the symbol's pending market order at this bar's open.

        Returns the order and what it produced: the new position, the closed trade, or
        None when the venue rejected or cancelled it (see ``order.note``); None when no
        order was pending.
        """
        order = self.orders.pending.pop(symbol, None)
        if order is None:
            return None
        self.marks[symbol] = open_price
        if order.intent == "close":
            return order, self._close_at_open(order, bar, time_ns, open_price)
        return order, self._open_at_open(order, bar, time_ns, open_price)

    def _open_at_open(
        self, order: Order, bar: int, time_ns: int, open_price: float
    ) -> Position | None:
        if order.symbol in self.account.positions:
            order.status, order.note = "rejected", "a position is already open"
            return None
        price = open_price + order.side * self.slippage.per_share(order.qty, open_price)
        qty = order.qty if order.side != BUY else self._affordable(order, price)
        short_of = "cash"
        if self.margin is not None:
            allowed = self._margin_qty(order, price)
            if allowed < qty:
                qty, short_of = allowed, "buying power (margin)"
        if qty <= 0:
            order.status, order.note = "rejected", f"not enough {short_of} at the fill"
            return None
        if qty < order.qty:
            order.note = f"cut from {order.qty:g} to {qty:g} shares: not enough {short_of}"
            price = open_price + order.side * self.slippage.per_share(qty, open_price)
        order.status = "filled"
        fill = Fill(
            order.client_order_id,
            order.symbol,
            order.side,
            qty,
            price,
            self.commission.cash(qty, price),
            bar,
            time_ns,
            order.reason,
        )
        plan = order.bracket.plan(order.side, price) if order.bracket is not None else None
        pos = self.account.open(fill, plan, order.reason)
        if self.margin is not None and pos.side < 0:
            self._set_margin_call(pos, price)
        return pos

    def _mark(self, symbol: str) -> float:
        pos = self.account.positions.get(symbol)
        return self.marks.get(symbol, pos.entry_price if pos is not None else 0.0)

    def _margin_qty(self, order: Order, price: float) -> float:
        """The order's size cut to the account's buying power at ``price``."""
        assert self.margin is not None
        equity = self.account.equity(self._mark)
        power = self.margin.buying_power(equity, self.account.positions.values(), self._mark)
        cap = self.margin.max_qty(order.side, price, power)
        return order.qty if order.qty <= cap else round_qty(cap, is_fractional(order.symbol))

    def _set_margin_call(self, pos: Position, price: float) -> None:
        """Attach the maintenance-margin liquidation level to a new short."""
        assert self.margin is not None
        self.marks[pos.symbol] = price
        others = sum(
            p.qty * self._mark(p.symbol)
            for p in self.account.positions.values()
            if p.side < 0 and p.symbol != pos.symbol
        )
        level = self.margin.call_price(self.account.equity(self._mark), pos, price, others)
        if level is not None:
            pos.plan = pos.plan or ExitPlan(pos.side, peak=price)
            pos.plan.margin_call = level

    def _affordable(self, order: Order, price: float) -> float:
        """The order's size, cut to what the cash pays for (commission included)."""
        cash = self.account.cash
        if order.qty * price + self.commission.cash(order.qty, price) <= cash:
            return order.qty
        per_share = (
            price + self.commission.per_share(1.0, price)
            if self.commission.kind != "fixed"
            else price
        )
        fixed = self.commission.value if self.commission.kind == "fixed" else 0.0
        return round_qty(min(order.qty, (cash - fixed) / per_share), is_fractional(order.symbol))

    def _close_at_open(
        self, order: Order, bar: int, time_ns: int, open_price: float
    ) -> Trade | None:
        pos = self.account.positions.get(order.symbol)
        if pos is None:
            order.status, order.note = "canceled", "the position was already closed"
            return None
        price = open_price + order.side * self.slippage.per_share(pos.qty, open_price)
        order.status = "filled"
        fill = Fill(
            order.client_order_id,
            order.symbol,
            order.side,
            pos.qty,
            price,
            self.commission.cash(pos.qty, price),
            bar,
            time_ns,
            order.reason,
        )
        return self.account.close(fill, bar - pos.entry_bar)

    def fill_exit(self, symbol: str, hit: ExitHit, time_ns: int) -> Trade:
        """Close a position at a protective exit; stops slip, targets (limits) do not."""
        pos = self.account.positions[symbol]
        side = -pos.side
        slip = 0.0 if hit.reason == "take_profit" else self.slippage.per_share(pos.qty, hit.price)
        price = hit.price + side * slip
        pending = self.orders.pending.get(symbol)
        if pending is not None and pending.intent == "close":
            self.cancel(pending.client_order_id)
        fill = Fill(
            f"pos{pos.id}-{hit.reason}",
            symbol,
            side,
            pos.qty,
            price,
            self.commission.cash(pos.qty, price),
            hit.bar,
            time_ns,
            hit.reason,
        )
        return self.account.close(fill, hit.bar - pos.entry_bar + 1)
