"""The one place errors are shown: a title, the message, the hint; never a traceback."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.content import Content
from textual.screen import ModalScreen
from textual.widgets import Button, Static


class ErrorModal(ModalScreen[None]):
    """A modal error box; Enter, Escape or the button closes it."""

    BINDINGS = [Binding("escape,enter", "dismiss", "Close")]

    def __init__(self, title: str, message: str, hint: str | None = None) -> None:
        super().__init__(classes="modal")
        self.title_text = title
        self.message = message
        self.hint = hint

    def compose(self) -> ComposeResult:
        with Vertical(id="dialog", classes="error") as dialog:
            dialog.border_title = self.title_text
            yield Static(Content(self.message), id="message")
            if self.hint:
                yield Static(Content(self.hint), id="hint")
            yield Button("OK", variant="error", id="ok")

    def on_button_pressed(self) -> None:
        self.dismiss()
