"""``--data alpaca``: bars downloaded through alpaca-py's real historical data clients from
the loopback fake, cached as CSV under PARLEY_HOME, refreshed by their tail only, and every
failure a DataError that says what to do."""

from __future__ import annotations

import json
import socket
from datetime import timedelta
from pathlib import Path

import pandas as pd
import pytest

from app.cli import main
from app.config import load_settings
from app.dsl import load_spec
from app.market.alpaca_cache import load_alpaca
from app.market.data_source import history_bars
from app.market.errors import DataError
from app.market.synthetic import synthetic_market
from tests.conftest import STRATEGIES
from tests.fakes.alpaca_server import KEY_ID, SECRET, FakeAlpaca, Fault

NOW = pd.Timestamp("2030-01-01", tz="UTC")
BARS = "/v2/stocks/bars"
ASSETS = "/v2/assets"


@pytest.fixture
def fake(monkeypatch: pytest.MonkeyPatch):
    with FakeAlpaca() as server:
        monkeypatch.setenv("APCA_API_KEY_ID", KEY_ID)
        monkeypatch.setenv("APCA_API_SECRET_KEY", SECRET)
        monkeypatch.setenv("APCA_API_DATA_URL", server.base_url)
        monkeypatch.setenv("APCA_API_BASE_URL", server.base_url)  # the asset list
        server.bars["AAPL"] = synthetic_market(1, 300, seed=3)["SYN000"]  # 2010-01-04 on
        yield server


def fetch(
    symbol: str = "AAPL",
    timeframe: str = "1d",
    start: str | None = "2010-03-01",
    end: str | None = "2010-06-30",
    now: pd.Timestamp = NOW,
    **kw,
) -> pd.DataFrame:
    frames = load_alpaca(
        [symbol],
        timeframe,
        start=start,
        end=end,
        warmup_bars=30,
        settings=load_settings(),
        now=now,
        **kw,
    )
    return frames[symbol]


def bar_queries(fake: FakeAlpaca) -> list[dict[str, str]]:
    return [q for path, q in fake.queries if path.endswith("/bars")]


def cache_file(*parts: str) -> Path:
    return load_settings().home.joinpath("cache", "bars", *parts)


def utc(local: str, zone: str = "America/New_York") -> pd.Timestamp:
    return pd.Timestamp(local).tz_localize(zone).tz_convert("UTC")


# ---------------------------------------------------------------- download and cache


def test_download_is_cached_as_checked_csv(fake: FakeAlpaca) -> None:
    got = fetch()
    source = fake.bars["AAPL"]
    assert got.index[-1] == pd.Timestamp("2010-06-30")
    assert got.index[0] < pd.Timestamp("2010-03-01") - pd.Timedelta(days=40)  # the warm-up
    pd.testing.assert_frame_equal(got, source.loc[got.index[0] : got.index[-1]], check_freq=False)
    (query,) = bar_queries(fake)
    assert (query["timeframe"], query["feed"], query["adjustment"]) == ("1Day", "iex", "all")
    assert pd.Timestamp(query["end"]) == utc("2010-06-30 23:59:59.999999")
    csv = cache_file("iex", "1d", "AAPL.csv")
    assert csv.read_text().startswith("date,open,high,low,close,volume\n")
    assert csv.with_suffix(".json").exists()


def test_a_covered_request_is_a_cache_hit(fake: FakeAlpaca) -> None:
    first = fetch()
    again = fetch()
    inside = fetch(start="2010-04-01", end="2010-05-31")
    assert len(bar_queries(fake)) == 1
    pd.testing.assert_frame_equal(first, again)
    assert inside.index[-1] == pd.Timestamp("2010-05-31")


def test_only_the_missing_tail_is_fetched(fake: FakeAlpaca) -> None:
    cached = fetch()
    longer = fetch(end="2010-09-30")
    _, tail_query = bar_queries(fake)
    # from the last complete cached bar: it is compared, and replaced by the fresh one
    assert pd.Timestamp(tail_query["start"]) == utc(str(cached.index[-2]))
    source = fake.bars["AAPL"]
    pd.testing.assert_frame_equal(
        longer, source.loc[cached.index[0] : "2010-09-30"], check_freq=False
    )
    assert pd.read_csv(cache_file("iex", "1d", "AAPL.csv"))["date"].iloc[-1] == "2010-09-30"


def test_re_adjusted_history_is_fetched_whole(fake: FakeAlpaca) -> None:
    cached = fetch()
    split = fake.bars["AAPL"].copy()
    split[["open", "high", "low", "close"]] /= 2  # a 2:1 split, adjusted backwards
    fake.bars["AAPL"] = split
    got = fetch(end="2010-09-30")
    queries = bar_queries(fake)
    assert len(queries) == 3  # the download, the tail, then all of it again
    assert pd.Timestamp(queries[2]["start"]) == utc(str(cached.index[0]))
    assert got["close"].iloc[0] == pytest.approx(cached["close"].iloc[0] / 2)


def test_an_earlier_start_fetches_the_symbol_again(fake: FakeAlpaca) -> None:
    fetch()
    got = fetch(start="2010-02-01")
    assert len(bar_queries(fake)) == 2
    assert got.index[0] == fake.bars["AAPL"].index[0]
    fetch(start="2010-02-01")
    assert len(bar_queries(fake)) == 2


def test_a_bar_still_forming_is_left_out_until_it_closes(fake: FakeAlpaca) -> None:
    midday = utc("2010-06-30 12:00")
    got = fetch(end=None, now=midday)
    assert got.index[-1] == pd.Timestamp("2010-06-29")
    later = fetch(end=None, now=utc("2010-07-02 12:00"))
    assert later.index[-1] == pd.Timestamp("2010-07-01")
    assert len(bar_queries(fake)) == 2


def test_default_range_is_five_years_of_daily_bars(fake: FakeAlpaca) -> None:
    fetch(start=None, end="2010-06-30")
    (query,) = bar_queries(fake)
    span = pd.Timestamp(query["end"]) - pd.Timestamp(query["start"])
    assert pd.Timedelta(days=1820) < span < pd.Timedelta(days=1830)


def test_crypto_pairs_use_the_crypto_client_in_utc(fake: FakeAlpaca) -> None:
    hourly = synthetic_market(1, 200, seed=5, start="2024-03-01", freq="h")["SYN000"]
    fake.bars["BTC/USD"] = hourly
    got = fetch("BTC/USD", "1h", start="2024-03-03", end="2024-03-06")
    assert [p for p, _ in fake.queries if p != ASSETS] == ["/v1beta3/crypto/us/bars"]
    pd.testing.assert_frame_equal(got, hourly.loc[got.index[0] : got.index[-1]], check_freq=False)
    assert got.index[-1] == pd.Timestamp("2024-03-06 23:00")
    assert cache_file("crypto", "1h", "BTCUSD.csv").exists()


def test_weekly_specs_download_daily_bars(fake: FakeAlpaca) -> None:
    fetch(timeframe="1w", start=None)
    (query,) = bar_queries(fake)
    assert query["timeframe"] == "1Day"
    assert cache_file("iex", "1d", "AAPL.csv").exists()


# ---------------------------------------------------------------- asset classes


@pytest.fixture
def _forget_classes():
    from app.instruments.model import clear_registered

    clear_registered()
    yield
    clear_registered()


def asset_queries(fake: FakeAlpaca) -> list[dict[str, str]]:
    return [q for path, q in fake.queries if path == ASSETS]


def test_alpacas_asset_list_decides_the_class(fake: FakeAlpaca, _forget_classes) -> None:
    """ETHUSD, spelled without the slash, reads as a stock by its spelling; Alpaca lists it
    as crypto, so its bars come from the crypto endpoint, on UTC."""
    from app.instruments import instrument

    assert instrument("ETHUSD").asset_class == "us_equity"
    fake.assets = {"AAPL": "us_equity", "ETHUSD": "crypto", "BTC/USD": "crypto"}
    fake.bars["ETHUSD"] = synthetic_market(1, 200, seed=5, start="2024-03-01", freq="h")["SYN000"]
    got = fetch("ETHUSD", "1h", start="2024-03-03", end="2024-03-06")
    assert instrument("ETHUSD").asset_class == "crypto"
    assert instrument("ETHUSD").timezone == "UTC" and got.index[-1] == pd.Timestamp(
        "2024-03-06 23:00"
    )
    assert [p for p, _ in fake.queries if p != ASSETS] == ["/v1beta3/crypto/us/bars"]
    assert sorted(q["asset_class"] for q in asset_queries(fake)) == ["crypto", "us_equity"]
    cached = json.loads(load_settings().home.joinpath("cache", "alpaca", "assets.json").read_text())
    assert cached["classes"] == fake.assets and cached["url"] == fake.base_url


def test_the_asset_list_is_kept_for_a_day(fake: FakeAlpaca, _forget_classes) -> None:
    from app.market.alpaca_assets import use_alpaca_assets

    fake.assets = {"AAPL": "us_equity", "ETHUSD": "crypto"}
    settings = load_settings()
    first = NOW.to_pydatetime()
    assert use_alpaca_assets(settings, ["ethusd", "ZZZZ"], first) == {"ETHUSD": "crypto"}
    assert use_alpaca_assets(settings, ["ETHUSD"], first + timedelta(hours=23)) == {
        "ETHUSD": "crypto"
    }
    assert len(asset_queries(fake)) == 2  # one fetch: two classes, once
    fake.assets["SOLUSD"] = "crypto"
    assert use_alpaca_assets(settings, ["SOLUSD"], first + timedelta(hours=25)) == {
        "SOLUSD": "crypto"
    }
    assert len(asset_queries(fake)) == 4


def test_without_the_asset_list_the_table_decides(
    fake: FakeAlpaca,
    _forget_classes,
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
) -> None:
    """Refused keys or no server: a warning (no key in it), the table answers, no error."""
    import logging

    from app.instruments import instrument
    from app.market.alpaca_assets import use_alpaca_assets

    fake.assets = {"ETHUSD": "crypto"}
    # a CLI test before may have set up the app's logging, which stops propagation
    monkeypatch.setattr(logging.getLogger("app"), "propagate", True)
    monkeypatch.setenv("APCA_API_SECRET_KEY", "wrong-secret-value")
    with caplog.at_level("WARNING", logger="app.market.alpaca_assets"):
        assert use_alpaca_assets(load_settings(), ["ETHUSD"], NOW.to_pydatetime()) == {}
    assert instrument("ETHUSD").asset_class == "us_equity"
    assert "HTTP 401" in caplog.text and "wrong-secret-value" not in caplog.text
    monkeypatch.setenv("APCA_API_SECRET_KEY", SECRET)
    monkeypatch.setenv("APCA_API_BASE_URL", f"http://127.0.0.1:{_closed_port()}")
    caplog.clear()
    with caplog.at_level("WARNING", logger="app.market.alpaca_assets"):
        assert use_alpaca_assets(load_settings(), ["ETHUSD"], NOW.to_pydatetime()) == {}
    assert "connection refused" in caplog.text
    monkeypatch.delenv("APCA_API_KEY_ID")
    before = len(fake.queries)
    assert use_alpaca_assets(load_settings(), ["ETHUSD"]) == {}  # no keys: nothing asked
    assert len(fake.queries) == before


def test_a_run_on_alpacas_feed_asks_the_asset_list_first(
    fake: FakeAlpaca, _forget_classes, tmp_path: Path
) -> None:
    """parley run --feed alpaca: the warm-up of ETHUSD comes from the crypto endpoint
    because Alpaca lists it as crypto."""
    import threading

    from app.dsl import parse_spec
    from app.instruments import instrument
    from app.runner import events as ev
    from app.runner.launch import create_run, run_spec
    from app.store import Store

    fake.assets = {"ETHUSD": "crypto"}
    text = (
        'strategy "eth"\nuniverse ETHUSD\ntimeframe 1h\nlong when close > open\n'
        "exit when close < open\nsize 1 shares\n"
    )
    store = Store(f"sqlite:///{tmp_path / 'runs.db'}")
    run = create_run(store, parse_spec(text), text, feed="alpaca", poll_seconds=0)
    stop = threading.Event()

    def emit(event: ev.RunnerEvent) -> None:
        if isinstance(event, ev.Started):
            stop.set()  # the warm-up is done: stop before the first poll

    assert run_spec(store, run.id, emit, stop, load_settings()) == "stopped"
    assert instrument("ETHUSD").asset_class == "crypto"
    paths = [p for p, _ in fake.queries]
    assert paths.index(ASSETS) < paths.index("/v1beta3/crypto/us/bars")
    assert BARS not in paths


def _closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


# ---------------------------------------------------------------- failures


def test_no_keys() -> None:
    with pytest.raises(DataError, match="needs Alpaca keys") as err:
        fetch()
    assert "APCA_API_SECRET_KEY" in err.value.message


@pytest.mark.parametrize("fault", [401, 403])
def test_refused_keys(fake: FakeAlpaca, monkeypatch: pytest.MonkeyPatch, fault: int) -> None:
    if fault == 401:
        monkeypatch.setenv("APCA_API_SECRET_KEY", "wrong")
    else:
        fake.script(f"GET {BARS}", Fault(403))
    with pytest.raises(DataError, match=f"refused the keys.*HTTP {fault}") as err:
        fetch()
    assert "APCA_API_KEY_ID" in err.value.hint
    assert not cache_file("iex", "1d", "AAPL.csv").exists()


def test_rate_limit_after_the_sdks_retries(
    fake: FakeAlpaca, monkeypatch: pytest.MonkeyPatch
) -> None:
    from alpaca.common import rest

    waits: list[float] = []
    monkeypatch.setattr(rest, "time", type("Clock", (), {"sleep": staticmethod(waits.append)}))
    fake.script(f"GET {BARS}", *[Fault(429)] * 4)
    with pytest.raises(DataError, match="rate limit.*HTTP 429") as err:
        fetch()
    assert len(bar_queries(fake)) == 4 and len(waits) == 3  # alpaca-py retried, then gave up
    assert "cached" in err.value.hint


@pytest.mark.parametrize(
    "symbol, start, end",
    [("ZZZZ", "2010-03-01", "2010-06-30"), ("AAPL", "2015-03-01", "2015-06-30")],
)
def test_no_bars(fake: FakeAlpaca, symbol: str, start: str, end: str) -> None:
    with pytest.raises(DataError, match=f"no 1d bars of {symbol} from") as err:
        fetch(symbol, start=start, end=end)
    assert "Check the symbol" in err.value.hint


def test_rejected_symbol(fake: FakeAlpaca) -> None:
    fake.script(f"GET {BARS}", Fault(400))
    with pytest.raises(DataError, match="rejected the request for AAPL's 1d bars.*HTTP 400"):
        fetch()


def test_network_failure(fake: FakeAlpaca, monkeypatch: pytest.MonkeyPatch) -> None:
    with socket.socket() as sock:  # a port nobody listens on
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    monkeypatch.setenv("APCA_API_DATA_URL", f"http://127.0.0.1:{port}")
    with pytest.raises(DataError, match="Cannot reach Alpaca's market data"):
        fetch()


def test_a_failed_refresh_points_at_the_cached_bars(fake: FakeAlpaca) -> None:
    fetch()
    fake.script(f"GET {BARS}", Fault(500), Fault(500), Fault(500))  # past the retries
    with pytest.raises(DataError, match="HTTP 500") as err:
        fetch(end="2010-09-30")
    assert "Bars up to 2010-06-30 are cached" in err.value.hint


def test_a_broken_cache_file_is_fetched_again(fake: FakeAlpaca) -> None:
    fetch()
    cache_file("iex", "1d", "AAPL.csv").write_text("date,open\n2010-01-04,x\n")
    assert len(fetch()) > 100 and len(bar_queries(fake)) == 2


@pytest.mark.parametrize(
    "kw, message",
    [
        ({"start": "someday"}, "--from 'someday' is not"),
        ({"start": "2031-01-01", "end": None}, "no AAPL bars"),
    ],
)
def test_bad_dates(fake: FakeAlpaca, kw: dict, message: str) -> None:
    with pytest.raises(DataError, match=message):
        fetch(**kw)
    assert bar_queries(fake) == []


# ---------------------------------------------------------------- the command line


def recent_goog(days_ago: int = 3, n: int = 700) -> pd.DataFrame:
    """The bundled GOOG prices, re-dated to end a few days ago (the default window)."""
    from app.market.bundled import bundled_path
    from app.market.loader import load_bars

    goog = load_bars(bundled_path("GOOG"))["GOOG"].iloc[-n:]
    end = pd.Timestamp.now(tz="America/New_York").tz_localize(None).normalize()
    index = pd.bdate_range(end=end - pd.Timedelta(days=days_ago), periods=n, name="date")
    return goog.set_axis(index.as_unit("us"))


def test_cli_backtest_with_alpaca_data(
    fake: FakeAlpaca, capsys: pytest.CaptureFixture[str]
) -> None:
    fake.bars["GOOG"] = recent_goog()
    args = ["backtest", str(STRATEGIES / "sma_crossover.strategy"), "--data", "alpaca"]
    assert main(args) == 0
    out = capsys.readouterr().out
    assert "SMA 10/30 crossover" in out
    assert cache_file("iex", "1d", "GOOG.csv").exists()
    assert main(args) == 0  # the second run asks only for the tail
    first, tail = bar_queries(fake)
    assert pd.Timestamp(tail["start"]) > pd.Timestamp(first["start"]) + pd.Timedelta(days=900)
    assert capsys.readouterr().out == out


def test_cli_from_and_to_fetch_the_spec_warm_up_first(
    fake: FakeAlpaca, capsys: pytest.CaptureFixture[str]
) -> None:
    fake.bars["GOOG"] = fake.bars.pop("AAPL")
    spec = load_spec(STRATEGIES / "sma_crossover.strategy")
    assert history_bars(spec) == 31  # sma(close, 30) crossing: 30 bars, then one more
    assert (
        main(
            [
                "backtest",
                str(STRATEGIES / "sma_crossover.strategy"),
                "--data",
                "alpaca",
                "--from",
                "2010-06-01",
                "--to",
                "2010-09-30",
                "--json",
            ]
        )
        == 0
    )
    result = json.loads(capsys.readouterr().out)
    assert result["start"].startswith("2010-06-01") and result["end"].startswith("2010-09-30")
    (query,) = bar_queries(fake)
    first_bar = fake.bars["GOOG"].loc[utc_naive(query["start"]) :].index[0]
    assert len(fake.bars["GOOG"].loc[first_bar:"2010-05-31"]) >= 31


def utc_naive(text: str) -> pd.Timestamp:
    return pd.Timestamp(text).tz_convert("America/New_York").tz_localize(None)


def test_cli_errors_are_messages(
    fake: FakeAlpaca, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.delenv("APCA_API_KEY_ID")
    assert main(["backtest", str(STRATEGIES / "sma_crossover.strategy"), "--data", "alpaca"]) == 1
    err = capsys.readouterr().err
    assert err.startswith("error: --data alpaca needs Alpaca keys") and "Traceback" not in err
    assert (
        main(["backtest", str(STRATEGIES / "sma_crossover.strategy"), "--data", "alpaca:nasdaq"])
        == 1
    )
    assert "no feed 'nasdaq'" in capsys.readouterr().err


def test_cli_hints_at_alpaca_when_the_bundled_data_lacks_a_symbol(
    fake: FakeAlpaca, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    spec = tmp_path / "tsla.strategy"
    spec.write_text(
        (STRATEGIES / "sma_crossover.strategy")
        .read_text()
        .replace("universe GOOG", "universe TSLA")
    )
    assert main(["backtest", str(spec)]) == 1
    err = capsys.readouterr().err
    assert "No data for TSLA in the bundled data" in err and "add --data alpaca" in err


def test_the_market_layers_regime_warm_up_is_the_detectors() -> None:
    from app.market.data_source import REGIME_WARMUP
    from app.regime.config import DEFAULT_CONFIG

    assert REGIME_WARMUP == DEFAULT_CONFIG.warmup
