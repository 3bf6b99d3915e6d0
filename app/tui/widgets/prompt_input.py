"""Where the user types English or a ``/command``."""

from __future__ import annotations

from textual import on
from textual.message import Message
from textual.suggester import SuggestFromList
from textual.widgets import Input

COMMANDS = ("/save", "/new", "/backtest", "/run", "/edit", "/help")


class PromptInput(Input):
    """An input that sends English as :class:`Sent` and commands as :class:`CommandEntered`."""

    class Sent(Message):
        """The user sent a turn of English."""

        def __init__(self, text: str) -> None:
            super().__init__()
            self.text = text

    class CommandEntered(Message):
        """The user typed ``/name argument``."""

        def __init__(self, name: str, argument: str) -> None:
            super().__init__()
            self.name = name
            self.argument = argument

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(
            placeholder="Describe a strategy, or /help",
            suggester=SuggestFromList(COMMANDS, case_sensitive=False),
            id=id,
        )

    @on(Input.Submitted)
    def _submitted(self, event: Input.Submitted) -> None:
        event.stop()
        text = event.value.strip()
        if not text:
            return
        self.clear()
        if text.startswith("/"):
            name, _, argument = text[1:].partition(" ")
            self.post_message(self.CommandEntered(name.lower(), argument.strip()))
        else:
            self.post_message(self.Sent(text))
