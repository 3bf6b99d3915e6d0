"""The fast path books exactly what the event loop would, or steps aside."""

from __future__ import annotations

import pytest

import app.backtest.engine as engine
from app.backtest import run_backtest
from app.backtest.fast_path import eligible, fast_run
from app.dsl import parse_spec
from app.market.bundled import bundled_dir
from app.market.loader import load_bars
from app.market.synthetic import synthetic_market

RULES = (
    "long when sma(close, 10) crosses above sma(close, 30)\n"
    "exit when sma(close, 10) crosses below sma(close, 30)\n"
)


def _spec(universe: str, extra: str = "", rules: str = RULES, timeframe: str = "1d"):
    return parse_spec(f'strategy "t"\nuniverse {universe}\ntimeframe {timeframe}\n{rules}{extra}')


def _both(spec, frames, monkeypatch: pytest.MonkeyPatch, **options):
    calls: list[bool] = []

    def spy(*args):
        calls.append(fast_run(*args))
        return calls[-1]

    monkeypatch.setattr(engine, "fast_run", spy)
    fast = run_backtest(spec, frames, **options)
    monkeypatch.setattr(engine, "FAST_PATH", False)
    slow = run_backtest(spec, frames, **options)
    monkeypatch.setattr(engine, "FAST_PATH", True)
    return fast, slow, calls


STOCKS = "GOOG, NVDA, ORCL, YHOO"
CASES = {
    "shares": (STOCKS, "size 10 shares\n", {}),
    "dollars": (STOCKS, "size $2000\n", {"cash": 1_000_000}),
    "max_hold": (STOCKS, "size 10 shares\nmax hold 7 bars\n", {}),
    "costs": (
        STOCKS,
        "size 10 shares\n",
        {"commission": "0.1%", "slippage": "0.01/share", "cash": 100_000},
    ),
    "window": (STOCKS, "size 10 shares\n", {"start": "2009-01-01", "end": "2011-06-30"}),
    "max_positions": (STOCKS, "size 10 shares\nmax positions 4\n", {}),
    "screen": (
        STOCKS,
        "size 10 shares\nscreen rank by roc(close, 20) top 2\n",
        {"cash": 1_000_000},
    ),
}


@pytest.fixture(scope="module")
def stocks():
    return load_bars(bundled_dir(), symbols=["GOOG", "NVDA", "ORCL", "YHOO"])


@pytest.mark.parametrize("case", list(CASES))
def test_the_fast_path_equals_the_event_loop(case: str, stocks, monkeypatch) -> None:
    universe, extra, options = CASES[case]
    spec = _spec(universe, extra)
    fast, slow, calls = _both(spec, stocks, monkeypatch, **options)
    assert calls == [True]
    assert fast.trades and fast.to_json() == slow.to_json()
    assert [f.__repr__() for f in fast.trades] == [f.__repr__() for f in slow.trades]
    assert [repr(p) for p in fast.open_positions] == [repr(p) for p in slow.open_positions]
    assert [repr(o) for o in fast.unfilled_orders] == [repr(o) for o in slow.unfilled_orders]


def test_many_symbols_with_entries_and_exits_on_the_last_bar(monkeypatch) -> None:
    frames = synthetic_market(60, 400, seed=3)
    spec = _spec(
        ", ".join(frames),
        "size 10 shares\n",
        rules="long when close > sma(close, 5)\nexit when close < sma(close, 5)\n",
    )
    fast, slow, calls = _both(spec, frames, monkeypatch, cash=10_000_000)
    assert calls == [True] and fast.unfilled_orders
    assert fast.to_json() == slow.to_json()


def test_same_day_round_trips_leave_it_to_the_event_loop(monkeypatch) -> None:
    frames = load_bars(bundled_dir(), symbols=["EURUSD"])  # hourly: trades open and close
    spec = _spec("EURUSD", "size 1000 shares\n", timeframe="1h")  # on one date (PDT)
    fast, slow, calls = _both(spec, frames, monkeypatch, cash=10_000_000)
    assert calls == [False] and fast.to_json() == slow.to_json()


@pytest.mark.parametrize(
    "why,extra,options",
    [
        ("cash binds", "size 10 shares\n", {"cash": 1_500}),
        ("slots bind", "size 10 shares\nmax positions 1\n", {"cash": 1_000_000}),
    ],
)
def test_a_binding_constraint_falls_back_to_the_event_loop(
    why, extra, options, stocks, monkeypatch
) -> None:
    fast, slow, calls = _both(_spec(STOCKS, extra), stocks, monkeypatch, **options)
    assert calls == [False], why
    assert fast.to_json() == slow.to_json()


def test_stateful_specs_are_not_eligible(stocks) -> None:
    from app.backtest.engine import _chain
    from app.execution.paper import PaperBroker
    from app.execution.session import StrategySession

    for extra in (
        "size 10 shares\nstop loss 2%\n",
        "size 50% of equity\n",
        "size 10 shares\nregime allow trending_up\n",
    ):
        spec = _spec("GOOG", extra)
        chain, _ = _chain(spec, None, None)
        session = StrategySession(spec, PaperBroker(10_000.0), chain, {})
        assert not eligible(spec, chain, session), extra


def test_a_late_listing_sits_out_a_wide_universe_with_a_note(stocks) -> None:
    frames = {"GOOG": stocks["GOOG"], "NEW": stocks["NVDA"].iloc[-20:]}
    result = run_backtest(_spec("GOOG, NEW", "size 10 shares\n"), frames)
    assert result.symbols == ("GOOG",)
    assert any(n.startswith("skipped (too little history): NEW") for n in result.notes)
    with pytest.raises(Exception, match="needs 31 bars"):
        run_backtest(_spec("NEW", "size 10 shares\n"), {"NEW": frames["NEW"]})
