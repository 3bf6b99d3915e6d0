"""Trading sessions: the NYSE's from ``exchange-calendars`` (holidays and early closes),
crypto around the clock, FX from Sunday 17:00 to Friday 17:00 New York time, less the
days the interbank market shuts (:data:`FX_HOLIDAYS`).

An FX session is named by the date it closes on: the session of Monday runs from Sunday
17:00 to Monday 17:00 New York. Monday to Friday have one, unless the date is an FX holiday.

The NYSE calendar is built once per process, on first use (it costs a few tenths of a
second), covering 1990 to two years ahead.
"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from functools import lru_cache
from typing import Any
from zoneinfo import ZoneInfo

from app.instruments.model import Instrument

NEW_YORK = ZoneInfo("America/New_York")
_FIRST = "1990-01-02"

FX_HOLIDAYS: tuple[tuple[int, int, str], ...] = (
    (1, 1, "New Year's Day"),
    (12, 25, "Christmas Day"),
)
"""(month, day, name) of the dates whose FX session does not trade: the interbank market
is effectively closed from 17:00 New York the evening before to 17:00 on the day, and
opens the next session then (the bundled EURUSD file has no bar from Friday 2017-12-22
17:00 to Monday 2017-12-25 17:00, nor from 2017-12-29 17:00 to 2018-01-01 17:00). The
dates are fixed: a holiday on a weekend is closed anyway, and no weekday is observed in
its place. Liquidity is thin around them (24 and 31 December): not modelled."""
_FX_HOLIDAY_CODES = tuple(100 * month + day for month, day, _ in FX_HOLIDAYS)


def fx_holiday(day: date) -> str | None:
    """The name of the FX holiday on ``day`` (its session does not trade), or None."""
    return next(
        (name for month, dom, name in FX_HOLIDAYS if (day.month, day.day) == (month, dom)), None
    )


@lru_cache(maxsize=1)
def nyse() -> Any:
    import exchange_calendars as xc

    last = date.today().replace(month=12, day=31) + timedelta(days=366)
    return xc.get_calendar("XNYS", start=_FIRST, end=last.isoformat())


def is_trading_day(inst: Instrument, day: date) -> bool:
    """Whether ``inst`` trades on the calendar date ``day`` (its venue's date)."""
    if inst.calendar in ("24/7", "days"):
        return True
    if inst.calendar == "FX":
        return day.weekday() < 5 and fx_holiday(day) is None  # the session closing that day
    return bool(nyse().is_session(day.isoformat()))


def session_bounds(inst: Instrument, day: date) -> tuple[datetime, datetime] | None:
    """Open and close of ``inst``'s session on ``day`` (aware datetimes), None if closed.

    NYSE early closes (13:00 the day after Thanksgiving, Christmas Eve) come from the
    calendar; crypto's session is the UTC day; FX's runs from 17:00 New York the evening
    before to 17:00 on ``day`` (none on Saturday, Sunday or an FX holiday).
    """
    if not is_trading_day(inst, day):
        return None
    if inst.calendar in ("24/7", "days"):
        start = datetime.combine(day, time(0), ZoneInfo(inst.timezone))
        return start, start + timedelta(days=1)
    if inst.calendar == "FX":
        end = datetime.combine(day, time(17), NEW_YORK)
        return end - timedelta(days=1), end
    cal = nyse()
    opened = cal.session_open(day.isoformat()).to_pydatetime().astimezone(NEW_YORK)
    closed = cal.session_close(day.isoformat()).to_pydatetime().astimezone(NEW_YORK)
    return opened, closed


def bar_is_closed(
    inst: Instrument, bar_start: datetime, bar_length: timedelta, now: datetime
) -> bool:
    """A bar is final once its period has passed, or its session has closed (the last
    bar of an early-closing day ends at the close). Feeds act only on closed bars."""
    end = bar_start + bar_length
    if inst.calendar == "XNYS":
        local = bar_start.astimezone(NEW_YORK)
        bounds = session_bounds(inst, local.date())
        if bounds is not None and bar_length >= timedelta(days=1):
            end = bounds[1]
        elif bounds is not None and bar_start < bounds[1]:
            end = min(end, bounds[1])  # the session's last bar ends at an early close
    return now >= end


@lru_cache(maxsize=1)
def nyse_days() -> Any:
    """Every NYSE session the calendar covers, as sorted ``datetime64[D]``."""
    import numpy as np

    return np.asarray(nyse().sessions.values.astype("datetime64[D]"))


def nyse_sessions_upto(day: date, count: int) -> list[str]:
    """The last ``count`` NYSE sessions on or before ``day`` (ISO dates, oldest first):
    the pattern-day-trader rule's window of business days."""
    import numpy as np

    days = nyse_days()
    end = int(np.searchsorted(days, np.datetime64(day.isoformat(), "D"), side="right"))
    return [str(d) for d in days[max(0, end - count) : end]]


@lru_cache(maxsize=1)
def _nyse_wall() -> tuple[Any, Any, Any]:
    """Per NYSE session: its day number, open and close as New York wall time (ns)."""
    import numpy as np

    cal = nyse()

    def wall(times: Any) -> Any:
        local = times.dt.tz_convert(NEW_YORK.key).dt.tz_localize(None)
        return local.to_numpy("datetime64[ns]").astype(np.int64)

    return nyse_days().astype(np.int64), wall(cal.opens), wall(cal.closes)


def session_days(inst: Instrument, local: Any) -> Any:
    """Each bar's trading session as a day number (days since 1970-01-01 of the session's
    date), -1 for a bar outside every session; ``local`` holds the bars' start times in
    the venue's wall time (``datetime64[ns]``). Vectorised.

    NYSE: from the session's open to its close (09:30 to 16:00, 13:00 on early closes;
    pre-market, after-hours, weekend and holiday bars are outside). FX: the session that
    closes at 17:00 New York (Saturday, Sunday and :data:`FX_HOLIDAYS` have none). Crypto
    and a series whose venue is not known: the calendar day.
    """
    import numpy as np

    times = np.asarray(local, dtype="datetime64[ns]")
    if inst.calendar == "FX":
        if inst.timezone != NEW_YORK.key:
            times = _wall(times, inst.timezone, NEW_YORK.key)
        shifted = (times + np.timedelta64(7, "h")).astype("datetime64[D]")
        day = shifted.astype(np.int64)
        weekday = (day + 3) % 7  # 1970-01-01 was a Thursday: Monday is 0
        month = shifted.astype("datetime64[M]")
        dom = (shifted - month.astype("datetime64[D]")).astype(np.int64) + 1
        code = (month.astype(np.int64) % 12 + 1) * 100 + dom
        open_ = (weekday < 5) & ~np.isin(code, _FX_HOLIDAY_CODES)
        return np.where(open_, day, -1)
    day = times.astype("datetime64[D]").astype(np.int64)
    if inst.calendar != "XNYS":
        return day
    days, opens, closes = _nyse_wall()
    at = np.clip(np.searchsorted(days, day), 0, days.size - 1)
    ns = times.astype(np.int64)
    inside = (days[at] == day) & (opens[at] <= ns) & (ns < closes[at])
    return np.where(inside, day, -1)


def _wall(times: Any, zone: str, into: str) -> Any:
    """Wall times of ``zone`` (``datetime64[ns]``) as wall times of ``into``."""
    import numpy as np
    import pandas as pd

    index = pd.DatetimeIndex(times).tz_localize(
        zone, ambiguous=np.zeros(len(times), dtype=bool), nonexistent="shift_forward"
    )
    return index.tz_convert(into).tz_localize(None).to_numpy("datetime64[ns]")
