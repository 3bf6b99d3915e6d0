"""A stock and a crypto pair in one run, across the US Independence Day holiday (Thursday
2024-07-04) and the weekend after it: one clock (UTC instants), the stock's orders wait
for its next session, the coin trades through both; PDT counts NYSE sessions only.

The expected trades are worked out by hand in the comments, not copied from a run.
"""

from __future__ import annotations

import json

import pandas as pd

from app.backtest import run_backtest
from app.backtest.report_text import summary
from app.dsl import parse_spec
from app.execution.limits import Limits
from app.execution.portfolio import Trade

SPEC = """strategy "mixed"
universe AAA, BTC/USD
timeframe 1d
long when close > open
exit when close < open
size 10 shares
max positions 1
"""


def daily(rows: dict[str, tuple[float, float]]) -> pd.DataFrame:
    """Daily bars, one per date at midnight (the loader's form: the venue's wall time)."""
    index = pd.DatetimeIndex(list(rows), name="date")
    o = [r[0] for r in rows.values()]
    c = [r[1] for r in rows.values()]
    return pd.DataFrame(
        {
            "open": o,
            "high": [max(a, b) for a, b in zip(o, c)],
            "low": [min(a, b) for a, b in zip(o, c)],
            "close": c,
            "volume": 1000.0,
        },
        index=index,
    )


# AAA (a US stock, New York time) has bars on NYSE sessions only: no Thursday 07-04
# (holiday), no 07-06/07-07 (weekend). (open, close):
AAA = daily(
    {
        "2024-07-01": (50, 51),
        "2024-07-02": (51, 52),
        "2024-07-03": (52, 53),
        "2024-07-05": (53, 54),
        "2024-07-08": (54, 53),
        "2024-07-09": (53, 52),
    }
)
# BTC/USD (UTC) trades every day, the holiday and the weekend included.
BTC = daily(
    {
        "2024-07-01": (100, 101),
        "2024-07-02": (101, 103),
        "2024-07-03": (103, 104),
        "2024-07-04": (104, 102),
        "2024-07-05": (102, 100),
        "2024-07-06": (100, 101),
        "2024-07-07": (101, 102),
        "2024-07-08": (102, 101),
        "2024-07-09": (101, 100),
    }
)


def ns(text: str) -> int:
    return int(pd.Timestamp(text).value)


def test_a_mixed_universe_runs_on_one_clock_across_a_holiday_and_a_weekend() -> None:
    result = run_backtest(parse_spec(SPEC), {"AAA": AAA, "BTC/USD": BTC}, cash=10_000)
    # The clock is UTC: BTC's daily bar of a date starts at 00:00 UTC, AAA's at midnight
    # New York, 04:00 UTC (EDT). So on each date BTC's bar comes first, although AAA is
    # first in the universe (on two naive clocks both were "00:00" and AAA went first).
    #
    # 07-01: BTC closes up at 00:00 -> its entry order takes the one slot. AAA closes up
    #        at 04:00 -> refused: max positions 1 (the BTC order counts).
    # 07-02: BTC's order fills at its open, 101. AAA up again: refused (BTC held).
    # 07-03: both up; BTC held (its exit rule needs a down close), AAA refused.
    # 07-04: no AAA bar (holiday). BTC closes down -> exit order.
    # 07-05: BTC's exit fills at its open, 102: +10 x 1 = +10.00. BTC closes down: no entry.
    #        AAA closes up at 04:00 with the slot free -> entry order, which waits over the
    #        weekend for AAA's next session.
    # 07-06, 07-07: BTC closes up both days: refused (AAA's pending order holds the slot).
    # 07-08: BTC's 00:00 bar closes down (flat: nothing). AAA's order fills at its open
    #        at 04:00 UTC, 54; AAA closes down -> exit order.
    # 07-09: BTC down (nothing). AAA's exit fills at the open, 53: -1 x 10 = -10.00.
    want = [
        Trade(
            "BTC/USD",
            "long",
            ns("2024-07-02"),
            101.0,
            ns("2024-07-05"),
            102.0,
            10.0,
            10.0,
            100 * 10 / 1010,
            3,
            "exit_rule",
            0.0,
            1,
            4,
        ),
        Trade(
            "AAA",
            "long",
            ns("2024-07-08 04:00"),
            54.0,
            ns("2024-07-09 04:00"),
            53.0,
            10.0,
            -10.0,
            -100 * 10 / 540,
            1,
            "exit_rule",
            0.0,
            4,
            5,
        ),
    ]
    assert result.trades == want
    assert result.open_positions == []
    assert result.timezone == "UTC"
    assert result.final_equity == 10_000.0
    refused = sorted(
        (pd.Timestamp(d.time_ns).strftime("%m-%d %H:%M"), d.symbol)
        for d in result.decisions
        if not d.approved
    )
    assert refused == [
        ("07-01 04:00", "AAA"),
        ("07-02 04:00", "AAA"),
        ("07-03 04:00", "AAA"),
        ("07-06 00:00", "BTC/USD"),
        ("07-07 00:00", "BTC/USD"),
    ]
    doc = json.loads(result.to_json())
    assert doc["timezone"] == "UTC"
    # Each trade's time in its venue's zone: a daily bar is that venue's date (AAA's
    # 04:00 UTC is midnight in New York); the curve runs on the UTC clock, stamped.
    assert [(t["symbol"], t["entry_time"], t["exit_time"]) for t in doc["trades"]] == [
        ("BTC/USD", "2024-07-02", "2024-07-05"),
        ("AAA", "2024-07-08", "2024-07-09"),
    ]
    curve = [p["time"] for p in doc["equity"]]
    assert curve[:3] == ["2024-07-01", "2024-07-01T04:00:00+00:00", "2024-07-02"]
    assert sorted((d["time"], d["symbol"]) for d in doc["decisions"] if not d["approved"]) == [
        ("2024-07-01", "AAA"),
        ("2024-07-02", "AAA"),
        ("2024-07-03", "AAA"),
        ("2024-07-06", "BTC/USD"),
        ("2024-07-07", "BTC/USD"),
    ]
    assert "Times: UTC" in summary(result)


def test_one_zone_keeps_its_wall_time() -> None:
    """A run of stocks only stays on New York wall time, bar for bar."""
    result = run_backtest(parse_spec(SPEC.replace("AAA, BTC/USD", "AAA")), {"AAA": AAA})
    assert result.timezone == "America/New_York"
    assert [pd.Timestamp(t.entry_time_ns) for t in result.trades] == [pd.Timestamp("2024-07-02")]
    assert "Times:" not in summary(result)


def test_intraday_times_in_json_carry_their_offset() -> None:
    """Hourly bars across the switch to daylight time (Sunday 2024-03-10): a stock's times
    say -05:00 before it and -04:00 after, a coin's +00:00."""
    from app.instruments.clock import iso_times

    def ns(*texts: str) -> list[int]:
        return [int(pd.Timestamp(t).value) for t in texts]

    stock = ns("2024-03-08 15:00", "2024-03-11 09:30")
    assert iso_times(stock, "America/New_York") == [
        "2024-03-08T15:00:00-05:00",
        "2024-03-11T09:30:00-04:00",
    ]
    coin = ns("2024-03-10 06:00", "2024-03-10 07:00")
    assert iso_times(coin, "UTC") == ["2024-03-10T06:00:00+00:00", "2024-03-10T07:00:00+00:00"]
    assert iso_times(coin, "UTC", "America/New_York") == [
        "2024-03-10T01:00:00-05:00",
        "2024-03-10T03:00:00-04:00",
    ]
    assert iso_times(ns("2024-03-11"), "America/New_York") == ["2024-03-11"]


def test_pdt_counts_nyse_sessions_not_crypto_weekend_dates() -> None:
    spec = parse_spec(SPEC)
    limits = Limits(spec)

    def day_trade(day: str) -> None:
        t = ns(f"{day} 14:00")  # on the run's UTC clock: 10:00 in New York
        limits.on_trade(
            Trade(
                "AAA",
                "long",
                t,
                1.0,
                t + 3600 * 10**9,
                1.0,
                1.0,
                0.0,
                0.0,
                1,
                "exit_rule",
                0.0,
                0,
                1,
            )
        )

    # Three day trades on Mon 07-01, Tue 07-02 and Wed 07-03, then BTC's bars carry the
    # clock through the holiday and the weekend (one bar a day at 00:00 UTC).
    for day in ("2024-07-01", "2024-07-02", "2024-07-03"):
        limits.open_bar(ns(f"{day} 13:30"))
        day_trade(day)
    for day in ("2024-07-04", "2024-07-05", "2024-07-06", "2024-07-07"):
        limits.open_bar(ns(f"{day} 12:00"))
    # Monday 07-08: the last five sessions are 07-01, 07-02, 07-03, 07-05, 07-08, so all
    # three still count (five calendar dates with bars, 07-04..07-08, would hold none).
    limits.open_bar(ns("2024-07-08 13:30"))
    assert limits.state.recent_days == [
        "2024-07-01",
        "2024-07-02",
        "2024-07-03",
        "2024-07-05",
        "2024-07-08",
    ]
    assert limits.blocked(False, lambda: 10_000.0) is not None
    assert limits.blocked(True, lambda: 10_000.0) is None  # the coin is exempt
    # Tuesday 07-09: 07-01 leaves the window; two day trades remain.
    limits.open_bar(ns("2024-07-09 13:30"))
    assert limits.state.day_trades == ["2024-07-02", "2024-07-03"]
    assert limits.blocked(False, lambda: 10_000.0) is None


def test_a_paper_run_replays_the_mixed_backtest() -> None:
    """The runner (replay feed, paper book) keeps the same one clock, so it makes the
    backtest's two trades."""
    import threading

    from app.feeds.replay import ReplayFeed
    from app.runner import Runner
    from app.store import Store

    spec, frames = parse_spec(SPEC), {"AAA": AAA, "BTC/USD": BTC}
    store = Store("sqlite://")
    run = store.create_run(spec.name, SPEC)
    status = Runner(store, run.id, ReplayFeed(frames)).run(spec, lambda e: None, threading.Event())
    assert status == "finished"
    got = sorted(
        (t.symbol, t.entry_time_ns, t.exit_time_ns, t.entry_price, t.exit_price)
        for t in store.trades(run.id)
    )
    bt = run_backtest(spec, frames)
    assert got == sorted(
        (t.symbol, t.entry_time_ns, t.exit_time_ns, t.entry_price, t.exit_price) for t in bt.trades
    )
    assert len(got) == 2


def test_status_and_decisions_stamp_each_time_with_its_zone(capsys) -> None:
    """`parley status RUN --json` and `parley decisions RUN --json` of the mixed paper run:
    the run's clock is named, each trade, fill and decision is in its symbol's zone."""
    import threading

    from app.cli import main
    from app.feeds.replay import ReplayFeed
    from app.runner import Runner
    from app.config import load_settings
    from app.store import Store

    store = Store.from_settings(load_settings())
    run = store.create_run("mixed", SPEC)
    Runner(store, run.id, ReplayFeed({"AAA": AAA, "BTC/USD": BTC})).run(
        parse_spec(SPEC), lambda e: None, threading.Event()
    )
    capsys.readouterr()
    assert main(["status", run.id, "--json"]) == 0
    doc = json.loads(capsys.readouterr().out)
    assert doc["run"]["timezone"] == "UTC" and doc["run"]["last_bar"] == "2024-07-09T04:00:00+00:00"
    assert sorted((t["symbol"], t["entry_time"], t["exit_time"]) for t in doc["trades"]) == [
        ("AAA", "2024-07-08", "2024-07-09"),
        ("BTC/USD", "2024-07-02", "2024-07-05"),
    ]
    assert sorted((f["symbol"], f["time"]) for f in doc["fills"]) == [
        ("AAA", "2024-07-08"),
        ("AAA", "2024-07-09"),
        ("BTC/USD", "2024-07-02"),
        ("BTC/USD", "2024-07-05"),
    ]
    assert main(["decisions", run.id, "--json"]) == 0
    vetoed = sorted(
        (d["time"], d["symbol"]) for d in json.loads(capsys.readouterr().out) if not d["approved"]
    )
    assert vetoed == [
        ("2024-07-01", "AAA"),
        ("2024-07-02", "AAA"),
        ("2024-07-03", "AAA"),
        ("2024-07-06", "BTC/USD"),
        ("2024-07-07", "BTC/USD"),
    ]
