"""The backtest journey: compile in the chat, /backtest, see the curves, metrics and trades,
pick a trade and read its entry decision; also from the library and the editor."""

from __future__ import annotations

from pathlib import Path

from textual.message import Message
from textual.pilot import Pilot

from app.tui.decisions import team_of
from app.tui.messages import BacktestDone, BacktestProgress, OpenSpec
from app.tui.screens.backtest import BacktestScreen
from app.tui.screens.error_modal import ErrorModal
from app.tui.widgets.decision_view import DecisionView
from app.tui.widgets.line_chart import LineChart, column_ranges
from app.tui.widgets.metrics_panel import MetricsPanel
from app.tui.widgets.trade_table import TradeTable
from tests.tui.conftest import ENGLISH, GOOG_ENGLISH, SIZE, MakeApp
from tests.tui.test_chat import of_type, say


async def settle(pilot: Pilot) -> None:
    """Let routed messages start their workers, then wait for the workers."""
    for _ in range(2):
        await pilot.pause()
        await pilot.app.workers.wait_for_complete()
    await pilot.pause()


async def test_chat_to_backtest_to_a_trades_decision(make_app: MakeApp) -> None:
    seen: list[Message] = []
    app = make_app()  # the real offline compiler
    async with app.run_test(size=(120, 36), message_hook=seen.append) as pilot:
        await say(pilot, GOOG_ENGLISH)
        await say(pilot, "/backtest")
        await settle(pilot)
        screen = app.screen
        assert isinstance(screen, BacktestScreen)
        [done] = of_type(seen, BacktestDone)
        assert of_type(seen, BacktestProgress)[-1].fraction == 1.0
        result = done.outcome.result
        assert result.trades and result.symbols == ("GOOG",)
        metrics = str(screen.query_one(MetricsPanel).render())
        assert "Total return" in metrics and "Buy & hold" in metrics
        assert f"{result.metrics['total_return_pct']:+,.2f}%" in metrics
        assert screen.query_one("#equity", LineChart).series
        trades = screen.query_one(TradeTable)
        assert trades.row_count == len(result.trades)
        view = screen.query_one(DecisionView)
        assert view.decision is done.outcome.entries[0]

        trades.focus()
        await pilot.press("down")
        await pilot.pause()
        decision = view.decision
        assert decision is not None and decision is done.outcome.entries[1]
        assert decision.approved and decision.symbol == "GOOG"
        assert decision.time_ns < result.trades[1].entry_time_ns
        team = team_of(decision)
        assert team is not None and len(team.opinions) == 4
        shown = str(view.render())
        assert "APPROVED" in shown and "technical" in shown and "debate" in shown
        assert "risk" in shown and f"qty {decision.qty:,.6g}" in shown


async def test_library_and_editor_keys_backtest_the_spec(
    make_app: MakeApp, strategies: Path
) -> None:
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("f3")
        await settle(pilot)
        await pilot.press("b")  # golden_cross.strategy, first in the list
        await settle(pilot)
        # the small data set holds GOOG only: the error names what is missing
        assert isinstance(app.screen, ErrorModal)
        assert "NVDA" in str(app.screen.query_one("#message").render())
        await pilot.press("escape")
        app.post_message(OpenSpec(strategies / "sma_crossover.strategy"))
        await settle(pilot)
        await pilot.press("ctrl+b")
        await settle(pilot)
        assert isinstance(app.screen, BacktestScreen)
        assert app.screen.outcome is not None
        assert app.screen.outcome.source == "sma_crossover.strategy"
        assert app.screen.query_one(TradeTable).row_count > 0


async def test_f5_shows_the_screen_and_missing_data_is_an_error(make_app: MakeApp) -> None:
    app = make_app(scripted=True)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("f5")
        await pilot.pause()
        assert isinstance(app.screen, BacktestScreen)
        assert "No backtest yet" in str(app.screen.query_one("#equity").render())
        await pilot.press("f2")
        await say(pilot, ENGLISH)  # AAPL and MSFT: not in the data
        await say(pilot, "/backtest")
        await settle(pilot)
        assert isinstance(app.screen, ErrorModal)
        assert "No data for AAPL, MSFT" in str(app.screen.query_one("#message").render())
        await pilot.press("escape")
        await pilot.pause()
        assert isinstance(app.screen, BacktestScreen)
        assert not app.screen.query_one("#bt-running").has_class("-running")
        await pilot.press("f2")
        await say(pilot, "/run")  # checked before anything starts: no run is created
        await settle(pilot)
        assert isinstance(app.screen, ErrorModal)
        assert "No data for AAPL, MSFT" in str(app.screen.query_one("#message").render())
        assert app.services.runs.store.list_runs() == []


def test_chart_columns_keep_spikes_and_cover_every_value() -> None:
    values = [1.0] * 100
    values[57] = 9.0
    ranges = column_ranges(values, 10)
    assert max(hi for _lo, hi, _last in ranges) == 9.0
    assert len(column_ranges(values[:3], 10)) == 10
    assert [r[2] for r in column_ranges([1.0, 2.0], 2)] == [1.0, 2.0]
