"""The backtest's clock: a merged, chronological timeline of only the bars that matter.

A bar matters when an entry rule fires on it while the symbol is flat, when an order
fills at its open, when a held position's exit rule or holding limit falls on it, or when
a protective exit triggers in it. Each is found by lookup, not by walking the bars: the
next entry or exit-rule bar by bisection in the vectorised signals, the first stop, target
or trailing hit by a numpy scan of the bars ahead. Each symbol has at most one entry
event and one position's events pending at a time, so the queue stays small. Everything
else is skipped, which is exact: on such a bar the session would do nothing (see
:mod:`app.execution.session`, and the test that replays every bar and gets the same
trades).

Events across all symbols run in time order, so cash, max positions and exposure see the
portfolio as it is at that moment. Within one timestamp: exit fills at the open (and stops
gapped through at the open), then entry fills at the open, then stops and targets inside
the bar, then the close -- exits before entries, entries in universe order, or best screen
rank first. The limits see every bar's start and close besides (:mod:`.limit_clock`).
"""

from __future__ import annotations

import heapq
from collections.abc import Callable
from typing import Any

from app.backtest.limit_clock import LimitClock
from app.backtest.prepare import Prepared
from app.execution.fill_model import ExitHit, ExitPlan
from app.execution.portfolio import Position
from app.execution.session import StrategySession
from app.execution.symbol_data import SymbolData

OPEN_EXIT, OPEN_ENTRY, INTRABAR, CLOSE = 0, 1, 2, 3
_FILL, _HIT, _EXIT_CHECK, _ENTRY = 0, 1, 2, 3
_FIRST_SCAN = 64
"""Bars scanned for a protective exit in the first chunk (then 4x larger each time)."""

Progress = Callable[[float], None]


class Timeline:
    """Drives a session over prepared data, event by event."""

    def __init__(
        self, session: StrategySession, prepared: Prepared, progress: Progress | None = None
    ) -> None:
        self.session = session
        self.datas = prepared.datas
        self.heap: list[tuple[Any, ...]] = []
        self.seq = 0
        self.progress = progress
        self.hits: dict[int, ExitHit] = {}
        """Protective exits scheduled, by position id."""
        self.armed = [False] * len(self.datas)
        """Whether the symbol's next entry event is queued."""
        union = prepared.union
        self.span = (int(union[0]), int(union[-1])) if union.size else (0, 1)
        self.clock = LimitClock(session, prepared) if session.limits.active else None
        for k, first in enumerate(prepared.first_bar):
            self._arm(k, first)

    def _push(
        self, t: int, phase: int, prio: int, kind: int, k: int, bar: int, pos_id: int = 0
    ) -> None:
        self.seq += 1
        heapq.heappush(self.heap, (t, phase, prio, self.seq, kind, k, bar, pos_id))

    def _arm(self, k: int, from_bar: int) -> None:
        """Queue the symbol's next entry-rule bar, if it is flat and none is queued."""
        data = self.datas[k]
        if (
            self.armed[k]
            or data.symbol in self.session.broker.account.positions
            or data.symbol in self.session.broker.orders.pending
        ):
            return
        bar = data.next_entry(from_bar)
        if bar < len(data):
            prio = int(data.screen_pos[bar]) + 1 if data.screen_pos is not None else k + 1
            self._push(int(data.times[bar]), CLOSE, prio, _ENTRY, k, bar)
            self.armed[k] = True

    def run(self) -> None:
        session, datas, heap = self.session, self.datas, self.heap
        pop = heapq.heappop
        done, now, closed, clock = 0, -1, False, self.clock
        while heap:
            t, phase, _, _, kind, k, bar, pos_id = pop(heap)
            data = datas[k]
            if clock is not None:
                if t != now:
                    clock.reach(t)
                    now, closed = t, False
                if phase == CLOSE and not closed:
                    clock.close(t)
                    closed = True
            if kind == _ENTRY or kind == _EXIT_CHECK:
                if kind == _ENTRY:
                    self.armed[k] = False
                elif not self._holds(data, pos_id):
                    continue
                self._on_close(k, data, bar)
                self._arm(k, bar + 1)
            elif kind == _FILL:
                result = session.on_open(data, bar)
                if isinstance(result, Position):
                    self._schedule_exits(k, data, result)
                self._arm(k, bar)
            elif self._holds(data, pos_id):
                session.on_exit_hit(data, self.hits.pop(pos_id))
                self._arm(k, bar)
            done += 1
            if self.progress is not None and not done & 4095:
                self.progress((t - self.span[0]) / max(self.span[1] - self.span[0], 1))
        if clock is not None:
            clock.finish()

    def _on_close(self, k: int, data: SymbolData, bar: int) -> None:
        order = self.session.on_close(data, bar)
        if order is not None and order.status == "new" and bar + 1 < len(data):
            phase = OPEN_EXIT if order.intent == "close" else OPEN_ENTRY
            self._push(int(data.times[bar + 1]), phase, k, _FILL, k, bar + 1)

    def _holds(self, data: SymbolData, pos_id: int) -> bool:
        pos = self.session.broker.account.positions.get(data.symbol)
        return pos is not None and pos.id == pos_id

    def _schedule_exits(self, k: int, data: SymbolData, pos: Position) -> None:
        """Queue the bar where the position's exit rule or holding limit falls, and the
        first protective exit before it."""
        e, n = pos.entry_bar, len(data)
        close_bar = data.next_exit(pos.side, e)
        hold = self.session.spec.max_hold_bars
        if hold is not None:
            close_bar = min(close_bar, e + hold - 1)
        if close_bar < n:
            self._push(int(data.times[close_bar]), CLOSE, 0, _EXIT_CHECK, k, close_bar, pos.id)
        plan = self.session.lookahead_plan(data.symbol)
        if plan is None:
            return
        hit = self._scan(data, plan, e, min(close_bar + 1, n))
        if hit is not None:
            self.hits[pos.id] = hit
            phase = OPEN_EXIT if hit.at_open else INTRABAR
            self._push(int(data.times[hit.bar]), phase, k, _HIT, k, hit.bar, pos.id)

    def _scan(self, data: SymbolData, plan: ExitPlan, start: int, stop: int) -> ExitHit | None:
        """Scan for the first protective exit in growing chunks (most exits come early);
        the one plan copy carries the trailing peak from chunk to chunk."""
        step, s = _FIRST_SCAN, start
        while s < stop:
            e = min(stop, s + step)
            hit = self.session.check_exits(data, s, e, plan)
            if hit is not None:
                return hit
            s, step = e, step * 4
        return None
