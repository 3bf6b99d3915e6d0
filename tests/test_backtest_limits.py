"""The limits in a backtest: daily loss, drawdown stop, circuit breaker and PDT, on tiny
hand-made markets of 4-hour bars (six a day), and the event clock against a bar-by-bar
replay with every limit on."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from app.backtest import run_backtest
from app.backtest.prepare import prepare
from app.backtest.report_text import summary
from app.dsl import parse_spec
from app.backtest.gates import gates_for_spec
from app.execution.paper import PaperBroker
from app.execution.session import StrategySession
from app.market.synthetic import synthetic_market

RULES = """strategy "limits"
universe {symbols}
timeframe 4h
long when close > 99
exit when close < 60
size 45% of equity
{limits}
"""
BARS = 30


def bars(closes: list[float], sessions: bool = False) -> pd.DataFrame:
    """4-hour bars from 2024-01-01 round the clock, or (``sessions``) six on each NYSE
    session from 2024-01-02 (weekends and holidays have none)."""
    c = np.asarray(closes, float)
    o = np.r_[c[0], c[:-1]]
    index = pd.date_range("2024-01-01", periods=len(c), freq="4h", name="date")
    if sessions:
        days = pd.bdate_range("2024-01-02", periods=len(c) // 6 + 1)
        index = pd.DatetimeIndex(
            [d + pd.Timedelta(hours=4 * k) for d in days for k in range(6)][: len(c)], name="date"
        )
    return pd.DataFrame(
        {
            "open": o,
            "high": np.maximum(o, c),
            "low": np.minimum(o, c),
            "close": c,
            "volume": 1000.0,
        },
        index=index,
    )


def path(*steps: tuple[int, float], start: float) -> list[float]:
    """``BARS`` closes at ``start``, then each (bar, price) step from that bar on."""
    out = [start] * BARS
    for bar, price in steps:
        out[bar:] = [price] * (BARS - bar)
    return out


def run(frames: dict[str, pd.DataFrame], limits: str, rules: str = RULES, cash: float = 10_000):
    spec = parse_spec(rules.format(symbols=", ".join(frames), limits=limits))
    return run_backtest(spec, frames, cash=cash)


def at(result, bar: int) -> int:
    return int(result.equity.index[bar].value)


def entries(result, symbol: str) -> list[int]:
    """The bars where ``symbol``'s positions (closed or open) were entered."""
    times = [t.entry_time_ns for t in result.trades if t.symbol == symbol]
    times += [p.entry_time_ns for p in result.open_positions if p.symbol == symbol]
    return [int(result.equity.index.get_loc(pd.Timestamp(t))) for t in sorted(times)]


# AAA is bought at bar 1's open and falls 20% at bar 8 (day 2, 02:00 -> 08:00): equity
# loses 9%. BBB's entry rule fires from bar 9 on, still on day 2.
CRASH = {"AAA": bars(path((8, 80.0), start=100.0)), "BBB": bars(path((9, 110.0), start=98.0))}


def test_without_limits_bbb_enters_on_its_first_signal() -> None:
    result = run(CRASH, "")
    assert entries(result, "AAA") == [1] and entries(result, "BBB") == [10]
    assert result.limit_events == []


def test_the_daily_loss_limit_blocks_entries_for_the_rest_of_the_day() -> None:
    result = run(CRASH, "max daily loss 5%")
    [event] = result.limit_events
    assert (event.limit, event.time_ns, event.scope) == ("daily_loss", at(result, 8), "day")
    assert event.message == "daily loss limit: equity down 9.00% today (limit 5%)"
    vetoed = [d for d in result.decisions if not d.approved]
    assert [d.time_ns for d in vetoed] == [at(result, b) for b in (9, 10, 11)]
    assert all(d.reasons[0].startswith("paused: daily loss limit") for d in vetoed)
    assert entries(result, "BBB") == [13]  # the first close of the next day, filled at 13


def test_a_loss_below_the_limit_trips_nothing() -> None:
    assert run(CRASH, "max daily loss 10%").limit_events == []


def test_the_drawdown_stop_blocks_entries_for_the_rest_of_the_run_but_not_exits() -> None:
    frames = {"AAA": bars(path((8, 80.0), (20, 55.0), start=100.0)), "BBB": CRASH["BBB"]}
    result = run(frames, "max drawdown 8%")
    [event] = result.limit_events
    assert (event.limit, event.time_ns, event.scope) == ("max_drawdown", at(result, 8), "run")
    assert event.message.startswith("max drawdown stop: equity 9.00% below its peak")
    assert [(t.symbol, t.exit_reason) for t in result.trades] == [("AAA", "exit_rule")]
    assert result.open_positions == []
    assert entries(result, "BBB") == []
    assert {d.symbol for d in result.decisions if not d.approved} == {"BBB"}
    assert "no new entries for the rest of the run" in summary(result)


@pytest.mark.parametrize("window, trips", [("in 1 bar", False), ("in 2 bars", True)])
def test_the_circuit_breaker_counts_the_move_over_its_bars(window: str, trips: bool) -> None:
    # CCC never trades but rises 10% a bar twice: 21% over two bars.
    frames = {"BBB": CRASH["BBB"], "CCC": bars(path((3, 55.0), (4, 60.5), start=50.0))}
    result = run(frames, f"circuit breaker 15% {window}")
    if not trips:
        assert result.limit_events == [] and entries(result, "BBB") == [10]
        return
    [event] = result.limit_events
    assert (event.limit, event.time_ns) == ("circuit_breaker", at(result, 4))
    assert event.message == "circuit breaker: CCC moved +21.00% in 2 bar(s) (limit 15%)"
    assert entries(result, "BBB") == []  # every symbol waits, for the rest of the run


FLIP = RULES.replace(
    "long when close > 99\nexit when close < 60",
    "long when close > 0\nexit when close < 0\nmax hold 1 bars",
).replace("45% of equity", "10 shares")


@pytest.mark.parametrize("symbol", ["AAA", "BTC/USD"])
def test_pdt_blocks_entries_after_three_day_trades_in_five_days(symbol: str) -> None:
    # In at one open, out at the next: round trips 1-2, 3-4 (day trades), 5-6 (overnight),
    # 7-8 (the third day trade, on day 2). Days are NYSE sessions: 2024-01-02 to 01-10
    # has no holiday, and the weekend of 01-06 has no bars.
    frames = {symbol: bars([100.0] * 40, sessions=True)}
    result = run(frames, "", rules=FLIP)
    if symbol == "BTC/USD":  # crypto is exempt
        assert result.limit_events == [] and entries(result, symbol)[:6] == [1, 3, 5, 7, 9, 11]
        return
    events = result.limit_events
    assert [(e.limit, e.scope) for e in events] == [("pdt", "pdt")] * 3
    assert events[0].message == "PDT: 3 day trades in 5 days with equity under $25,000"
    # Blocked from bar 8 on. Day 1's two day trades leave the 5-day window when day 6
    # starts (bar 30): two more (31-32, 33-34) make three again; day 2's leaves at bar 36.
    assert [e.time_ns for e in events] == [at(result, b) for b in (8, 34, 38)]
    assert entries(result, symbol) == [1, 3, 5, 7, 31, 33, 37]
    assert run(frames, "", rules=FLIP, cash=30_000).limit_events == []


def test_the_report_lists_the_trips_and_no_longer_says_not_enforced() -> None:
    result = run(CRASH, "max daily loss 5%\nmax drawdown 50%\ncircuit breaker 30% in 3 bars")
    text = summary(result)
    assert "not enforced" not in text and not result.notes
    assert "Limits tripped (1):" in text
    assert (
        "daily loss limit: equity down 9.00% today (limit 5%): no new entries for the "
        "rest of the day" in text
    )
    assert result.limits == [
        "daily loss 5%",
        "max drawdown 50%",
        "circuit breaker 30% in 3 bars",
        "PDT under $25,000 of equity",
    ]
    [row] = result.to_dict()["limit_events"]
    assert row["limit"] == "daily_loss" and row["time"].startswith("2024-01-02T08:00")
    assert "none tripped" in summary(run(CRASH, "max daily loss 50%"))


BUSY = """strategy "busy"
universe {symbols}
timeframe 1h
long when sma(close, 5) crosses above sma(close, 20)
exit when sma(close, 5) crosses below sma(close, 20)
stop loss 1%
max hold 6 bars
size 30% of equity
max positions 3
{limits}
"""


def replay(spec, frames, cash):
    """Every bar through ``StrategySession.step``, as a live runner drives it."""
    prepared = prepare(spec, frames)
    chain, _ = gates_for_spec(spec)
    session = StrategySession(spec, PaperBroker(cash), chain, {d.symbol: d for d in prepared.datas})
    where = [dict(zip(d.times.tolist(), range(len(d)))) for d in prepared.datas]
    for t in prepared.union.tolist():
        session.step([(d, w[t]) for d, w in zip(prepared.datas, where) if t in w])
    return session


@pytest.mark.parametrize(
    "limits, cash, tripped",
    [
        ("max daily loss 1%", 30_000, {"daily_loss"}),
        ("max drawdown 6%", 30_000, {"max_drawdown"}),
        ("circuit breaker 14% in 3 bars", 30_000, {"circuit_breaker"}),
        ("", 10_000, {"pdt"}),
        (
            "max daily loss 1%\nmax drawdown 6%\ncircuit breaker 12% in 2 bars",
            10_000,
            {"pdt", "circuit_breaker"},
        ),
    ],
    ids=["daily_loss", "drawdown", "circuit", "pdt", "all"],
)
def test_the_event_clock_sees_the_limits_as_a_bar_by_bar_replay(
    limits: str, cash: float, tripped: set[str]
) -> None:
    frames = synthetic_market(4, 400, seed=5, freq="h")
    frames["SYN001"] = frames["SYN001"].iloc[40:]  # one symbol starts late
    spec = parse_spec(BUSY.format(symbols=", ".join(frames), limits=limits))
    result = run_backtest(spec, frames, cash=cash)
    session = replay(spec, frames, cash)
    assert {e.limit for e in result.limit_events} == tripped
    assert result.limit_events == session.limits.events
    assert result.trades and any(not d.approved for d in result.decisions)
    key = sorted((t.symbol, t.entry_time_ns, t.exit_time_ns, t.qty) for t in result.trades)
    assert key == sorted(
        (t.symbol, t.entry_time_ns, t.exit_time_ns, t.qty) for t in session.broker.account.trades
    )  # same-bar exits: any order
    assert [(d.time_ns, d.symbol, d.approved, d.reasons) for d in result.decisions] == [
        (d.time_ns, d.symbol, d.approved, d.reasons) for d in session.decisions
    ]
