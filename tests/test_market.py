"""The market data layer: bundled files, loading and its errors, resampling, synthetic data."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from app.errors import ParleyError
from app.market.bundled import bundled_dir, bundled_path, bundled_symbols
from app.market.errors import DataError
from app.market.loader import (
    COLUMNS,
    align,
    infer_timeframe,
    load_bars,
    normalize_timeframe,
    resample,
    symbol_from_stem,
)
from app.market.synthetic import REGIMES, synthetic_market, synthetic_regime_series

HEADER = "Date,Open,High,Low,Close,Volume"
GOOD = "2020-01-02,10,11,9,10.5,1000"
SHARED_DATA = Path("/work/shared/data")


def _readme_table() -> dict[str, tuple[int, str, str]]:
    """file -> (bars, from, to), read from the provenance README's table."""
    rows = {}
    for line in (bundled_dir() / "README.md").read_text().splitlines():
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        if len(cells) == 6 and cells[0].endswith(".csv"):
            rows[cells[0]] = (int(cells[2]), cells[3], cells[4])
    return rows


def _write(folder: Path, name: str, *lines: str) -> Path:
    path = folder / name
    path.write_text("\n".join(lines) + "\n")
    return path


def _assert_bar_frame(df: pd.DataFrame) -> None:
    assert list(df.columns) == list(COLUMNS)
    assert all(dtype == np.float64 for dtype in df.dtypes)
    assert isinstance(df.index, pd.DatetimeIndex) and df.index.name == "date"
    assert df.index.tz is None
    assert df.index.is_monotonic_increasing and df.index.is_unique


# --------------------------------------------------------------------------- bundled


def test_bundled_symbols_and_files() -> None:
    symbols = bundled_symbols()
    assert list(symbols) == ["GOOG", "NVDA", "ORCL", "YHOO", "EURUSD", "BTCUSD", "INDEX"]
    assert symbols["EURUSD"].file == "EURUSD-1h.csv"
    assert symbols["INDEX"].file == "INDEX-2006-5min.csv"
    for series in symbols.values():
        assert bundled_path(series.symbol).is_file()
    assert bundled_path("btc/usd") == bundled_path("BTCUSD")


def test_bundled_path_unknown_symbol_lists_known() -> None:
    with pytest.raises(DataError, match="GOOG, NVDA"):
        bundled_path("AAPL")


@pytest.mark.skipif(not SHARED_DATA.is_dir(), reason="shared originals not present")
def test_bundled_files_are_byte_identical_to_originals() -> None:
    for original in sorted(SHARED_DATA.iterdir()):
        if not original.is_file():  # extra/ holds data not bundled as-is
            continue
        ours = (bundled_dir() / original.name).read_bytes()
        if original.name == "README.md":  # ours goes on with the Parquet bundle's provenance
            ours = ours[: len(original.read_bytes())]
        assert ours == original.read_bytes()


@pytest.mark.parametrize("symbol", list(bundled_symbols()))
def test_each_bundled_file_matches_readme(symbol: str) -> None:
    series = bundled_symbols()[symbol]
    bars, first, last = _readme_table()[series.file]
    frames = load_bars(bundled_path(symbol))
    assert list(frames) == [symbol]
    df = frames[symbol]
    _assert_bar_frame(df)
    assert len(df) == bars
    assert df.index[0] == pd.Timestamp(first) and df.index[-1] == pd.Timestamp(last)
    assert infer_timeframe(df) == series.timeframe


def test_goog_first_bar_values() -> None:
    goog = load_bars(bundled_path("GOOG"))["GOOG"]
    first = goog.iloc[0]
    assert tuple(first) == (100.0, 104.06, 95.96, 100.34, 22351900.0)


# --------------------------------------------------------------------------- loading


def test_folder_load_and_symbol_filter(tmp_path: Path) -> None:
    _write(tmp_path, "AAA.csv", HEADER, "2020-01-01,1,2,0.5,1.5,10", GOOD)
    _write(tmp_path, "bbb-1d.csv", HEADER, GOOD)
    frames = load_bars(tmp_path)
    assert list(frames) == ["AAA", "BBB"]
    assert len(frames["AAA"]) == 2 and len(frames["BBB"]) == 1
    _assert_bar_frame(frames["AAA"])
    assert list(load_bars(tmp_path, symbols=["bbb"])) == ["BBB"]


def test_folder_with_symbols_reads_only_the_needed_files(tmp_path: Path) -> None:
    _write(tmp_path, "AAA.csv", HEADER, GOOD)
    _write(tmp_path, "BROKEN.csv", "not,a,price,file")
    assert list(load_bars(tmp_path, symbols=["AAA"])) == ["AAA"]
    with pytest.raises(DataError, match="BROKEN.csv"):
        load_bars(tmp_path)


def test_bundled_folder_four_stocks() -> None:
    frames = load_bars(bundled_dir(), symbols=["GOOG", "NVDA", "ORCL", "YHOO"])
    assert [len(df) for df in frames.values()] == [2148, 4012, 5036, 4713]


def test_symbol_column_file(tmp_path: Path) -> None:
    path = _write(
        tmp_path,
        "universe.csv",
        "symbol,DATE,open,high,low,close,volume",
        "AAA,2020-01-01,1,2,0.5,1.5,10",
        "BBB,2020-01-01,20,21,19,20.5,30",
        "aaa,2020-01-02,1.5,2.5,1.4,2,11",
        "BBB,2020-01-02,20.5,22,20,21,31",
    )
    frames = load_bars(path)
    assert list(frames) == ["AAA", "BBB"]
    assert frames["AAA"]["close"].tolist() == [1.5, 2.0]
    assert frames["BBB"]["volume"].tolist() == [30.0, 31.0]
    _assert_bar_frame(frames["BBB"])
    assert list(load_bars(path, symbols=["BBB"])) == ["BBB"]


def test_symbol_column_duplicates_are_per_symbol(tmp_path: Path) -> None:
    path = _write(
        tmp_path,
        "u.csv",
        "Symbol," + HEADER,
        "AAA,2020-01-01,1,2,0.5,1.5,10",
        "BBB,2020-01-01,1,2,0.5,1.5,10",
        "BBB,2020-01-01,1,2,0.5,1.5,10",
    )
    with pytest.raises(DataError, match=r"u\.csv \(symbol BBB\).*2020-01-01.*lines 3 and 4"):
        load_bars(path)


def test_missing_symbol_lists_what_exists() -> None:
    with pytest.raises(DataError) as err:
        load_bars(bundled_dir(), symbols=["GOOG", "MSFT"])
    assert "MSFT" in err.value.message and "GOOG, INDEX, NVDA" in err.value.message
    assert "Check the spelling" in err.value.message


def test_requested_symbols_key_the_result() -> None:
    frames = load_bars(bundled_path("BTCUSD"), symbols=["btc/usd"])
    assert list(frames) == ["BTC/USD"]


@pytest.mark.parametrize(
    ("stem", "symbol"),
    [
        ("GOOG", "GOOG"),
        ("EURUSD-1h", "EURUSD"),
        ("BTCUSD-1mo", "BTCUSD"),
        ("INDEX-2006-5min", "INDEX"),
        ("spy_daily", "SPY"),
        ("BRK-B", "BRK-B"),
        ("1h", "1H"),
    ],
)
def test_symbol_from_stem(stem: str, symbol: str) -> None:
    assert symbol_from_stem(stem) == symbol


def test_date_and_time_columns_bom_and_offsets(tmp_path: Path) -> None:
    path = tmp_path / "X.csv"
    path.write_bytes(
        b"\xef\xbb\xbfDate,Time,Open,High,Low,Close,Volume\n"
        b"2020-01-02,09:30:00,1,2,0.5,1.5,10\n2020-01-02,09:35:00,1,2,0.5,1.5,10\n"
    )
    assert load_bars(path)["X"].index[1] == pd.Timestamp("2020-01-02 09:35")
    tz = _write(
        tmp_path,
        "TZ.csv",
        HEADER,
        "2020-01-02T09:30:00-05:00,1,2,0.5,1.5,10",
        "2020-07-02T09:30:00-04:00,1,2,0.5,1.5,10",
    )
    index = load_bars(tz)["TZ"].index
    assert index.tz is None and list(index.hour) == [9, 9]


def test_blank_lines_are_skipped_and_lines_still_counted(tmp_path: Path) -> None:
    path = _write(tmp_path, "B.csv", HEADER, GOOD, "", "2020-01-03,1,2,0.5,x,10")
    with pytest.raises(DataError, match=r"line 4: close is 'x', not a number"):
        load_bars(path)


def test_offsets_on_some_rows_only_keep_the_wall_clock(tmp_path: Path) -> None:
    path = _write(
        tmp_path,
        "Z.csv",
        HEADER,
        "2006-08-18,1,2,0.5,1.5,10",
        "2006-08-21T00:00:00+05:00,1,2,0.5,1.5,10",
        "2006-08-22T09:30:00-0400,1,2,0.5,1.5,10",
    )
    index = load_bars(path)["Z"].index
    assert list(index) == [
        pd.Timestamp("2006-08-18"),
        pd.Timestamp("2006-08-21"),
        pd.Timestamp("2006-08-22 09:30"),
    ]


# (rows after the header, the bars kept, the warning text)
FLAGGED = {
    "empty_close": (["2020-01-03,1,2,0.5,,10"], 1, "2020-01-03: empty close: the bar is left out"),
    "nan": (["2020-01-03,1,2,0.5,NaN,10"], 1, "empty close"),
    "high_below_low": (
        ["2020-01-03 10:00,1,1,2,1.5,10"],
        2,
        "2020-01-03 10:00:00: high 1 below low 2: swapped",
    ),
    "open_outside": (
        ["2020-01-03,3,2,0.5,1.5,10"],
        2,
        "open 3 outside the bar's range (0.5 to 2): set to 2",
    ),
    "close_outside": (["2020-01-03,1,2,0.5,0.4,10"], 2, "close 0.4 outside"),
}


@pytest.mark.parametrize("case", list(FLAGGED))
def test_bad_bars_are_fixed_or_left_out_and_flagged(tmp_path: Path, case: str) -> None:
    rows, kept, text = FLAGGED[case]
    frames = load_bars(_write(tmp_path, "F.csv", HEADER, GOOD, *rows))
    df = frames["F"]
    assert len(df) == kept
    _assert_bar_frame(df)
    assert (
        (df.low <= df[["open", "close"]].min(axis=1))
        & (df[["open", "close"]].max(axis=1) <= df.high)
    ).all()
    assert len(frames.warnings) == 1 and text in str(frames.warnings[0])


def test_a_file_of_empty_bars_is_an_error(tmp_path: Path) -> None:
    with pytest.raises(DataError, match="no usable bar"):
        load_bars(_write(tmp_path, "E.csv", HEADER, "2020-01-03,,,,1,10"))


def test_a_large_jump_is_flagged_and_kept(tmp_path: Path) -> None:
    closes = [10, 10.1, 10, 9.9, 10, 4.9, 5, 5.1, 5, 5.05]
    rows = [f"2020-01-{day:02d},{c},{c},{c},{c},10" for day, c in zip(range(2, 12), closes)]
    frames = load_bars(_write(tmp_path, "J.csv", HEADER, *rows))
    assert list(frames["J"].close) == closes
    assert [w.date for w in frames.warnings] == ["2020-01-07"]
    assert "close moved -51% in one bar (kept)" in frames.warnings[0].problem


# (file content after the header, substrings the message must contain)
BAD_FILES = {
    "missing_columns": (
        ["Date,Open,High,Close", "2020-01-02,1,2,1.5"],
        ["bad.csv", "missing the columns Low, Volume", "it has: date, open, high, close"],
    ),
    "bad_date": (
        [HEADER, GOOD, "2020-13-45,1,2,0.5,1.5,10"],
        ["bad.csv", "line 3", "'2020-13-45'", "not a date", "2024-01-31"],
    ),
    "empty_date": ([HEADER, GOOD, ",1,2,0.5,1.5,10"], ["line 3", "date is empty"]),
    "unsorted": (
        [HEADER, GOOD, "2020-01-01,1,2,0.5,1.5,10"],
        ["bad.csv", "not in order", "2020-01-01 (line 3)", "Sort the rows"],
    ),
    "duplicate": (
        [HEADER, GOOD, GOOD],
        ["bad.csv", "2020-01-02 appears twice", "lines 2 and 3", "Remove"],
    ),
    "not_a_number": (
        [HEADER, "2020-01-03,1,abc,0.5,1,10"],
        ["line 2", "high is 'abc', not a number"],
    ),
    "zero_price": (
        [HEADER, GOOD, "2020-01-03,0,2,0.5,1.5,10"],
        ["bad.csv", "2020-01-03", "line 3", "open is 0", "above zero"],
    ),
    "negative_price": ([HEADER, "2020-01-03,1,2,-0.5,1.5,10"], ["low is -0.5", "above zero"]),
    "negative_volume": ([HEADER, "2020-01-03,1,2,0.5,1.5,-1"], ["volume is -1", "negative"]),
    "header_only": ([HEADER], ["bad.csv", "no bars"]),
    "ragged": (
        [HEADER, GOOD, "2020-01-03,1,2,0.5,1.5,10,99"],
        ["bad.csv", "line 3", "same number of comma-separated fields"],
    ),
}


@pytest.mark.parametrize("case", list(BAD_FILES))
def test_validation_errors(tmp_path: Path, case: str) -> None:
    lines, expected = BAD_FILES[case]
    path = _write(tmp_path, "bad.csv", *lines)
    with pytest.raises(DataError) as err:
        load_bars(path)
    for text in expected:
        assert text in err.value.message, (case, err.value.message)
    assert isinstance(err.value, ParleyError)


def test_empty_file_and_missing_path(tmp_path: Path) -> None:
    (tmp_path / "E.csv").write_text("")
    with pytest.raises(DataError, match=r"E\.csv is empty"):
        load_bars(tmp_path / "E.csv")
    with pytest.raises(DataError, match="does not exist"):
        load_bars(tmp_path / "nope.csv")
    empty_dir = tmp_path / "d"
    empty_dir.mkdir()
    with pytest.raises(DataError, match="no .csv files"):
        load_bars(empty_dir)


def test_parley_error_fields() -> None:
    err = DataError("bad thing. Do this.", hint="See the README.")
    assert err.message == "bad thing. Do this." and err.hint == "See the README."
    assert str(err) == "bad thing. Do this.\nSee the README."
    assert str(DataError("only")) == "only" and DataError("only").hint is None


# --------------------------------------------------------------------------- reshaping


@pytest.fixture(scope="module")
def index_5m() -> pd.DataFrame:
    return load_bars(bundled_path("INDEX"))["INDEX"]


def test_resample_index_to_hourly_by_hand(index_5m: pd.DataFrame) -> None:
    hourly = resample(index_5m, "1h")
    _assert_bar_frame(hourly)
    # The 10:00 bar holds the file's rows 10:00 ... 10:55 of 2 January 2006 (lines 13-24).
    bar = hourly.loc["2006-01-02 10:00"]
    assert tuple(bar) == (3601.58, 3603.31, 3598.58, 3601.55, 0.0)
    assert len(hourly.loc["2006-01-02"]) == 9  # 09:00 ... 17:00, no empty overnight bins
    assert len(hourly) == index_5m.index.floor("1h").nunique()
    assert infer_timeframe(hourly) == "1h"


def test_resample_end_stamped(index_5m: pd.DataFrame) -> None:
    hourly = resample(index_5m, "1h", stamps="end")
    # Rows 10:05 ... 11:00 (lines 14-25) make the bar that ends at 11:00.
    assert tuple(hourly.loc["2006-01-02 11:00"]) == (3600.28, 3603.31, 3598.58, 3601.22, 0.0)
    assert hourly.index[0] == pd.Timestamp("2006-01-02 10:00")


def test_resample_daily_weekly_monthly() -> None:
    goog = load_bars(bundled_path("GOOG"))["GOOG"]
    march = resample(goog, "1mo").iloc[-1]
    # Labelled by the first trading day in the bar: a fill at its open is dated the day it
    # happens, and no bar is dated after the data ends (2013-03-01).
    assert resample(goog, "1mo").index[-1] == pd.Timestamp("2013-03-01")
    assert tuple(march) == tuple(goog.iloc[-1])  # one bar in March 2013
    weekly = resample(goog, "1w")
    first_week = goog.loc["2004-08-19":"2004-08-20"]
    assert weekly.index[0] == pd.Timestamp("2004-08-19")  # GOOG's first day, a Thursday
    assert weekly.index[1] == pd.Timestamp("2004-08-23")  # then Mondays
    assert weekly.index[-1] <= goog.index[-1]
    assert set(weekly.index.dayofweek) <= {0, 1, 2, 3, 4}  # never a Sunday
    assert weekly.iloc[0]["volume"] == first_week["volume"].sum()
    assert weekly.iloc[0]["high"] == first_week["high"].max()
    assert resample(goog, "1d").equals(goog)


def test_resample_refuses_finer_and_unknown(index_5m: pd.DataFrame) -> None:
    with pytest.raises(DataError, match="Cannot make 1m bars from 5m data"):
        resample(index_5m, "1m")
    with pytest.raises(DataError, match="Unknown timeframe '7m'"):
        resample(index_5m, "7m")
    assert normalize_timeframe("Daily") == "1d" and normalize_timeframe("60min") == "1h"


def test_load_with_timeframe() -> None:
    frames = load_bars(bundled_path("INDEX"), timeframe="4h")
    assert infer_timeframe(frames["INDEX"]) == "4h"
    with pytest.raises(DataError, match="Cannot make 1h bars from 1d data"):
        load_bars(bundled_path("GOOG"), timeframe="1h")


def test_align_four_stocks() -> None:
    frames = load_bars(bundled_dir(), symbols=["GOOG", "NVDA", "ORCL", "YHOO"])
    aligned = align(frames)
    assert isinstance(aligned, dict) and list(aligned) == ["GOOG", "NVDA", "ORCL", "YHOO"]
    for df in aligned.values():
        assert df.index[0] == pd.Timestamp("2004-08-19")
        assert df.index[-1] == pd.Timestamp("2013-03-01")
    assert aligned.lost["GOOG"] == 0
    assert aligned.lost["ORCL"] == 5036 - len(aligned["ORCL"]) > 0
    assert "2004-08-19 to 2013-03-01" in aligned.report()


def test_align_without_overlap() -> None:
    frames = load_bars(bundled_dir(), symbols=["EURUSD", "INDEX"])
    with pytest.raises(DataError, match="share no dates"):
        align(frames)


# --------------------------------------------------------------------------- synthetic


def _assert_consistent(df: pd.DataFrame) -> None:
    _assert_bar_frame(df)
    body_hi = np.maximum(df["open"], df["close"])
    body_lo = np.minimum(df["open"], df["close"])
    assert (df["high"] >= body_hi).all() and (df["low"] <= body_lo).all()
    assert (df["low"] > 0).all() and (df["volume"] > 0).all()
    assert np.isfinite(df.to_numpy()).all()


def test_synthetic_market_deterministic_and_consistent() -> None:
    market = synthetic_market(5, 300, seed=3)
    assert list(market) == ["SYN000", "SYN001", "SYN002", "SYN003", "SYN004"]
    again = synthetic_market(5, 300, seed=3)
    for sym, df in market.items():
        assert df.equals(again[sym])
        assert len(df) == 300 and df.index[0] == pd.Timestamp("2010-01-04")
        _assert_consistent(df)
    assert not market["SYN000"].equals(synthetic_market(1, 300, seed=4)["SYN000"])
    # more symbols or bars leave the existing ones unchanged
    assert synthetic_market(2, 100, seed=3)["SYN001"].equals(market["SYN001"].iloc[:100])


def test_synthetic_open_near_previous_close() -> None:
    df = synthetic_market(1, 500)["SYN000"]
    gap = np.log(df["open"] / df["close"].shift()).dropna()
    assert gap.abs().max() < 0.02


def test_synthetic_regime_series() -> None:
    bars, labels = synthetic_regime_series(2520, seed=11)
    _assert_consistent(bars)
    assert labels.index.equals(bars.index) and labels.name == "regime"
    assert set(labels) == set(REGIMES)
    runs = labels.groupby((labels != labels.shift()).cumsum()).size()
    assert runs.iloc[:-1].between(60, 250).all()  # the last run is cut at n_bars
    returns = np.log(bars["close"]).diff()
    stats = returns.groupby(labels).agg(["mean", "std"])
    assert stats.loc["trending_up", "mean"] > 0.0005 > -0.0005 > stats.loc["trending_down", "mean"]
    assert stats.loc["high_volatility", "std"] > 2.5 * stats.loc["trending_up", "std"]
    assert stats.loc["mean_reverting", "std"] < 0.8 * stats.loc["trending_up", "std"]
    again_bars, again_labels = synthetic_regime_series(2520, seed=11)
    assert again_bars.equals(bars) and again_labels.equals(labels)
    assert not synthetic_regime_series(2520, seed=12)[0].equals(bars)


def test_synthetic_mean_reversion_stays_near_its_level() -> None:
    bars, labels = synthetic_regime_series(3000, seed=5)
    segment = (labels != labels.shift()).cumsum()
    for _, closes in np.log(bars["close"])[labels == "mean_reverting"].groupby(segment):
        assert closes.max() - closes.min() < 0.15
