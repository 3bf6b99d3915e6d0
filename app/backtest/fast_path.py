"""The event loop without per-event callbacks, for specs where nothing is stateful.

When no gate decides (no regime filter, no agents), no protective exit watches the bars,
only longs open, and the equity does not size or cap a position, the compiled kernel
(:mod:`app.backtest.kernel`, the one the sweep runs) decides every trade of the run in one
call: flat -> an entry bar -> a fill at the next open -> the exit rule's (or the holding
limit's) bar -> a fill at the next open. :func:`fast_run` then books the fills, trades,
positions, orders and decision records the session would have made, pricing them through
the broker's own cost models.

Where the event loop would record more than trades -- a buy cut to the cash, an entry
refused by ``max positions`` or for a zero size, a same-day round trip the PDT rule counts
-- :func:`fast_run` books nothing and returns False, and the engine runs the full event
loop. So the answer is always the event loop's; ``tests/test_backtest_fast_path.py`` holds
them equal.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from app.backtest.kernel_run import KernelRun, market, prepared_signals, simulate
from app.backtest.prepare import Prepared
from app.execution.gate import APPROVE, GateChain
from app.execution.orders import Fill, Order, client_order_id
from app.execution.paper import PaperBroker
from app.execution.portfolio import Position, Trade
from app.execution.decision import DecisionRecord
from app.execution.session import StrategySession
from app.execution.sizing import needs_equity
from app.spec.models import StrategySpec

_DAY_NS = 86_400 * 10**9
_REASONS = ("exit_rule", "max_hold")
"""The kernel's exit reason codes this path can meet (no protective exits)."""


def eligible(spec: StrategySpec, chain: GateChain, session: StrategySession) -> bool:
    """Whether the spec's decisions need no per-event state (see the module docstring)."""
    lim = spec.limits
    return (chain.trivial and not chain.trade_listeners and spec.short_entry is None
            and spec.direction != "short"
            and spec.stop_loss is None and spec.take_profit is None
            and spec.trailing_stop is None and not needs_equity(spec)
            and not session.risk.needs_equity and lim.daily_loss_pct is None
            and lim.max_drawdown_pct is None and lim.circuit_breaker is None)


def fast_run(spec: StrategySpec, prepared: Prepared, broker: PaperBroker,
             session: StrategySession) -> bool:
    """Book the run into ``broker`` and ``session``; False (nothing booked) when the event
    loop would have recorded more than the trades, so the caller must run it instead."""
    m = market(prepared)
    run = simulate(spec, m, prepared_signals(prepared, m.rows), broker.account.cash,
                   broker.commission, broker.slippage)
    cut, _, _, capped, _, refused, zero = run.flags
    if cut or capped or refused or zero or _day_trade(run, m.union):
        return False
    _book(_legs(run, prepared), broker, session)
    return True


def _day_trade(run: KernelRun, union: np.ndarray) -> bool:
    """Whether a closed trade opened and closed on one calendar day (the PDT rule counts
    it in the event loop)."""
    rows = run.trades
    t0 = union[rows[:, 2].astype(np.int64)] // _DAY_NS
    t1 = union[rows[:, 4].astype(np.int64)] // _DAY_NS
    return bool((t0 == t1).any())


def _legs(run: KernelRun, prepared: Prepared) -> list[dict[str, Any]]:
    """The kernel's round trips, open positions and pending entries as booking legs: the
    own bars of each decision and fill (an order fills on the symbol's next bar)."""
    datas, out = prepared.datas, []
    for row in run.trades.tolist():
        k, fill, exit_ = int(row[0]), int(row[10]), int(row[11])
        out.append({"k": k, "data": datas[k], "decide": fill - 1, "qty": row[6],
                    "fill": fill, "exit_decide": exit_ - 1, "reason": _REASONS[int(row[7])],
                    "exit": exit_})
    for k, st in enumerate(run.state.tolist()):
        if st[0]:
            leg = {"k": k, "data": datas[k], "decide": int(st[3]) - 1, "qty": st[1],
                   "fill": int(st[3])}
            if st[6]:
                leg["exit_decide"], leg["reason"] = int(st[8]), _REASONS[int(st[7])]
            out.append(leg)
        if st[9]:
            out.append({"k": k, "data": datas[k], "decide": int(st[11]), "qty": st[10]})
    return out


# --------------------------------------------------------------------------- booking


def _book(legs: list[dict[str, Any]], broker: PaperBroker, session: StrategySession) -> None:
    """Decisions, fills, trades, open positions and pending orders, in the event loop's
    order, built directly (the arithmetic is :class:`Portfolio`'s, step for step)."""
    run = session.run_id
    decisions, fills = [], []
    for leg in legs:
        data, k = leg["data"], leg["k"]
        t = int(data.times[leg["decide"]])
        prio = int(data.screen_pos[leg["decide"]]) + 1 if data.screen_pos is not None else k + 1
        decisions.append((t, prio, leg))
        if "fill" in leg:
            fills.append((int(data.times[leg["fill"]]), 1, k, leg))
        if "exit" in leg:
            fills.append((int(data.times[leg["exit"]]), 0, k, leg))
    decisions.sort(key=lambda d: d[:2])
    fills.sort(key=lambda f: f[:3])
    session.decisions.extend(
        DecisionRecord(t, leg["data"].symbol, "long", "long_entry", True, leg["qty"],
                       APPROVE.conviction, APPROVE.reasons)
        for t, _, leg in decisions)
    for t, phase, _, leg in fills:
        if phase == 1:
            _fill_entry(leg, t, run, broker)
        else:
            _fill_exit(leg, t, run, broker)
    _pending(legs, decisions, broker, run)


def _fill_entry(leg: dict[str, Any], t: int, run: str, broker: PaperBroker) -> None:
    data, bar, qty = leg["data"], leg["fill"], leg["qty"]
    acct = broker.account
    price = float(data.open[bar])
    if not broker.slippage.is_zero:
        price += broker.slippage.per_share(qty, price)
    fee = 0.0 if broker.commission.is_zero else broker.commission.cash(qty, price)
    coid = client_order_id(run, data.symbol, int(data.times[leg["decide"]]), "open_long")
    fill = Fill(coid, data.symbol, 1, qty, price, fee, bar, t, "long_entry")
    acct.cash -= fill.side * fill.qty * fill.price + fill.commission
    acct.fills.append(fill)
    acct._next_id += 1
    leg["position"] = (acct._next_id, fill)


def _fill_exit(leg: dict[str, Any], t: int, run: str, broker: PaperBroker) -> None:
    data, bar, qty = leg["data"], leg["exit"], leg["qty"]
    acct = broker.account
    _, entry = leg.pop("position")
    price = float(data.open[bar])
    if not broker.slippage.is_zero:
        price -= broker.slippage.per_share(qty, price)
    fee = 0.0 if broker.commission.is_zero else broker.commission.cash(qty, price)
    coid = client_order_id(run, data.symbol, int(data.times[leg["exit_decide"]]), "close")
    fill = Fill(coid, data.symbol, -1, qty, price, fee, bar, t, leg["reason"])
    acct.cash -= fill.side * fill.qty * fill.price + fill.commission
    acct.fills.append(fill)
    commission = entry.commission + fill.commission
    pnl = qty * (fill.price - entry.price) - commission
    cost = qty * entry.price
    acct.trades.append(Trade(
        data.symbol, "long", entry.time_ns, entry.price, t, fill.price, qty, pnl,
        100.0 * pnl / cost if cost else 0.0, bar - entry.bar, fill.reason, commission,
        entry.bar, bar))


def _pending(legs: list[dict[str, Any]], decisions: list[tuple[int, int, Any]],
             broker: PaperBroker, run: str) -> None:
    """Positions still open at the end, and the orders placed on the last bar, in the
    order the event loop leaves them (positions by entry fill; orders by when placed)."""
    acct, book = broker.account, broker.orders
    held = sorted((leg for leg in legs if "position" in leg), key=lambda g: g["position"][0])
    for leg in held:
        pid, fill = leg["position"]
        acct.positions[fill.symbol] = Position(pid, fill.symbol, 1, fill.qty, fill.price,
                                               fill.bar, fill.time_ns, fill.commission,
                                               "long_entry", None)
    placed = []
    for leg in held:
        if "exit_decide" in leg:  # its close order had no bar to fill on
            data = leg["data"]
            t = int(data.times[leg["exit_decide"]])
            placed.append(((t, 0, leg["position"][1].time_ns, leg["k"]), Order(
                client_order_id(run, data.symbol, t, "close"), data.symbol, -1, leg["qty"],
                "close", leg["reason"], leg["exit_decide"], t)))
            acct.positions[data.symbol].closing = True
    for t, prio, leg in decisions:
        if "fill" not in leg:  # an entry placed on the symbol's last bar
            data = leg["data"]
            placed.append(((t, prio, 0, 0), Order(
                client_order_id(run, data.symbol, t, "open_long"), data.symbol, 1,
                leg["qty"], "open_long", "long_entry", leg["decide"], t, None)))
    for _, order in sorted(placed, key=lambda p: p[0]):
        book.by_id[order.client_order_id] = order
        book.pending[order.symbol] = order
