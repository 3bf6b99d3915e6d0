"""The event loop without per-event callbacks, for specs where nothing is stateful.

When no gate decides (no regime filter, no agents), no protective exit watches the bars,
only longs open, and the equity does not size or cap a position, each symbol's trades
follow from its own signal arrays alone: flat -> the next entry bar -> a fill at the next
open -> the exit rule's (or the holding limit's) bar -> a fill at the next open -> flat.
:func:`fast_run` walks those per symbol with bisection (microseconds per trade) and books
the fills, trades, positions, orders and decision records the session would have made,
through the same cost models and sizing functions.

What couples the symbols -- cash at a fill, ``max positions``, the PDT rule -- is checked
afterwards on the merged timeline with conservative conditions: if any could have bound
(cash below zero after a timestamp's fills, more slots in use than allowed, a same-day
round trip), :func:`fast_run` returns None and the engine runs the full event loop. So the
answer is always the event loop's; ``tests/test_backtest_fast_path.py`` holds them equal.
"""

from __future__ import annotations

from bisect import bisect_left
from typing import Any

import numpy as np

from app.backtest.prepare import Prepared
from app.execution.gate import APPROVE, GateChain
from app.execution.orders import Fill, Order, client_order_id
from app.execution.paper import PaperBroker
from app.execution.portfolio import Position, Trade
from app.execution.session import DecisionRecord, StrategySession
from app.execution.sizing import needs_equity, raw_quantity, round_qty
from app.spec.models import StrategySpec

_DAY_NS = 86_400 * 10**9


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
    """Book the run into ``broker`` and ``session``; False (nothing booked) when a portfolio
    constraint might have bound, so the caller must run the event loop instead."""
    legs = [_symbol_legs(spec, session, broker, k, d, f)
            for k, (d, f) in enumerate(zip(prepared.datas, prepared.first_bar))]
    if legs and any(leg is None for leg in legs):
        return False
    flat = [leg for per in legs for leg in per]  # type: ignore[union-attr]
    if not _fits(spec, flat, broker):
        return False
    _book(flat, broker, session)
    return True


# --------------------------------------------------------------------------- per symbol


def _symbol_legs(spec: StrategySpec, session: StrategySession, broker: PaperBroker, k: int,
                 data: Any, first: int) -> list[dict[str, Any]] | None:
    """The symbol's round trips in order, as dicts of bars and prices (None: not exact)."""
    entries = np.flatnonzero(data.long_entry).tolist()
    exits = np.flatnonzero(data.long_exit).tolist()
    n, hold, out, bar = data.n, spec.max_hold_bars, [], first
    while True:
        i = bisect_left(entries, bar)
        if i == len(entries):
            return out
        e = entries[i]
        price = float(data.close[e])
        qty = round_qty(raw_quantity(spec.sizing, 0.0, price, None) * APPROVE.size_factor,
                        data.fractional)
        if qty <= 0:
            return None  # a refused size: the event loop records why
        leg: dict[str, Any] = {"k": k, "data": data, "decide": e, "qty": qty, "price": price}
        out.append(leg)
        if e + 1 >= n:
            return out  # placed on the last bar: never fills
        fill = leg["fill"] = e + 1
        j = bisect_left(exits, fill)
        x = exits[j] if j < len(exits) else n
        reason = "exit_rule"
        if hold is not None and fill + hold - 1 < x:
            x, reason = fill + hold - 1, "max_hold"
        if x >= n:
            return out  # still open at the end
        leg["exit_decide"], leg["reason"] = x, reason
        if x + 1 >= n:
            return out  # the close order has no bar to fill on
        leg["exit"] = bar = x + 1


def _fits(spec: StrategySpec, legs: list[dict[str, Any]], broker: PaperBroker) -> bool:
    """Cash never short at a fill, slots within ``max positions``, no day trade (PDT)."""
    flows: list[tuple[int, int, float]] = []
    for leg in legs:
        if "fill" not in leg:
            continue
        data, qty, bar = leg["data"], leg["qty"], leg["fill"]
        price = float(data.open[bar]) + broker.slippage.per_share(qty, float(data.open[bar]))
        cost = qty * price + broker.commission.cash(qty, price)
        flows.append((int(data.times[bar]), 1, -cost * (1 + 1e-9) - 1e-6))
        if "exit" in leg:
            t_exit = int(data.times[leg["exit"]])
            if t_exit // _DAY_NS == int(data.times[bar]) // _DAY_NS:
                return False  # a day trade: the PDT count could move
            out = float(data.open[leg["exit"]])
            out -= broker.slippage.per_share(qty, out)
            gain = qty * out - broker.commission.cash(qty, out)
            flows.append((t_exit, 0, gain * (1 - 1e-9) - 1e-6))
    if flows:
        flows.sort(key=lambda f: (f[0], f[1]))
        times = np.array([f[0] for f in flows])
        running = broker.account.cash + np.cumsum([f[2] for f in flows])
        last_of_time = np.r_[times[1:] != times[:-1], True]
        if (running[last_of_time] < 0).any():
            return False
    return spec.max_positions is None or _slots_fit(legs, spec.max_positions)


def _slots_fit(legs: list[dict[str, Any]], limit: int) -> bool:
    """At every entry decision, the positions and orders that hold a slot then (counting
    every entry decided at that time) stay within ``limit``."""
    starts = np.array([int(leg["data"].times[leg["decide"]]) for leg in legs], dtype=np.int64)
    never = np.iinfo(np.int64).max
    ends = np.array([int(leg["data"].times[leg["exit_decide"]]) if "exit_decide" in leg
                     else never for leg in legs], dtype=np.int64)
    if not len(starts):
        return True
    # held at t: decided at or before t, and its exit not yet decided by t's close
    held = (np.searchsorted(np.sort(starts), starts, side="right")
            - np.searchsorted(np.sort(ends), starts, side="right"))
    return bool((held <= limit).all())


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
                       APPROVE.conviction, APPROVE.reasons, APPROVE.record)
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
