"""The smaller defects a trader hit in the TUI (issue 11), one test each: /help typed in the
chat, a backtest screen showing the last strategy's results as the new one's, a "not
understood" note leaking into the next reply, examples naming symbols that are not bundled,
/run at full speed, and a name that froze at the first compile."""

from __future__ import annotations

import contextlib
import os
import re
from pathlib import Path

from textual.pilot import Pilot
from textual.widgets._footer import FooterKey
from textual.worker import WorkerFailed

from app.compiler.conversation import EMPTY_MESSAGE
from app.config import Settings
from app.market.bundled import bundled_symbols
from app.market.data_source import load_for_spec
from app.tui.runs import DEFAULT_SPEED
from app.tui.screens.backtest import BacktestScreen
from app.tui.screens.confirm_modal import ConfirmModal
from app.tui.screens.error_modal import ErrorModal
from app.tui.screens.help import HELP, HelpScreen
from app.tui.screens.monitor import MonitorScreen
from app.tui.screens.typed_confirm_modal import TypedConfirmModal
from app.tui.widgets.chat_log import EXAMPLE, WELCOME, ChatLog
from app.tui.widgets.line_chart import LineChart
from app.tui.widgets.metrics_panel import MetricsPanel
from app.tui.widgets.parley_footer import ParleyFooter
from app.tui.widgets.runs_table import RunsTable
from app.tui.widgets.spec_view import SpecView
from app.tui.widgets.status_line import StatusLine
from app.tui.widgets.trade_table import TradeTable
from tests.tui.conftest import GOOG_ENGLISH, SIZE, MakeApp
from tests.tui.test_backtest import settle
from tests.tui.test_chat import log_text, say
from tests.tui.test_monitor import STOPPED, run_of, until

TICKER = re.compile(r"\b[A-Z]{2,5}(?:/[A-Z]{3})?\b")
NOT_TICKERS = {"ATR", "SMA", "EMA", "RSI", "MACD", "KILL"}


def replies(pilot: Pilot) -> list[str]:
    return [str(w.render()) for w in pilot.app.screen.query_one(ChatLog).query(".parley")]


async def test_help_typed_in_the_chat_opens_the_help(make_app: MakeApp) -> None:
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await say(pilot, "/help")
        assert isinstance(app.screen, HelpScreen)
        await pilot.press("escape")
        await pilot.pause()
        assert app.screen.query_one(ChatLog)


async def test_a_backtest_never_shows_the_last_ones_results(make_app: MakeApp) -> None:
    app = make_app(scripted=True)
    async with app.run_test(size=SIZE) as pilot:
        await say(pilot, GOOG_ENGLISH)
        await say(pilot, "/backtest")
        await settle(pilot)
        screen = app.screen
        assert isinstance(screen, BacktestScreen) and screen.outcome is not None
        assert screen.query_one(TradeTable).row_count > 0

        screen.start(ENGLISH_SPEC, "another spec")  # running: the old figures go at once
        assert screen.outcome is None and screen.query_one(TradeTable).row_count == 0
        assert not screen.query_one("#equity", LineChart).series
        assert 'Backtesting "Golden cross"' in str(screen.query_one("#equity").render())
        assert "Total return" not in str(screen.query_one(MetricsPanel).render())
        with contextlib.suppress(WorkerFailed):  # the failure is shown, as below
            await settle(pilot)
        await pilot.pause()
        assert isinstance(app.screen, ErrorModal)  # AAPL and MSFT are not in the data
        await pilot.press("escape")
        await pilot.pause()
        assert app.screen is screen and screen.outcome is None
        assert screen.query_one(StatusLine).detail == "failed · another spec"
        shown = str(screen.query_one("#equity").render())
        assert "failed: No data for AAPL, MSFT" in shown and "press r" in shown
        assert screen.query_one(TradeTable).row_count == 0
        assert not screen.query_one("#drawdown", LineChart).series


ENGLISH_SPEC = """strategy "Golden cross"
universe AAPL, MSFT
timeframe 1d
long when sma(close, 50) crosses above sma(close, 200)
exit when sma(close, 50) crosses below sma(close, 200)
"""


async def test_the_backtest_bar_shows_a_percentage(make_app: MakeApp) -> None:
    from textual.widgets import ProgressBar

    from app.tui.messages import BacktestProgress

    app = make_app(scripted=True)
    async with app.run_test(size=SIZE) as pilot:
        await say(pilot, GOOG_ENGLISH)
        await pilot.press("f5")
        await pilot.pause()
        screen = app.screen
        assert isinstance(screen, BacktestScreen)
        bar = screen.query_one(ProgressBar)
        for fraction, shown in ((0.0, "0%"), (0.03, "3%"), (0.5, "50%")):
            screen.post_message(BacktestProgress(fraction, "backtesting"))
            await pilot.pause()
            assert bar.total == 1.0 and bar.percentage == fraction
            assert shown in str(bar.query_one("PercentageStatus").render())


async def test_not_understood_stays_with_its_own_turn(make_app: MakeApp) -> None:
    app = make_app()  # the real offline compiler
    async with app.run_test(size=SIZE) as pilot:
        await say(pilot, "purple monkey dishwasher")
        assert "Not understood: purple monkey dishwasher" in replies(pilot)[-1]
        await say(pilot, GOOG_ENGLISH)
        assert app.screen.query_one(SpecView).spec_text is not None
        assert "Not understood" not in replies(pilot)[-1]
        assert "purple" not in app.services.chat.state().spec_text


async def test_examples_name_bundled_symbols(make_app: MakeApp) -> None:
    """The intro, the reply to nonsense and the questions suggest only bundled symbols,
    and the intro's example compiles to a spec the bundled data can backtest."""
    bundled = {s.replace("/", "") for s in bundled_symbols()}
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await say(pilot, "purple monkey dishwasher")
        nonsense = replies(pilot)
        await say(pilot, "/new")
        await say(
            pilot,
            "buy when the 10-day SMA crosses above the 30-day, sell when it "
            "crosses below, 10 shares",
        )  # no symbols: the compiler asks for them
        asked = replies(pilot)[-1]
        await say(pilot, "/new")
        await say(pilot, EXAMPLE)
        spec = app.services.chat.state().spec
        texts = [WELCOME, EMPTY_MESSAGE, asked, *nonsense]
    assert "Which symbols" in asked and len(nonsense) == 1
    named = {t for text in texts for t in TICKER.findall(text)} - NOT_TICKERS
    assert named and {t.replace("/", "") for t in named} <= bundled, named
    assert spec is not None and set(spec.universe) == {"GOOG", "NVDA"}
    assert set(load_for_spec(spec, None)) == {"GOOG", "NVDA"}


async def test_run_defaults_to_a_watchable_speed_and_says_its_unit(
    make_app: MakeApp, seeded_home: Path
) -> None:
    assert DEFAULT_SPEED != "max" and 1 <= float(DEFAULT_SPEED) <= 20
    assert f"{DEFAULT_SPEED} bars a second unless" in HELP
    app = make_app()
    async with app.run_test(size=(120, 36)) as pilot:
        await say(pilot, GOOG_ENGLISH)
        await say(pilot, "/run")
        await settle(pilot)
        screen = app.screen
        assert isinstance(screen, MonitorScreen)
        run_id = screen.cursor.run_id
        assert run_id is not None
        await until(
            pilot,
            lambda: (r := run_of(pilot, run_id)) is not None and r.status == "running",
            "the run to be running",
        )
        assert app.services.runs.store.get_run(run_id).speed == DEFAULT_SPEED
        header = str(screen.query_one("#run-header").render())
        assert f"{DEFAULT_SPEED} bars a second" in header
        app.services.runs.control(run_id, "stop")
        await until(pilot, lambda: run_of(pilot, run_id).status == "stopped", "the stop")


async def test_the_name_follows_the_symbols(make_app: MakeApp, strategies: Path) -> None:
    app = make_app()  # the real offline compiler names the spec after its symbols
    async with app.run_test(size=SIZE) as pilot:
        await say(
            pilot,
            "buy GOOG when the 10-day SMA crosses above the 30-day, sell when "
            "it crosses below, 10 shares",
        )
        assert app.services.chat.state().spec.name == "SMA 10/30 crossover on GOOG"
        await say(pilot, "add NVDA")
        state = app.services.chat.state()
        assert state.spec.universe == ("GOOG", "NVDA")
        assert state.spec.name == "SMA 10/30 crossover on GOOG, NVDA"
        assert '+strategy "SMA 10/30 crossover on GOOG, NVDA"' in state.diff
        await say(pilot, "/save")
        await settle(pilot)
        saved = sorted(p.name for p in strategies.glob("*.strategy"))
        assert "sma_10_30_crossover_on_goog_nvda.strategy" in saved, saved
        assert "Saved" in log_text(pilot)
        await say(pilot, "call it Mine")
        await say(pilot, "add ORCL")
        assert app.services.chat.state().spec.name == "Mine"  # a name you chose stays


def footer_keys(pilot: Pilot) -> tuple[list[FooterKey], FooterKey]:
    footer = pilot.app.screen.query_one(ParleyFooter)
    shown = [k for k in footer.query(FooterKey) if k.display]
    [palette] = [k for k in shown if k.has_class("-command-palette")]
    return [k for k in shown if k is not palette], palette


async def test_the_footer_is_never_cut(make_app: MakeApp) -> None:
    for width, height in ((80, 24), (120, 36)):
        app = make_app()
        async with app.run_test(size=(width, height)) as pilot:
            for mode in ("f3", "f4", "f5", "f6", "f2"):
                await pilot.press(mode)
                await pilot.pause()
                keys, palette = footer_keys(pilot)
                where = f"{width} columns, {mode}"
                assert max(k.region.right for k in keys) <= palette.region.x, where
                assert palette.region.right <= width, where
                assert "f1" in [k.key_display for k in keys], where
                if mode == "f6":
                    assert "K" in [k.key_display for k in keys], where
            if width == 120:  # the chat: every key but its own (F2)
                shown = [k.key_display for k in keys]
                assert shown == ["^s", "^n", "^o", "^b", "^r", "f1", "f3", "f4", "f5", "f6"]


async def test_the_runs_table_shows_pnl_broker_and_feed_at_80_columns(
    make_app: MakeApp, seeded_home: Path
) -> None:
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("f6")
        await settle(pilot)
        table = app.screen.query_one(RunsTable)
        labels = [str(c.label) for c in table.columns.values()]
        right = 0
        for column in table.columns.values():
            right += column.get_render_width(table)
            if str(column.label) == "Broker":
                break
        assert right <= table.scrollable_content_region.width, (right, labels)
        assert labels.index("P&L") < labels.index("Broker") < labels.index("Feed")
        cells = [c.text for c in table.shown[STOPPED]]
        assert "sim" in cells and "replay of 2004-08-19..2006-03-21" in cells
        header = str(app.screen.query_one("#run-header").render())
        assert "broker sim (paper, simulated)" in header
        assert "feed replay of 2004-08-19..2006-03-21" in header
        store = app.services.runs.store  # as if its process were alive (no signal is sent)
        store.update_run(STOPPED, status="running", pid=os.getpid())
        await until(pilot, lambda: run_of(pilot, STOPPED).status == "running", "running")
        await pilot.press("f")  # flatten asks first, naming the broker and the feed
        await pilot.pause()
        assert isinstance(app.screen, ConfirmModal)
        assert "broker sim, feed replay of 2004-08-19..2006-03-21" in app.screen.question
        await pilot.press("escape")


ALWAYS_IN = """strategy "Always in"
universe GOOG
timeframe 1d
long when close > 0
exit when close < 0
size 10 shares
"""


async def test_flatten_and_stop_closes_every_position_then_stops(
    make_app: MakeApp, seeded_home: Path
) -> None:
    app = make_app()
    store = app.services.runs.store
    async with app.run_test(size=(120, 36)) as pilot:
        run = app.services.runs.start(ALWAYS_IN, "always_in.strategy", "20")
        await pilot.press("f6")
        await settle(pilot)
        await until(pilot, lambda: bool(store.positions(run.id)), "a position to open")
        await pilot.press("K")  # the kill switch says what it leaves, and what does not
        await pilot.pause()
        assert "F, flatten and stop, closes them first" in app.screen.question
        await pilot.press("escape")
        await pilot.pause()
        await pilot.press("F")
        await pilot.pause()
        modal = app.screen
        assert isinstance(modal, TypedConfirmModal) and modal.word == "FLATTEN"
        assert (
            f"{run.id} Always in · broker sim · replay of 2004-08-19..2006-03-21 · "
            "open: GOOG long 10" in modal.question
        )
        await pilot.press(*"FLATTEN", "enter")
        await until(pilot, lambda: store.get_run(run.id).status == "stopped", "the stop", tries=600)
        await settle(pilot)
        row = store.get_run(run.id)
        assert store.positions(run.id) == []  # (the reason: safety's SIGTERM wording)
        assert [t.exit_reason for t in store.trades(run.id)] == ["flatten"]
        assert 0 < row.bars_done < 400


def test_flatten_and_stop_names_what_a_dead_run_left_open(
    seeded_home: Path, settings: Settings
) -> None:
    from app.store import Store
    from app.tui.flatten_stop import flatten_and_stop

    store = Store(settings.db_url)
    store.update_run(STOPPED, status="running", pid=None)  # its process is gone
    report = flatten_and_stop(store, wait=0)
    assert report.gone == {STOPPED: 1} and report.stopped == [] and report.waiting == []
    assert store.get_run(STOPPED).status == "stopped"
    assert "stopped with 1 position(s) open (resume it with r" in report.describe()
