"""``Runner.run(spec, emit, stop)``: a spec executed live, bar by bar, on the one path.

For each closed bar the feed hands over: control commands are taken (stop, pause,
resume, flatten, kill), the bar is appended to each symbol's arrays, the execution
session steps over it (fills at the open, protective exits, the limits at the close, then
rules -> limits -> regime filter -> agent team -> risk gate -> sizing -> order, exactly as
the backtest), and everything the bar changed is committed in one transaction with the
book's checkpoint (:meth:`app.store.Store.commit_bar`).

Limits (:mod:`app.execution.limits`) are the backtest's; what is the runner's own is the
slippage check on venue fills (:mod:`app.runner.limits`) and the reaction: each trip is
an event, and the run is ``paused`` while entries are blocked -- until the next day for
the daily loss limit, until a person resumes it for the rest.

Crash safety: client order ids are deterministic (run, symbol, bar, intent); an order to
a broker is journaled before it is sent, an order to the simulated venue with its bar;
a bar's effects are committed atomically. A run killed at
any instant restarts from its last committed bar: the bars after it are processed again,
produce the same ids, and neither the journal nor the broker takes an id twice.
"""

from __future__ import annotations

import gc
import os
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any

import numpy as np

from app.broker.base import Broker, BrokerError
from app.broker.clock import wall_clock
from app.backtest.gates import gates_for_spec
from app.execution.orders import Order, client_order_id
from app.execution.session import StrategySession
from app.feeds.base import BarBatch, Feed
from app.runner import events as ev
from app.runner.book import Book
from app.runner.limits import Limits, LimitState
from app.runner.live_data import (
    DEFAULT_WINDOW,
    BarSignals,
    LiveSymbol,
    apply_screen_now,
    universe_frames,
)
from app.runner.venue import VenueBook
from app.instruments import instrument
from app.instruments.clock import run_zone
from app.spec.models import StrategySpec
from app.spec.params import runnable
from app.store import BarCommit, Store
from app.store.convert import decision_row, fill_row, order_row, position_row, trade_row
from app.store.tables import EventRow, utcnow

if TYPE_CHECKING:
    from app.config import Settings

Emit = Callable[[ev.RunnerEvent], None]
_STATUS = {"new": "submitted", "filled": "filled", "rejected": "rejected", "canceled": "canceled"}
QUIET_COMMIT_S = 0.5
"""A bar that changed nothing but the clock is committed at most this often."""
_LIVE_EFFECTS = {
    "day": "no new entries for the rest of the day",
    "run": "no new entries until the run is resumed",
}
"""What a trip does to a live run, by scope (PDT: as in a backtest)."""


@dataclass
class RunnerOptions:
    window: int = DEFAULT_WINDOW
    max_slippage_bps: float = 200.0
    agents: str | None = None
    now: Callable[[], datetime] = wall_clock
    """The wall clock the market's hours are asked at (tests fix it)."""
    freeze_gc: bool = False
    """The process is the run's own (``parley run`` / ``resume``): once started, collect
    and freeze what exists (:func:`gc.freeze`), so the cycle collector's full passes walk
    only what the bars make, not every module, table and warm-up array (such a pass took
    ~110 ms, the slowest bars of a 500-symbol run)."""


class Runner:
    """One run of one spec. Knows its store, feed and (optional) external broker."""

    def __init__(
        self,
        store: Store,
        run_id: str,
        feed: Feed,
        broker: Broker | None = None,
        options: RunnerOptions | None = None,
        settings: Settings | None = None,
    ) -> None:
        """``settings`` hold the keys a live run's agent team reads news with (none given:
        it reads no headlines)."""
        self.store = store
        self.settings = settings
        self.run_id = run_id
        self.feed = feed
        self.broker = broker
        self.options = options or RunnerOptions()
        self.latencies: list[float] = []
        """Seconds from each bar's arrival to its commit."""
        self._lessons: list[Any] = []
        """The agent team's lessons in the store (re-read once a bar)."""
        self._bar_orders: list[Any] = []
        """Orders to the simulated venue since the last commit (journaled with it)."""

    # ----------------------------------------------------------------- the loop
    def run(self, spec: StrategySpec, emit: Emit, stop: threading.Event) -> str:
        """Run until the data ends, ``stop`` is set or a stop command arrives.

        Returns:
            The final status: ``finished``, ``stopped`` or ``failed``.
        """
        spec = runnable(spec)  # parameters at their defaults
        try:
            state = self._start(spec, emit)
        except Exception as err:
            self._fail(emit, err)
            raise
        if self.options.freeze_gc:
            gc.collect()
            gc.freeze()
        try:
            return self._loop(state, emit, stop)
        finally:
            if self.options.freeze_gc:
                gc.unfreeze()

    def _loop(self, state: _State, emit: Emit, stop: threading.Event) -> str:
        status, reason = "finished", "the data ended"
        try:
            for batch in self.feed.batches(state.after_ns, stop):
                verdict = self._bar(state, batch, emit)
                if verdict is not None:
                    status, reason = verdict
                    break
            else:
                if stop.is_set() or self.feed.live:
                    status, reason = self._signalled_stop(state)
            self._commit(state, force=True)
        except Exception as err:
            self._fail(emit, err)
            raise
        if status == "stopped":  # a stop or kill that came as a signal is done too
            self.store.finish_commands(self.run_id, ("stop", "kill"))
        self.store.update_run(self.run_id, status=status, reason=reason, pid=None)
        self.store.add_event(self.run_id, status, reason)
        emit(ev.Finished(self.run_id, status, reason, self._summary(state)))
        return status

    def _start(self, spec: StrategySpec, emit: Emit) -> _State:
        row = self.store.get_run(self.run_id)
        assert row is not None, f"no run {self.run_id}"
        clock = run_zone(spec.universe)  # the feeds' and the limits' clock too
        live = {s: LiveSymbol(spec, s, self.options.window, clock=clock) for s in spec.universe}
        for symbol, frame in self.feed.history(row.last_bar_ns).items():
            if symbol in live:
                live[symbol].extend(frame)
        book = self._book(row.cash)
        ckpt = row.checkpoint or {}
        if ckpt.get("book"):
            book.restore(ckpt["book"], lambda s, t: live[s].index_of(t))
        chain, notes = gates_for_spec(spec, self.options.agents)
        self._attach_memory(chain)
        chain.restore([(d.symbol, d.time_ns, d.gates) for d in self.store.decisions(self.run_id)])
        limits = Limits(
            spec, LimitState.from_json(ckpt.get("limits")), self.options.max_slippage_bps
        )
        session = StrategySession(
            spec,
            book,
            chain,
            {s: d.view() for s, d in live.items()},
            run_id=self.run_id,
            limits=limits,
        )
        state = _State(spec, live, book, session, limits, row.last_bar_ns, row.bars_done)
        state.signals = BarSignals(spec, self.options.window)
        self._reconcile(state, emit)
        self._account_kind(state, emit)
        self._market_hours(spec, book)
        state.pause_reason = limits.pause_reason()
        status = "paused" if state.pause_reason else "running"
        if state.pause_reason and row.last_bar_ns:  # a restart keeps the pause it had: say so
            notes = [
                *notes,
                f"entries stay paused ({state.pause_reason}); exits still run; "
                f"`parley resume {self.run_id}` again lifts the pause",
            ]
        self.store.update_run(
            self.run_id,
            status=status,
            reason=state.pause_reason,
            pid=os.getpid(),
            heartbeat_at=utcnow(),
        )
        self.store.add_event(
            self.run_id,
            "started",
            "resumed" if row.last_bar_ns else "started",
            {"broker": self._broker_name(), "notes": notes},
        )
        emit(
            ev.Started(
                self.run_id, self._broker_name(), row.feed_label, row.last_bar_ns, tuple(notes)
            )
        )
        return state

    def _bar(self, st: _State, batch: BarBatch, emit: Emit) -> tuple[str, str] | None:
        t0 = time.perf_counter()
        for lessons in self._lessons:
            lessons.refresh()
        verdict = self._commands(st, emit)
        if verdict is not None:
            return verdict
        present = [st.live[s] for s in st.spec.universe if s in batch.bars]
        for sym in present:
            sym.push(batch.time_ns, batch.bars[sym.symbol])
        st.signals.compute(present)  # all the symbols' signals in one evaluation
        if st.spec.screen is not None:
            apply_screen_now(present, st.spec.screen.top)
        views = [(sym.view(), sym.n - 1) for sym in present]
        for data, _ in views:
            st.session.feeds[data.symbol] = data
        self._share_universe(st, views)
        st.book.at(batch.time_ns)
        st.before = {o.client_order_id: o for o in st.book.orders.pending.values()}
        st.session.step(views)
        st.now_ns, st.bars_done = batch.time_ns, st.bars_done + 1
        self._collect(st, batch, emit)
        if st.stop_when_flat and not st.book.account.positions and not st.book.orders.pending:
            self._commit(st, force=True)
            return "stopped", st.stop_when_flat
        equity = st.session.equity()
        self._limit_events(st, emit)
        self._commit(st)
        latency = time.perf_counter() - t0
        self.latencies.append(latency)
        emit(ev.BarProcessed(self.run_id, batch.time_ns, st.bars_done, len(present), equity))
        return None

    # ----------------------------------------------------------------- a bar's effects
    def _collect(self, st: _State, batch: BarBatch, emit: Emit) -> None:
        book, c = st.book, st.pending
        submitted, book.submitted = book.submitted, []
        for o in submitted:
            c.order_updates[o.client_order_id] = {"status": _STATUS[o.status], "note": o.note}
            emit(
                ev.OrderSubmitted(
                    self.run_id,
                    o.client_order_id,
                    o.symbol,
                    "buy" if o.side > 0 else "sell",
                    o.qty,
                    o.intent,
                    o.reason,
                )
            )
            if o.status == "rejected":
                emit(ev.Rejected(self.run_id, o.client_order_id, o.symbol, o.note))
        for coid, o in st.before.items():
            if book.orders.pending.get(o.symbol) is not o:
                c.order_updates[coid] = {"status": _STATUS[o.status], "note": o.note}
        self._collect_fills(st, batch, emit)
        for trade in book.account.trades:  # the session told the limits and the gates
            c.trades.append(trade_row(self.run_id, trade))
            emit(
                ev.TradeClosed(
                    self.run_id,
                    trade.symbol,
                    trade.side,
                    trade.pnl,
                    trade.pnl_pct,
                    trade.exit_reason,
                )
            )
        book.account.trades.clear()
        for d in st.session.decisions:
            orders = [
                o.client_order_id
                for o in submitted
                if o.symbol == d.symbol and o.time_ns == d.time_ns
            ]
            c.decisions.append(decision_row(self.run_id, d, orders))
            emit(
                ev.DecisionMade(
                    self.run_id,
                    d.time_ns,
                    d.symbol,
                    d.side,
                    d.approved,
                    d.qty,
                    d.conviction,
                    d.reasons,
                )
            )
        st.session.decisions.clear()
        for note in book.drain_notes():  # broker faults; the market's hours
            c.events.append(EventRow(run_id=self.run_id, kind=note.kind, message=note.message))
            if note.kind == "broker_fault":
                emit(ev.BrokerFault(self.run_id, note.message))

    def _collect_fills(self, st: _State, batch: BarBatch, emit: Emit) -> None:
        c = st.pending
        for x in st.book.drain_executions():
            f, coid = x.fill, x.fill.client_order_id
            row = fill_row(self.run_id, f)
            if x.key is not None:
                row.fill_key = f"{self.run_id}/{x.key}"
            c.fills.append(row)
            if x.at_venue or coid in c.order_updates or coid in st.before:
                c.order_updates.setdefault(coid, {}).update(
                    filled_qty=x.cum_qty, filled_avg_price=f.price
                )
            if x.checks_slippage:
                self._slippage(st, batch, f.symbol, f.side, f.price)
            emit(
                ev.Filled(
                    self.run_id,
                    coid,
                    f.symbol,
                    "buy" if f.side > 0 else "sell",
                    f.qty,
                    f.price,
                    f.reason,
                )
            )

    def _slippage(self, st: _State, batch: BarBatch, symbol: str, side: int, price: float) -> None:
        """A venue fill anomalously far from the bar's open trips the run's limits."""
        bar = batch.bars.get(symbol)
        tripped = None if bar is None else st.limits.slippage(symbol, side, price, bar[0])
        if tripped is not None and not st.limits.state.halted:
            st.limits.trip(*tripped, "run")

    def _share_universe(self, st: _State, views: list[tuple[Any, int]]) -> None:
        """Hand the gates the universe's bars so far when an entry rule fires, as the
        backtest hands them the whole frames (both cut them at the decision's bar): the
        agent team's market index and a regime benchmark read them."""
        if st.session.gates.trivial or not any(
            d.long_entry[b] or d.short_entry[b] for d, b in views
        ):
            return
        st.session.gates.use_universe(universe_frames(list(st.live.values())))

    # ----------------------------------------------------------------- limits, control
    def _limit_events(self, st: _State, emit: Emit) -> None:
        """Record the bar's trips and pause (or resume) the run as the limits say."""
        for e in st.limits.events:
            message = f"{e.message}: {_LIVE_EFFECTS.get(e.scope, e.effect)}"
            st.pending.events.append(
                EventRow(
                    run_id=self.run_id,
                    kind="limit",
                    message=message,
                    data={"limit": e.limit, "scope": e.scope, "bar_ns": e.time_ns},
                )
            )
            emit(ev.LimitTripped(self.run_id, e.limit, message))
        st.limits.events.clear()
        self._sync_pause(st, emit)

    def _sync_pause(self, st: _State, emit: Emit) -> None:
        reason = st.limits.pause_reason()
        if reason == st.pause_reason:
            return
        was, st.pause_reason = st.pause_reason, reason
        if reason:
            st.pending.run_fields.update(status="paused", reason=reason)
            emit(ev.Paused(self.run_id, reason))
            return
        st.pending.run_fields.update(status="running", reason=None)
        st.pending.events.append(
            EventRow(
                run_id=self.run_id, kind="resumed", message=f"entries resume (were paused: {was})"
            )
        )
        emit(ev.Resumed(self.run_id))

    def _signalled_stop(self, st: _State) -> tuple[str, str]:
        """A stop that came as a signal: the kill switch posts its command and then signals,
        so a pending kill names the stop and cancels the waiting entries, from the CLI and
        the TUI alike. Other pending commands stay for the next start."""
        pending = self.store.take_commands(self.run_id, st.started_at, peek=True)
        if any(
            c.command == "kill" and (c.run_id is not None or c.id not in st.seen_global)
            for c in pending
        ):
            self._cancel_entries(st)
            return "stopped", "kill switch"
        return "stopped", "stopped by the user"

    def _commands(self, st: _State, emit: Emit) -> tuple[str, str] | None:
        for cmd in self.store.take_commands(self.run_id, st.started_at):
            if cmd.run_id is None and cmd.id in st.seen_global:
                continue
            st.seen_global.add(cmd.id or 0)
            verdict = self._command(st, cmd.command, emit)
            if verdict is not None:
                self._commit(st, force=True)
                return verdict
        return None

    def _command(self, st: _State, command: str, emit: Emit) -> tuple[str, str] | None:
        note = EventRow(run_id=self.run_id, kind="command", message=command)
        st.pending.events.append(note)
        if command == "stop":
            return "stopped", "stopped by the user"
        if command == "kill":
            self._cancel_entries(st)
            return "stopped", "kill switch"
        if command in ("flatten_stop", "kill_flatten"):  # close everything, then stop
            self._flatten(st)
            st.limits.state.paused = "flattening to stop"
            st.stop_when_flat = (
                "kill switch: flattened and stopped"
                if command == "kill_flatten"
                else "flattened and stopped by the user"
            )
            if not st.book.account.positions and not st.book.orders.pending:
                return "stopped", st.stop_when_flat
        if command == "pause":
            st.limits.state.paused = "paused by the user"
        elif command == "resume":
            st.limits.resume()
        elif command == "flatten":
            self._flatten(st)
            st.limits.state.paused = "flattened by the user"
        self._sync_pause(st, emit)
        return None

    def _cancel_entries(self, st: _State) -> None:
        for order in list(st.book.orders.pending.values()):
            if order.intent != "close":
                st.before[order.client_order_id] = order
                st.book.cancel(order.client_order_id)
                st.pending.order_updates[order.client_order_id] = {
                    "status": "canceled",
                    "note": "canceled",
                }

    def _flatten(self, st: _State) -> None:
        """Close every position at the next open (entries waiting to fill are cancelled)."""
        self._cancel_entries(st)
        if st.now_ns is None:
            return
        for pos in list(st.book.account.positions.values()):
            if pos.closing:
                continue
            coid = client_order_id(self.run_id, pos.symbol, st.now_ns, "flatten")
            bar = st.live[pos.symbol].index_of(st.now_ns)
            st.book.submit(
                Order(coid, pos.symbol, -pos.side, pos.qty, "close", "flatten", bar, st.now_ns)
            )
        for o in st.book.submitted:
            st.pending.order_updates[o.client_order_id] = {"status": _STATUS[o.status]}
        st.book.submitted.clear()

    # ----------------------------------------------------------------- persistence
    def _commit(self, st: _State, force: bool = False) -> None:
        c = st.pending
        c.orders, self._bar_orders = c.orders + self._bar_orders, []
        busy = (
            c.orders
            or c.order_updates
            or c.fills
            or c.trades
            or c.decisions
            or c.events
            or c.run_fields
        )
        if not force and not busy and time.monotonic() - st.committed_at < QUIET_COMMIT_S:
            return
        if st.now_ns is None and not busy:
            return
        self.store.commit_bar(self.run_id, self._bar_commit(st, c, st.now_ns or 0))
        st.pending = BarCommit(0, 0, {})
        st.committed_at = time.monotonic()

    def _bar_commit(self, st: _State, c: BarCommit, bar_ns: int) -> BarCommit:
        c.bar_ns, c.bars_done = bar_ns, st.bars_done
        c.checkpoint = {"book": st.book.checkpoint(), "limits": st.limits.state.to_json()}
        held = st.book.account.positions.values()
        marks = [
            (
                p.symbol,
                p.side,
                p.qty,
                p.entry_price,
                p.entry_time_ns,
                None if p.plan is None else (p.plan.stop, p.plan.target),
            )
            for p in held
        ]
        if marks != st.positions_written:  # the table is rewritten only when it changes
            c.positions = [position_row(self.run_id, p) for p in held]
            st.positions_written = marks
        if not bar_ns:  # nothing processed yet: keep the run's start point
            c.bar_ns = None  # type: ignore[assignment]
        return c

    def _fail(self, emit: Emit, err: BaseException) -> None:
        from app.errors import ParleyError

        message = err.message if isinstance(err, ParleyError) else f"{type(err).__name__}: {err}"
        self.store.update_run(self.run_id, status="failed", reason=message, pid=None)
        self.store.add_event(self.run_id, "failed", message)
        emit(ev.Finished(self.run_id, "failed", message))

    # ----------------------------------------------------------------- setup helpers
    def _book(self, cash: float) -> Book:
        journal = self._journal
        if self.broker is None:
            return Book(cash, self._journal_with_bar, now=self.options.now)
        book = VenueBook(
            cash,
            journal,
            self.broker,
            lambda symbol, t, reason: client_order_id(self.run_id, symbol, t, reason),
            now=self.options.now,
        )
        for f in self.store.fills(self.run_id):
            book.seen[f.client_order_id] = book.seen.get(f.client_order_id, 0.0) + f.qty
        return book

    def _journal(self, order: Order) -> None:
        """Before an order goes to the broker: in its own transaction."""
        self.store.journal_order(order_row(self.run_id, order))

    def _journal_with_bar(self, order: Order) -> None:
        """An order to the simulated venue: written in its bar's commit (see the module's
        docstring), one transaction a bar instead of one an order."""
        self._bar_orders.append(order_row(self.run_id, order))

    def _attach_memory(self, chain: Any) -> None:
        from app.store.lessons import SqlLessonStore

        for gate in chain.gates:
            team = getattr(gate, "team", None)
            if team is not None and hasattr(team, "lessons"):
                team.lessons = SqlLessonStore(self.store)
                self._lessons.append(team.lessons)
                team.run_id = self.run_id
                settings = self.settings
                if (
                    getattr(self.feed, "live", False)
                    and team.news_source is None
                    and settings is not None
                    and settings.alpaca_enabled
                ):
                    from app.agents.headlines import AlpacaNews

                    team.news_source = AlpacaNews.from_settings(settings)

    def _market_hours(self, spec: StrategySpec, book: Book) -> None:
        """On live bars with US stocks, ask the broker's clock (the paper book: the NYSE
        calendar) whether the market is open, and log when it opens if not."""
        if not getattr(self.feed, "live", False) or not any(
            instrument(s).calendar == "XNYS" for s in spec.universe
        ):
            return
        closed = book.hours.closed_note()
        if book.hours.problem:
            self.store.add_event(self.run_id, "broker_fault", book.hours.problem)
        if closed is not None:
            self.store.add_event(self.run_id, "market", f"{closed} (at the start)")

    def _broker_name(self) -> str:
        return "sim" if self.broker is None else self.broker.name

    def _reconcile(self, st: _State, emit: Emit) -> None:
        """Check the journal and the book against the broker after a (re)start."""
        if self.broker is None:
            return
        mismatches: list[str] = []
        open_rows = [r for r in self.store.orders(self.run_id) if r.status in ("new", "submitted")]
        try:
            for r in open_rows:
                known = self.broker.get_order(r.client_order_id)
                if known is None and r.client_order_id not in st.book.orders.by_id:
                    mismatches.append(f"{r.client_order_id}: journaled, never reached the broker")
            held = {p.symbol: p.qty for p in self.broker.positions()}
        except BrokerError as err:
            emit(ev.BrokerFault(self.run_id, f"reconcile: {err.message}"))
            self.store.add_event(self.run_id, "broker_fault", f"reconcile: {err.message}")
            return
        mine = {p.symbol: p.side * p.qty for p in st.book.account.positions.values()}
        for symbol in sorted(set(held) | set(mine)):
            if symbol in st.live and abs(held.get(symbol, 0.0) - mine.get(symbol, 0.0)) > 1e-9:
                mismatches.append(
                    f"{symbol}: the broker holds {held.get(symbol, 0.0):g}, "
                    f"the book {mine.get(symbol, 0.0):g}"
                )
        for m in mismatches:
            self.store.add_event(self.run_id, "reconcile", m)
        emit(ev.Reconciled(self.run_id, tuple(mismatches)))

    def _account_kind(self, st: _State, emit: Emit) -> None:
        """A broker's cash account is not under the PDT rule: the limits are told so."""
        if self.broker is None or not any(instrument(s).pdt for s in st.spec.universe):
            return
        try:
            margin = self.broker.account().margin
        except BrokerError as err:
            emit(ev.BrokerFault(self.run_id, f"account: {err.message}"))
            return  # the rule stays on: the safe side
        st.limits.margin_account = margin
        if not margin:
            self.store.add_event(
                self.run_id, "limits", "a cash account: the pattern-day-trader rule does not apply"
            )

    def _summary(self, st: _State) -> dict[str, Any]:
        lat = np.array(self.latencies) if self.latencies else np.zeros(1)
        return {
            "bars": st.bars_done,
            "open_positions": len(st.book.account.positions),
            "latency_median_ms": float(np.median(lat) * 1e3),
            "latency_p99_ms": float(np.percentile(lat, 99) * 1e3),
        }


class _State:
    """The run's working state between bars."""

    def __init__(
        self,
        spec: StrategySpec,
        live: dict[str, LiveSymbol],
        book: Book,
        session: StrategySession,
        limits: Limits,
        after_ns: int | None,
        bars_done: int,
    ) -> None:
        self.spec, self.live, self.book, self.session, self.limits = (
            spec,
            live,
            book,
            session,
            limits,
        )
        self.after_ns = after_ns
        self.now_ns = after_ns
        self.bars_done = bars_done
        self.pending = BarCommit(0, 0, {})
        self.signals = BarSignals(spec, DEFAULT_WINDOW)
        """Computes each bar's signals (the runner sets its window)."""
        self.positions_written: list[Any] | None = None
        """What the last commit wrote to the positions table (None: nothing yet)."""
        self.before: dict[str, Order] = {}
        self.committed_at = time.monotonic()
        self.started_at = utcnow()
        self.seen_global: set[int] = set()
        self.pause_reason: str | None = None
        """Why the run's status is ``paused`` (None: running)."""
        self.stop_when_flat: str | None = None
        """Set by a flattening stop: the run stops, with this reason, once it is flat."""
