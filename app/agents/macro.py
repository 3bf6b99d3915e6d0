"""The macro analyst: the market's trend and stress, and the rates backdrop, point in time.

It reads SPY (trend: 60-day return, place against its 200-day average; stress: 20-day
volatility against its median), the VIX level, the Treasury curve (10-year minus 2-year)
and the 10-year yield's 60-day change, each as known at the decision
(:mod:`app.agents.evidence`). The VIX term structure is not derivable from the bundled
data (no VIX3M or futures series), so it is not scored, and the opinion says so
(:data:`VIX_TERM_NOT_SCORED`, among its missing facts). Where SPY is missing (before 1999-11, after
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
VIX_TERM_NOT_SCORED = (
    "VIX term structure not scored: no VIX3M or VIX futures series is "
    "bundled, and one 30-day index alone has no term"
)
"""Said with every VIX reading: the term (30-day against 3-month implied volatility) needs a
second maturity, and nothing bundled gives one (SPY's realised volatility is not implied
volatility at another horizon), so the analyst does not invent it."""


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
            return abstain(
                self.name,
                "No market series known at this time (SPY, VIX, "
                "Treasury yields or a benchmark); abstaining.",
            )
        missing = [e.fact for e in evidence if e.value is None]
        trend = (
            f"Market ({name}) {'rising' if close[-1] > close[-61] else 'falling'} over 60 bars."
            if name
            else "No market index known at this time."
        )
        return opinion_from(
            self.name,
            evidence,
            trend + (" Missing: " + "; ".join(missing) + "." if missing else ""),
        )


def _trend(close: np.ndarray, name: str) -> list[Evidence]:
    ret60 = 100 * (close[-1] / close[-61] - 1)
    out = [
        Evidence(
            fact=f"{name} changed {ret60:+.1f}% over 60 bars",
            value=round(ret60, 2),
            points=squash(ret60, 10, 30),
        )
    ]
    if len(close) >= 200:
        gap = 100 * (close[-1] / close[-200:].mean() - 1)
        word = "above" if gap > 0 else "below"
        out.append(
            Evidence(
                fact=f"{name} is {abs(gap):.1f}% {word} its 200-bar average",
                value=round(gap, 2),
                points=squash(gap, 5, 20),
            )
        )
    return out


def _vix(data: MacroData, ctx: DecisionContext) -> list[Evidence]:
    vix = data.vix.known_at(ctx.time, 1) if data.vix is not None else np.zeros(0)
    if not len(vix):
        return [Evidence(fact="VIX: none known at this time")]
    level = float(vix[-1])
    return [
        Evidence(
            fact=f"VIX at {level:.1f}",
            value=round(level, 2),
            points=squash(20.0 - level, 8.0, 15.0),
        ),
        Evidence(fact=VIX_TERM_NOT_SCORED),
    ]


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
        out.append(
            Evidence(
                fact=f"Treasury curve {shape}: 10-year minus 2-year {spread:+.2f} points",
                value=round(spread, 3),
                points=points,
            )
        )
    if len(ten) > 60:
        move = float(ten[-1] - ten[0])
        out.append(
            Evidence(
                fact=f"10-year yield {ten[-1]:.2f}%, {move:+.2f} over 60 days",
                value=round(move, 3),
                points=squash(-move, 0.5, 10.0),
            )
        )
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
    return [
        Evidence(
            fact=f"{name} volatility is {ratio:.1f}x its typical level",
            value=round(ratio, 2),
            points=round(points, 1),
        )
    ]


def equal_weight_benchmark(frames: Mapping[str, pd.DataFrame]) -> Bars:
    """A daily-rebalanced equal-weight index: the members' mean bar return, chained from 1.

    A symbol joins on its second bar; over a member's missing bars its last close carries
    (a zero return). Open, high, low and close are all the index level; volume is 0.
    :class:`EqualWeightIndex` gives the same index for frames that grow bar by bar, taking
    in only the new bars.
    """
    closes = _filled_closes(frames)
    level = np.cumprod(1.0 + _mean_returns(closes.to_numpy(dtype=float)))
    return _index_bars(_naive_times(closes.index), level)


class EqualWeightIndex:
    """:func:`equal_weight_benchmark` of frames that grow by appended bars (a live run's
    universe, handed over every bar), kept up to date from the new bars alone.

    :meth:`update` gives the same index as the full recomputation over the frames as they
    are now. It rebuilds from scratch, as the full recomputation does, when the members
    change (a symbol added, dropped or reordered), a frame shrinks, the last bar it took
    from a member now reads differently, or a new bar is not later than the index's last
    time (a member's late bar); otherwise each member's bars are taken to be append-only.
    """

    def __init__(self) -> None:
        self._symbols: tuple[str, ...] = ()
        self._used: list[int] = []
        """Rows of each member's frame taken in."""
        self._seen = np.empty(0)
        """Each member's raw close at its last row taken in (NaN: none, or the bar's own)."""
        self._carry = np.empty(0)
        """Each member's carried close at the index's last time (NaN: not joined yet)."""
        self._times = np.empty(0, dtype="datetime64[ns]")
        self._level = np.empty(0)
        self._n = 0
        self._instant = 0
        """The index's last time as an instant (int64 ns since the epoch, UTC)."""
        self._bars: Bars | None = None

    def update(self, frames: Mapping[str, pd.DataFrame]) -> Bars:
        """The index over ``frames`` as they are now (the members' bars so far)."""
        symbols = tuple(frames)
        if symbols != self._symbols or self._bars is None:
            return self._rebuild(frames)
        values = [_close_values(f) for f in frames.values()]
        sizes = [len(v) for v in values]
        for v, size, used, seen in zip(values, sizes, self._used, self._seen.tolist(), strict=True):
            if size < used or (used and not _same(float(v[used - 1]), seen)):
                return self._rebuild(frames)
        if sizes == self._used:
            return self._bars
        tail = _tail_closes(frames, values, self._used)
        if tail is None or not len(tail[0]) or tail[0][0] <= self._instant:
            return self._rebuild(frames)
        instants, closes = tail
        zone = next(iter(frames.values())).index.tz
        times = _naive_times(
            pd.DatetimeIndex(instants.view("datetime64[ns]"), tz="UTC").tz_convert(zone)
            if zone is not None
            else pd.DatetimeIndex(instants.view("datetime64[ns]"))
        )
        self._instant = int(instants[-1])
        filled = _ffill(np.vstack([self._carry[None, :], closes]))
        returns = _mean_returns(filled)[1:]
        level = np.cumprod(np.concatenate(([self._level[self._n - 1]], 1.0 + returns)))[1:]
        self._append(times, level)
        self._take(values, sizes, filled[-1])
        return self._bars

    def _rebuild(self, frames: Mapping[str, pd.DataFrame]) -> Bars:
        """Recompute over all history, as :func:`equal_weight_benchmark` does."""
        closes = _filled_closes(frames)
        filled = closes.to_numpy(dtype=float)
        level = np.cumprod(1.0 + _mean_returns(filled))
        self._symbols, self._n = tuple(frames), 0
        index = pd.DatetimeIndex(closes.index)
        self._instant = int(_ns(index)[-1]) if len(index) else np.iinfo(np.int64).min
        self._times = np.empty(0, dtype="datetime64[ns]")
        self._level = np.empty(0)
        self._append(_naive_times(closes.index), level)
        values = [_close_values(f) for f in frames.values()]
        carry = filled[-1] if len(filled) else np.full(len(frames), np.nan)
        self._take(values, [len(v) for v in values], carry)
        assert self._bars is not None
        return self._bars

    def _take(self, values: list[np.ndarray], sizes: list[int], carry: np.ndarray) -> None:
        self._used = sizes
        self._seen = np.array([float(v[-1]) if len(v) else np.nan for v in values])
        self._carry = np.asarray(carry, dtype=float).copy()

    def _append(self, times: np.ndarray, level: np.ndarray) -> None:
        """Add rows to the buffers (grown by doubling; rows once written never change, so
        the Bars handed out earlier stay valid) and remake the Bars over all rows."""
        n, k = self._n, len(level)
        if n + k > len(self._level):
            cap = max(64, 2 * (n + k))
            grown_t = np.empty(cap, dtype="datetime64[ns]")
            grown_l = np.empty(cap)
            grown_t[:n], grown_l[:n] = self._times[:n], self._level[:n]
            self._times, self._level = grown_t, grown_l
        self._times[n : n + k], self._level[n : n + k] = times, level
        self._n = n + k
        self._bars = _index_bars(self._times[: self._n], self._level[: self._n])


def _same(a: float, b: float) -> bool:
    return a == b or (a != a and b != b)


def _tail_closes(
    frames: Mapping[str, pd.DataFrame], values: list[np.ndarray], used: list[int]
) -> tuple[np.ndarray, np.ndarray] | None:
    """The instants (int64 ns) of the members' bars after the rows already taken in, and
    their closes side by side on those times, one row a time (members without a bar
    there: NaN); None when a member's new times are not in order or the members' time
    zones differ (the full recomputation then decides)."""
    indexes = [f.index for f in frames.values()]
    first = indexes[0]
    if not all(isinstance(i, pd.DatetimeIndex) for i in indexes) or any(
        i.tz != first.tz for i in indexes
    ):
        return None
    start = used[0]
    if all(i is first for i in indexes) and all(u == start for u in used):
        times = _ns(first[start:])  # a live universe in step: one index for all
        if len(times) > 1 and not bool(np.all(np.diff(times) > 0)):
            return None
        return times, np.vstack([v[start:] for v in values]).T
    tails = [_ns(i[u:]) for i, u in zip(indexes, used, strict=True)]
    if any(len(t) > 1 and not bool(np.all(np.diff(t) > 0)) for t in tails):
        return None
    times = np.unique(np.concatenate(tails))
    out = np.full((len(times), len(values)), np.nan)
    for j, (t, v, u) in enumerate(zip(tails, values, used, strict=True)):
        out[np.searchsorted(times, t), j] = v[u:]
    return times, out


def _filled_closes(frames: Mapping[str, pd.DataFrame]) -> pd.DataFrame:
    """The members' closes on the union of their times, each carried over its gaps."""
    closes = _aligned_closes(frames)
    if closes is None:
        closes = pd.concat({s: _close(f) for s, f in frames.items()}, axis=1, sort=True)
    return closes.ffill()


def _ffill(values: np.ndarray) -> np.ndarray:
    """Each column's NaNs carried over from the last value above them (rows are times)."""
    return np.asarray(pd.DataFrame(values).ffill().to_numpy(dtype=float))


def _mean_returns(closes: np.ndarray) -> np.ndarray:
    """Each row's mean bar return over the members that have one (0 where none has), of
    closes with times in rows. Each row is summed by itself in one C-ordered pass, so a
    row's figure does not depend on how many rows come with it (the incremental index
    and the full recomputation agree to the bit)."""
    values = np.ascontiguousarray(closes, dtype=float)
    prev = np.full_like(values, np.nan)
    prev[1:] = values[:-1]
    with np.errstate(divide="ignore", invalid="ignore"):
        ret = values / prev - 1.0
        have = ~np.isnan(ret)
        count = have.sum(axis=1)
        mean = np.where(have, ret, 0.0).sum(axis=1) / count
    return np.where(count > 0, mean, 0.0)


def _ns(index: pd.DatetimeIndex) -> np.ndarray:
    """The instants of ``index`` as int64 nanoseconds since the epoch (UTC)."""
    return np.asarray(index.as_unit("ns").asi8)


def _naive_times(index: pd.Index) -> np.ndarray:
    times = pd.DatetimeIndex(index)
    times = times.tz_localize(None) if times.tz is not None else times
    return np.asarray(times.to_numpy(dtype="datetime64[ns]"))


def _index_bars(times: np.ndarray, level: np.ndarray) -> Bars:
    return Bars(
        index=times, open=level, high=level, low=level, close=level, volume=np.zeros(len(level))
    )


def _close_values(frame: pd.DataFrame) -> np.ndarray:
    """A member's closes as floats; read through the frame's one float block when it has
    one (a live symbol's frame: 5x quicker than selecting the column, 500 times a bar)."""
    name = "Close" if "Close" in frame.columns else "close"
    if getattr(frame, "_is_homogeneous_type", False):
        block = frame.to_numpy(copy=False)
        where = frame.columns.get_loc(name)
        if block.dtype == np.float64 and isinstance(where, int):
            return np.asarray(block[:, where])
    return np.asarray(_close(frame).to_numpy(dtype=float))


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
