"""The line at the top of every screen: where you are, and which mode each part runs in."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.containers import Horizontal
from textual.reactive import reactive
from textual.widgets import Label

from app.tui.services import Modes


class StatusLine(Horizontal):
    """``Chat · detail`` on the left, ``compiler … · data … · broker …`` on the right."""

    DEFAULT_CSS = """
    StatusLine { height: 1; background: $panel; color: $foreground; }
    StatusLine Label { text-wrap: nowrap; text-overflow: ellipsis; }
    StatusLine #where { width: 1fr; padding: 0 1; text-style: bold; }
    StatusLine .modes { width: auto; padding: 0 1; color: $text-muted; }
    StatusLine #modes-short { display: none; }
    """
    # The screen's ``-narrow`` breakpoint class swaps in #modes-short (see app.tcss).

    detail: reactive[str] = reactive("")
    """Extra context after the screen's name (the open file, a busy note)."""

    def __init__(self, title: str, modes: Modes, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.title = title
        self.modes = modes

    def compose(self) -> ComposeResult:
        yield Label(self._where(), id="where", markup=False)
        yield Label(self.modes.describe(), id="modes", classes="modes", markup=False)
        short = Label(self.modes.short(), id="modes-short", classes="modes", markup=False)
        short.tooltip = self.modes.describe()
        yield short

    def _where(self) -> str:
        return f"{self.title} · {self.detail}" if self.detail else self.title

    def watch_detail(self) -> None:
        if self.is_mounted:
            self.query_one("#where", Label).update(self._where())
