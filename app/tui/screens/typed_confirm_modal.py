"""Ask for a typed word before something drastic (the kill switch): the confirm button
stays disabled until the word is typed exactly."""

from __future__ import annotations

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.content import Content
from textual.screen import ModalScreen
from textual.widgets import Button, Input, Static


class TypedConfirmModal(ModalScreen[bool]):
    """Dismisses with True only after ``word`` is typed and confirmed; Escape cancels."""

    BINDINGS = [Binding("escape", "cancel", "Cancel")]

    def __init__(self, title: str, question: str, word: str, confirm: str) -> None:
        super().__init__(classes="modal")
        self.title_text = title
        self.question = question
        self.word = word
        self.confirm_label = confirm

    def compose(self) -> ComposeResult:
        with Vertical(id="dialog", classes="error") as dialog:
            dialog.border_title = self.title_text
            yield Static(Content(self.question), id="message")
            yield Input(placeholder=f"type {self.word}", id="typed")
            with Horizontal(id="buttons"):
                yield Button(self.confirm_label, variant="error", id="confirm", disabled=True)
                yield Button("Cancel", id="cancel")

    def on_mount(self) -> None:
        typed = self.query_one("#typed", Input)
        typed.cursor_blink = getattr(self.app, "CURSOR_BLINK", True)
        typed.focus()

    @on(Input.Changed, "#typed")
    def _typed(self, event: Input.Changed) -> None:
        self.query_one("#confirm", Button).disabled = event.value.strip() != self.word

    @on(Input.Submitted, "#typed")
    def _submitted(self, event: Input.Submitted) -> None:
        event.stop()
        if event.value.strip() == self.word:
            self.dismiss(True)

    @on(Button.Pressed)
    def _pressed(self, event: Button.Pressed) -> None:
        self.dismiss(event.button.id == "confirm")

    def action_cancel(self) -> None:
        self.dismiss(False)
