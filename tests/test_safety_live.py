"""Live means live data: ``--live`` never runs on replayed history, the live confirmation
names the feed that drives the orders, and a replay run says which dates it replays.
Also the up-front checks of ``parley run``: no data, a broken spec."""

from __future__ import annotations

import json
import sys

import pytest

from app.cli import main
from app.store import Store
from tests.conftest import STRATEGIES
from tests.fakes.alpaca_server import KEY_ID, SECRET, FakeAlpaca

SMA = str(STRATEGIES / "sma_crossover.strategy")


def _runs() -> list:
    from app.config import load_settings

    return Store.from_settings(load_settings()).list_runs()


@pytest.fixture
def keys(monkeypatch):
    monkeypatch.setenv("APCA_API_KEY_ID", KEY_ID)
    monkeypatch.setenv("APCA_API_SECRET_KEY", SECRET)
    # nothing listens here: a request that got through would fail, not trade
    monkeypatch.setenv("APCA_API_BASE_URL", "http://127.0.0.1:9")


@pytest.mark.parametrize(
    "extra", [[], ["--feed", "replay"], ["--feed", "alpaca", "--data", "app/data/GOOG.csv"]]
)
def test_live_on_a_historical_feed_is_refused_before_any_key_check(
    extra, keys, capsys, monkeypatch
):
    monkeypatch.setattr(sys.stdin, "isatty", lambda: True)
    monkeypatch.setattr("builtins.input", lambda *_: pytest.fail("asked to confirm"))
    assert main(["run", SMA, "--live", *extra]) == 1
    err = capsys.readouterr().err
    assert "live" in err and "history" in err and "Traceback" not in err
    assert _runs() == []


def test_live_without_keys_on_replay_names_the_feed_not_the_keys(capsys):
    assert main(["run", SMA, "--live"]) == 1
    err = capsys.readouterr().err
    assert "live feed" in err and "APCA" not in err


def test_the_live_confirmation_names_the_feed(monkeypatch, capsys, tmp_path):
    spec = tmp_path / "live.strategy"
    spec.write_text(
        'strategy "l"\nuniverse GOOG, NVDA\ntimeframe 1d\n'
        "long when close > sma(close, 10)\nexit when close < sma(close, 10)\n"
        "size 1 shares\n"
    )
    with FakeAlpaca() as fake:
        monkeypatch.setenv("APCA_API_KEY_ID", KEY_ID)
        monkeypatch.setenv("APCA_API_SECRET_KEY", SECRET)
        monkeypatch.setenv("APCA_API_BASE_URL", fake.base_url)
        monkeypatch.setattr(sys.stdin, "isatty", lambda: True)
        monkeypatch.setattr("builtins.input", lambda *_: "no")
        assert main(["run", str(spec), "--live", "--feed", "alpaca"]) == 1
    out = capsys.readouterr()
    assert "PA3FAKE0001" in out.out
    assert "alpaca feed: live 1d bars of GOOG, NVDA" in out.out
    assert "not confirmed" in out.err
    assert _runs() == []


def test_a_live_broker_row_on_a_replay_feed_never_builds_a_feed():
    from app.config import load_settings
    from app.errors import ParleyError
    from app.runner.launch import build_feed, create_run
    from app.dsl import load_spec, read_spec_text

    store = Store("sqlite://")
    with pytest.raises(ParleyError, match="live feed"):
        create_run(store, load_spec(SMA), read_spec_text(SMA), broker="alpaca-live", feed="replay")
    row = store.create_run("x", read_spec_text(SMA), broker="alpaca-live", feed="replay")
    with pytest.raises(ParleyError, match="live feed"):
        build_feed(load_spec(SMA), row, load_settings())


def test_a_paper_replay_run_says_which_dates_it_replays(capsys):
    assert main(["run", SMA]) == 0
    out = capsys.readouterr().out
    assert "feed replay of 2004-08-19..2013-03-01" in out  # the started line
    run_id = out.split()[1]
    [row] = _runs()
    assert row.feed_label == "replay of 2004-08-19..2013-03-01"
    assert main(["status"]) == 0
    assert "replay of 2004-08-19..2013-03-01" in capsys.readouterr().out
    assert main(["status", run_id]) == 0
    assert "feed replay of 2004-08-19..2013-03-01" in capsys.readouterr().out
    assert main(["status", "--json"]) == 0
    assert json.loads(capsys.readouterr().out)[0]["feed_label"].startswith("replay of 2004")


def test_run_on_a_symbol_without_data_exits_1_and_writes_no_run(tmp_path, capsys):
    spec = tmp_path / "nodata.strategy"
    spec.write_text(
        'strategy "x"\nuniverse ZZZZ\ntimeframe 1d\n'
        "long when close > sma(close, 10)\nexit when close < sma(close, 10)\n"
        "size 10 shares\n"
    )
    assert main(["run", str(spec), "--detach"]) == 1
    err = capsys.readouterr().err
    assert "No data for ZZZZ" in err
    assert main(["backtest", str(spec)]) == 1
    assert capsys.readouterr().err == err  # the backtest's message, word for word
    assert _runs() == []


def test_run_on_too_little_history_exits_1(tmp_path, capsys):
    spec = tmp_path / "long.strategy"
    spec.write_text(
        'strategy "x"\nuniverse GOOG\ntimeframe 1d\n'
        "long when close > sma(close, 5000)\nexit when close < sma(close, 10)\n"
        "size 10 shares\n"
    )
    assert main(["run", str(spec)]) == 1
    assert "Traceback" not in capsys.readouterr().err
    assert _runs() == []


def test_run_of_a_broken_spec_shows_where_with_a_caret(tmp_path, capsys):
    spec = tmp_path / "broken.strategy"
    spec.write_text(
        'strategy "x"\nuniverse GOOG\ntimeframe 1d\n'
        "long when close > smaa(close, 10)\nexit when close < sma(close, 10)\n"
        "size 10 shares\n"
    )
    assert main(["run", str(spec)]) == 1
    err = capsys.readouterr().err
    assert f"{spec}:4:19: unknown indicator 'smaa'" in err
    assert "^^^^" in err
