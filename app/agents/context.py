"""Building a :class:`DecisionContext` from full histories without leaking the future."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

import numpy as np
import pandas as pd

from app.agents.models import DecisionContext, Headline, PortfolioSnapshot, Side
from app.indicators.bars import Bars


def bars_until(bars: Bars, time: datetime | np.datetime64) -> Bars:
    """The bars stamped at or before ``time`` (views, no copy)."""
    end = int(np.searchsorted(bars.index, np.datetime64(_naive(time), "ns"), side="right"))
    return tail(bars, end, end=end)


def tail(bars: Bars, n: int, end: int | None = None) -> Bars:
    """The last ``n`` bars before position ``end`` (default: the last bar)."""
    stop = len(bars) if end is None else end
    start = max(0, stop - n)
    return Bars(
        index=bars.index[start:stop],
        open=bars.open[start:stop],
        high=bars.high[start:stop],
        low=bars.low[start:stop],
        close=bars.close[start:stop],
        volume=bars.volume[start:stop],
    )


def make_context(
    symbol: str,
    bars: Bars,
    time: datetime | np.datetime64,
    *,
    rule: str,
    side: Side,
    portfolio: PortfolioSnapshot,
    benchmark: Bars | None = None,
    headlines: Iterable[Headline] = (),
    **extra: object,
) -> DecisionContext:
    """A context for ``symbol`` at ``time``: every series cut at ``time``, headlines too.

    Headlines about other symbols are dropped (a headline naming no symbol is kept).
    ``extra`` passes the remaining :class:`DecisionContext` fields (regime, ...).
    """
    when = _naive(time)
    news = tuple(
        h
        for h in headlines
        if h.time <= when and (not h.symbols or symbol.upper() in {s.upper() for s in h.symbols})
    )
    return DecisionContext(
        symbol=symbol,
        time=when,
        bars=bars_until(bars, when),
        rule=rule,
        side=side,
        portfolio=portfolio,
        headlines=news,
        benchmark=bars_until(benchmark, when) if benchmark is not None else None,
        **extra,  # type: ignore[arg-type]
    )


def _naive(time: datetime | np.datetime64) -> datetime:
    stamp = pd.Timestamp(time)
    naive: datetime = (
        stamp.tz_localize(None) if stamp.tzinfo is not None else stamp
    ).to_pydatetime()
    return naive
