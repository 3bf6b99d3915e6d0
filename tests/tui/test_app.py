"""App-wide: modes and keys, help, themes, the command palette, the error path, small
terminals, and the one factory the `parley` command uses."""

from __future__ import annotations

from pathlib import Path

import pytest
from textual.command import CommandList, CommandPalette
from textual.pilot import Pilot

from app.config import Settings
from app.errors import ParleyError
from app.tui.app import DARK, LIGHT
from app.tui.screens.chat import ChatScreen
from app.tui.screens.editor import EditorScreen
from app.tui.screens.error_modal import ErrorModal
from app.tui.screens.help import HelpScreen
from app.tui.screens.library import LibraryScreen
from app.tui.services import Modes, modes_of
from app.tui.widgets.prompt_input import PromptInput
from app.tui.widgets.spec_view import SpecView
from tests.tui.conftest import ENGLISH, SIZE, MakeApp


async def test_modes_help_and_theme(make_app: MakeApp) -> None:
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        assert isinstance(app.screen, ChatScreen)
        assert app.screen.query_one(PromptInput).has_focus
        for key, kind in (("f3", LibraryScreen), ("f4", EditorScreen), ("f2", ChatScreen)):
            await pilot.press(key)
            await pilot.pause()
            assert isinstance(app.screen, kind)
        await pilot.press("f1")
        await pilot.pause()
        assert isinstance(app.screen, HelpScreen)
        await pilot.press("escape")
        await pilot.pause()
        assert isinstance(app.screen, ChatScreen)
        assert app.theme == DARK
        await pilot.press("ctrl+t")
        await pilot.pause()
        assert app.theme == LIGHT
        await pilot.press("ctrl+t")
        await pilot.pause()
        assert app.theme == DARK


async def run_from_palette(pilot: Pilot, query: str) -> None:
    """Open the palette, search, and run the first hit as soon as it is listed."""
    await pilot.press("ctrl+p")
    await pilot.pause()
    assert isinstance(pilot.app.screen, CommandPalette)
    await pilot.press(*query)
    options = pilot.app.screen.query_one(CommandList)
    for _ in range(100):
        if options.option_count and options.highlighted is not None:
            break
        await pilot.pause(0.02)
    await pilot.press("enter")
    await pilot.app.workers.wait_for_complete()
    await pilot.pause()


async def test_command_palette_runs_app_and_screen_commands(make_app: MakeApp) -> None:
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await run_from_palette(pilot, "libr")
        assert isinstance(app.screen, LibraryScreen)
        await run_from_palette(pilot, "new sp")
        await pilot.pause()
        assert isinstance(app.screen, EditorScreen)


async def test_errors_are_shown_with_their_title_never_a_traceback(make_app: MakeApp) -> None:
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        app.show_error(
            ParleyError(
                "strategies/x.strategy: cannot write it (Read-only file system)",
                "check the folder's permissions",
            ),
            "Saving",
        )
        await pilot.pause()
        assert isinstance(app.screen, ErrorModal)
        assert app.screen.query_one("#dialog").border_title == "Saving failed"
        await pilot.press("enter")
        await pilot.pause()
        app.show_error(ZeroDivisionError("division by zero"))
        await pilot.pause()
        assert isinstance(app.screen, ErrorModal)
        assert "bug in Parley" in str(app.screen.query_one("#hint").render())


async def test_a_missing_spec_file_is_an_error_not_a_crash(
    make_app: MakeApp, strategies: Path
) -> None:
    from app.tui.messages import OpenSpec

    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        app.post_message(OpenSpec(strategies / "gone.strategy"))
        await pilot.pause()
        await pilot.pause()
        assert isinstance(app.screen, ErrorModal)
        assert "no such file" in str(app.screen.query_one("#message").render())


async def test_quit_asks_when_the_editor_has_unsaved_changes(make_app: MakeApp) -> None:
    from app.tui.screens.confirm_modal import ConfirmModal

    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("f4", "x")
        await pilot.press("ctrl+q")
        await pilot.pause()
        assert isinstance(app.screen, ConfirmModal)
        await pilot.press("escape")
        await pilot.pause()
        assert isinstance(app.screen, EditorScreen) and app.is_running
        await pilot.press("ctrl+q")
        await pilot.pause()
        await pilot.click("#confirm")
        await pilot.pause()
    assert app.return_code == 0 and not app.is_running


@pytest.mark.parametrize("size", [(80, 24), (120, 36)])
async def test_layout_fits_small_and_large_terminals(
    make_app: MakeApp, size: tuple[int, int]
) -> None:
    app = make_app(scripted=True)
    async with app.run_test(size=size) as pilot:
        app.screen.query_one(PromptInput).insert_text_at_cursor(ENGLISH)
        await pilot.press("enter")
        await app.workers.wait_for_complete()
        await pilot.pause()
        screen = app.screen.region
        for selector in ("#prompt", "#spec", "#status", "Footer"):
            region = app.screen.query_one(selector).region
            assert region.area > 0 and screen.contains_region(region), selector
        assert app.screen.query_one(SpecView).spec_text
        for key in ("f3", "f4"):
            await pilot.press(key)
            await pilot.pause()
            for selector in ("#status", "Footer"):
                region = app.screen.query_one(selector).region
                assert region.area > 0 and screen.contains_region(region)


def test_modes_say_which_part_runs_how(monkeypatch: pytest.MonkeyPatch) -> None:
    assert modes_of(Settings()) == Modes("offline", "bundled", "paper (simulated)")
    monkeypatch.setenv("ANTHROPIC_API_KEY", "sk-ant-x")
    monkeypatch.setenv("APCA_API_KEY_ID", "k")
    monkeypatch.setenv("APCA_API_SECRET_KEY", "s")
    modes = modes_of(Settings())
    assert modes.compiler.startswith("LLM") and modes.data == "Alpaca"
    assert "sk-ant" not in modes.describe()
