"""The macro analyst: the market's trend and stress, read from a benchmark series.

The benchmark is a named symbol's bars or, by default, an equal-weight index of the
universe (:func:`equal_weight_benchmark`). Without one, the agent abstains.
"""

from __future__ import annotations

import math
from collections.abc import Mapping

import numpy as np
import pandas as pd

from app.agents._scoring import abstain, opinion_from, squash
from app.agents.context import tail
from app.agents.features import Features
from app.agents.models import DecisionContext, Evidence, Opinion
from app.indicators.bars import Bars

MIN_BARS = 61
WINDOW = 300


class MacroAnalyst:
    """Scores the benchmark's 60-bar return, its place against its 200-bar average, and
    whether its recent volatility is abnormal (stress argues against new risk)."""

    name = "macro"

    def opinion(self, ctx: DecisionContext, feats: Features) -> Opinion:
        bench = ctx.benchmark
        if bench is None or len(bench) < MIN_BARS:
            have = 0 if bench is None else len(bench)
            return abstain(self.name, f"No benchmark series with {MIN_BARS}+ bars "
                                      f"(have {have}); abstaining.")
        close = tail(bench, WINDOW).close
        name = ctx.benchmark_name
        ret60 = 100 * (close[-1] / close[-61] - 1) if len(close) > 60 else math.nan
        evidence = [Evidence(fact=f"{name} changed {ret60:+.1f}% over 60 bars",
                             value=round(ret60, 2), points=squash(ret60, 10, 30))]
        if len(close) >= 200:
            gap = 100 * (close[-1] / close[-200:].mean() - 1)
            word = "above" if gap > 0 else "below"
            evidence.append(Evidence(fact=f"{name} is {abs(gap):.1f}% {word} its 200-bar average",
                                     value=round(gap, 2), points=squash(gap, 5, 20)))
        evidence.extend(_stress(close, name))
        summary = f"Market ({name}) {'rising' if ret60 > 0 else 'falling'} over 60 bars."
        return opinion_from(self.name, evidence, summary)


def _stress(close: np.ndarray, name: str) -> list[Evidence]:
    """Recent (20-bar) volatility against its median over the window."""
    returns = np.diff(close) / close[:-1]
    if len(returns) < 80:
        return []
    recent = float(np.std(returns[-20:], ddof=1))
    rolling = np.lib.stride_tricks.sliding_window_view(returns, 20).std(axis=1, ddof=1)
    typical = float(np.median(rolling))
    if typical <= 0:
        return []
    ratio = recent / typical
    points = -15.0 * min(1.0, (ratio - 1.3) / 0.7) if ratio > 1.3 else 5.0 if ratio < 0.8 else 0.0
    return [Evidence(fact=f"{name} volatility is {ratio:.1f}x its typical level",
                     value=round(ratio, 2), points=round(points, 1))]


def equal_weight_benchmark(frames: Mapping[str, pd.DataFrame]) -> Bars:
    """A daily-rebalanced equal-weight index: the members' mean bar return, chained from 1.

    A symbol joins on its second bar; over a member's missing bars its last close carries
    (a zero return). Open, high, low and close are all the index level; volume is 0.
    """
    closes = pd.concat({s: f["Close"] if "Close" in f else f["close"] for s, f in frames.items()},
                       axis=1, sort=True).ffill()
    returns = closes.pct_change(fill_method=None).mean(axis=1, skipna=True).fillna(0.0)
    level = (1.0 + returns).cumprod().to_numpy()
    index = closes.index.tz_localize(None) if closes.index.tz is not None else closes.index
    return Bars(index=index.to_numpy(dtype="datetime64[ns]"), open=level, high=level, low=level,
                close=level, volume=np.zeros(len(level)))
