"""The macro analyst: the market's trend and stress, and the rates backdrop, point in time.

It reads SPY (trend: 60-day return, place against its 200-day average; stress: 20-day
volatility against its median), the VIX level, the Treasury curve (10-year minus 2-year)
and the 10-year yield's 60-day change, each as known at the decision
(:mod:`app.agents.evidence`). The VIX term structure is not derivable from the bundled
data (no VIX3M series), so it is not scored. Where SPY is missing (before 1999-11, after
2020-08) the trend and stress come from the benchmark series (by default an equal-weight
index of the universe, :func:`equal_weight_benchmark`); with neither, the agent abstains.
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np
import pandas as pd

from app.agents._scoring import abstain, opinion_from, squash
from app.agents.context import tail
from app.agents.evidence import MacroData, macro_data
from app.agents.features import Features
from app.agents.models import DecisionContext, Evidence, Opinion
from app.indicators.bars import Bars

MIN_BARS = 61
WINDOW = 300


class MacroAnalyst:
    """Scores the market's trend and stress, the VIX, the curve and the 10-year's move."""

    name = "macro"

    def __init__(self, data: MacroData | None = None) -> None:
        self.data = data

    def opinion(self, ctx: DecisionContext, feats: Features) -> Opinion:
        data = self.data if self.data is not None else macro_data()
        spy = data.spy.known_at(ctx.time, WINDOW) if data.spy is not None else np.zeros(0)
        if len(spy) >= MIN_BARS:
            close, name = spy, "SPY"
        elif ctx.benchmark is not None and len(ctx.benchmark) >= MIN_BARS:
            close, name = tail(ctx.benchmark, WINDOW).close, ctx.benchmark_name
        else:
            close, name = np.zeros(0), ""
        evidence = _trend(close, name) + _stress(close, name) if name else []
        evidence += _vix(data, ctx) + _rates(data, ctx)
        if not [e for e in evidence if e.points or e.value is not None]:
            return abstain(self.name, "No market series known at this time (SPY, VIX, "
                                      "Treasury yields or a benchmark); abstaining.")
        missing = [e.fact for e in evidence if e.value is None]
        trend = (f"Market ({name}) {'rising' if close[-1] > close[-61] else 'falling'} over "
                 "60 bars." if name else "No market index known at this time.")
        return opinion_from(self.name, evidence, trend + (" Missing: " + "; ".join(missing)
                                                          if missing else ""))


def _trend(close: np.ndarray, name: str) -> list[Evidence]:
    ret60 = 100 * (close[-1] / close[-61] - 1)
    out = [Evidence(fact=f"{name} changed {ret60:+.1f}% over 60 bars", value=round(ret60, 2),
                    points=squash(ret60, 10, 30))]
    if len(close) >= 200:
        gap = 100 * (close[-1] / close[-200:].mean() - 1)
        word = "above" if gap > 0 else "below"
        out.append(Evidence(fact=f"{name} is {abs(gap):.1f}% {word} its 200-bar average",
                            value=round(gap, 2), points=squash(gap, 5, 20)))
    return out


def _vix(data: MacroData, ctx: DecisionContext) -> list[Evidence]:
    vix = data.vix.known_at(ctx.time, 1) if data.vix is not None else np.zeros(0)
    if not len(vix):
        return [Evidence(fact="VIX: none known at this time")]
    level = float(vix[-1])
    return [Evidence(fact=f"VIX at {level:.1f}", value=round(level, 2),
                     points=squash(20.0 - level, 8.0, 15.0))]


def _rates(data: MacroData, ctx: DecisionContext) -> list[Evidence]:
    ten = data.dgs10.known_at(ctx.time, 61) if data.dgs10 is not None else np.zeros(0)
    two = data.dgs2.known_at(ctx.time, 1) if data.dgs2 is not None else np.zeros(0)
    if not len(ten):
        return [Evidence(fact="Treasury yields: none known at this time")]
    out = []
    if len(two):
        spread = float(ten[-1] - two[-1])
        points = -10.0 if spread < 0 else squash(spread - 1.0, 1.0, 5.0)
        shape = "inverted" if spread < 0 else "upward sloping"
        out.append(Evidence(fact=f"Treasury curve {shape}: 10-year minus 2-year "
                                 f"{spread:+.2f} points", value=round(spread, 3), points=points))
    if len(ten) > 60:
        move = float(ten[-1] - ten[0])
        out.append(Evidence(fact=f"10-year yield {ten[-1]:.2f}%, {move:+.2f} over 60 days",
                            value=round(move, 3), points=squash(-move, 0.5, 10.0)))
    return out


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
    closes = _aligned_closes(frames)
    if closes is None:
        closes = pd.concat({s: _close(f) for s, f in frames.items()}, axis=1, sort=True)
    closes = closes.ffill()
    returns = closes.pct_change(fill_method=None).mean(axis=1, skipna=True).fillna(0.0)
    level = (1.0 + returns).cumprod().to_numpy()
    index = closes.index.tz_localize(None) if closes.index.tz is not None else closes.index
    return Bars(index=index.to_numpy(dtype="datetime64[ns]"), open=level, high=level, low=level,
                close=level, volume=np.zeros(len(level)))


def _close(frame: pd.DataFrame) -> pd.Series:
    return frame["Close"] if "Close" in frame else frame["close"]


def _aligned_closes(frames: Mapping[str, pd.DataFrame]) -> pd.DataFrame | None:
    """The members' closes side by side without aligning them, when they already share one
    sorted index and float closes (a live run's symbols): the frame ``pd.concat`` would
    build, laid out as it lays it out, at a fraction of the cost. ``None`` otherwise."""
    if not frames:
        return None
    first = next(iter(frames.values())).index
    if not (first.is_monotonic_increasing and first.is_unique):
        return None
    columns = []
    for frame in frames.values():
        close = _close(frame)
        if close.dtype != np.float64 or not (frame.index is first or frame.index.equals(first)):
            return None
        columns.append(close.to_numpy())
    return pd.DataFrame(np.vstack(columns).T, index=first, columns=list(frames))

