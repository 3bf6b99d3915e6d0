"""The price bars indicators are computed from, as plain numpy arrays.

Indicators run on numpy, not pandas: a frozen container of float64 arrays keeps the
computation free of index alignment and copies, and makes the input contract explicit.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field, fields

import numpy as np
import pandas as pd
from numpy.typing import NDArray

_PRICE_COLUMNS = ("open", "high", "low", "close", "volume")


@dataclass(frozen=True, eq=False)
class Bars:
    """OHLCV bars, oldest first, one array per field, all the same length.

    ``index`` holds each bar's timestamp as ``datetime64[ns]`` wall-clock time of the
    market (no time zone), exchange-local for intraday data. The opening range groups
    bars by trading session: :meth:`session_days`, from the venue's calendar once one is
    attached (:meth:`attach_sessions`: the caller knows the symbol), else the calendar
    day of these values.

    The arrays are read-only views (indicators and the evaluator hand them out without
    copying, so a stray in-place write would corrupt every later result), and equality
    is identity, which keeps a Bars usable as a cache key.
    """

    index: NDArray[np.datetime64]
    open: NDArray[np.float64]
    high: NDArray[np.float64]
    low: NDArray[np.float64]
    close: NDArray[np.float64]
    volume: NDArray[np.float64]
    _sessions: Callable[[], NDArray[np.int64]] | NDArray[np.int64] | None = field(
        default=None, repr=False, compare=False
    )

    def __post_init__(self) -> None:
        # Coerce once here so every indicator can rely on contiguous float64 input.
        index = np.asarray(self.index, dtype="datetime64[ns]")
        object.__setattr__(self, "index", _read_only(index))
        for name in _PRICE_COLUMNS:
            value = np.ascontiguousarray(getattr(self, name), dtype=np.float64)
            object.__setattr__(self, name, _read_only(value))
        sizes = {f.name: getattr(self, f.name).shape for f in fields(self) if f.name != "_sessions"}
        if len(set(sizes.values())) != 1 or self.index.ndim != 1:
            raise ValueError(f"Bars fields must be 1-D and of equal length, got {sizes}")

    def __len__(self) -> int:
        return int(self.index.size)

    def attach_sessions(self, sessions: Callable[[], NDArray[np.int64]]) -> None:
        """Say how to find each bar's session (called on first need, once): a day number
        per bar (days since 1970-01-01 of the session's date), -1 outside every session."""
        if self._sessions is None:
            object.__setattr__(self, "_sessions", sessions)

    def session_days(self) -> NDArray[np.int64]:
        """Each bar's session as a day number, -1 for a bar outside every session (before
        the open, after the close); without a calendar, the bar's calendar day."""
        found = self._sessions
        if callable(found):
            found = np.asarray(found(), dtype=np.int64)
            object.__setattr__(self, "_sessions", found)
        if found is None:
            return self.index.astype("datetime64[D]").astype(np.int64)
        return found

    def field(self, name: str) -> NDArray[np.float64]:
        """A price field by name (``"close"``), as used by ``FieldRef`` in the language."""
        if name not in _PRICE_COLUMNS:
            raise KeyError(f"unknown price field {name!r}")
        values: NDArray[np.float64] = getattr(self, name)
        return values

    @classmethod
    def from_frame(cls, df: pd.DataFrame) -> Bars:
        """Bars from a DataFrame with a DatetimeIndex and OHLCV columns.

        Column names may be lowercase or capitalised (``close`` or ``Close``), as written
        by the usual CSV downloads. A time-zone-aware index is converted to its local wall
        time so that sessions stay on the exchange's calendar days.
        """
        if not isinstance(df.index, pd.DatetimeIndex):
            raise TypeError("Bars.from_frame needs a DataFrame with a DatetimeIndex")
        by_lower = {str(c).lower(): c for c in df.columns}
        missing = [c for c in _PRICE_COLUMNS if c not in by_lower]
        if missing:
            raise ValueError(f"missing price columns: {', '.join(missing)}")
        index = df.index.tz_localize(None) if df.index.tz is not None else df.index
        arrays = {c: df[by_lower[c]].to_numpy(dtype=np.float64) for c in _PRICE_COLUMNS}
        return cls(index=index.to_numpy(dtype="datetime64[ns]"), **arrays)


def _read_only(array: np.ndarray) -> np.ndarray:
    """A read-only view, leaving the caller's own array writable."""
    view = array.view()
    view.flags.writeable = False
    return view
