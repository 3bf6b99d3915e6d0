"""The Evaluate tab of the backtest view: does each layer of the spec (regime filter, agent
team, memory, all) help, out of sample and beyond chance? The arms' table, one verdict a
layer, and the look-ahead audit, as ``parley evaluate`` reports them."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.containers import VerticalScroll
from textual.content import Content
from textual.widgets import Static

from app.tui.evaluations import COLUMNS, EvaluationOutcome
from app.tui.widgets.keyed_table import Cell, KeyedTable

NO_EVALUATION = (
    "No evaluation yet. Backtest a spec, then press e: each layer is run over "
    "walk-forward folds against rules only and against a seeded random null."
)


class EvaluationTable(KeyedTable):
    """One row an arm (rules only, then each layer against its base)."""

    COLUMNS = tuple(
        (label, i >= 2 and label != "vs", width)
        for i, (label, width) in enumerate(zip(COLUMNS, (7, 7, 6, 6, 6, 13, 8, 8, 6, 6, 5)))
    )

    def show(self, rows: list[tuple[str, ...]]) -> None:
        self.set_rows(
            [(row[0], tuple(_cell(i, text) for i, text in enumerate(row))) for row in rows]
        )


def _cell(column: int, text: str) -> Cell | str:
    if COLUMNS[column] == "Diff" and text:
        return Cell(
            text,
            "text-success"
            if text.startswith("+") and text != "+0.00"
            else "text-error"
            if text.startswith("-")
            else "",
        )
    return Cell(text, bold=column == 0)


class EvaluationView(VerticalScroll):
    """Shows one :class:`EvaluationOutcome`, or a note."""

    DEFAULT_CSS = """
    EvaluationView { padding: 0 1; }
    EvaluationView > Static { height: auto; margin-bottom: 1; }
    EvaluationView > #ev-heading.-empty { color: $text-muted; text-style: italic; }
    EvaluationView > EvaluationTable { height: auto; max-height: 9; margin-bottom: 1; }
    EvaluationView > #ev-audit { color: $text-muted; }
    """

    def compose(self) -> ComposeResult:
        yield Static(Content(NO_EVALUATION), id="ev-heading", classes="-empty")
        yield EvaluationTable(id="ev-table")
        yield Static("", id="ev-verdicts")
        yield Static("", id="ev-audit")

    def show(self, outcome: EvaluationOutcome) -> None:
        heading = self.query_one("#ev-heading", Static)
        heading.remove_class("-empty")
        heading.update(Content(outcome.heading))
        table = self.query_one(EvaluationTable)
        table.display = True
        table.show(outcome.rows())
        self.query_one("#ev-verdicts", Static).update(
            Content("\n").join(Content(f"• {line}") for line in outcome.verdicts())
        )
        self.query_one("#ev-audit", Static).update(Content(outcome.audit))

    def clear(self, note: str) -> None:
        heading = self.query_one("#ev-heading", Static)
        heading.add_class("-empty")
        heading.update(Content(note))
        table = self.query_one(EvaluationTable)
        table.reset()
        table.display = False
        self.query_one("#ev-verdicts", Static).update("")
        self.query_one("#ev-audit", Static).update("")
