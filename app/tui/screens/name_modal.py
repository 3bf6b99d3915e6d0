"""Ask for a name (save a new spec or a draft under it)."""

from __future__ import annotations

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.content import Content
from textual.screen import ModalScreen
from textual.widgets import Input, Static


class NameModal(ModalScreen[str | None]):
    """Dismisses with the name typed, or None on Escape."""

    BINDINGS = [Binding("escape", "cancel", "Cancel")]

    def __init__(self, title: str, prompt: str, value: str = "") -> None:
        super().__init__(classes="modal")
        self.title_text = title
        self.prompt = prompt
        self.value = value

    def compose(self) -> ComposeResult:
        with Vertical(id="dialog") as dialog:
            dialog.border_title = self.title_text
            yield Static(Content(self.prompt), id="message")
            yield Input(self.value, id="name")

    def on_mount(self) -> None:
        name = self.query_one("#name", Input)
        name.cursor_blink = getattr(self.app, "CURSOR_BLINK", True)
        name.focus()

    @on(Input.Submitted)
    def _submitted(self, event: Input.Submitted) -> None:
        event.stop()
        self.dismiss(event.value.strip() or None)

    def action_cancel(self) -> None:
        self.dismiss(None)
