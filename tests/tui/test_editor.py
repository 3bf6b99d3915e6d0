"""The editor journey: open a spec, break it, see the problem at its line and column, fix it,
format, save; drafts; new specs; explain; and carrying a spec into the chat."""

from __future__ import annotations

from pathlib import Path

from textual.pilot import Pilot

from app.dsl import parse_spec
from app.dsl.formatting import format_text
from app.tui.messages import OpenSpec
from app.tui.screens.chat import ChatScreen
from app.tui.screens.confirm_modal import ConfirmModal
from app.tui.screens.editor import EditorScreen
from app.tui.screens.name_modal import NameModal
from app.tui.widgets.dsl_editor import ERROR, DslEditor
from app.tui.widgets.problems_panel import ProblemsPanel
from app.tui.widgets.readback_view import ReadbackView
from app.tui.widgets.spec_view import SpecView
from tests.tui.conftest import SIZE, MakeApp

LINE5 = "long when sma(close, 50) crosses above sma(close, 200) and rsi(close, 14) < 70"


async def open_in_editor(pilot: Pilot, path: Path | None) -> EditorScreen:
    pilot.app.post_message(OpenSpec(path))
    await pilot.pause()
    await pilot.pause()
    editor = pilot.app.screen
    assert isinstance(editor, EditorScreen)
    return editor


async def settle(pilot: Pilot) -> None:
    """Wait past the live-check debounce, then for any save worker."""
    await pilot.pause(EditorScreen.CHECK_DELAY + 0.1)
    await pilot.app.workers.wait_for_complete()
    await pilot.pause()


async def test_break_fix_format_save(make_app: MakeApp, strategies: Path) -> None:
    path = strategies / "golden_cross.strategy"
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_in_editor(pilot, path)
        editor = screen.query_one(DslEditor)
        assert editor.text == path.read_text() and not screen.problems

        editor.move_cursor((4, LINE5.index("above") + len("above")))
        await pilot.press("backspace")  # "crosses abov"
        await settle(pilot)
        [problem] = screen.query_one(ProblemsPanel).problems
        assert (problem.line, problem.column) == (5, LINE5.index("abov") + 1)
        assert "abov" in problem.message and problem.expected == ("above or below",)
        assert (problem.column - 1, problem.column - 1 + 4, ERROR) in editor._highlights[4]
        assert "1 problem" in str(screen.query_one("#where").render())

        await pilot.press("ctrl+s")  # not valid: offers a draft instead
        await pilot.pause()
        assert isinstance(app.screen, ConfirmModal)
        await pilot.press("escape")
        await pilot.pause()
        assert path.read_text() == editor.text.replace("crosses abov", "crosses above")

        editor.move_cursor((4, LINE5.index("abov") + 4))
        await pilot.press("e")
        editor.insert("\n\n\ntake profit   10%   # wide\n", (6, 0))
        await settle(pilot)
        assert not screen.problems
        await pilot.press("ctrl+f")
        await settle(pilot)
        assert editor.text == format_text(editor.text)
        assert "take profit 10%  # wide" in editor.text

        await pilot.press("ctrl+s")
        await settle(pilot)
        assert path.read_text() == editor.text
        assert parse_spec(path.read_text()).name == "Golden cross"
        assert not screen.is_dirty()


async def test_problem_list_jumps_to_the_error(make_app: MakeApp, strategies: Path) -> None:
    path = strategies / "golden_cross.strategy"
    path.write_text(path.read_text().replace("stop loss 2 atr(14)", "stop loss two atr(14)"))
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_in_editor(pilot, path)
        panel = screen.query_one(ProblemsPanel)
        [problem] = panel.problems
        assert (problem.line, problem.column) == (7, 11)
        panel.focus()
        await pilot.pause()
        panel.highlighted = 0
        await pilot.press("enter")
        await pilot.pause()
        editor = screen.query_one(DslEditor)
        assert editor.cursor_location == (6, 10) and editor.has_focus


async def test_save_as_draft(make_app: MakeApp, strategies: Path) -> None:
    path = strategies / "golden_cross.strategy"
    original = path.read_text()
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_in_editor(pilot, path)
        editor = screen.query_one(DslEditor)
        editor.insert("max positions lots\n", (editor.document.line_count - 1, 0))
        await settle(pilot)
        assert screen.problems

        await pilot.press("ctrl+s")  # the offer of a draft, accepted
        await pilot.pause()
        await pilot.click("#confirm")
        await settle(pilot)
        draft = strategies / "golden_cross.strategy.draft"
        assert draft.read_text() == editor.text
        assert path.read_text() == original
        assert screen.path == draft
        statuses = {e.path.name: e.status for e in app.services.library.entries()}
        assert statuses["golden_cross.strategy.draft"] == "draft · 1 error"
        assert statuses["golden_cross.strategy"] == "valid"

        editor.replace("", (editor.document.line_count - 2, 0), (editor.document.line_count - 1, 0))
        await settle(pilot)
        assert not screen.problems
        await pilot.press("ctrl+s")  # valid again: saved as the spec, the draft goes
        await settle(pilot)
        assert path.read_text() == editor.text and not draft.exists()


async def test_new_spec_is_named_then_saved(make_app: MakeApp, strategies: Path) -> None:
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("f4")
        await pilot.pause()
        screen = app.screen
        assert isinstance(screen, EditorScreen) and screen.path is None
        assert not screen.problems  # the template is a valid spec
        await pilot.press("ctrl+s")
        await pilot.pause()
        assert isinstance(app.screen, NameModal)
        await pilot.press("ctrl+u", *"my first", "enter")
        await settle(pilot)
        saved = strategies / "my_first.strategy"
        assert parse_spec(saved.read_text()).name == "My strategy"
        assert screen.path == saved


async def test_explain_and_revise_in_chat(make_app: MakeApp, strategies: Path) -> None:
    path = strategies / "sma_crossover.strategy"
    app = make_app(scripted=True)
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_in_editor(pilot, path)
        assert not screen.query_one("#explain").display
        await pilot.press("ctrl+l")
        await pilot.pause()
        assert screen.query_one("#explain").display
        assert "GOOG" in str(screen.query_one(ReadbackView).render())

        await pilot.press("ctrl+g")
        await pilot.pause()
        await pilot.pause()
        chat = app.screen
        assert isinstance(chat, ChatScreen)
        state = app.services.chat.state()
        assert state.spec == parse_spec(path.read_text())
        assert chat.query_one(SpecView).spec_text == state.spec_text
        assert "sma_crossover.strategy" in state.reply
        await pilot.press(*"add NVDA", "enter")
        await app.workers.wait_for_complete()
        await pilot.pause()
        assert app.services.chat.state().spec.universe[-1] == "NVDA"
