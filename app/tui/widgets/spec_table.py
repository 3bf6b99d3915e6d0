"""The library's table of spec files with their status."""

from __future__ import annotations

from rich.text import Text
from textual import on
from textual.message import Message
from textual.widgets import DataTable

from app.tui.library import SpecEntry

_STATUS_COLOR = {"valid": "text-success", "draft": "text-warning"}


class SpecTable(DataTable[Text]):
    """One row a file: name, status, file. Posts :class:`Highlighted` and :class:`Chosen`."""

    class Highlighted(Message):
        def __init__(self, entry: SpecEntry | None) -> None:
            super().__init__()
            self.entry = entry

    class Chosen(Message):
        """Enter or a double click on a row: open it."""

        def __init__(self, entry: SpecEntry) -> None:
            super().__init__()
            self.entry = entry

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id, cursor_type="row", zebra_stripes=True)
        self.entries: list[SpecEntry] = []

    def on_mount(self) -> None:
        self.add_columns("Name", "Status", "File")

    def show(self, entries: list[SpecEntry]) -> None:
        keep = self.selected_entry()
        self.entries = entries
        self.clear()
        colors = self.app.theme_variables
        for entry in entries:
            color = colors[_STATUS_COLOR.get(entry.status.split(" ")[0], "text-error")]
            self.add_row(
                Text(entry.name),
                Text(entry.status, style=color),
                Text(entry.path.name),
                key=str(entry.path),
            )
        paths = [entry.path for entry in entries]
        if keep is not None and keep.path in paths:
            self.move_cursor(row=paths.index(keep.path))

    def selected_entry(self) -> SpecEntry | None:
        if not self.entries or not 0 <= self.cursor_row < len(self.entries):
            return None
        return self.entries[self.cursor_row]

    @on(DataTable.RowHighlighted)
    def _highlighted(self, event: DataTable.RowHighlighted) -> None:
        event.stop()
        self.post_message(self.Highlighted(self.selected_entry()))

    @on(DataTable.RowSelected)
    def _selected(self, event: DataTable.RowSelected) -> None:
        event.stop()
        if (entry := self.selected_entry()) is not None:
            self.post_message(self.Chosen(entry))
