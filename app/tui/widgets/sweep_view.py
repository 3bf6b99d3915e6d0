"""The Sweep tab of the backtest view: the spec's ``param`` lines searched, the variants
ranked, the walk-forward choice, the heat map and the overfitting guards, with the verdict
first (``parley sweep``'s report)."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.containers import VerticalScroll
from textual.content import Content
from textual.widgets import Static

from app.tui.sweeps import SweepOutcome

NO_SWEEP = (
    "No sweep yet. Give the spec parameters (param fast = 10 in 5..50 step 5, used "
    "as sma(close, fast)), backtest it, then press s: every variant is run, with "
    "walk-forward folds and the overfitting guards."
)


class SweepView(VerticalScroll):
    """Shows one :class:`SweepOutcome`, or a note."""

    DEFAULT_CSS = """
    SweepView { padding: 0 1; }
    SweepView > Static { height: auto; margin-bottom: 1; }
    SweepView > #sw-heading.-empty { color: $text-muted; text-style: italic; }
    SweepView > #sw-verdict { text-style: bold; }
    SweepView > #sw-report { text-wrap: nowrap; }
    """

    def compose(self) -> ComposeResult:
        yield Static(Content(NO_SWEEP), id="sw-heading", classes="-empty")
        yield Static("", id="sw-verdict")
        yield Static("", id="sw-report")

    def show(self, outcome: SweepOutcome) -> None:
        heading = self.query_one("#sw-heading", Static)
        heading.remove_class("-empty")
        heading.update(Content(outcome.heading))
        self.query_one("#sw-verdict", Static).update(Content(outcome.verdict))
        self.query_one("#sw-report", Static).update(Content(outcome.report.rstrip("\n")))

    def clear(self, note: str) -> None:
        heading = self.query_one("#sw-heading", Static)
        heading.add_class("-empty")
        heading.update(Content(note))
        self.query_one("#sw-verdict", Static).update("")
        self.query_one("#sw-report", Static).update("")
