"""One snapshot per screen, deterministic: fixed size, a scripted compiler, no blinking
cursor, copies of the repo's specs in a folder called strategies/, no clock anywhere.

Update after reviewing the report: ``pytest tests/tui/test_snapshots.py --snapshot-update``.
"""

from __future__ import annotations

from pathlib import Path

from textual.pilot import Pilot

from app.tui.messages import OpenSpec
from app.tui.screens.editor import EditorScreen
from app.tui.widgets.dsl_editor import DslEditor
from app.tui.widgets.prompt_input import PromptInput
from app.tui.widgets.trade_table import TradeTable
from tests.tui.conftest import ENGLISH, GOOG_ENGLISH, SIZE, MakeApp
from tests.tui.test_backtest import settle

WIDE = (120, 36)


async def _compiled(pilot: Pilot) -> None:
    pilot.app.screen.query_one(PromptInput).insert_text_at_cursor(ENGLISH)
    await pilot.press("enter")
    await pilot.app.workers.wait_for_complete()
    await pilot.pause()
    pilot.app.screen.query_one(PromptInput).insert_text_at_cursor("add NVDA")
    await pilot.press("enter")
    await pilot.app.workers.wait_for_complete()
    await pilot.pause()


def test_chat_with_a_revised_spec(snap_compare, make_app: MakeApp) -> None:
    assert snap_compare(make_app(scripted=True), run_before=_compiled, terminal_size=SIZE)


def test_chat_at_80x24(snap_compare, make_app: MakeApp) -> None:
    assert snap_compare(make_app(scripted=True), run_before=_compiled, terminal_size=(80, 24))


def test_library(snap_compare, make_app: MakeApp) -> None:
    async def run_before(pilot: Pilot) -> None:
        await pilot.press("f3")
        await pilot.app.workers.wait_for_complete()
        await pilot.pause()

    assert snap_compare(make_app(), run_before=run_before, terminal_size=SIZE)


def test_editor_with_an_error(snap_compare, make_app: MakeApp, strategies: Path) -> None:
    async def run_before(pilot: Pilot) -> None:
        pilot.app.post_message(OpenSpec(strategies / "golden_cross.strategy"))
        await pilot.pause()
        await pilot.pause()
        editor = pilot.app.screen.query_one(DslEditor)
        editor.move_cursor((6, len("stop loss ")))
        await pilot.press("delete", *"two")
        await pilot.press("ctrl+l")
        await pilot.pause(EditorScreen.CHECK_DELAY + 0.1)
        await pilot.pause()

    assert snap_compare(make_app(), run_before=run_before, terminal_size=SIZE)


def test_help(snap_compare, make_app: MakeApp) -> None:
    assert snap_compare(make_app(), press=["f1"], terminal_size=SIZE)


def test_light_theme_editor(snap_compare, make_app: MakeApp, strategies: Path) -> None:
    async def run_before(pilot: Pilot) -> None:
        await pilot.press("ctrl+t")
        pilot.app.post_message(OpenSpec(strategies / "sma_crossover.strategy"))
        await pilot.pause()
        await pilot.pause()
        await pilot.pause()

    assert snap_compare(make_app(), run_before=run_before, terminal_size=SIZE)


def test_backtest_with_a_trades_decision(snap_compare, make_app: MakeApp) -> None:
    """The scripted spec (agent team, regime filter) on the small GOOG data set."""

    async def run_before(pilot: Pilot) -> None:
        pilot.app.screen.query_one(PromptInput).insert_text_at_cursor(GOOG_ENGLISH)
        await pilot.press("enter")
        await settle(pilot)
        await pilot.press("ctrl+b")
        await settle(pilot)
        pilot.app.screen.query_one(TradeTable).focus()
        await pilot.press("down")
        await pilot.pause()

    assert snap_compare(make_app(scripted=True), run_before=run_before, terminal_size=WIDE)


def test_monitor_of_seeded_runs(snap_compare, make_app: MakeApp, seeded_home: Path) -> None:
    """Three finished or stopped runs (so no process and no clock in the picture); the
    agent team's run selected, its last decision shown."""

    async def run_before(pilot: Pilot) -> None:
        await pilot.press("f6")
        await settle(pilot)
        await pilot.press("down", "down")
        await settle(pilot)

    assert snap_compare(make_app(), run_before=run_before, terminal_size=WIDE)
