"""The buy-and-hold comparison: the same cash split equally over the universe at the first
close of the window and held to the end (no costs, fractional shares).

A symbol whose data starts later keeps its share in cash until its first close; one whose
data ends early is held at its last close.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from app.backtest.equity import union_close
from app.execution.symbol_data import SymbolData


def buy_and_hold(datas: Sequence[SymbolData], union: np.ndarray, cash: float) -> np.ndarray:
    """Equity of the equal-weight buy-and-hold portfolio at each union time."""
    share = cash / len(datas)
    total = np.zeros(union.size)
    for d in datas:
        price = union_close(d, union)
        valid = np.flatnonzero(~np.isnan(price))
        if valid.size == 0:
            total += share
            continue
        growth = price / price[valid[0]]
        total += np.where(np.isnan(growth), share, share * growth)
    return total
