"""The kernel's run booked into the broker and the session, as the event loop books it.

:func:`book` turns the kernel's closed trades and end state into the decision records,
fills, trades, open positions and pending orders the event loop would leave, in its order
(decisions by time and universe order; fills by time, exits before entries, then universe
order; positions by entry fill; orders by when placed). The arithmetic is
:class:`~app.execution.portfolio.Portfolio`'s step for step (fill prices through the
broker's own cost models, cash updated fill by fill), and the bar lookups are done for all
legs at once. For long-only specs without protective exits (see
:func:`app.backtest.fast_path.eligible`).
"""

from __future__ import annotations

import numpy as np

from app.backtest.gcpause import gc_paused
from app.backtest.kernel_run import KernelRun, stack
from app.backtest.prepare import Prepared
from app.execution.decision import DecisionRecord
from app.execution.gate import APPROVE
from app.execution.orders import Fill, Order, client_order_id
from app.execution.paper import PaperBroker
from app.execution.portfolio import Position, Trade
from app.execution.session import StrategySession

REASONS = ("exit_rule", "max_hold")
"""The kernel's exit reason codes this path can meet (no protective exits)."""


class _Legs:
    """Every entry (closed trades first, then open positions, then pending orders) and
    every closed trade's exit, as Python lists of bars, times and prices."""

    def __init__(self, run: KernelRun, opens: np.ndarray, prepared: Prepared) -> None:
        tr, st = run.trades, run.state
        held, pend = np.flatnonzero(st[:, 0] != 0), np.flatnonzero(st[:, 9] != 0)
        self.closed, self.held = len(tr), len(held)
        k = np.concatenate([tr[:, 0], held, pend]).astype(np.int64)
        fill = np.concatenate([tr[:, 10], st[held, 3], np.full(pend.size, -1)]).astype(np.int64)
        decide = np.concatenate([tr[:, 10] - 1, st[held, 3] - 1, st[pend, 11]]).astype(np.int64)
        times = stack([d.times for d in prepared.datas], 0, opens.shape[0])
        self.k, self.fill, self.decide = k.tolist(), fill.tolist(), decide.tolist()
        self.qty = np.concatenate([tr[:, 6], st[held, 1], st[pend, 10]]).tolist()
        self.t_decide = times[decide, k].tolist()
        filled = fill >= 0
        self.t_fill = np.where(filled, times[np.maximum(fill, 0), k], -1).tolist()
        self.open_fill = np.where(filled, opens[np.maximum(fill, 0), k], np.nan).tolist()
        xk, xbar = k[: self.closed], tr[:, 11].astype(np.int64)
        self.exit, self.reason = xbar.tolist(), [REASONS[int(r)] for r in tr[:, 7]]
        self.t_exit = times[xbar, xk].tolist()
        self.t_exit_decide = times[xbar - 1, xk].tolist()
        self.open_exit = opens[xbar, xk].tolist()
        closing = st[held, 6] != 0
        self.held_close = [
            (int(b), REASONS[int(r)]) if c else None
            for c, b, r in zip(closing, st[held, 8], st[held, 7])
        ]
        self.t_held_close = times[np.where(closing, st[held, 8], 0).astype(np.int64), held].tolist()
        self.prio = self._priorities(prepared, k, decide)

    @staticmethod
    def _priorities(prepared: Prepared, k: np.ndarray, decide: np.ndarray) -> list[int]:
        """The session's order among entries decided at one time: the screen's rank, or
        the universe order."""
        out: list[int] = (k + 1).tolist()
        for i, (s, b) in enumerate(zip(k.tolist(), decide.tolist())):
            pos = prepared.datas[s].screen_pos
            if pos is not None:
                out[i] = int(pos[b]) + 1
        return out


def book(
    run: KernelRun,
    opens: np.ndarray,
    prepared: Prepared,
    broker: PaperBroker,
    session: StrategySession,
) -> None:
    """Book the kernel's run (see the module docstring); ``opens`` is the market's open
    grid (:class:`~app.backtest.kernel_run.Market`)."""
    with gc_paused():
        g = _Legs(run, opens, prepared)
        symbols = [d.symbol for d in prepared.datas]
        # by decision time, then priority; ties keep their index order (a stable sort)
        order = np.lexsort(
            (np.asarray(g.prio, dtype=np.int64), np.asarray(g.t_decide, dtype=np.int64))
        ).tolist()
        conviction, reasons = APPROVE.conviction, APPROVE.reasons
        t_decide, k, qty = g.t_decide, g.k, g.qty
        session.decisions.extend(
            DecisionRecord(
                t_decide[i], symbols[k[i]], "long", "long_entry", True, qty[i], conviction, reasons
            )
            for i in order
        )
        entries, ids = _fills(g, symbols, session.run_id, broker)
        _pending(g, entries, ids, order, symbols, broker, session.run_id)


def _fills(
    g: _Legs, symbols: list[str], run: str, broker: PaperBroker
) -> tuple[list[Fill], list[int]]:
    """Every fill in the event loop's order; returns the entry fills and the position ids
    they opened, by entry index."""
    opened, closed = g.closed + g.held, g.closed
    # (time, exit 0 / entry 1, symbol, index) in order, as sorting those tuples would
    time = np.concatenate(
        [np.asarray(g.t_fill[:opened], dtype=np.int64), np.asarray(g.t_exit, dtype=np.int64)]
    )
    phases = np.concatenate([np.ones(opened, np.int64), np.zeros(closed, np.int64)])
    index = np.concatenate([np.arange(opened), np.arange(closed)])
    sym = np.asarray(g.k[:opened] + g.k[:closed], dtype=np.int64)
    at = np.lexsort((index, sym, phases, time))
    events = zip(time[at].tolist(), phases[at].tolist(), sym[at].tolist(), index[at].tolist())
    acct, slip, comm = broker.account, broker.slippage, broker.commission
    entries: list[Fill] = [None] * opened  # type: ignore[list-item]
    ids = [0] * opened
    fills, trades = acct.fills, acct.trades
    quantities, bars, t_decide, open_fill = g.qty, g.fill, g.t_decide, g.open_fill
    exits, t_exit_decide, open_exit, reasons = g.exit, g.t_exit_decide, g.open_exit, g.reason
    slipped, charged = not slip.is_zero, not comm.is_zero
    cash, next_id = acct.cash, acct._next_id
    for t, phase, k, i in events:
        qty, symbol = quantities[i], symbols[k]
        if phase:
            price = open_fill[i]
            if slipped:
                price += slip.per_share(qty, price)
            fee = comm.cash(qty, price) if charged else 0.0
            fill = entries[i] = Fill(
                client_order_id(run, symbol, t_decide[i], "open_long"),
                symbol,
                1,
                qty,
                price,
                fee,
                bars[i],
                t,
                "long_entry",
            )
            cash -= qty * price + fee
            fills.append(fill)
            next_id += 1
            ids[i] = next_id
            continue
        entry, bar = entries[i], exits[i]
        price = open_exit[i]
        if slipped:
            price -= slip.per_share(qty, price)
        fee = comm.cash(qty, price) if charged else 0.0
        fills.append(
            Fill(
                client_order_id(run, symbol, t_exit_decide[i], "close"),
                symbol,
                -1,
                qty,
                price,
                fee,
                bar,
                t,
                reasons[i],
            )
        )
        cash -= -qty * price + fee
        commission = entry.commission + fee
        pnl = qty * (price - entry.price) - commission
        cost = qty * entry.price
        trades.append(
            Trade(
                symbol,
                "long",
                entry.time_ns,
                entry.price,
                t,
                price,
                qty,
                pnl,
                100.0 * pnl / cost if cost else 0.0,
                bar - entry.bar,
                reasons[i],
                commission,
                entry.bar,
                bar,
            )
        )
    acct.cash, acct._next_id = cash, next_id
    return entries, ids


def _pending(
    g: _Legs,
    entries: list[Fill],
    ids: list[int],
    order: list[int],
    symbols: list[str],
    broker: PaperBroker,
    run: str,
) -> None:
    """Positions still open at the end (by entry fill), and the orders placed on the last
    bar (by when placed)."""
    acct, book_ = broker.account, broker.orders
    held = sorted(range(g.closed, g.closed + g.held), key=lambda i: ids[i])
    placed = []
    for i in held:
        fill, pid = entries[i], ids[i]
        position = acct.positions[fill.symbol] = Position(
            pid,
            fill.symbol,
            1,
            fill.qty,
            fill.price,
            fill.bar,
            fill.time_ns,
            fill.commission,
            "long_entry",
            None,
        )
        close = g.held_close[i - g.closed]
        if close is not None:  # its close order had no bar to fill on
            t = g.t_held_close[i - g.closed]
            placed.append(
                (
                    (t, 0, fill.time_ns, g.k[i]),
                    Order(
                        client_order_id(run, fill.symbol, t, "close"),
                        fill.symbol,
                        -1,
                        g.qty[i],
                        "close",
                        close[1],
                        close[0],
                        t,
                    ),
                )
            )
            position.closing = True
    for i in order:
        if g.fill[i] < 0:  # an entry placed on the symbol's last bar
            t, symbol = g.t_decide[i], symbols[g.k[i]]
            placed.append(
                (
                    (t, g.prio[i], 0, 0),
                    Order(
                        client_order_id(run, symbol, t, "open_long"),
                        symbol,
                        1,
                        g.qty[i],
                        "open_long",
                        "long_entry",
                        g.decide[i],
                        t,
                        None,
                    ),
                )
            )
    for _, o in sorted(placed, key=lambda p: p[0]):
        book_.by_id[o.client_order_id] = o
        book_.pending[o.symbol] = o
