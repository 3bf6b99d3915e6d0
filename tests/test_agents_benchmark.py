"""The macro analyst's equal-weight index kept up to date bar by bar (a live run hands its
growing universe over every bar) equals the full recomputation over all history."""

from __future__ import annotations

from functools import cache

import numpy as np
import pandas as pd
import pytest

from app.agents.gate import offline_team_gate
from app.agents.macro import EqualWeightIndex, equal_weight_benchmark
from app.dsl import parse_spec
from app.market.universe import load_universe, universe_symbols

# Late joiners (APTV 44 bars, DWDP, BHF, HPE), members with missing days (ORCL, DHR, O,
# ICE, REGN) and the alphabet's first 30 of the bundled S&P 500 set.
ODD = ("APTV", "DWDP", "BHF", "HPE", "ORCL", "DHR", "O", "ICE", "REGN")


@cache
def universe() -> dict[str, pd.DataFrame]:
    names = list(dict.fromkeys([*universe_symbols()[:30], *ODD]))
    return dict(load_universe(names))


def union() -> pd.DatetimeIndex:
    return pd.DatetimeIndex(sorted(set().union(*[f.index for f in universe().values()])))


def cut(frames: dict[str, pd.DataFrame], when: pd.Timestamp) -> dict[str, pd.DataFrame]:
    return {s: f.loc[:when] for s, f in frames.items()}


class Counted(EqualWeightIndex):
    """The index, counting its recomputations over all history."""

    def __init__(self) -> None:
        super().__init__()
        self.rebuilds = 0

    def _rebuild(self, frames: dict[str, pd.DataFrame]) -> object:  # type: ignore[override]
        self.rebuilds += 1
        return super()._rebuild(frames)


def same(a: object, b: object) -> bool:
    return bool(
        np.array_equal(a.index, b.index)  # type: ignore[attr-defined]
        and np.array_equal(a.close, b.close)
    )  # type: ignore[attr-defined]


def test_bar_by_bar_it_equals_the_full_recomputation_on_real_data() -> None:
    frames, times = universe(), union()
    # Uneven steps: one bar, a few, a long catch-up; members joining and missing days.
    cuts = [*range(3, 40), *range(40, 400, 7), *range(400, len(times), 61), len(times)]
    index = Counted()
    for k in cuts:
        now = cut(frames, times[k - 1])
        assert same(index.update(now), equal_weight_benchmark(now)), times[k - 1]
    assert index.rebuilds == 1  # every later bar was taken in incrementally
    assert len(index.update(cut(frames, times[-1]))) == len(times)


def test_the_index_is_the_mean_return_chained() -> None:
    frames = universe()
    closes = pd.concat({s: f["close"] for s, f in frames.items()}, axis=1, sort=True).ffill()
    returns = closes.pct_change(fill_method=None).mean(axis=1, skipna=True).fillna(0.0)
    expected = (1.0 + returns).cumprod().to_numpy()
    got = equal_weight_benchmark(frames)
    np.testing.assert_allclose(got.close, expected, rtol=1e-12)
    assert got.close[0] == 1.0
    aptv = frames["APTV"].index[0]
    assert got.index[0] < aptv.to_datetime64()  # a late joiner does not start the index


def test_it_starts_over_when_the_members_or_their_past_change() -> None:
    frames, times = universe(), union()
    index = Counted()
    index.update(cut(frames, times[99]))
    fewer = {s: f for s, f in cut(frames, times[100]).items() if s != "ORCL"}
    assert same(index.update(fewer), equal_weight_benchmark(fewer))
    assert index.rebuilds == 2
    now = cut(frames, times[120])
    index.update(now)
    revised = dict(now)
    aapl = revised["AAPL"].copy()
    aapl.iloc[-1, aapl.columns.get_loc("close")] *= 1.01  # the last bar taken in changed
    revised["AAPL"] = aapl
    late = cut(frames, times[121])
    late["AAPL"] = pd.concat([aapl, frames["AAPL"].loc[times[121] : times[121]]])
    assert same(index.update(late), equal_weight_benchmark(late))
    assert index.rebuilds == 4
    # A member lagging behind, then its bars arriving after the index moved past them.
    index = Counted()
    index.update(cut(frames, times[121]))
    behind = cut(frames, times[130])
    behind["AAPL"] = behind["AAPL"].loc[: times[125]]
    assert same(index.update(behind), equal_weight_benchmark(behind))
    assert index.rebuilds == 1
    caught_up = cut(frames, times[131])
    assert same(index.update(caught_up), equal_weight_benchmark(caught_up))
    assert index.rebuilds == 2


def test_intraday_bars_in_a_time_zone() -> None:
    base = pd.date_range("2024-03-08 09:30", periods=400, freq="min", tz="America/New_York")
    rng = np.random.default_rng(7)
    frames = {}
    for j in range(12):
        close = 50 * np.exp(np.cumsum(rng.normal(0, 0.001, len(base))))
        frame = pd.DataFrame(
            {"open": close, "high": close, "low": close, "close": close, "volume": 1.0}, index=base
        )
        frames[f"S{j}"] = frame.iloc[j * 7 :] if j % 3 == 0 else frame.drop(base[50 + j])
    index = Counted()
    for k in range(20, len(base) + 1, 9):
        now = {s: f.loc[: base[k - 1]] for s, f in frames.items()}
        assert same(index.update(now), equal_weight_benchmark(now))
    assert index.rebuilds == 1
    assert str(index.update(now).index[0]) == "2024-03-08T09:30:00.000000000"  # wall time


@pytest.mark.parametrize("steps", [1, 25])
def test_the_gate_hands_the_team_the_same_index(steps: int) -> None:
    spec = parse_spec(
        'strategy "t"\nuniverse AAPL, ABBV\nlong when close > sma(close, 5)\n'
        "exit when close < sma(close, 5)\nagents macro\n"
    )
    frames, times = universe(), union()
    growing = offline_team_gate(spec)
    for k in range(300, 360, steps):
        growing.use_universe(cut(frames, times[k]))
    fresh = offline_team_gate(spec)
    fresh.use_universe(cut(frames, times[k]))
    assert same(growing.benchmark, fresh.benchmark)
