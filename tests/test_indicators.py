"""Indicators by hand and on real data: the ones TA-Lib lacks (vwap, opening range) against
hand-computed values, and the conventions (period 1, gaps, short and empty input).

The comparison of every TA-Lib-defined indicator with TA-Lib itself is in
``test_indicators_talib.py``; it needs the ``ta-lib`` wheel and skips without it.

"Matches" means: NaN in exactly the same places, and every value within 1e-8 absolute or
1e-8 relative of the reference.
"""

from __future__ import annotations

from functools import cache
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from app.indicators.bars import Bars
from app.indicators.catalog import CATALOG
from app.indicators.compute import compute

DATA = Path(__file__).resolve().parents[1] / "app" / "data"
FILES = ("GOOG.csv", "NVDA.csv", "EURUSD-1h.csv")
TOL = 1e-8


@cache
def bars_of(file: str) -> Bars:
    frame = pd.read_csv(DATA / file, index_col="Date", parse_dates=True)
    return Bars.from_frame(frame)


def assert_matches(got: np.ndarray, want: np.ndarray, what: str) -> None:
    """Same NaN positions; each value within TOL absolute or TOL relative."""
    assert got.dtype == np.float64 and got.shape == want.shape, what
    got_nan, want_nan = np.isnan(got), np.isnan(want)
    assert np.array_equal(got_nan, want_nan), (
        f"{what}: NaN at {np.flatnonzero(got_nan != want_nan)[:5]} differs "
        f"({got_nan.sum()} NaN vs the reference's {want_nan.sum()})"
    )
    err = np.abs(got[~want_nan] - want[~want_nan])
    limit = np.maximum(TOL, TOL * np.abs(want[~want_nan]))
    worst = int(np.argmax(err - limit)) if err.size else 0
    assert np.all(err <= limit), f"{what}: off by {err[worst]:.3g} at value {worst}"


def test_vwap_by_hand() -> None:
    # typical prices (h+l+c)/3: 10, 12, 11, 14, 9; volumes 100, 300, 0, 0, 50
    bars = _bars(
        [11, 13, 12, 15, 10], [9, 11, 10, 13, 8], [10, 12, 11, 14, 9], volume=[100, 300, 0, 0, 50]
    )
    got = compute("vwap", bars, None, (2.0,), None)
    # (10*100 + 12*300)/400 = 11.5; (12*300 + 11*0)/300 = 12; no volume -> NaN; 9*50/50 = 9
    np.testing.assert_allclose(got, [np.nan, 11.5, 12.0, np.nan, 9.0], rtol=1e-15)
    whole = compute("vwap", bars, None, (5.0,), None)
    np.testing.assert_allclose(whole, [np.nan] * 4 + [(1000 + 3600 + 450) / 450], rtol=1e-15)


def test_vwap_on_real_data_matches_a_plain_rolling_sum() -> None:
    bars = bars_of("GOOG.csv")
    frame = pd.DataFrame(
        {"pv": (bars.high + bars.low + bars.close) / 3 * bars.volume, "v": bars.volume}
    )
    sums = frame.rolling(20).sum()
    assert_matches(
        compute("vwap", bars, None, (20.0,), None), (sums["pv"] / sums["v"]).to_numpy(), "vwap(20)"
    )


def test_opening_range_by_hand() -> None:
    times = [
        "2024-01-02 09:30",
        "2024-01-02 09:35",
        "2024-01-02 09:40",
        "2024-01-03 09:30",
        "2024-01-03 09:35",
        "2024-01-03 09:40",
        "2024-01-03 09:45",
        "2024-01-04 09:30",
    ]
    high = [5, 7, 6, 4, 3, 9, 1, 8]
    low = [2, 1, 3, 2, 0.5, 1, 0, 4]
    bars = _bars(high, low, high, times=times)
    nan = np.nan

    def run(name: str, n: float) -> np.ndarray:
        return compute(name, bars, None, (n,), None)

    np.testing.assert_array_equal(run("opening_high", 2), [nan, 7, 7, nan, 4, 4, 4, nan])
    np.testing.assert_array_equal(run("opening_low", 2), [nan, 1, 1, nan, 0.5, 0.5, 0.5, nan])
    np.testing.assert_array_equal(run("opening_high", 1), [5, 5, 5, 4, 4, 4, 4, 8])
    np.testing.assert_array_equal(run("opening_low", 3), [nan, nan, 1, nan, nan, 0.5, 0.5, nan])
    np.testing.assert_array_equal(run("opening_high", 4), [nan] * 6 + [9, nan])


def test_opening_range_on_intraday_data_matches_a_groupby() -> None:
    frame = pd.read_csv(DATA / "INDEX-2006-5min.csv", index_col="Date", parse_dates=True)
    bars = Bars.from_frame(frame)
    day = frame.index.normalize()
    position = frame.groupby(day).cumcount().to_numpy()
    first6 = frame[position < 6].groupby(day[position < 6])
    want = day.map(first6["High"].max()).to_numpy(dtype=float, copy=True)
    want[position < 5] = np.nan
    assert_matches(compute("opening_high", bars, None, (6.0,), None), want, "opening_high(6)")


def test_period_one_is_the_natural_limit() -> None:
    """TA-Lib refuses period 1 for most indicators; the catalog allows it."""
    bars = bars_of("GOOG.csv")
    close = bars.close
    for name in ("sma", "ema", "wma", "highest", "lowest"):
        np.testing.assert_array_equal(compute(name, bars, None, (1.0,), None), close)
    np.testing.assert_array_equal(compute("stddev", bars, None, (1.0,), None), 0.0)
    rsi = compute("rsi", bars, None, (1.0,), None)
    change = np.diff(close)
    np.testing.assert_allclose(rsi[1:], np.where(change > 0, 100.0, 0.0), rtol=1e-15)
    assert np.isnan(compute("adx", bars, None, (1.0,), None)[0])


def test_short_input_is_all_nan() -> None:
    bars = _bars([1.0, 2.0, 3.0], [0.5, 1.5, 2.5], [0.8, 1.8, 2.8])
    for name, spec in CATALOG.items():
        params = tuple(float(p.default) for p in spec.params)
        assert np.isnan(compute(name, bars, None, params, None)).all(), name


@pytest.mark.parametrize(
    ("name", "source", "params", "output", "message"),
    [
        ("nope", None, (), None, "unknown indicator"),
        ("sma", None, (), None, "takes 1 parameters"),
        ("sma", None, (2.5,), None, "whole number"),
        ("sma", None, (0.0,), None, "outside"),
        ("macd", None, (12.0, 26.0, 9.0), "upper", "outputs are"),
        ("sma", None, (5.0,), "line", "no output"),
        ("atr", "close", (14.0,), None, "takes no source"),
        ("sma", "short", (5.0,), None, "shape"),
    ],
)
def test_bad_calls_fail_loudly(
    name: str, source: str | None, params: tuple[float, ...], output: str | None, message: str
) -> None:
    bars = bars_of("GOOG.csv")
    series = {"close": bars.close, "short": bars.close[:10], None: None}[source]
    with pytest.raises(ValueError, match=message):
        compute(name, bars, series, params, output)


def test_bars_from_frame_accepts_either_case_and_time_zones() -> None:
    index = pd.date_range("2024-01-02 09:30", periods=3, freq="5min", tz="America/New_York")
    lower = pd.DataFrame(
        {c: [1.0, 2.0, 3.0] for c in ("open", "high", "low", "close")} | {"volume": [10, 20, 30]},
        index=index,
    )
    upper = lower.rename(columns=str.capitalize)
    a, b = Bars.from_frame(lower), Bars.from_frame(upper)
    np.testing.assert_array_equal(a.close, b.close)
    assert a.volume.dtype == np.float64 and len(a) == 3
    assert a.index[0] == np.datetime64("2024-01-02T09:30")  # wall clock, not UTC
    with pytest.raises(ValueError, match="volume"):
        Bars.from_frame(lower.drop(columns="volume"))


def _bars(
    high: list[float],
    low: list[float],
    close: list[float],
    *,
    volume: list[float] | None = None,
    times: list[str] | None = None,
) -> Bars:
    size = len(close)
    index = (
        np.array(times, dtype="datetime64[ns]")
        if times is not None
        else np.datetime64("2024-01-01", "ns") + np.arange(size) * np.timedelta64(1, "D")
    )
    return Bars(
        index=index,
        open=close,
        high=high,
        low=low,
        close=close,
        volume=volume if volume is not None else [1.0] * size,
    )


def test_a_gap_in_the_source_spoils_windows_locally_and_recursions_onwards() -> None:
    bars = bars_of("GOOG.csv")
    source = bars.close.copy()
    source[100] = np.nan
    for name in ("sma", "wma", "highest", "lowest", "stddev"):
        got = compute(name, bars, source, (5.0,), None)
        assert np.flatnonzero(np.isnan(got[4:])).tolist() == list(range(96, 101)), name
        clean = compute(name, bars, None, (5.0,), None)
        np.testing.assert_allclose(got[105:], clean[105:], rtol=1e-12)
    for name in ("ema", "rsi"):
        got = compute(name, bars, source, (5.0,), None)
        assert np.isnan(got[100:]).all() and not np.isnan(got[5:100]).any(), name


def test_empty_bars_give_empty_outputs() -> None:
    bars = _bars([], [], [])
    for name, spec in CATALOG.items():
        params = tuple(float(p.default) for p in spec.params)
        assert compute(name, bars, None, params, None).shape == (0,), name
