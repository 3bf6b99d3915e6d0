"""Ask before doing something that cannot be undone (overwrite a file, drop a conversation)."""

from __future__ import annotations

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.content import Content
from textual.screen import ModalScreen
from textual.widgets import Button, Static


class ConfirmModal(ModalScreen[bool]):
    """Dismisses with True (confirm) or False (cancel, Escape)."""

    BINDINGS = [Binding("escape", "cancel", "Cancel")]

    def __init__(
        self, title: str, question: str, confirm: str = "Yes", cancel: str = "Cancel"
    ) -> None:
        super().__init__(classes="modal")
        self.title_text = title
        self.question = question
        self.labels = (confirm, cancel)

    def compose(self) -> ComposeResult:
        with Vertical(id="dialog") as dialog:
            dialog.border_title = self.title_text
            yield Static(Content(self.question), id="message")
            with Horizontal(id="buttons"):
                yield Button(self.labels[0], variant="warning", id="confirm")
                yield Button(self.labels[1], id="cancel")

    def on_mount(self) -> None:
        self.query_one("#cancel", Button).focus()

    @on(Button.Pressed)
    def _pressed(self, event: Button.Pressed) -> None:
        self.dismiss(event.button.id == "confirm")

    def action_cancel(self) -> None:
        self.dismiss(False)
