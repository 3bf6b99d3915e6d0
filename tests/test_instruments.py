"""One instrument model: asset class by Alpaca's list, the bundled table or the spelling;
NYSE sessions with holidays and early closes; crypto around the clock; FX's week."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from types import SimpleNamespace
from zoneinfo import ZoneInfo

import pytest

from app.instruments import instrument, register_alpaca_assets
from app.instruments.calendar import bar_is_closed, is_trading_day, session_bounds
from app.instruments.model import clear_registered

NY, UTC = ZoneInfo("America/New_York"), ZoneInfo("UTC")


@pytest.fixture(autouse=True)
def _clean():
    yield
    clear_registered()


@pytest.mark.parametrize(
    ("symbol", "kind", "pdt", "fractional"),
    [
        ("GOOG", "us_equity", True, False),
        ("aapl", "us_equity", True, False),
        ("BTC/USD", "crypto", False, True),
        ("EURUSD", "fx", False, False),
        ("INDEX", "index", False, False),
        ("BTCUSD", "crypto", False, True),
    ],
)
def test_asset_classes(symbol: str, kind: str, pdt: bool, fractional: bool) -> None:
    inst = instrument(symbol)
    assert (inst.asset_class, inst.pdt, inst.fractional) == (kind, pdt, fractional)


def test_alpacas_asset_list_wins() -> None:
    assets = [
        SimpleNamespace(symbol="ETHUSD", asset_class="AssetClass.CRYPTO"),
        {"symbol": "SPY", "class": "us_equity"},
        {"symbol": "X", "class": "option"},
    ]
    assert register_alpaca_assets(assets) == 2
    assert instrument("ETHUSD").asset_class == "crypto"
    assert instrument("ETHUSD").timezone == "UTC" and instrument("SPY").timezone == NY.key


def test_nyse_holidays_weekends_and_early_closes() -> None:
    goog = instrument("GOOG")
    assert not is_trading_day(goog, date(2024, 7, 4))  # Independence Day
    assert not is_trading_day(goog, date(2024, 7, 6))  # a Saturday
    assert is_trading_day(goog, date(2024, 7, 5))
    opened, closed = session_bounds(goog, date(2024, 11, 29))  # type: ignore[misc]
    assert (opened.hour, opened.minute, closed.hour) == (9, 30, 13)  # day after Thanksgiving
    assert session_bounds(goog, date(2024, 12, 25)) is None


def test_crypto_trades_every_day_and_fx_rests_on_saturday() -> None:
    assert is_trading_day(instrument("BTC/USD"), date(2024, 7, 6))
    assert is_trading_day(instrument("BTC/USD"), date(2024, 12, 25))
    assert not is_trading_day(instrument("EURUSD"), date(2024, 7, 6))
    # Sunday evening opens Monday's session (an FX session is named by its closing date)
    assert not is_trading_day(instrument("EURUSD"), date(2024, 7, 7))
    assert is_trading_day(instrument("EURUSD"), date(2024, 7, 8))
    opened, closed = session_bounds(instrument("EURUSD"), date(2024, 7, 8))  # type: ignore[misc]
    assert (opened.isoformat(), closed.isoformat()) == (
        "2024-07-07T17:00:00-04:00",
        "2024-07-08T17:00:00-04:00",
    )


def test_a_forming_bar_is_not_closed() -> None:
    goog = instrument("GOOG")
    start = datetime(2024, 11, 27, 10, 0, tzinfo=NY)
    assert not bar_is_closed(goog, start, timedelta(minutes=1), start + timedelta(seconds=30))
    assert bar_is_closed(goog, start, timedelta(minutes=1), start + timedelta(minutes=1))
    day = datetime(2024, 11, 29, 0, 0, tzinfo=NY)  # early close: the day bar ends at 13:00
    noon = datetime(2024, 11, 29, 12, 59, tzinfo=NY)
    assert not bar_is_closed(goog, day, timedelta(days=1), noon)
    assert bar_is_closed(goog, day, timedelta(days=1), datetime(2024, 11, 29, 13, 0, tzinfo=NY))
    hour = datetime(2024, 11, 29, 12, 30, tzinfo=NY)
    assert bar_is_closed(goog, hour, timedelta(hours=1), datetime(2024, 11, 29, 13, 0, tzinfo=NY))
    late = datetime(2024, 11, 27, 18, 0, tzinfo=NY)  # an after-hours bar is its own length
    assert not bar_is_closed(goog, late, timedelta(minutes=1), late + timedelta(seconds=30))
    coin = instrument("BTC/USD")
    midnight = datetime(2024, 7, 6, 0, 0, tzinfo=UTC)
    assert not bar_is_closed(coin, midnight, timedelta(days=1), midnight + timedelta(hours=23))


def test_the_pdt_rule_counts_only_us_equities() -> None:
    from app.dsl import parse_spec
    from app.execution.limits import Limits, describe_limits

    fx = parse_spec(
        'strategy "fx"\nuniverse EURUSD, BTC/USD\nlong when close > open\n'
        "exit when close < open\nsize 1 shares\n"
    )
    assert not Limits(fx).active and not any("PDT" in s for s in describe_limits(fx))
    stock = parse_spec(
        'strategy "st"\nuniverse GOOG, EURUSD\nlong when close > open\n'
        "exit when close < open\nsize 1 shares\n"
    )
    assert Limits(stock).active and any("PDT" in s for s in describe_limits(stock))


def test_sessions_of_bars_follow_the_venue() -> None:
    import numpy as np

    from app.instruments.calendar import session_days

    def days(symbol: str, *times: str) -> list[str | None]:
        got = session_days(instrument(symbol), np.array(times, dtype="datetime64[ns]"))
        return [None if d < 0 else str(np.datetime64(int(d), "D")) for d in got]

    # NYSE: pre-market and after-hours bars are outside; 13:00 ends the day after
    # Thanksgiving; a holiday has no session.
    assert days(
        "GOOG",
        "2024-11-27 09:25",
        "2024-11-27 09:30",
        "2024-11-27 15:55",
        "2024-11-27 16:00",
        "2024-11-29 12:55",
        "2024-11-29 13:00",
        "2024-11-28 10:00",
    ) == [None, "2024-11-27", "2024-11-27", None, "2024-11-29", None, None]
    # FX: 17:00 New York opens the next day's session; Saturday has none. GBPUSD's times
    # are New York's (the class's zone); the bundled EURUSD's are UTC (its file's).
    assert days(
        "GBPUSD", "2024-07-04 16:59", "2024-07-04 17:00", "2024-07-06 10:00", "2024-07-07 17:00"
    ) == ["2024-07-04", "2024-07-05", None, "2024-07-08"]
    assert days(
        "EURUSD", "2024-07-04 20:59", "2024-07-04 21:00", "2024-07-06 14:00", "2024-07-07 21:00"
    ) == ["2024-07-04", "2024-07-05", None, "2024-07-08"]
    # Crypto, and the bundled index of an unknown venue: the calendar day.
    assert days("BTC/USD", "2024-07-06 23:59") == ["2024-07-06"]
    assert instrument("INDEX").calendar == "days"
    assert days("INDEX", "2006-01-02 09:05") == ["2006-01-02"]


def test_the_opening_range_starts_at_the_session_open() -> None:
    """Pre-market bars do not open the range; an early close ends the session."""
    import numpy as np

    from app.execution.symbol_data import prepare_symbol
    from app.dsl import parse_spec
    from app.indicators.bars import Bars
    from app.indicators.compute import compute

    times = np.array(
        [
            "2024-11-29 09:20",
            "2024-11-29 09:25",
            "2024-11-29 09:30",
            "2024-11-29 09:35",
            "2024-11-29 12:55",
            "2024-11-29 13:00",
        ],
        dtype="datetime64[ns]",
    )
    high = np.array([50.0, 40.0, 10.0, 12.0, 11.0, 30.0])
    bars = Bars(times, high, high, high, high, np.ones(6))
    spec = parse_spec(
        'strategy "orb"\nuniverse GOOG\ntimeframe 5m\n'
        "long when close > opening_high(2)\nexit when close < open\n"
        "size 1 shares\n"
    )
    prepare_symbol(spec, "GOOG", bars)  # attaches GOOG's NYSE sessions to the bars
    nan = np.nan
    # 09:30 and 09:35 make the range (12); 12:55 is the session's last bar (13:00 close).
    np.testing.assert_array_equal(
        compute("opening_high", bars, None, (2.0,), None), [nan, nan, nan, 12.0, 12.0, nan]
    )
    plain = Bars(times, high, high, high, high, np.ones(6))  # no calendar: the date
    np.testing.assert_array_equal(
        compute("opening_high", plain, None, (2.0,), None), [nan, 50.0, 50.0, 50.0, 50.0, 50.0]
    )


def test_fx_holidays_close_their_sessions() -> None:
    """New Year's Day and Christmas Day have no FX session: the market shuts at 17:00 New
    York the evening before and opens the next session at 17:00 on the day."""
    import numpy as np

    from app.instruments.calendar import FX_HOLIDAYS, fx_holiday, session_days

    assert [(m, d) for m, d, _ in FX_HOLIDAYS] == [(1, 1), (12, 25)]
    fx = instrument("GBPUSD")
    assert (
        fx_holiday(date(2024, 12, 25)) == "Christmas Day" and fx_holiday(date(2024, 12, 26)) is None
    )
    for day in (date(2024, 12, 25), date(2025, 1, 1), date(2026, 1, 1)):
        assert not is_trading_day(fx, day) and session_bounds(fx, day) is None
    assert is_trading_day(fx, date(2024, 12, 24)) and is_trading_day(fx, date(2024, 12, 26))
    opened, closed = session_bounds(fx, date(2024, 12, 26))  # type: ignore[misc]
    assert (opened.isoformat(), closed.isoformat()) == (
        "2024-12-25T17:00:00-05:00",
        "2024-12-26T17:00:00-05:00",
    )
    times = np.array(
        [
            "2024-12-24 16:59",
            "2024-12-24 17:00",
            "2024-12-25 10:00",
            "2024-12-25 17:00",
            "2024-12-31 16:00",
            "2024-12-31 17:00",
            "2025-01-01 16:59",
            "2025-01-01 17:00",
        ],
        dtype="datetime64[ns]",
    )
    got = [None if d < 0 else str(np.datetime64(int(d), "D")) for d in session_days(fx, times)]
    assert got == ["2024-12-24", None, None, "2024-12-26", "2024-12-31", None, None, "2025-01-02"]
    assert is_trading_day(instrument("BTC/USD"), date(2024, 12, 25))  # crypto trades on


def test_the_bundled_eurusd_trades_exactly_in_the_fx_sessions() -> None:
    """Every bundled EURUSD bar (times in UTC) falls in an FX session but two (one bar past
    the Friday close, 2017-10-06 and 10-20), and its sessions are exactly those the calendar
    opens: every weekday from the first to the last but 2017-12-25 and 2018-01-01."""
    import numpy as np

    from app.instruments.calendar import session_days
    from app.market.bundled import bundled_dir
    from app.market.loader import load_bars

    frame = load_bars(bundled_dir(), ["EURUSD"])["EURUSD"]
    inst = instrument("EURUSD")
    assert inst.timezone == "UTC"
    local = frame.index.tz_localize(None) if frame.index.tz is not None else frame.index
    days = session_days(inst, local.to_numpy("datetime64[ns]"))
    outside = frame.index[days < 0]
    assert [str(t)[:16] for t in outside] == ["2017-10-06 21:00", "2017-10-20 21:00"]
    traded = {str(np.datetime64(int(d), "D")) for d in days[days >= 0]}
    span = [date(2017, 4, 19) + timedelta(days=i) for i in range(295)]
    assert span[-1] == date(2018, 2, 7)
    opened = {d.isoformat() for d in span if is_trading_day(inst, d)}
    assert traded == opened
    weekdays = {d.isoformat() for d in span if d.weekday() < 5}
    assert weekdays - opened == {"2017-12-25", "2018-01-01"}


FX_SPEC = """strategy "fx breakout"
universe EURUSD
timeframe 1h
long when close > opening_high(2)
exit when close < open
size 1000 shares
"""


def test_an_fx_breakout_skips_the_christmas_session() -> None:
    """Hourly EURUSD (UTC) around Christmas 2017, with a few thin quotes in the closed
    Christmas session, as some vendors publish them. The opening range has no value
    outside a session, so nothing enters on Christmas Day; the first entry is in the
    session that opens at 17:00 New York on the 25th (22:00 UTC)."""
    import pandas as pd

    from app.backtest import run_backtest
    from app.dsl import parse_spec

    rows = {  # UTC start: (open, close); high and low are the larger and smaller
        # Friday 22nd's session: a flat range, no breakout
        "2017-12-22 19:00": (1.00, 1.00),
        "2017-12-22 20:00": (1.00, 1.00),
        "2017-12-22 21:00": (1.00, 1.00),
        # the Christmas session (closed): flat, flat, then a close above the range
        "2017-12-25 10:00": (1.00, 1.00),
        "2017-12-25 11:00": (1.00, 1.00),
        "2017-12-25 12:00": (1.00, 1.05),
        # the 26th's session, from 22:00 UTC: the range is 1.05 after two bars; 00:00
        # closes above it -> buy at 01:00's open 1.10; 02:00 closes below its open ->
        # sell at 03:00's open 1.08
        "2017-12-25 22:00": (1.05, 1.05),
        "2017-12-25 23:00": (1.05, 1.05),
        "2017-12-26 00:00": (1.05, 1.10),
        "2017-12-26 01:00": (1.10, 1.10),
        "2017-12-26 02:00": (1.10, 1.08),
        "2017-12-26 03:00": (1.08, 1.08),
    }
    index = pd.DatetimeIndex(list(rows), name="date")
    o = [r[0] for r in rows.values()]
    c = [r[1] for r in rows.values()]
    frame = pd.DataFrame(
        {
            "open": o,
            "high": [max(a, b) for a, b in zip(o, c)],
            "low": [min(a, b) for a, b in zip(o, c)],
            "close": c,
            "volume": 1.0,
        },
        index=index,
    )
    result = run_backtest(parse_spec(FX_SPEC), {"EURUSD": frame}, cash=10_000)
    trades = [
        (
            str(pd.Timestamp(t.entry_time_ns, tz="UTC"))[:16],
            t.entry_price,
            str(pd.Timestamp(t.exit_time_ns, tz="UTC"))[:16],
            t.exit_price,
        )
        for t in result.trades
    ]
    assert trades == [("2017-12-26 01:00", 1.10, "2017-12-26 03:00", 1.08)]
