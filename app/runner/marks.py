"""What a run is worth now: its book (from the last committed checkpoint) marked at the
last bar's close.

One place for every face: ``parley status`` and the TUI monitor both ask :class:`Marks`.
A replay run is marked at the close of the bar it last processed, read from the data it
replays (loaded once per data set, timeframe and universe). A run on a live feed has no
bar history here to mark its open positions with, so its equity is unknown and only the
closed trades' P&L can be shown.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import numpy as np

    from app.spec.models import StrategySpec
    from app.store.tables import RunRow

    Closes = dict[str, tuple[np.ndarray, np.ndarray]]


@dataclass(frozen=True)
class Equity:
    """A run's value as of its last committed bar."""

    cash: float
    """Cash now (the starting cash before the first bar)."""
    value: float | None
    """Cash plus open positions at the last bar's close; None when a position has no
    price to mark it at (a live feed)."""
    start: float
    """The starting cash."""

    @property
    def pnl(self) -> float | None:
        return None if self.value is None else self.value - self.start

    @property
    def ret(self) -> float | None:
        """The return on the starting cash (0.05 is +5%)."""
        return None if self.value is None or not self.start else self.value / self.start - 1


class Marks:
    """Marks runs' books; caches specs and replayed closes across calls (a monitor polls)."""

    def __init__(self) -> None:
        self._specs: dict[str, StrategySpec | None] = {}
        self._closes: dict[tuple[Any, ...], Closes | None] = {}

    def spec(self, row: RunRow) -> StrategySpec | None:
        """The run's spec, parsed once; None when its text no longer parses (a spec from
        another version of Parley): the run is still shown, without marks."""
        if row.id not in self._specs:
            from app.dsl import parse_spec
            from app.errors import ParleyError

            try:
                self._specs[row.id] = parse_spec(row.spec_text, row.name)
            except ParleyError:
                self._specs[row.id] = None
        return self._specs[row.id]

    def equity(self, row: RunRow) -> Equity:
        book = (row.checkpoint or {}).get("book")
        if not book:
            return Equity(cash=row.cash, value=row.cash, start=row.cash)
        cash = float(book["cash"])
        value: float | None = cash
        for p in book["positions"]:
            mark = self.mark(row, p["symbol"])
            if mark is None:
                value = None
                break
            value += p["side"] * p["qty"] * mark
        return Equity(cash=cash, value=value, start=row.cash)

    def mark(self, row: RunRow, symbol: str) -> float | None:
        """``symbol``'s close at the run's last processed bar; None on a live feed."""
        if row.feed != "replay" or not row.last_bar_ns:
            return None
        closes = self._replay_closes(row)
        if closes is None or symbol not in closes:
            return None
        times, close = closes[symbol]
        i = int(times.searchsorted(row.last_bar_ns, side="right")) - 1
        return float(close[i]) if i >= 0 else None

    def _replay_closes(self, row: RunRow) -> Closes | None:
        spec = self.spec(row)
        if spec is None:
            return None
        key = (row.data, spec.timeframe, tuple(spec.universe))
        if key not in self._closes:
            self._closes[key] = _load_closes(spec, row.data)
        return self._closes[key]


def _load_closes(spec: StrategySpec, data: str | None) -> Closes | None:
    from app.errors import ParleyError
    from app.market.data_source import load_for_spec

    try:
        frames = load_for_spec(spec, data)
    except (ParleyError, OSError):
        return None
    return {
        s: (f.index.values.astype("datetime64[ns]").view("int64"), f["close"].to_numpy(float))
        for s, f in frames.items()
    }
