"""One clock for a run: which zone its times are in, and conversions into it.

Bars keep their venue's wall-clock time (:attr:`Instrument.timezone`: New York for US
stocks, UTC for crypto), which is what sessions and the opening range need. A run's
engine clock is the wall time of one zone, the *run zone* (:func:`run_zone`): the zone
its symbols share, or UTC when they differ. Each symbol's bar times are moved into it
once, vectorised, before the run (:func:`to_run_clock`), so a mixed stock and crypto run
orders its events on UTC instants, and a run of one zone keeps its times exactly.
Anything shown or stored names the zone (:func:`stamp` gives an aware timestamp).
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date

import numpy as np
import pandas as pd
from numpy.typing import NDArray

from app.instruments.model import instrument

UTC = "UTC"


def zone_of(symbol: str) -> str:
    """The zone of ``symbol``'s bar times."""
    return instrument(symbol).timezone


def run_zone(symbols: Iterable[str]) -> str:
    """The zone of a run's clock: the one its symbols share, else UTC."""
    zones = {zone_of(s) for s in symbols}
    return zones.pop() if len(zones) == 1 else UTC


def to_run_clock(
    times: NDArray[np.datetime64] | pd.DatetimeIndex, zone: str, clock: str
) -> NDArray[np.int64]:
    """Bar times (wall time of ``zone``, or aware) as int64 ns of ``clock``'s wall time."""
    index = pd.DatetimeIndex(times)
    if index.tz is None and zone == clock:
        return np.asarray(index.as_unit("ns").asi8, dtype=np.int64)
    if index.tz is None:
        # an hour repeated when clocks fall back is read as standard time
        index = index.tz_localize(
            zone, ambiguous=np.zeros(len(index), dtype=bool), nonexistent="shift_forward"
        )
    moved = index.tz_convert(clock).tz_localize(None)
    return np.asarray(moved.as_unit("ns").asi8, dtype=np.int64)


def stamp(time_ns: int, clock: str) -> pd.Timestamp:
    """A run-clock time as an aware timestamp of ``clock``."""
    return pd.Timestamp(int(time_ns)).tz_localize(
        clock, ambiguous=False, nonexistent="shift_forward"
    )


def local_day(time_ns: int, clock: str, zone: str) -> date:
    """The calendar date in ``zone`` of a run-clock time."""
    moment = pd.Timestamp(int(time_ns))
    if clock != zone:
        moment = stamp(time_ns, clock).tz_convert(zone)
    return date(moment.year, moment.month, moment.day)


def from_run_clock(times: NDArray[np.int64], clock: str, zone: str) -> NDArray[np.int64]:
    """Run-clock times (int64 ns) as wall time of ``zone`` (int64 ns), vectorised."""
    values = np.asarray(times, dtype=np.int64)
    if clock == zone:
        return values
    index = pd.DatetimeIndex(values.view("datetime64[ns]")).tz_localize(
        clock, ambiguous=np.zeros(values.size, dtype=bool), nonexistent="shift_forward"
    )
    return np.asarray(index.tz_convert(zone).tz_localize(None).asi8, dtype=np.int64)


def iso_times(
    times: NDArray[np.int64] | list[int], clock: str, zone: str | None = None
) -> list[str]:
    """Run-clock times (int64 ns of ``clock``'s wall time) as text for JSON, in ``zone``
    (default: the run's clock): a date alone at the zone's midnight (a daily bar is a
    date), else ISO 8601 with the zone's UTC offset (``2024-03-05T09:30:00-05:00``), so
    no time is left without its zone. Vectorised."""
    zone = zone or clock
    values = np.asarray(times, dtype=np.int64)
    if values.size == 0:
        return []
    wall = from_run_clock(values, clock, zone)
    instants = pd.DatetimeIndex(wall.view("datetime64[ns]")).tz_localize(
        zone, ambiguous=np.zeros(wall.size, dtype=bool), nonexistent="shift_forward"
    )
    wall = np.asarray(instants.tz_localize(None).asi8, dtype=np.int64)  # a skipped hour moved
    offsets = (wall - np.asarray(instants.asi8, dtype=np.int64)) // 60_000_000_000
    out = []
    texts = np.datetime_as_string(wall.view("datetime64[ns]"), unit="us").tolist()
    for text, minutes in zip(texts, offsets.tolist()):
        if text.endswith("T00:00:00.000000"):
            out.append(text[:10])
            continue
        sign, minutes = ("-", -minutes) if minutes < 0 else ("+", minutes)
        body = text[:-7] if text.endswith(".000000") else text
        out.append(f"{body}{sign}{minutes // 60:02d}:{minutes % 60:02d}")
    return out


def iso_time(time_ns: int | None, clock: str, zone: str | None = None) -> str | None:
    """:func:`iso_times` of one time (None stays None)."""
    return None if time_ns is None else iso_times([int(time_ns)], clock, zone)[0]
