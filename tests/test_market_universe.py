"""The bundled S&P 500 universe, SPY and VIX: shapes, the real files' bad bars, provenance."""

from __future__ import annotations

import hashlib
import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from app import caches
from app.caches import Caches
from app.market.data_source import load_for_spec
from app.market.errors import DataError
from app.market.loader import COLUMNS, load_bars
from app.market.universe import (
    SURVIVORSHIP,
    load_macro,
    load_spy,
    load_symbol,
    load_universe,
    load_vix,
    universe_symbols,
)

EXTRA = Path("/work/shared/data/extra")


@pytest.fixture(scope="module")
def universe():
    return load_universe()


def _is_bar_frame(df: pd.DataFrame) -> bool:
    span = df[["open", "close"]]
    return (
        list(df.columns) == list(COLUMNS)
        and df.index.name == "date"
        and str(df.index.dtype) == "datetime64[us]"
        and df.index.is_monotonic_increasing
        and bool(np.isfinite(df.to_numpy()).all())
        and bool((df.low <= span.min(axis=1)).all() and (span.max(axis=1) <= df.high).all())
    )


def test_505_symbols_over_1259_days(universe) -> None:
    assert len(universe) == 505 == len(universe_symbols())
    assert list(universe) == list(universe_symbols())
    assert sum(len(df) for df in universe.values()) == 619_040 - 11  # 11 rows with empty fields
    days = set().union(*(df.index for df in universe.values()))
    assert len(days) == 1259
    assert min(days) == pd.Timestamp("2013-02-08") and max(days) == pd.Timestamp("2018-02-07")
    assert all(_is_bar_frame(df) for df in universe.values())
    assert universe.caveats == [SURVIVORSHIP]


def test_values_as_published(universe) -> None:
    aapl = universe["AAPL"]
    assert tuple(aapl.iloc[0]) == (67.7142, 68.4014, 66.8928, 67.8542, 158168416.0)
    assert len(universe["GOOG"]) == 975 and universe["GOOG"].index[0] == pd.Timestamp("2014-03-27")
    assert len(universe["APTV"]) == 44


def test_the_readme_caveats_are_flagged_not_hidden(universe) -> None:
    flagged = {(w.symbol, w.date): w.problem for w in universe.warnings}
    for symbol, date in [
        ("BHF", "2017-07-26"),
        ("DHR", "2015-07-17"),
        ("REGN", "2015-06-09"),
        ("WRK", "2015-06-26"),
        ("VRTX", "2015-05-12"),
    ]:
        assert "left out" in flagged[(symbol, date)]
        assert pd.Timestamp(date) not in universe[symbol].index
    assert sum("left out" in w.problem for w in universe.warnings) == 11
    assert "swapped" in str([w for w in universe.warnings if w.symbol == "AOS"])
    assert "open 18.77 outside" in flagged[("CHD", "2014-05-19")]
    assert universe["CHD"].loc["2014-05-19", "open"] == universe["CHD"].loc["2014-05-19", "low"]
    assert "close 17.87 outside" in flagged[("LNT", "2016-05-19")]  # the one-day error
    for symbol, date in [
        ("BAX", "2015-07-01"),
        ("EBAY", "2015-07-20"),
        ("NI", "2015-07-02"),
        ("DISCA", "2014-08-07"),
        ("VRTX", "2013-04-19"),
    ]:
        assert "(kept)" in flagged[(symbol, date)]  # spin-offs and real jumps: flagged only
    ebay = universe["EBAY"].close
    assert ebay.loc["2015-07-20"] / ebay.loc[:"2015-07-17"].iloc[-1] == pytest.approx(0.431, 1e-3)


def test_a_subset_and_one_symbol() -> None:
    bars = load_universe(["ebay", "AAPL"])
    assert list(bars) == ["EBAY", "AAPL"]
    assert {w.symbol for w in bars.warnings} == {"EBAY"}
    assert load_symbol("msft").index[-1] == pd.Timestamp("2018-02-07")
    with pytest.raises(DataError, match="has no YHOO"):
        load_universe(["AAPL", "YHOO"])
    with pytest.raises(DataError, match="No bundled universe 'nasdaq'"):
        universe_symbols("nasdaq")


def test_spy_and_vix() -> None:
    spy, vix = load_spy(), load_vix()
    assert len(spy) == 5241 and spy.index[0] == pd.Timestamp("1999-11-01")
    assert spy.index[-1] == pd.Timestamp("2020-08-28") and _is_bar_frame(spy)
    assert len(vix) == 9235 and vix.index[0] == pd.Timestamp("1990-01-02")
    assert _is_bar_frame(vix) and (vix.volume == 0).all()
    macro = load_macro()
    assert set(macro) == {"SPY", "VIX"}
    assert sum("open" in w.problem for w in macro.warnings if w.symbol == "VIX") == 47
    assert not [w for w in macro.warnings if w.symbol == "SPY"]


@pytest.mark.skipif(not EXTRA.is_dir(), reason="shared originals not present")
def test_bundle_matches_the_source_file(universe) -> None:
    raw = pd.read_csv(EXTRA / "sp500-stocks-daily-2013-2018.csv.gz")
    assert (
        hashlib.sha256((EXTRA / "sp500-stocks-daily-2013-2018.csv.gz").read_bytes())
        .hexdigest()
        .startswith("273699c5")
    )
    raw = raw.dropna()
    for symbol in ("AAPL", "ZTS", "A", "BRK.B" if "BRK.B" in universe else "MMM"):
        mine = universe[symbol]
        theirs = raw[raw.symbol == symbol]
        fixed = {pd.Timestamp(w.date) for w in universe.warnings if w.symbol == symbol}
        theirs = theirs[~pd.to_datetime(theirs.date).isin(fixed)]
        mine = mine[~mine.index.isin(fixed)]
        assert np.array_equal(
            mine[["open", "high", "low", "close", "volume"]].to_numpy(),
            theirs[["open", "high", "low", "close", "volume"]].to_numpy(),
        )


def test_specs_on_bundled_data_take_universe_symbols(tmp_path: Path) -> None:
    src = tmp_path / "u.strategy"
    src.write_text(
        'strategy "u"\nuniverse GOOG, EBAY\ntimeframe 1d\n'
        "long when sma(close, 10) crosses above sma(close, 30)\n"
        "exit when sma(close, 10) crosses below sma(close, 30)\nsize 10 shares\n"
    )
    from app.dsl import load_spec

    bars = load_for_spec(load_spec(src))
    assert len(bars["GOOG"]) == 975  # all in the sp500 bundle: one data set, same years
    assert bars["EBAY"].index[0] == pd.Timestamp("2013-02-08")
    mixed = tmp_path / "m.strategy"
    mixed.write_text(src.read_text().replace("GOOG, EBAY", "GOOG, YHOO, EBAY"))
    bars = load_for_spec(load_spec(mixed))  # YHOO is only in the CSV files: those first
    assert len(bars["GOOG"]) == 2148 and len(bars["EBAY"]) == 1259
    assert bars.caveats == [SURVIVORSHIP] and bars.warnings[0].symbol == "EBAY"
    out = subprocess.run(
        [sys.executable, "-m", "app", "backtest", str(src), "--json"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    assert "Survivorship bias" in out and "EBAY 2015-07-20" in out
    with pytest.raises(DataError, match="sp500 universe"):
        src.write_text(src.read_text().replace("EBAY", "ZZZZ"))
        load_for_spec(load_spec(src))


def test_csv_of_the_real_file_loads_with_warnings(tmp_path: Path) -> None:
    if not EXTRA.is_dir():
        pytest.skip("shared originals not present")
    bars = load_bars(EXTRA / "sp500-stocks-daily-2013-2018.csv.gz", symbols=["LNT", "DHR"])
    assert [(w.symbol, w.date) for w in bars.warnings] == [
        ("DHR", "2014-11-06"),
        ("DHR", "2015-07-17"),
        ("DHR", "2016-01-12"),
        ("LNT", "2016-05-19"),
    ]
    assert len(bars["DHR"]) == 1243 - 2
    assert bars.warnings == [w for w in load_universe(["DHR", "LNT"]).warnings]


def _plain(bars: object) -> tuple:
    return (
        [(w.symbol, w.date, w.problem) for w in bars.warnings],  # type: ignore[attr-defined]
        list(bars.caveats),
    )  # type: ignore[attr-defined]


def test_the_checked_universe_is_cached_by_content_and_loads_the_same(
    tmp_path: Path, monkeypatch
) -> None:
    caches.use(Caches(root=tmp_path / "cache", csv=False))
    parsed = load_universe(["AAPL", "APTV", "GOOG"])
    caches.use(Caches(root=tmp_path / "cache"))
    first = load_universe(["AAPL", "APTV", "GOOG"])  # fills the cache with all 505
    assert len(list((tmp_path / "cache" / "csv").glob("*.bars"))) == 1
    everything = load_universe()
    again = load_universe(["GOOG", "AAPL", "APTV"])
    assert len(everything) == 505 and list(again) == ["GOOG", "AAPL", "APTV"]
    for s in ("AAPL", "APTV", "GOOG"):
        pd.testing.assert_frame_equal(parsed[s], first[s])
        pd.testing.assert_frame_equal(parsed[s], everything[s])
        pd.testing.assert_frame_equal(parsed[s], again[s])
    assert _plain(parsed) == _plain(first)
    assert sorted(_plain(again)[0]) == sorted(_plain(first)[0])


def test_spy_is_bundled_for_a_spec_that_trades_it() -> None:
    """The SPY series ships (app/data); `universe SPY` reads it like any bundled stock."""
    from app.dsl import parse_spec
    from app.market.data_source import load_for_spec

    spec = parse_spec(
        'strategy "s"\nuniverse GOOG, SPY\nlong when close > sma(close, 5)\n'
        "exit when close < sma(close, 5)\nsize 10 shares\n"
    )
    frames = load_for_spec(spec)
    assert list(frames) == ["GOOG", "SPY"]
    assert str(frames["SPY"].index[0].date()) == "1999-11-01"
    assert str(frames["SPY"].index[-1].date()) == "2020-08-28"
    assert len(frames["GOOG"]) == 2148
