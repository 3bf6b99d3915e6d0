"""The risk gate's limits over time: when the account or the market says stop entering.

:class:`app.execution.risk.RiskGate` caps each new position; :class:`Limits` vetoes new
entries altogether -- in code, never in a prompt. Backtest, paper and live drive it the
same way, by bar times and never the wall clock (see :class:`StrategySession`):

* :meth:`Limits.open_bar` as a bar starts, before its fills: a new calendar day (the bar's
  date; New York's when the universe holds anything but crypto) sets the day's start
  equity and moves the PDT window, the last five NYSE sessions (exchange-calendars: a
  crypto weekend or a holiday is no business day);
* :meth:`Limits.close_bar` at the bar's close, after its fills and before the entries
  decided on it: the checks below, each recorded once as a :class:`LimitEvent`;
* :meth:`Limits.on_trade` for each closed round trip; :meth:`Limits.blocked` per entry.

What trips, and for how long:

* ``daily_loss`` -- equity at a close ``limits.daily_loss_pct`` below the day's start (the
  last close before the day): no new entries for the rest of that day;
* ``max_drawdown`` -- equity ``limits.max_drawdown_pct`` below its highest close: no new
  entries for the rest of the run;
* ``circuit_breaker`` -- a symbol's close ``move_pct`` from its close ``bars`` bars before:
  no new entries in any symbol for the rest of the run;
* ``pdt`` -- under $25,000 of equity with 3 day trades (opened and closed on one New York
  date, in a US equity: crypto, FX and indexes are exempt) in the last 5 NYSE sessions, no
  entry in a US equity, since it could become the 4th. Not a pause: entries wait until
  the count drops.

A live run adds what only a venue can trip (a slippage anomaly, :mod:`app.runner.limits`)
through :meth:`Limits.trip`, pauses while entries are blocked, and lets a person
:meth:`Limits.resume`; a backtest has nobody to ask, so "until resumed" is "for the rest of
the run" there.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import asdict, dataclass, field
from datetime import date
from typing import Any

import numpy as np
import pandas as pd

from app.instruments import instrument
from app.instruments.calendar import NEW_YORK, nyse_sessions_upto
from app.instruments.clock import local_day, run_zone, stamp
from app.spec.models import StrategySpec

PDT_EQUITY = 25_000.0
PDT_MAX_DAY_TRADES = 3
PDT_DAYS = 5
EFFECTS = {
    "day": "no new entries for the rest of the day",
    "run": "no new entries for the rest of the run",
    "pdt": "no new entries (crypto aside) until fewer than 3 day trades fall in the last "
    "5 trading days",
}
"""What a trip does, by its event's ``scope``."""


@dataclass(frozen=True, slots=True)
class LimitEvent:
    """A limit that tripped at a bar (``time_ns``, the bar's time)."""

    time_ns: int
    limit: str
    """daily_loss, max_drawdown, circuit_breaker, pdt (live runs also: slippage)."""
    message: str
    scope: str
    """day, run or pdt: see :data:`EFFECTS`."""

    @property
    def effect(self) -> str:
        return EFFECTS[self.scope]


@dataclass
class LimitState:
    """What the limits remember across bars (a live run saves it in its checkpoint)."""

    day: str | None = None
    day_start_equity: float | None = None
    peak_equity: float | None = None
    last_equity: float | None = None
    """Equity at the last close seen (the next day's start)."""
    day_trades: list[str] = field(default_factory=list)
    """The date of each recent day trade (YYYY-MM-DD)."""
    recent_days: list[str] = field(default_factory=list)
    """The PDT window: the last five NYSE sessions (filled once a day trade is counted)."""
    paused: str | None = None
    """Why a person paused entries (live runs only); None: not paused."""
    halted: str | None = None
    """The trip blocking entries for the rest of the run."""
    day_blocked: str | None = None
    """The trip blocking entries for the rest of :attr:`day`."""
    pdt_told: bool = False

    def to_json(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_json(cls, data: dict[str, Any] | None) -> LimitState:
        return cls(**data) if data else cls()


def describe_limits(spec: StrategySpec) -> list[str]:
    """The limits a run of ``spec`` watches, in words (the position caps are not here)."""
    lim, out = spec.limits, []
    if lim.daily_loss_pct is not None:
        out.append(f"daily loss {lim.daily_loss_pct:g}%")
    if lim.max_drawdown_pct is not None:
        out.append(f"max drawdown {lim.max_drawdown_pct:g}%")
    if lim.circuit_breaker is not None:
        cb = lim.circuit_breaker
        out.append(f"circuit breaker {cb.move_pct:g}% in {cb.bars} bar{'s' * (cb.bars != 1)}")
    if any(instrument(s).pdt for s in spec.universe):
        out.append(f"PDT under ${PDT_EQUITY:,.0f} of equity")
    return out


class Limits:
    """The spec's limits over one run; :attr:`events` lists every trip in order."""

    def __init__(self, spec: StrategySpec, state: LimitState | None = None) -> None:
        lim = spec.limits
        self.daily_loss_pct, self.max_drawdown_pct = lim.daily_loss_pct, lim.max_drawdown_pct
        self.circuit_breaker = lim.circuit_breaker
        self.state = state if state is not None else LimitState()
        self.events: list[LimitEvent] = []
        self.now = 0
        self.watches_equity = self.daily_loss_pct is not None or self.max_drawdown_pct is not None
        pdt = any(instrument(s).pdt for s in spec.universe)
        self.clock = run_zone(spec.universe)
        """The zone of the bar times this sees (:mod:`app.instruments.clock`)."""
        self.day_zone = (
            self.clock
            if all(instrument(s).around_the_clock for s in spec.universe)
            else NEW_YORK.key
        )
        """Whose date a "day" is: New York's, unless the universe is all crypto."""
        self._span = (0, -1, "")
        """[start, end) of the current day in bar times, and its date (a mixed run)."""
        self.margin_account = True
        """The PDT rule binds margin accounts (the paper broker's is one); a run on a
        broker's cash account clears this."""
        self.active = self.watches_equity or self.circuit_breaker is not None or pdt
        """False when nothing here can ever veto (a driver may skip the bar calls)."""

    def track_equity(self) -> None:
        """Follow equity at every close even with no limit on it: its peak and the day's
        start, which the agent team's risk manager reads (and a resumed run restores)."""
        self.watches_equity = self.active = True

    # ----------------------------------------------------------------- the clock
    def open_bar(self, time_ns: int) -> None:
        self.now = time_ns
        day = self._day(time_ns)
        s = self.state
        if s.day == day:
            return
        s.day, s.day_start_equity, s.day_blocked = day, s.last_equity, None
        if s.day_trades:  # the calendar is built only once a day trade is counted
            s.recent_days = nyse_sessions_upto(date.fromisoformat(day), PDT_DAYS)
            s.day_trades = [d for d in s.day_trades if d in s.recent_days]
        if len(s.day_trades) < PDT_MAX_DAY_TRADES:
            s.pdt_told = False

    def _day(self, time_ns: int) -> str:
        """The date of a bar time in :attr:`day_zone` (one conversion a day, not a bar)."""
        if self.clock == self.day_zone:
            return str(np.datetime64(time_ns, "ns").astype("datetime64[D]"))
        lo, hi, day = self._span
        if lo <= time_ns < hi:
            return day
        local = stamp(time_ns, self.clock).tz_convert(self.day_zone)
        start = local.normalize()
        bounds = [
            int(t.tz_convert(self.clock).tz_localize(None).value)
            for t in (start, (start + pd.Timedelta(days=1)).normalize())
        ]
        self._span = (bounds[0], bounds[1], str(start.date()))
        return self._span[2]

    def close_bar(
        self,
        time_ns: int,
        equity: float | None,
        moves: Iterable[tuple[str, float, float | None]] = (),
    ) -> None:
        """Check the close: ``equity`` (None when no limit watches it) and ``moves``, each
        symbol's (symbol, close, close ``circuit_breaker.bars`` bars before or None)."""
        self.now, s = time_ns, self.state
        if equity is not None:
            self._equity(equity)
        cb = self.circuit_breaker
        for symbol, close, back in moves:
            if cb is None or s.halted:
                break
            if back is None or back <= 0:
                continue
            move = 100.0 * (close / back - 1.0)
            if abs(move) >= cb.move_pct:
                self.trip(
                    "circuit_breaker",
                    f"circuit breaker: {symbol} moved {move:+.2f}% "
                    f"in {cb.bars} bar(s) (limit {cb.move_pct:g}%)",
                    "run",
                )

    def _equity(self, equity: float) -> None:
        s = self.state
        start = s.day_start_equity = s.day_start_equity or equity
        s.peak_equity = max(s.peak_equity or equity, equity)
        s.last_equity = equity
        if s.halted:
            return
        if self.daily_loss_pct is not None and not s.day_blocked and start > 0:
            lost = 100.0 * (start - equity) / start
            if lost >= self.daily_loss_pct:
                self.trip(
                    "daily_loss",
                    f"daily loss limit: equity down {lost:.2f}% today "
                    f"(limit {self.daily_loss_pct:g}%)",
                    "day",
                )
        if self.max_drawdown_pct is not None and s.peak_equity > 0:
            dd = 100.0 * (s.peak_equity - equity) / s.peak_equity
            if dd >= self.max_drawdown_pct:
                self.trip(
                    "max_drawdown",
                    f"max drawdown stop: equity {dd:.2f}% below its "
                    f"peak (limit {self.max_drawdown_pct:g}%)",
                    "run",
                )

    # ----------------------------------------------------------------- trips and vetoes
    def trip(self, limit: str, message: str, scope: str) -> None:
        """Record a trip and block entries for its scope (``day`` or ``run``)."""
        if scope == "run":
            self.state.halted = message
        elif scope == "day":
            self.state.day_blocked = message
        self.events.append(LimitEvent(self.now, limit, message, scope))

    def pause_reason(self) -> str | None:
        """Why every new entry is blocked now (None: they are not)."""
        s = self.state
        return s.paused or s.halted or s.day_blocked

    def blocked(self, exempt: bool, equity: Callable[[], float]) -> str | None:
        """Why an entry may not open now, or None; ``exempt``: the symbol is not under the
        PDT rule (only US equities are: not crypto, FX or an index; and only in a margin
        account)."""
        why = self.pause_reason()
        if why:
            return f"paused: {why}"
        n = len(self.state.day_trades)
        if exempt or not self.margin_account or n < PDT_MAX_DAY_TRADES or equity() >= PDT_EQUITY:
            return None
        message = f"PDT: {n} day trades in {PDT_DAYS} days with equity under ${PDT_EQUITY:,.0f}"
        if not self.state.pdt_told:
            self.state.pdt_told = True
            self.events.append(LimitEvent(self.now, "pdt", message, "pdt"))
        return message

    def on_trade(self, trade: Any) -> None:
        """Count a day trade: a round trip in a US equity within one New York date."""
        if not instrument(trade.symbol).pdt:
            return
        entry, exit_ = (
            local_day(t, self.clock, NEW_YORK.key)
            for t in (trade.entry_time_ns, trade.exit_time_ns)
        )
        if entry == exit_:
            s = self.state
            s.day_trades.append(exit_.isoformat())
            s.recent_days = nyse_sessions_upto(exit_, PDT_DAYS)

    def resume(self) -> None:
        """A person lifts every pause (live runs): the drawdown and the day's loss are
        measured afresh from the last close."""
        s = self.state
        s.paused = s.halted = s.day_blocked = None
        if s.last_equity is not None:
            s.peak_equity = s.day_start_equity = s.last_equity
