"""The screen: on each bar, only the top N symbols by rank (among those passing the
filter) may open new positions.

Computed once over the merged timeline of all symbols, vectorised: a symbols x times
matrix of scores, one stable sort per time. Ties keep the universe's order. A symbol with
no bar at a time is not ranked then. Exits are never screened: a held symbol that drops
out of the top N leaves only by its exit rule or protective exits.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from app.execution.symbol_data import SymbolData
from app.spec.models import Screen


def apply_screen(datas: Sequence[SymbolData], screen: Screen) -> None:
    """Mask every symbol's entry arrays in place to the bars where it is in the top N."""
    if not datas:
        return
    union = np.unique(np.concatenate([d.times for d in datas]))
    score = np.full((len(datas), union.size), np.nan)
    where = []
    for k, d in enumerate(datas):
        pos = np.searchsorted(union, d.times)
        where.append(pos)
        assert d.rank is not None
        values = d.rank if screen.descending else -d.rank
        if d.screen_ok is not None:
            values = np.where(d.screen_ok, values, np.nan)
        score[k, pos] = values
    order = np.argsort(-score, axis=0, kind="stable")  # NaN sorts last
    place = np.empty_like(order)
    np.put_along_axis(place, order, np.arange(len(datas))[:, None] + np.zeros_like(order), axis=0)
    allowed = (place < screen.top) & ~np.isnan(score)
    for k, d in enumerate(datas):
        ok = allowed[k, where[k]]
        d.long_entry &= ok
        d.short_entry &= ok
        d.screen_pos = place[k, where[k]]
