"""The fill model and the engine on hand-made bars where every fill can be worked out.

Signals are driven by volume so each test says exactly where a rule fires: volume 1000
fires the entry (``volume > 500``), volume 10 fires the exit (``volume < 50``), 100 is
quiet.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from app.backtest import run_backtest
from app.dsl import parse_spec
from app.execution.fill_model import ExitPlan, find_exit

ENTRY, EXIT, QUIET = 1000.0, 10.0, 100.0


def bars(
    rows: list[tuple[float, float, float, float, float]], start: str = "2020-01-01"
) -> pd.DataFrame:
    """Frame from (open, high, low, close, volume) rows on business days."""
    index = pd.DatetimeIndex(pd.bdate_range(start, periods=len(rows)), name="date")
    return pd.DataFrame(
        rows, index=index, columns=["open", "high", "low", "close", "volume"], dtype=float
    )


def flat(n: int, price: float = 100.0) -> list[tuple[float, float, float, float, float]]:
    return [(price, price + 1, price - 1, price, QUIET)] * n


def spec(extra: str = "", symbols: str = "AAA", side: str = "long") -> object:
    return parse_spec(
        f'strategy "t"\nuniverse {symbols}\ntimeframe 1d\n'
        f"{side} when volume > 500\nexit when volume < 50\n{extra}"
    )


def one_trade(rows: list, extra: str, side: str = "long", **kw: object):
    result = run_backtest(spec(extra, side=side), {"AAA": bars(rows)}, **kw)
    assert len(result.trades) == 1, result.trades
    return result.trades[0]


# ------------------------------------------------------------------ protective exits
def test_market_entry_fills_at_next_open() -> None:
    rows = flat(2) + [
        (100, 101, 99, 100, ENTRY),
        (102, 103, 101, 102, QUIET),
        (104, 105, 103, 104, EXIT),
        (106, 107, 105, 106, QUIET),
    ]
    t = one_trade(rows, "size 10 shares")
    assert (t.entry_price, t.exit_price, t.bars_held) == (102, 106, 2)
    assert t.exit_reason == "exit_rule" and t.pnl == pytest.approx(40.0)


def test_gap_through_stop_fills_at_the_open() -> None:
    rows = flat(1) + [
        (100, 101, 99, 100, ENTRY),
        (100, 101, 99, 100, QUIET),
        (90, 91, 88, 89, QUIET),
        (89, 90, 88, 89, QUIET),
    ]
    t = one_trade(rows, "stop loss 5%\nsize 10 shares")
    assert (t.exit_price, t.exit_reason, t.bars_held) == (90, "stop_loss", 2)


def test_intrabar_stop_fills_at_the_level() -> None:
    rows = flat(1) + [
        (100, 101, 99, 100, ENTRY),
        (100, 101, 99, 100, QUIET),
        (98, 99, 94, 97, QUIET),
        (97, 98, 96, 97, QUIET),
    ]
    t = one_trade(rows, "stop loss 5%\nsize 10 shares")
    assert (t.exit_price, t.exit_reason) == (95, "stop_loss")
    assert t.pnl == pytest.approx(-50.0)


def test_intrabar_target_fills_at_the_level_and_gap_up_at_the_open() -> None:
    rows = flat(1) + [
        (100, 101, 99, 100, ENTRY),
        (100, 101, 99, 100, QUIET),
        (105, 111, 104, 108, QUIET),
        (108, 109, 107, 108, QUIET),
    ]
    assert one_trade(rows, "take profit 10%\nsize 1 shares").exit_price == 110
    rows[3] = (112, 113, 111, 112, QUIET)
    t = one_trade(rows, "take profit 10%\nsize 1 shares")
    assert (t.exit_price, t.exit_reason) == (112, "take_profit")


def test_stop_and_target_in_one_bar_assume_the_stop_first() -> None:
    rows = flat(1) + [
        (100, 101, 99, 100, ENTRY),
        (100, 101, 99, 100, QUIET),
        (100, 111, 94, 105, QUIET),
        (105, 106, 104, 105, QUIET),
    ]
    t = one_trade(rows, "stop loss 5%\ntake profit 10%\nsize 1 shares")
    assert (t.exit_price, t.exit_reason) == (95, "stop_loss")


def test_stop_can_hit_on_the_entry_bar() -> None:
    rows = flat(1) + [
        (100, 101, 99, 100, ENTRY),
        (100, 101, 94, 96, QUIET),
        (96, 97, 95, 96, QUIET),
    ]
    t = one_trade(rows, "stop loss 5%\nsize 1 shares")
    assert (t.exit_price, t.bars_held) == (95, 1)


def test_trailing_stop_follows_earlier_highs_only() -> None:
    rows = flat(1) + [
        (100, 101, 99, 100, ENTRY),
        (100, 101, 99, 100, QUIET),  # entry at 100; bar high 101
        (110, 120, 107, 118, QUIET),  # level from earlier highs: 101 * 0.9 = 90.9
        (118, 121, 110, 115, QUIET),  # level 120 * 0.9 = 108: low 110 holds
        (114, 115, 108, 109, QUIET),  # level 121 * 0.9 = 108.9: hit
        (109, 110, 108, 109, QUIET),
    ]
    t = one_trade(rows, "trailing stop 10%\nsize 1 shares")
    assert t.exit_reason == "trailing_stop"
    assert t.exit_price == pytest.approx(108.9)
    assert t.bars_held == 4


def test_find_exit_bar_by_bar_equals_one_scan() -> None:
    rng = np.random.default_rng(3)
    close = 100 * np.exp(np.cumsum(rng.normal(0, 0.02, 300)))
    high, low, open_ = close * 1.01, close * 0.99, np.r_[100.0, close[:-1]]
    whole = find_exit(ExitPlan(1, 80.0, None, None, 7.0, 100.0), open_, high, low, 0, 300)
    plan = ExitPlan(1, 80.0, None, None, 7.0, 100.0)
    step = next(h for i in range(300) if (h := find_exit(plan, open_, high, low, i, i + 1)))
    assert whole == step


def test_short_side_pnl_and_stop_above() -> None:
    rows = flat(1) + [
        (100, 101, 99, 100, ENTRY),
        (100, 101, 99, 100, QUIET),
        (95, 96, 89, 90, EXIT),
        (90, 91, 89, 90, QUIET),
    ]
    t = one_trade(rows, "size 10 shares", side="short")
    assert (t.side, t.entry_price, t.exit_price) == ("short", 100, 90)
    assert t.pnl == pytest.approx(100.0) and t.pnl_pct == pytest.approx(10.0)
    rows[3] = (104, 106, 103, 105, QUIET)
    t = one_trade(rows, "stop loss 5%\nsize 10 shares", side="short")
    assert (t.exit_price, t.exit_reason) == (105, "stop_loss")
    assert t.pnl == pytest.approx(-50.0)


def test_max_hold_exits_at_the_open_after_n_bars() -> None:
    rows = (
        flat(1)
        + [(100, 101, 99, 100, ENTRY)]
        + [(100 + i, 101 + i, 99 + i, 100 + i, QUIET) for i in range(1, 8)]
    )
    t = one_trade(rows, "max hold 3 bars\nsize 1 shares")
    assert (t.exit_reason, t.bars_held) == ("max_hold", 3)
    assert (t.entry_price, t.exit_price) == (101, 104)


# ------------------------------------------------------------------ sizing
@pytest.mark.parametrize(
    ("sizing", "qty"),
    [
        ("size 50% of equity", 50),
        ("size risk 1% of equity", 20),
        ("size $1000", 10),
        ("size 7 shares", 7),
        ("", 10),
    ],
)
def test_each_sizing_kind(sizing: str, qty: float) -> None:
    rows = flat(1) + [
        (100, 101, 99, 100, ENTRY),
        (100, 101, 99, 100, QUIET),
        (100, 101, 99, 100, EXIT),
        (100, 101, 99, 100, QUIET),
    ]
    t = one_trade(rows, f"stop loss 5%\n{sizing}", cash=10_000)
    assert t.qty == qty


def test_buy_is_cut_to_the_cash_available() -> None:
    rows = flat(1) + [
        (100, 101, 99, 100, ENTRY),
        (200, 201, 199, 200, QUIET),
        (200, 201, 199, 200, EXIT),
        (200, 201, 199, 200, QUIET),
    ]
    t = one_trade(rows, "size 100% of equity", cash=10_000)
    assert t.qty == 50  # sized 100 shares at the 100 close, cash buys 50 at the 200 open


def test_max_positions_with_several_symbols() -> None:
    rows = flat(1) + [(100, 101, 99, 100, ENTRY)] + flat(3)
    frames = {s: bars(rows) for s in ("AAA", "BBB", "CCC")}
    result = run_backtest(spec("max positions 2\nsize 10 shares", "AAA, BBB, CCC"), frames)
    assert sorted(p.symbol for p in result.open_positions) == ["AAA", "BBB"]
    vetoed = [d for d in result.decisions if not d.approved]
    assert [d.symbol for d in vetoed] == ["CCC"]
    assert "max positions 2 reached" in vetoed[0].reasons


def test_position_and_exposure_caps_shrink() -> None:
    rows = flat(1) + [(100, 101, 99, 100, ENTRY)] + flat(3)
    frames = {s: bars(rows) for s in ("AAA", "BBB")}
    # Cash sizing: a percent size over the cap is refused by `check` before any order.
    result = run_backtest(
        spec("size $4000\nmax position 30%\nmax exposure 50%", "AAA, BBB"), frames, cash=10_000
    )
    qty = {p.symbol: p.qty for p in result.open_positions}
    assert qty == {"AAA": 30, "BBB": 20}


# ------------------------------------------------------------------ costs
def test_commission_and_slippage() -> None:
    rows = flat(1) + [
        (100, 101, 99, 100, ENTRY),
        (100, 101, 99, 100, QUIET),
        (110, 111, 109, 110, EXIT),
        (110, 111, 109, 110, QUIET),
    ]
    t = one_trade(rows, "size 10 shares", commission="1", slippage="0.1/share")
    assert (t.entry_price, t.exit_price) == (pytest.approx(100.1), pytest.approx(109.9))
    assert t.commission == 2 and t.pnl == pytest.approx(10 * 9.8 - 2)
    t = one_trade(rows, "size 10 shares", commission="0.1%")
    assert t.commission == pytest.approx(0.001 * (1000 + 1100))


def test_target_fills_do_not_slip_but_stops_do() -> None:
    rows = flat(1) + [
        (100, 101, 99, 100, ENTRY),
        (100, 101, 99, 100, QUIET),
        (105, 112, 104, 108, QUIET),
        (108, 109, 107, 108, QUIET),
    ]
    assert one_trade(
        rows, "take profit 10%\nsize 1 shares", slippage="1%"
    ).exit_price == pytest.approx(111.1)  # 110% of 101
    rows[3] = (98, 99, 94, 97, QUIET)
    t = one_trade(rows, "stop loss 5%\nsize 1 shares", slippage="0.5/share")
    assert t.exit_price == pytest.approx(100.5 * 0.95 - 0.5)  # 5% below the 100.5 fill, slipped


def test_crypto_pairs_trade_fractions() -> None:
    bar = (30_000, 30_100, 29_900, 30_000)
    rows = [(*bar, QUIET), (*bar, ENTRY), (*bar, QUIET), (*bar, EXIT), (*bar, QUIET)]
    result = run_backtest(
        parse_spec(
            'strategy "c"\nuniverse BTC/USD\ntimeframe 1d\nlong when volume > 500\n'
            "exit when volume < 50\nsize 10% of equity\n"
        ),
        {"BTC/USD": bars(rows)},
        cash=10_000,
    )
    (t,) = result.trades
    assert t.qty == pytest.approx(1_000 / 30_000, abs=1e-8)  # 10% of equity, in fractions
    assert t.qty <= 1_000 / 30_000
    result = run_backtest(
        parse_spec(
            'strategy "c"\nuniverse BTC/USD\ntimeframe 1d\nlong when volume > 500\n'
            "exit when volume < 50\nsize $1000\n"
        ),
        {"BTC/USD": bars(rows)},
        cash=100,
    )
    (t,) = result.trades
    assert t.qty == pytest.approx(100 / 30_000, abs=1e-8)  # cut to the cash, in fractions
    assert t.qty != round(t.qty)


@pytest.mark.parametrize(
    ("text", "kind", "value"),
    [
        ("0.1%", "percent", 0.1),
        ("0.005/share", "per_share", 0.005),
        ("$1", "fixed", 1.0),
        ("2/order", "fixed", 2.0),
        ("0", "none", 0.0),
        (None, "none", 0.0),
    ],
)
def test_cost_forms(text: str | None, kind: str, value: float) -> None:
    from app.execution.costs import parse_cost

    cost = parse_cost(text)
    assert (cost.kind, cost.value) == (kind, value)
