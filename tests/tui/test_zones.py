"""A mixed stock and crypto backtest in the TUI: the header names the run's clock (UTC)
and each trade's times read in its venue's zone, so a New York daily bar shows its date,
not 04:00 of the UTC clock."""

from __future__ import annotations

from app.backtest import run_backtest
from app.dsl import parse_spec
from app.tui.backtests import BacktestOutcome, trade_cells
from app.tui.screens.backtest import BacktestScreen
from app.tui.widgets.status_line import StatusLine
from tests.test_instruments_mixed import AAA, BTC, SPEC
from tests.tui.conftest import GOOG_ENGLISH, SIZE, MakeApp
from tests.tui.test_backtest import settle
from tests.tui.test_chat import say


def _mixed() -> BacktestOutcome:
    result = run_backtest(parse_spec(SPEC), {"AAA": AAA, "BTC/USD": BTC}, cash=10_000)
    rows = tuple(trade_cells(t, result.timezone) for t in result.trades)
    return BacktestOutcome(
        SPEC,
        "test",
        "two symbols",
        result,
        tuple(result.decisions),
        (None,) * len(result.trades),
        rows,
    )


def test_trade_cells_read_in_each_venues_zone() -> None:
    rows = _mixed().trade_rows
    assert [(r[0], r[2], r[4]) for r in rows] == [
        ("BTC/USD", "2024-07-02", "2024-07-05"),
        ("AAA", "2024-07-08", "2024-07-09"),
    ]


async def test_the_header_names_a_mixed_runs_clock(make_app: MakeApp) -> None:
    app = make_app(scripted=True)
    async with app.run_test(size=SIZE) as pilot:
        await say(pilot, GOOG_ENGLISH)
        await pilot.press("f5")
        await settle(pilot)
        screen = app.screen
        assert isinstance(screen, BacktestScreen)
        assert "times" not in screen.query_one(StatusLine).detail  # New York: said nowhere
        screen.show_outcome(_mixed())
        await pilot.pause()
        assert screen.query_one(StatusLine).detail.endswith(" · two symbols · times UTC")
