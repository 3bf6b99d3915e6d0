"""The limits' clock in a backtest: every bar's start and close, even the skipped ones.

The timeline (:mod:`app.backtest.timeline`) visits only the bars where something happens,
but the limits watch every close -- equity may fall, or a price jump, on a bar where no
rule fires. Nothing fills between two event times, so a skipped bar's close sees the
portfolio exactly as a bar-by-bar replay would: the clock catches up on the bars before an
event's time when the timeline reaches it, and closes that time's own bar at its first
close-phase event (after its fills, before its rules), as
:meth:`app.execution.session.StrategySession.step` does.
"""

from __future__ import annotations

from app.backtest.prepare import Prepared
from app.execution.session import StrategySession
from app.execution.symbol_data import SymbolData


class LimitClock:
    """Calls the session's ``bar_opens`` / ``bar_closes`` for each bar of the union, once."""

    def __init__(self, session: StrategySession, prepared: Prepared) -> None:
        self.session = session
        self.datas = prepared.datas
        self.times = prepared.union.tolist()
        self.cursor = list(prepared.first_bar)
        """Per symbol, its first bar not yet closed."""
        self.next = 0
        """The union index of the next bar to close."""
        self.opened = -1
        """The union index of the last bar opened."""
        self.circuit = session.limits.circuit_breaker is not None

    def reach(self, time_ns: int) -> None:
        """The timeline is at ``time_ns``: close every earlier bar, open this one."""
        times = self.times
        while self.next < len(times) and times[self.next] < time_ns:
            self._close(self.next)
        if self.next < len(times) and times[self.next] == time_ns and self.opened < self.next:
            self._open(self.next)

    def close(self, time_ns: int) -> None:
        """The first close-phase event at ``time_ns``: check the close now."""
        self.reach(time_ns)
        if self.next < len(self.times) and self.times[self.next] == time_ns:
            self._close(self.next)

    def finish(self) -> None:
        """The run is over: the remaining bars, for the record."""
        while self.next < len(self.times):
            self._close(self.next)

    def _open(self, i: int) -> None:
        self.session.bar_opens(self.times[i])
        self.opened = i

    def _close(self, i: int) -> None:
        if self.opened < i:
            self._open(i)
        t = self.times[i]
        self.session.bar_closes(t, self._batch(t) if self.circuit else ())
        self.next = i + 1

    def _batch(self, t: int) -> list[tuple[SymbolData, int]]:
        """(symbol data, bar) of the symbols with a bar at ``t``."""
        out: list[tuple[SymbolData, int]] = []
        for k, data in enumerate(self.datas):
            c, times = self.cursor[k], data.times
            while c < data.n and times[c] < t:
                c += 1
            self.cursor[k] = c
            if c < data.n and times[c] == t:
                out.append((data, c))
        return out
