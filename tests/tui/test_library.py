"""The library: every spec and draft with its status; open, new, revise in chat."""

from __future__ import annotations

from pathlib import Path

from textual.pilot import Pilot

from app.tui.library import SpecLibrary, slugify
from app.tui.screens.chat import ChatScreen
from app.tui.screens.editor import TEMPLATE, EditorScreen
from app.tui.screens.library import LibraryScreen
from app.tui.widgets.dsl_editor import DslEditor
from app.tui.widgets.spec_table import SpecTable
from app.tui.widgets.spec_view import SpecView
from app.tui.widgets.status_line import StatusLine
from tests.tui.conftest import SIZE, MakeApp


def add_broken_and_draft(folder: Path) -> None:
    (folder / "broken.strategy").write_text('strategy "Broken"\nuniverse\ntimeframe 7x\n')
    (folder / "idea.strategy.draft").write_text('strategy "Idea"\nuniverse AAPL\nlong when\n')


async def show_library(pilot: Pilot) -> LibraryScreen:
    await pilot.press("f3")
    await pilot.app.workers.wait_for_complete()
    await pilot.pause()
    screen = pilot.app.screen
    assert isinstance(screen, LibraryScreen)
    return screen


def test_entries_and_status(strategies: Path) -> None:
    add_broken_and_draft(strategies)
    entries = SpecLibrary(strategies).entries()
    assert [(e.path.name, e.name, e.status) for e in entries] == [
        ("broken.strategy", "Broken", "2 errors"),
        ("golden_cross.strategy", "Golden cross", "valid"),
        ("idea.strategy.draft", "Idea", "draft · 1 error"),
        ("sma_crossover.strategy", "SMA 10/30 crossover", "valid"),
    ]
    missing = SpecLibrary(strategies / "missing").entries()  # a fresh install: the examples
    assert missing and all(e.example and e.status == "example" for e in missing)
    assert slugify("Golden cross!") == "golden_cross" and slugify("???") == "untitled"


async def test_table_preview_and_open(make_app: MakeApp, strategies: Path) -> None:
    add_broken_and_draft(strategies)
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        screen = await show_library(pilot)
        table = screen.query_one(SpecTable)
        assert table.row_count == 4
        assert "Broken" in (screen.query_one("#preview-spec", SpecView).spec_text or "")
        assert "4 specs" in str(screen.query_one("#where").render())
        await pilot.press("down")
        await pilot.pause()
        assert '"Golden cross"' in (screen.query_one("#preview-spec", SpecView).spec_text or "")
        await pilot.press("enter")
        await pilot.pause()
        await pilot.pause()
        editor = app.screen
        assert isinstance(editor, EditorScreen)
        assert editor.path == strategies / "golden_cross.strategy"
        assert editor.query_one(DslEditor).text == editor.path.read_text()


async def test_new_spec_and_revise(make_app: MakeApp, strategies: Path) -> None:
    app = make_app(scripted=True)
    async with app.run_test(size=SIZE) as pilot:
        await show_library(pilot)
        await pilot.press("n")
        await pilot.pause()
        await pilot.pause()
        assert isinstance(app.screen, EditorScreen) and app.screen.path is None
        assert app.screen.query_one(DslEditor).text == TEMPLATE

        await show_library(pilot)
        await pilot.press("c")  # golden_cross, the first row, into the chat
        await app.workers.wait_for_complete()
        await pilot.pause()
        await pilot.pause()
        assert isinstance(app.screen, ChatScreen)
        assert app.services.chat.state().spec.name == "Golden cross"


async def test_broken_spec_cannot_go_to_chat(make_app: MakeApp, strategies: Path) -> None:
    add_broken_and_draft(strategies)
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await show_library(pilot)
        await pilot.press("c")  # broken.strategy is first
        await pilot.pause()
        assert isinstance(app.screen, LibraryScreen)
        assert app.services.chat.state().spec is None


async def test_an_empty_folder_shows_the_shipped_examples_as_copies(
    make_app: MakeApp, strategies: Path
) -> None:
    from app.examples import example_texts

    for spec in strategies.iterdir():
        spec.unlink()
    shipped = example_texts()
    assert [e.path.name for e in SpecLibrary(strategies).entries()] == sorted(shipped)
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        screen = await show_library(pilot)
        table = screen.query_one(SpecTable)
        assert {e.status for e in table.entries} == {"example"}
        assert "shipped examples: enter opens a copy" in screen.query_one(StatusLine).detail
        first = table.entries[0]
        await pilot.press("enter")
        await pilot.pause()
        editor = app.screen
        assert isinstance(editor, EditorScreen)
        assert editor.path is None  # a copy: saving asks for a name in strategies/
        assert editor.query_one(DslEditor).text == shipped[first.path.name]
    assert list(strategies.iterdir()) == []
