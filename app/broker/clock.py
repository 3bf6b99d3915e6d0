"""Whether the US stock market is open: the broker's clock, or the NYSE calendar's answer.

:class:`MarketHours` asks its source (``Broker.clock`` of a venue, or :func:`calendar_clock`
for the paper book) and keeps the answer until the next open or close it names, so a run
asks the broker about once per open and close, not once per bar. A live run holds its US
equity orders while the market is closed and sends them once it opens
(:mod:`app.runner.venue`).
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import UTC, datetime

from app.broker.base import BrokerError
from app.broker.models import MarketClock
from app.instruments.calendar import NEW_YORK

log = logging.getLogger(__name__)
Now = Callable[[], datetime]


def wall_clock() -> datetime:
    return datetime.now(UTC)


def calendar_clock(now: datetime) -> MarketClock:
    """The NYSE calendar's answer at ``now`` (aware): open or not, the next open and close
    (exchange-calendars: holidays and early closes included)."""
    import pandas as pd

    from app.instruments.calendar import nyse

    cal, minute = nyse(), pd.Timestamp(now).tz_convert("UTC").floor("min")
    is_open = bool(cal.is_open_on_minute(minute, ignore_breaks=True))
    return MarketClock(
        timestamp=now,
        is_open=is_open,
        next_open=cal.next_open(minute).to_pydatetime(),
        next_close=cal.next_close(minute).to_pydatetime(),
    )


class MarketHours:
    """The market's state now, from ``source``, kept until its next transition."""

    def __init__(
        self, source: Callable[[], MarketClock], now: Now = wall_clock, fallback: bool = True
    ) -> None:
        self.source, self.now, self.fallback = source, now, fallback
        self._known: MarketClock | None = None
        self.problem: str | None = None
        """Why the source could not answer last time (the calendar answered instead)."""

    def current(self) -> MarketClock:
        now = self.now()
        known = self._known
        if known is not None and now < _until(known):
            return known
        try:
            known = self.source()
            self.problem = None
        except BrokerError as err:
            if not self.fallback:
                raise
            self.problem = f"market clock: {err.message}; the NYSE calendar answered"
            log.warning(self.problem)
            known = calendar_clock(now)
        self._known = known
        return known

    def closed_note(self) -> str | None:
        """None while the market is open; else when it opens next, in New York time."""
        clock = self.current()
        if clock.is_open:
            return None
        when = clock.next_open
        at = f" until {when.astimezone(NEW_YORK):%Y-%m-%d %H:%M} New York" if when else ""
        return f"the US stock market is closed{at}"


def _until(clock: MarketClock) -> datetime:
    """When the answer may change: the next close while open, the next open while closed."""
    edge = clock.next_close if clock.is_open else clock.next_open
    return edge if edge is not None else clock.timestamp
