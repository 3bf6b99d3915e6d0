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


@pytest.mark.parametrize(("symbol", "kind", "pdt", "fractional"), [
    ("GOOG", "us_equity", True, False), ("aapl", "us_equity", True, False),
    ("BTC/USD", "crypto", False, True), ("EURUSD", "fx", False, False),
    ("INDEX", "index", False, False), ("BTCUSD", "crypto", False, True),
])
def test_asset_classes(symbol: str, kind: str, pdt: bool, fractional: bool) -> None:
    inst = instrument(symbol)
    assert (inst.asset_class, inst.pdt, inst.fractional) == (kind, pdt, fractional)


def test_alpacas_asset_list_wins() -> None:
    assets = [SimpleNamespace(symbol="ETHUSD", asset_class="AssetClass.CRYPTO"),
              {"symbol": "SPY", "class": "us_equity"}, {"symbol": "X", "class": "option"}]
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
    assert is_trading_day(instrument("EURUSD"), date(2024, 7, 7))


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

    fx = parse_spec('strategy "fx"\nuniverse EURUSD, BTC/USD\nlong when close > open\n'
                    'exit when close < open\nsize 1 shares\n')
    assert not Limits(fx).active and not any("PDT" in s for s in describe_limits(fx))
    stock = parse_spec('strategy "st"\nuniverse GOOG, EURUSD\nlong when close > open\n'
                       'exit when close < open\nsize 1 shares\n')
    assert Limits(stock).active and any("PDT" in s for s in describe_limits(stock))


def test_sessions_of_bars_follow_the_venue() -> None:
    import numpy as np

    from app.instruments.calendar import session_days

    def days(symbol: str, *times: str) -> list[str | None]:
        got = session_days(instrument(symbol), np.array(times, dtype="datetime64[ns]"))
        return [None if d < 0 else str(np.datetime64(int(d), "D")) for d in got]

    # NYSE: pre-market and after-hours bars are outside; 13:00 ends the day after
    # Thanksgiving; a holiday has no session.
    assert days("GOOG", "2024-11-27 09:25", "2024-11-27 09:30", "2024-11-27 15:55",
                "2024-11-27 16:00", "2024-11-29 12:55", "2024-11-29 13:00",
                "2024-11-28 10:00") == [None, "2024-11-27", "2024-11-27", None, "2024-11-29",
                                        None, None]
    # FX: 17:00 New York opens the next day's session; Saturday has none.
    assert days("EURUSD", "2024-07-04 16:59", "2024-07-04 17:00", "2024-07-06 10:00",
                "2024-07-07 17:00") == ["2024-07-04", "2024-07-05", None, "2024-07-08"]
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

    times = np.array(["2024-11-29 09:20", "2024-11-29 09:25", "2024-11-29 09:30",
                      "2024-11-29 09:35", "2024-11-29 12:55", "2024-11-29 13:00"],
                     dtype="datetime64[ns]")
    high = np.array([50.0, 40.0, 10.0, 12.0, 11.0, 30.0])
    bars = Bars(times, high, high, high, high, np.ones(6))
    spec = parse_spec('strategy "orb"\nuniverse GOOG\ntimeframe 5m\n'
                      'long when close > opening_high(2)\nexit when close < open\n'
                      'size 1 shares\n')
    prepare_symbol(spec, "GOOG", bars)  # attaches GOOG's NYSE sessions to the bars
    nan = np.nan
    # 09:30 and 09:35 make the range (12); 12:55 is the session's last bar (13:00 close).
    np.testing.assert_array_equal(compute("opening_high", bars, None, (2.0,), None),
                                  [nan, nan, nan, 12.0, 12.0, nan])
    plain = Bars(times, high, high, high, high, np.ones(6))  # no calendar: the date
    np.testing.assert_array_equal(compute("opening_high", plain, None, (2.0,), None),
                                  [nan, 50.0, 50.0, 50.0, 50.0, 50.0])
