"""Library: the specs in ``strategies/`` with their status; open, create, revise in chat."""

from __future__ import annotations

from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, VerticalScroll
from textual.message import Message

from app.dsl import analyse
from app.errors import ParleyError
from app.spec.readback import read_back
from app.tui.library import SpecEntry
from app.tui.messages import BacktestRequested, OpenSpec, ReviseInChat
from app.tui.screens.base import ParleyScreen
from app.tui.widgets.parley_footer import ParleyFooter
from app.tui.widgets.problems_panel import describe
from app.tui.widgets.readback_view import ReadbackView
from app.tui.widgets.spec_table import SpecTable
from app.tui.widgets.spec_view import SpecView
from app.tui.widgets.status_line import StatusLine


class LibraryLoaded(Message):
    """The folder was scanned (posted from the library worker)."""

    def __init__(self, entries: list[SpecEntry]) -> None:
        super().__init__()
        self.entries = entries


class LibraryScreen(ParleyScreen):
    """A table of spec files on the left, the highlighted one previewed on the right."""

    BINDINGS = [
        Binding("enter", "open", "Open"),
        Binding("n", "new", "New spec"),
        Binding("c", "revise", "Revise in chat"),
        Binding("b", "backtest", "Backtest"),
        Binding("r", "refresh", "Refresh"),
    ]

    def compose(self) -> ComposeResult:
        yield StatusLine("Library", self.services.modes, id="status")
        with Horizontal(id="library-body"):
            yield SpecTable(id="specs")
            with VerticalScroll(id="preview"):
                yield SpecView("Select a spec to preview it.", id="preview-spec")
                yield ReadbackView("", id="preview-readback")
        yield ParleyFooter()

    def on_mount(self) -> None:
        self.query_one("#specs").border_title = f"{self.services.library.folder.name}/"
        self.query_one("#preview").border_title = "Preview"
        self.query_one(SpecTable).focus()
        self.refresh_library()

    def on_screen_resume(self) -> None:
        self.refresh_library()

    @work(
        thread=True,
        exclusive=True,
        exit_on_error=False,
        group="library",
        description="Checking the specs in the library",
    )
    def refresh_library(self) -> None:
        self.post_message(LibraryLoaded(self.services.library.entries()))

    @on(LibraryLoaded)
    def _loaded(self, event: LibraryLoaded) -> None:
        table = self.query_one(SpecTable)
        table.show(event.entries)
        count = len(event.entries)
        examples = bool(event.entries) and all(e.example for e in event.entries)
        self.query_one(StatusLine).detail = (
            f"no specs yet · {count} shipped examples: enter opens a copy"
            if examples
            else f"{count} spec{'s' if count != 1 else ''}"
        )
        self._preview(table.selected_entry())

    @on(SpecTable.Highlighted)
    def _highlighted(self, event: SpecTable.Highlighted) -> None:
        self._preview(event.entry)

    @on(SpecTable.Chosen)
    def _chosen(self, event: SpecTable.Chosen) -> None:
        self._open(event.entry)

    def _open(self, entry: SpecEntry) -> None:
        """A spec of the folder opens as itself; a shipped example as a copy (unsaved text
        that saves into the folder), so the example itself is never written."""
        if not entry.example:
            self.post_message(OpenSpec(entry.path))
            return
        try:
            text = self.services.library.read(entry.path)
        except ParleyError as err:
            self.show_error(err)
            return
        self.post_message(OpenSpec(None, text=text))

    def _preview(self, entry: SpecEntry | None) -> None:
        spec_view = self.query_one("#preview-spec", SpecView)
        readback = self.query_one("#preview-readback", ReadbackView)
        if entry is None:
            spec_view.show(None)
            readback.show("")
            return
        try:
            text = self.services.library.read(entry.path)
        except ParleyError as err:
            spec_view.show(None)
            readback.show(err.message)
            return
        spec, problems = analyse(text)
        spec_view.show(text)
        readback.show(
            read_back(spec) if spec is not None else "\n".join(describe(p) for p in problems)
        )
        self.query_one("#preview").border_title = entry.path.name

    def action_open(self) -> None:
        if (entry := self.query_one(SpecTable).selected_entry()) is not None:
            self._open(entry)

    def action_new(self) -> None:
        self.post_message(OpenSpec(None))

    def action_revise(self) -> None:
        entry = self.query_one(SpecTable).selected_entry()
        if entry is None:
            return
        if entry.errors:
            self.notify("Fix its problems in the editor first (enter).", severity="warning")
            return
        self.revise(entry)

    @work(thread=True, exit_on_error=False, group="read", description="Reading the spec")
    def revise(self, entry: SpecEntry) -> None:
        text = self.services.library.read(entry.path)
        self.post_message(ReviseInChat(text, entry.path.name))

    def action_backtest(self) -> None:
        entry = self.query_one(SpecTable).selected_entry()
        if entry is None:
            return
        if entry.errors or entry.draft:
            self.notify(
                "Only a valid spec (not a draft) can be backtested: fix it in the "
                "editor first (enter).",
                severity="warning",
            )
            return
        self.backtest(entry)

    @work(thread=True, exit_on_error=False, group="read", description="Reading the spec")
    def backtest(self, entry: SpecEntry) -> None:
        text = self.services.library.read(entry.path)
        self.post_message(BacktestRequested(text, entry.path.name))

    def action_refresh(self) -> None:
        self.refresh_library()

    def palette_commands(self) -> list[tuple[str, str, str]]:
        return [
            ("Open spec", "Open the selected spec in the editor", "open"),
            ("New spec", "Start a new spec in the editor", "new"),
            ("Revise in chat", "Carry the selected spec into the chat", "revise"),
            ("Backtest spec", "Backtest the selected spec on the bundled data", "backtest"),
            ("Refresh library", "Check the specs again", "refresh"),
        ]
