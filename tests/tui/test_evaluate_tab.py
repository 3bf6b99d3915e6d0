"""The Evaluate tab of the backtest view: parley evaluate on the backtested spec."""

from __future__ import annotations

from textual.widgets import TabbedContent

from app.tui.screens.backtest import BacktestScreen
from app.tui.widgets.evaluation_view import EvaluationTable, EvaluationView
from tests.tui.conftest import GOOG_ENGLISH, MakeApp
from tests.tui.test_backtest import settle
from tests.tui.test_chat import say


async def test_evaluate_tab_shows_the_table_and_verdicts(make_app: MakeApp) -> None:
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


PARAM_SPEC = """strategy "SMA sweep"
universe GOOG
timeframe 1d
param fast = 10 in 5..15 step 5
param slow = 30 in 20..40 step 10
long when sma(close, fast) crosses above sma(close, slow)
exit when sma(close, fast) crosses below sma(close, slow)
size 10 shares
"""


async def test_sweep_tab_shows_the_report_and_its_verdict(make_app: MakeApp) -> None:
    from app.tui.messages import BacktestRequested
    from app.tui.widgets.sweep_view import SweepView

    app = make_app()
    async with app.run_test(size=(120, 36)) as pilot:
        app.post_message(BacktestRequested(PARAM_SPEC, "sweep.strategy"))
        await settle(pilot)
        screen = app.screen
        assert isinstance(screen, BacktestScreen) and screen.outcome is not None
        await pilot.press("s")
        await settle(pilot)
        assert screen.query_one(TabbedContent).active == "tab-sweep"
        view = screen.query_one(SweepView)
        verdict = str(view.query_one("#sw-verdict").render())
        assert verdict.startswith("The best variant") and "deflated Sharpe" in verdict
        report = str(view.query_one("#sw-report").render())
        assert "9 variants (grid)" in report and "walk-forward, 3 anchored folds" in report
        assert "chosen: fast=" in str(view.query_one("#sw-heading").render())


async def test_a_spec_without_params_says_how_to_add_one(make_app: MakeApp) -> None:
    from textual.worker import WorkerFailed

    from app.tui.screens.error_modal import ErrorModal
    from app.tui.widgets.sweep_view import SweepView

    app = make_app(scripted=True)
    async with app.run_test(size=(120, 36)) as pilot:
        await say(pilot, GOOG_ENGLISH)
        await say(pilot, "/backtest")
        await settle(pilot)
        await pilot.press("s")
        try:
            await settle(pilot)
        except WorkerFailed:
            await pilot.pause()
        assert isinstance(app.screen, ErrorModal)
        assert "param fast = 10 in 5..50 step 5" in str(app.screen.query_one("#hint").render())
        await pilot.press("escape")
        await pilot.pause()
        shown = str(app.screen.query_one(SweepView).query_one("#sw-heading").render())
        assert "The sweep failed: 'SMA 10/30 with agents' has no parameters" in shown


def test_param_lines_and_named_universes_are_highlighted() -> None:
    from app.tui.highlight import tokens

    def kinds(line: str) -> list[tuple[str, str]]:
        return [(line[a:b], kind) for a, b, kind in tokens(line)]

    assert kinds("param fast = 10 in 5..15 step 5") == [  # the name is left plain
        ("param", "keyword"),
        ("=", "operator"),
        ("10", "number"),
        ("in", "keyword"),
        ("5", "number"),
        ("..", "operator"),
        ("15", "number"),
        ("step", "keyword"),
        ("5", "number"),
    ]
    assert ("sp500", "name") in kinds("universe sp500")
    assert ("units", "keyword") in kinds("size 3 units")


def test_the_tab_states_the_datas_caveats() -> None:
    from app.tui.evaluations import EvaluationOutcome

    report = {
        "layers": [],
        "missing_layers": [],
        "draws": 200,
        "caveats": ["Survivorship bias: the S&P 500 as of 2018."],
    }
    lines = EvaluationOutcome("bundled", report).verdicts()
    assert lines == ["data caveat: Survivorship bias: the S&P 500 as of 2018."]


def test_the_heading_names_the_symbols_once() -> None:
    from app.tui.evaluations import EvaluationOutcome

    report = {
        "strategy": "RSI(14) < 25 on NVDA, ORCL",
        "symbols": ["NVDA", "ORCL"],
        "folds": [{"start": "2010-01-04", "end": "2011-01-03"}],
        "draws": 5,
        "seed": 7,
    }
    heading = EvaluationOutcome("the chat", report).heading
    assert heading.startswith("Evaluation of RSI(14) < 25 on NVDA, ORCL (the chat) · ")
    report["strategy"] = "Mean reversion"
    assert EvaluationOutcome("x", report).heading.startswith(
        "Evaluation of Mean reversion on NVDA, ORCL (x) · "
    )
