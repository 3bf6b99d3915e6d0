"""A DataTable of keyed rows that changes only what changed: the base of the monitor's
tables and the backtest's trade list.

``set_rows`` diffs against what is shown and updates only the cells that differ;
``append_rows`` adds new rows at the bottom, keeps at most ``limit``, and follows the
newest row when the cursor was on the last one. Cells are plain text (never read as
markup), coloured with the theme's variables.

Column widths are computed here, not measured by the DataTable when it next idles: a
column grows (up to its cap) to fit its longest text, which rebuilds the table (rare),
so every frame is drawn at its final widths, and a firehose of cell updates costs no
measuring at all.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from rich.text import Text
from textual.color import Color, ColorParseError
from textual.coordinate import Coordinate
from textual.widgets import DataTable


@dataclass(frozen=True)
class Cell:
    """A cell's text and the theme variable that colours it (``text-success``)."""

    text: str
    color: str = ""
    bold: bool = False


Row = tuple[str, Sequence["Cell | str"]]
"""(row key, cells)."""


class KeyedTable(DataTable[Text]):
    """Subclasses set ``COLUMNS``: (label, right-aligned, widest) triples."""

    COLUMNS: tuple[tuple[str, bool, int], ...] = ()

    def __init__(self, *, limit: int = 0, id: str | None = None) -> None:
        super().__init__(id=id, cursor_type="row", zebra_stripes=True)
        self.limit = limit
        self.shown: dict[str, tuple[Cell, ...]] = {}
        """Row key -> the cells shown, in table order."""
        self.widths = [len(label) for label, _right, _widest in self.COLUMNS]

    def on_mount(self) -> None:
        self._add_columns()

    @property
    def selected_key(self) -> str | None:
        if not self.shown or not 0 <= self.cursor_row < self.row_count:
            return None
        return self.coordinate_to_cell_key(Coordinate(self.cursor_row, 0)).row_key.value

    def set_rows(self, rows: Sequence[Row]) -> None:
        """Show exactly these rows, in this order, touching only what differs."""
        new = {key: _cells(cells) for key, cells in rows}
        widths = self._grown(new.values())
        if list(new) != list(self.shown) or widths != self.widths:
            self._rebuild(new, widths)
            return
        for key, cells in new.items():
            old = self.shown[key]
            for i, (before, after) in enumerate(zip(old, cells)):
                if before != after:
                    self.update_cell(key, str(i), self._text(after, i))
            self.shown[key] = cells

    def append_rows(self, rows: Sequence[Row]) -> None:
        """Add rows at the bottom (rows already shown are updated in place)."""
        if not rows:
            return
        follow = self.row_count == 0 or self.cursor_row >= self.row_count - 1
        incoming = {key: _cells(cells) for key, cells in rows}
        widths = self._grown(incoming.values())
        if widths != self.widths:
            merged = {**self.shown, **incoming}
            self._rebuild(
                dict(list(merged.items())[-self.limit :] if self.limit else merged), widths
            )
        else:
            for key, cells in incoming.items():
                if key not in self.shown:
                    self.add_row(*(self._text(c, i) for i, c in enumerate(cells)), key=key)
                elif self.shown[key] != cells:
                    for i, cell in enumerate(cells):
                        self.update_cell(key, str(i), self._text(cell, i))
                self.shown[key] = cells
            while self.limit and len(self.shown) > self.limit:
                oldest = next(iter(self.shown))
                self.remove_row(oldest)
                del self.shown[oldest]
        if follow and self.row_count:
            self.move_cursor(row=self.row_count - 1, animate=False)

    def reset(self) -> None:
        self.clear()
        self.shown = {}

    # -- internals ------------------------------------------------------------------------

    def _grown(self, rows: Iterable[tuple[Cell, ...]]) -> list[int]:
        widths = list(self.widths)
        for cells in rows:
            for i, cell in enumerate(cells):
                widths[i] = max(widths[i], min(len(cell.text), self.COLUMNS[i][2]))
        return widths

    def _add_columns(self) -> None:
        for i, (label, _right, _widest) in enumerate(self.COLUMNS):
            self.add_column(label, key=str(i), width=self.widths[i])

    def _rebuild(self, rows: dict[str, tuple[Cell, ...]], widths: list[int]) -> None:
        keep = self.selected_key
        if widths != self.widths:
            self.widths = widths
            self.clear(columns=True)
            self._add_columns()
        else:
            self.clear()
        for key, cells in rows.items():
            self.add_row(*(self._text(c, i) for i, c in enumerate(cells)), key=key)
        self.shown = rows
        if keep in rows:
            self.move_cursor(row=list(rows).index(keep), animate=False)

    def _text(self, cell: Cell, column: int) -> Text:
        style = _color(self.app.theme_variables, cell.color) if cell.color else ""
        if cell.bold:
            style = f"bold {style}".strip()
        right = self.COLUMNS[column][1]
        return Text(
            cell.text,
            style=style,
            justify="right" if right else "left",
            no_wrap=True,
            overflow="ellipsis",
        )


def _cells(cells: Sequence[Cell | str]) -> tuple[Cell, ...]:
    return tuple(c if isinstance(c, Cell) else Cell(c) for c in cells)


def _color(variables: dict[str, str], name: str) -> str:
    """A theme variable as a plain hex colour (translucent ones blended on the background)."""
    try:
        color = Color.parse(variables.get(name, ""))
    except ColorParseError:
        return ""
    if color.a < 1:
        background = Color.parse(variables.get("background", "#000000"))
        color = background.blend(color.with_alpha(1.0), color.a)
    return color.hex
