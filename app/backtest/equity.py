"""The equity curve, rebuilt after the run from fills and trades, vectorised.

The event loop never touches the bars in between events, so the curve is computed here in
one pass per symbol: cash is the running sum of the fills' cash flows; each symbol's held
quantity is a step function (set at the entry bar, cleared at the exit bar) times its
close. A position is held at the close of its entry bar and not at the close of its exit
bar (it left at that bar's open or inside it). Symbols without a bar at some time are
valued at their last close.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from itertools import chain

import numpy as np

from app.execution.orders import Fill
from app.execution.portfolio import Position, Trade
from app.execution.symbol_data import SymbolData


@dataclass(frozen=True)
class Curves:
    """Per time of the union timeline: equity, cash and gross exposure (dollars)."""

    equity: np.ndarray
    cash: np.ndarray
    gross: np.ndarray


def union_close(data: SymbolData, union: np.ndarray) -> np.ndarray:
    """The symbol's close at each union time (last known close; NaN before its first bar)."""
    lo = int(np.searchsorted(data.times, union[0]))
    if data.times.size - lo == union.size and np.array_equal(data.times[lo:], union):
        return data.close[lo:]
    idx = np.searchsorted(data.times, union, side="right") - 1
    out = data.close[np.maximum(idx, 0)].copy()
    out[idx < 0] = np.nan
    return out


def build_curves(
    union: np.ndarray,
    cash0: float,
    fills: Sequence[Fill],
    trades: Sequence[Trade],
    open_positions: Sequence[Position],
    datas: Sequence[SymbolData],
) -> Curves:
    n = union.size
    cash = np.full(n, float(cash0))
    if fills:
        at = np.searchsorted(union, np.fromiter((f.time_ns for f in fills), np.int64, len(fills)))
        flows = np.fromiter(
            (-(f.side * f.qty * f.price) - f.commission for f in fills), np.float64, len(fills)
        )
        cash += np.cumsum(np.bincount(at, weights=flows, minlength=n))[:n]
    value, gross = np.zeros(n), np.zeros(n)
    steps = _holdings(trades, open_positions)
    by_symbol = {d.symbol: d for d in datas}
    for symbol, (starts, ends, qty) in steps.items():
        held = np.zeros(n + 1)
        np.add.at(held, np.searchsorted(union, starts), qty)
        np.add.at(held, np.searchsorted(union, ends), -qty)
        held = np.cumsum(held[:n])
        price = union_close(by_symbol[symbol], union)
        live = held != 0
        value[live] += held[live] * price[live]
        gross[live] += np.abs(held[live]) * price[live]
    return Curves(cash + value, cash, gross)


def _holdings(
    trades: Sequence[Trade], open_positions: Sequence[Position]
) -> dict[str, tuple[np.ndarray, np.ndarray, np.ndarray]]:
    """Per symbol (in order of first appearance, trades then open positions): entry times,
    exit times (int64 max while open), signed quantities, each in the given order."""
    n = len(trades) + len(open_positions)
    code: dict[str, int] = {}
    symbols = np.fromiter(
        (
            code.setdefault(s, len(code))
            for s in chain((t.symbol for t in trades), (p.symbol for p in open_positions))
        ),
        np.int64,
        n,
    )
    starts = np.fromiter(
        chain((t.entry_time_ns for t in trades), (p.entry_time_ns for p in open_positions)),
        np.int64,
        n,
    )
    ends = np.fromiter(
        chain((t.exit_time_ns for t in trades), (_OPEN for _ in open_positions)), np.int64, n
    )
    qty = np.fromiter(
        chain(
            (t.qty if t.side == "long" else -t.qty for t in trades),
            (p.side * p.qty for p in open_positions),
        ),
        np.float64,
        n,
    )
    order = np.argsort(symbols, kind="stable")
    cuts = np.searchsorted(symbols[order], np.arange(1, len(code)))
    return {
        symbol: (starts[at], ends[at], qty[at]) for symbol, at in zip(code, np.split(order, cuts))
    }


_OPEN = np.iinfo(np.int64).max
