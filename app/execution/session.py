"""One strategy's decisions on one bar of one symbol: the execution path itself.

Backtest, paper and live all drive a :class:`StrategySession`; they differ only in the
clock (which bars, in what order), the feed (where :class:`SymbolData` comes from) and the
broker. Per bar the driver calls, in time order:

0. :meth:`bar_opens` -- once per timestamp, before anything fills: the limits' new day;
1. :meth:`on_open`   -- the pending market order fills at the open;
2. :meth:`check_exits` / :meth:`on_exit_hit` -- stop, target, trailing stop within the bar;
3. :meth:`bar_closes` -- once per timestamp, after the fills: the limits check the close
   (daily loss, drawdown, circuit breaker; :mod:`app.execution.limits`);
4. :meth:`on_close`  -- exit rule or holding limit for a held symbol, otherwise the entry
   rule: candidate -> limits -> gates (regime, agents) -> sizing -> risk gate -> order.

A bar where no rule fired and no position is open does nothing in 1, 2 and 4, so a driver
may skip them: the backtest calls them only at such "event" bars and gets the same result
a bar-by-bar replay would. It still calls 0 and 3 for every bar while the limits are
active (:class:`app.backtest.limit_clock.LimitClock`).
"""

from __future__ import annotations

import copy
from collections.abc import Sequence

from app.execution.decision import DecisionRecord
from app.execution.fill_model import ExitHit, ExitPlan, find_exit
from app.execution.gate import APPROVE, BookView, Candidate, Decision, GateChain, bars_until
from app.execution.limits import Limits
from app.execution.orders import Intent, Order, client_order_id
from app.execution.paper import PaperBroker
from app.execution.portfolio import Position, Trade
from app.execution.risk import RiskGate
from app.execution.sizing import (
    bracket_for,
    needs_equity,
    raw_quantity,
    round_qty,
    stop_distance,
)
from app.execution.symbol_data import SymbolData
from app.instruments import instrument
from app.spec.models import StrategySpec


class StrategySession:
    """Runs a spec's decisions against a broker, one (symbol, bar) at a time."""

    def __init__(
        self,
        spec: StrategySpec,
        broker: PaperBroker,
        gates: GateChain,
        feeds: dict[str, SymbolData],
        run_id: str = "bt",
        limits: Limits | None = None,
    ) -> None:
        self.spec = spec
        self.broker = broker
        self.gates = gates
        self.feeds = feeds
        self.run_id = run_id
        self.limits = limits if limits is not None else Limits(spec)
        self.risk = RiskGate(spec, self.limits)
        self.decisions: list[DecisionRecord] = []
        self._need_equity = needs_equity(spec) or not gates.trivial
        self._now = 0
        self._equity: tuple[tuple[int, float, int, int] | None, float] = (None, 0.0)
        self._listeners = gates.trade_listeners
        if gates.wants_book:  # the team's risk manager reads the real book, every bar
            self.limits.track_equity()
            gates.use_book(self.book_view)

    # ----------------------------------------------------------------- the bar's phases
    def on_open(self, data: SymbolData, bar: int) -> Position | Trade | None:
        """Fill the symbol's pending order at this bar's open."""
        done = self.broker.fill_at_open(
            data.symbol, bar, int(data.times[bar]), float(data.open[bar])
        )
        if done is None:
            return None
        if isinstance(done[1], Trade):
            self._tell(done[1])
        return done[1]

    def check_exits(
        self, data: SymbolData, start: int, end: int, plan: ExitPlan | None = None
    ) -> ExitHit | None:
        """The first protective exit of the open position in bars ``[start, end)``.

        ``plan`` defaults to the position's own, whose trailing peak then advances over
        the scanned bars (a live runner scans each bar once, in order). A backtest looking
        ahead to schedule passes :meth:`lookahead_plan` instead, so the position's state
        never moves before the clock gets there.
        """
        if plan is None:
            pos = self.broker.position(data.symbol)
            if pos is None or pos.plan is None:
                return None
            plan = pos.plan
        return find_exit(plan, data.open, data.high, data.low, start, end)

    def lookahead_plan(self, symbol: str) -> ExitPlan | None:
        """A copy of the open position's exit plan, to scan ahead without changing it."""
        pos = self.broker.position(symbol)
        return None if pos is None or pos.plan is None else copy.copy(pos.plan)

    def on_exit_hit(self, data: SymbolData, hit: ExitHit) -> Trade:
        trade = self.broker.fill_exit(data.symbol, hit, int(data.times[hit.bar]))
        self._tell(trade)
        return trade

    def _tell(self, trade: Trade) -> None:
        """Count the closed trade for the limits (PDT) and let the gates learn from it
        (the agent team's memory)."""
        self.limits.on_trade(trade)
        for listener in self._listeners:
            listener(trade)

    def on_close(self, data: SymbolData, bar: int) -> Order | None:
        """Rules on the closed bar; returns the order placed, if any.

        A symbol holds one position at a time: a held symbol reads only its exit rule and
        holding limit, and the entry rules are read only while it is flat with no order
        pending -- so a bar whose exit fires never also reverses the position (the
        reference backtesters behave the same way).
        """
        self._now = int(data.times[bar])
        pos = self.broker.position(data.symbol)
        if pos is not None:
            return self._maybe_exit(data, bar, pos)
        if data.symbol in self.broker.orders.pending:
            return None
        if data.long_entry[bar]:
            return self._enter(data, bar, 1)
        if data.short_entry[bar]:
            return self._enter(data, bar, -1)
        return None

    def bar_opens(self, time_ns: int) -> None:
        """A timestamp starts: the limits roll to a new day when its date is new."""
        self.limits.open_bar(time_ns)

    def bar_closes(self, time_ns: int, batch: Sequence[tuple[SymbolData, int]]) -> None:
        """The limits check the close at ``time_ns``, after its fills: equity (marked at
        the close) and the move of each symbol with a bar then."""
        lim = self.limits
        equity = self.equity_at(time_ns) if lim.watches_equity else None
        cb = lim.circuit_breaker
        moves = (
            ()
            if cb is None
            else (
                (d.symbol, float(d.close[b]), float(d.close[b - cb.bars]) if b >= cb.bars else None)
                for d, b in batch
            )
        )
        lim.close_bar(time_ns, equity, moves)

    def step(self, batch: Sequence[tuple[SymbolData, int]]) -> None:
        """Every symbol's bar at one timestamp, bar by bar, as a live runner drives it.

        ``batch`` lists (symbol data, bar index) in universe order. The phases run across
        all symbols in the order the backtest's timeline uses -- exit fills and gapped
        stops at the open, entry fills, stops and targets inside the bar, then the closes
        (exits before entries, entries by screen rank or universe order) -- so a
        bar-by-bar replay gives the backtest's trades exactly. The limits see the bar's
        start before the fills and its close before the rules.
        """
        if not batch:
            return
        now = int(batch[0][0].times[batch[0][1]])
        self.bar_opens(now)
        for data, bar in batch:
            pending = self.broker.pending_order(data.symbol)
            if pending is not None and pending.intent == "close":
                self.on_open(data, bar)
        inside: list[tuple[SymbolData, ExitHit]] = []
        for data, bar in batch:
            hit = self.check_exits(data, bar, bar + 1)
            if hit is not None and hit.at_open:
                self.on_exit_hit(data, hit)
            elif hit is not None:
                inside.append((data, hit))
        for data, bar in batch:
            if self.broker.pending_order(data.symbol) is None:
                continue
            if self.on_open(data, bar) is not None:  # an entry filled: its first bar
                hit = self.check_exits(data, bar, bar + 1)
                if hit is not None:
                    inside.append((data, hit))
        for data, hit in inside:
            self.on_exit_hit(data, hit)
        self.bar_closes(now, batch)
        held = [(d, b) for d, b in batch if self.broker.position(d.symbol) is not None]
        flat = [
            (k, d, b) for k, (d, b) in enumerate(batch) if self.broker.position(d.symbol) is None
        ]
        flat.sort(key=lambda x: x[0] if x[1].screen_pos is None else int(x[1].screen_pos[x[2]]))
        for data, bar in held + [(d, b) for _, d, b in flat]:
            self.on_close(data, bar)

    # ----------------------------------------------------------------- exits
    def _maybe_exit(self, data: SymbolData, bar: int, pos: Position) -> Order | None:
        if pos.closing:
            return None
        rule = data.long_exit if pos.side > 0 else data.short_exit
        hold = self.spec.max_hold_bars
        if rule[bar]:
            reason = "exit_rule"
        elif hold is not None and bar - pos.entry_bar + 1 >= hold:
            reason = "max_hold"
        else:
            return None
        order = Order(
            client_order_id(self.run_id, data.symbol, self._now, "close"),
            data.symbol,
            -pos.side,
            pos.qty,
            "close",
            reason,
            bar,
            self._now,
        )
        return self.broker.submit(order)

    # ----------------------------------------------------------------- entries
    def _enter(self, data: SymbolData, bar: int, side: int) -> Order | None:
        price = float(data.close[bar])
        equity = self.equity() if self._need_equity else None
        rule = "long_entry" if side > 0 else "short_entry"
        decision = APPROVE
        exempt = not instrument(data.symbol).pdt  # PDT: US equities only
        blocked = self.risk.blocked(exempt, self)
        if blocked:  # before the gates: a blocked entry costs no agent (or LLM) call
            self._record(data, side, rule, 0.0, decision, (blocked,))
            return None
        if not self.gates.trivial:
            cand = Candidate(
                data.symbol,
                "long" if side > 0 else "short",
                rule,
                bar,
                data.local_ns(bar),
                price,
                bars_until(data.bars, bar),
                equity,
            )
            decision = self.gates.decide(cand)
            if not decision.approved:
                self._record(data, side, rule, 0.0, decision, ())
                return None
        bracket = bracket_for(self.spec, lambda period: data.atr_at(period, bar))
        qty = (
            raw_quantity(
                self.spec.sizing, equity or 0.0, price, stop_distance(self.spec, price, bracket)
            )
            * decision.size_factor
        )
        verdict = self.risk.check(
            round_qty(qty, data.fractional), price, data.fractional, self, exempt
        )
        self._record(data, side, rule, verdict.qty, decision, verdict.reasons)
        if not verdict.approved:
            return None
        intent: Intent = "open_long" if side > 0 else "open_short"
        order = Order(
            client_order_id(self.run_id, data.symbol, self._now, intent),
            data.symbol,
            side,
            verdict.qty,
            intent,
            rule,
            bar,
            self._now,
            bracket,
        )
        return self.broker.submit(order)

    def _record(
        self,
        data: SymbolData,
        side: int,
        rule: str,
        qty: float,
        decision: Decision,
        risk_reasons: tuple[str, ...],
    ) -> None:
        self.decisions.append(
            DecisionRecord(
                self._now,
                data.symbol,
                "long" if side > 0 else "short",
                rule,
                qty > 0,
                qty,
                decision.conviction,
                decision.reasons + risk_reasons,
                decision.records,
            )
        )

    # ----------------------------------------------------------------- the risk book
    def mark(self, symbol: str) -> float:
        """A position's price now: its symbol's last close at or before this close."""
        return self.feeds[symbol].close_at(self._now)

    def equity(self) -> float:
        """Equity at this close; kept until the clock or the account moves (sizing, the
        limits and the caps all ask for it at one decision)."""
        acct = self.broker.account
        key = (self._now, acct.cash, len(acct.positions), len(acct.fills))
        if self._equity[0] != key:
            self._equity = (key, acct.equity(self.mark))
        return self._equity[1]

    def equity_at(self, time_ns: int) -> float:
        """Equity with every position marked at its last close at or before ``time_ns``."""
        return self.broker.account.equity(lambda s: self.feeds[s].close_at(time_ns))

    def book_view(self) -> BookView:
        """The account at this close for the gates: equity, its peak and the day's start
        (the limits track both at every close), positions held past the next open and
        entries waiting to fill, at market."""
        state, equity = self.limits.state, self.equity()
        held = [
            (p.symbol, "long" if p.side > 0 else "short", p.qty * self.mark(p.symbol))
            for p in self.broker.account.positions.values()
            if not p.closing
        ]
        waiting = [
            (o.symbol, "long" if o.side > 0 else "short", o.qty * self.mark(o.symbol))
            for o in self.broker.orders.pending.values()
            if o.intent != "close"
        ]
        peak = max(state.peak_equity or equity, equity)
        return BookView(equity, peak, state.day_start_equity, tuple(held + waiting))

    def open_positions(self) -> int:
        pending = sum(1 for o in self.broker.orders.pending.values() if o.intent != "close")
        return self.broker.account.open_count() + pending

    def gross_exposure(self) -> float:
        held = sum(
            p.qty * self.mark(p.symbol)
            for p in self.broker.account.positions.values()
            if not p.closing
        )
        waiting = sum(
            o.qty * self.mark(o.symbol)
            for o in self.broker.orders.pending.values()
            if o.intent != "close"
        )
        return held + waiting
