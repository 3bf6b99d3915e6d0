"""The Evaluate tab of the backtest view: parley evaluate on the backtested spec."""

from __future__ import annotations

import pytest
from textual.widgets import TabbedContent

from app.tui.screens.backtest import BacktestScreen
from app.tui.widgets.evaluation_view import EvaluationTable, EvaluationView
from tests.tui.conftest import GOOG_ENGLISH, MakeApp
from tests.tui.test_backtest import settle
from tests.tui.test_chat import say


async def test_evaluate_tab_shows_the_table_and_verdicts(make_app: MakeApp) -> None:
    pytest.importorskip("app.evaluate.run", reason="parley evaluate has not landed yet")
    app = make_app(scripted=True)
    app.services.backtests.draws = 5
    async with app.run_test(size=(120, 36)) as pilot:
        await say(pilot, GOOG_ENGLISH)
        await say(pilot, "/backtest")
        await settle(pilot)
        screen = app.screen
        assert isinstance(screen, BacktestScreen)
        await pilot.press("e")
        await settle(pilot)
        assert screen.query_one(TabbedContent).active == "tab-evaluate"
        view = screen.query_one(EvaluationView)
        table = view.query_one(EvaluationTable)
        assert list(table.shown) == ["rules", "regime", "agents", "memory", "all"]
        verdicts = str(view.query_one("#ev-verdicts").render())
        assert "the regime filter" in verdicts and "percentile" in verdicts
        assert "only 5 null draws" in verdicts
        assert "no look-ahead found" in str(view.query_one("#ev-audit").render())
        heading = str(view.query_one("#ev-heading").render())
        assert "4 walk-forward folds" in heading and "5 null draws per layer" in heading

        await pilot.press("r")  # a new backtest of the same spec keeps the evaluation
        await settle(pilot)
        assert screen.query_one(TabbedContent).active == "tab-backtest"
        assert list(table.shown) == ["rules", "regime", "agents", "memory", "all"]
