"""What real price files hold, flagged: empty fields, bars outside their own range, jumps.

Real files are never perfect (see ``shared/data/extra/README.md``): a few bars lack fields,
some have an open or close outside their own high-low range, and unadjusted spin-offs
show up as one-day drops. :func:`repair_bars` makes every bar usable and records each change
as a :class:`DataWarning`; nothing is dropped or altered silently. Backtest reports list
the warnings (:attr:`Bars.warnings`).

Rules (the same for every file):
- a bar with an empty or non-finite price or volume is left out;
- a high below its low: the two are swapped;
- an open or close outside [low, high] is moved to the nearer end of the range (the high
  and low are two witnesses against one);
- a close-to-close move beyond ``max(JUMP_LOG, JUMP_SIGMAS`` robust sigmas) in log terms is
  flagged and kept: it may be real, or an unadjusted split or spin-off.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import numpy as np

if TYPE_CHECKING:
    import pandas as pd

JUMP_LOG = 0.4
"""Smallest flagged close-to-close move, as |log return| (-33% or +49%)."""
JUMP_SIGMAS = 10.0
"""... or this many robust standard deviations of the series' own log returns."""
_TOLERANCE = 1e-6
_FIELDS = ("open", "high", "low", "close", "volume")


@dataclass(frozen=True)
class DataWarning:
    """One flagged bar: which symbol and date, what was wrong and what was done."""

    symbol: str
    date: str
    problem: str

    def __str__(self) -> str:
        return f"{self.symbol} {self.date}: {self.problem}"


class Bars(dict[str, "pd.DataFrame"]):  # pandas is imported only where frames are made
    """Symbol -> bar frame, with the data's warnings and caveats (e.g. survivorship bias)."""

    def __init__(
        self,
        frames: Mapping[str, pd.DataFrame] | None = None,
        warnings: list[DataWarning] | None = None,
        caveats: list[str] | None = None,
    ) -> None:
        super().__init__(frames or {})
        self.warnings: list[DataWarning] = list(warnings or [])
        self.caveats: list[str] = list(caveats or [])

    def derive(self, frames: Mapping[str, pd.DataFrame]) -> Bars:
        """New frames (selected, resampled) that keep these warnings and caveats."""
        keep = set(frames)
        return Bars(frames, [w for w in self.warnings if w.symbol in keep], self.caveats)


@dataclass
class Repaired:
    """The usable bars of one symbol: a row mask into the input and the fixed values."""

    keep: np.ndarray
    values: np.ndarray
    warnings: list[DataWarning] = field(default_factory=list)


def repair_bars(values: np.ndarray, dates: np.ndarray, symbol: str) -> Repaired:
    """Apply the module's rules to an ``n x 5`` OHLCV float matrix (NaN = empty field).

    ``dates`` (datetime64) names each row in the warnings. Returns the rows kept and their
    values (a copy when anything changed).
    """
    notes: list[tuple[int, str]] = []
    finite = np.isfinite(values)
    keep = finite.all(axis=1)
    for row in np.flatnonzero(~keep):
        empty = [_FIELDS[c] for c in np.flatnonzero(~finite[row])]
        notes.append((int(row), f"empty {', '.join(empty)}: the bar is left out"))
    out = values
    if not keep.all() or _out_of_range(values, keep).any():
        out = values.copy()
        notes += _fix_ranges(out, keep)
    notes += _jumps(out, keep)
    notes.sort(key=lambda note: note[0])
    kept = out if keep.all() else out[keep]
    return Repaired(keep, kept, [DataWarning(symbol, _day(dates[r]), p) for r, p in notes])


def _day(moment: np.datetime64) -> str:
    """``2015-07-17``, or ``2015-07-17 09:30:00`` for an intraday bar."""
    text = str(np.datetime_as_string(moment, unit="s")).replace("T", " ")
    return text[:10] if text.endswith("00:00:00") else text


def _out_of_range(values: np.ndarray, keep: np.ndarray) -> np.ndarray:
    o, h, lo, c = (values[:, i] for i in range(4))
    with np.errstate(invalid="ignore"):
        hi, low = h * (1 + _TOLERANCE), lo * (1 - _TOLERANCE)
        bad = (h < lo) | (o > hi) | (o < low) | (c > hi) | (c < low)
    out: np.ndarray = bad & keep
    return out


def _fix_ranges(values: np.ndarray, keep: np.ndarray) -> list[tuple[int, str]]:
    """Swap high/low when inverted, then clip open and close into the range (in place)."""
    notes = []
    for row in np.flatnonzero(_out_of_range(values, keep)):
        o, h, lo, c = values[row, :4]
        if h < lo:
            values[row, 1], values[row, 2] = lo, h
            notes.append((int(row), f"high {h:g} below low {lo:g}: swapped"))
            h, lo = lo, h
        for col, name in ((0, "open"), (3, "close")):
            v = values[row, col]
            if not lo * (1 - _TOLERANCE) <= v <= h * (1 + _TOLERANCE):
                values[row, col] = min(max(v, lo), h)
                notes.append(
                    (
                        int(row),
                        f"{name} {v:g} outside the bar's range "
                        f"({lo:g} to {h:g}): set to {values[row, col]:g}",
                    )
                )
    return notes


def _jumps(values: np.ndarray, keep: np.ndarray) -> list[tuple[int, str]]:
    """Close-to-close moves too large for the series (flagged, not changed)."""
    rows = np.flatnonzero(keep)
    close = values[rows, 3]
    if len(close) < 3 or (close <= 0).any():
        return []
    moves = np.diff(np.log(close))
    sigma = 1.4826 * float(np.median(np.abs(moves - np.median(moves))))
    limit = max(JUMP_LOG, JUMP_SIGMAS * sigma)
    return [
        (
            int(rows[i + 1]),
            f"close moved {np.expm1(moves[i]):+.0%} in one bar "
            "(kept): a real move, or an unadjusted split or spin-off; check before "
            "trusting returns across it",
        )
        for i in np.flatnonzero(np.abs(moves) > limit)
    ]
