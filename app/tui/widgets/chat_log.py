"""The conversation: the user's turns, Parley's replies, notes, and a streaming answer."""

from __future__ import annotations

from textual.containers import VerticalScroll
from textual.content import Content
from textual.widgets import Static

from app.tui.services import ChatTurn

EXAMPLE = "buy GOOG and NVDA when the 50-day crosses above the 200-day, stop 2 ATR, risk 1% a trade"
"""The intro's example: symbols of the bundled data, so it backtests and runs as it is."""
WELCOME = (
    "Describe a strategy in plain English, e.g.\n"
    f"  {EXAMPLE}\n"
    'Then revise it ("add ORCL", "tighter stop"). Commands: /save [name] · /new · '
    "/backtest · /run [bars a second] · /edit · /help"
)


class ChatLog(VerticalScroll, can_focus=False):
    """A scrolling list of turns; text is shown as typed (never read as markup)."""

    DEFAULT_CSS = """
    ChatLog { height: 1fr; padding: 0 1; }
    ChatLog > .turn { margin: 1 0 0 0; padding: 0 1; }
    ChatLog > .user { background: $primary-muted; border-left: thick $primary; }
    ChatLog > .parley { background: $surface; border-left: thick $success; }
    ChatLog > .note { color: $text-muted; text-style: italic; }
    ChatLog > .pending { color: $text-muted; border-left: thick $warning; }
    """

    def on_mount(self) -> None:
        if not self.children:
            self.add_note(WELCOME)

    def add_turn(self, turn: ChatTurn) -> None:
        label = "You" if turn.role == "user" else "Parley"
        body = Content.assemble((label, "bold"), "\n", turn.text)
        self._add(Static(body, classes=f"turn {turn.role}"))

    def add_turn_text(self, role: str, text: str) -> None:
        self.add_turn(ChatTurn("user" if role == "user" else "parley", text))

    def add_note(self, text: str) -> None:
        self._add(Static(Content(text), classes="turn note"))

    def show_pending(self, text: str) -> None:
        """Show (or update) Parley's answer while it is being written."""
        pending = self.query(".pending")
        body = Content.assemble(("Parley", "bold"), " is writing…\n", text[-2000:])
        if pending:
            pending.first(Static).update(body)
            self.scroll_end(animate=False)
        else:
            self._add(Static(body, classes="turn pending"))

    def clear_pending(self) -> None:
        self.query(".pending").remove()

    def reset(self, turns: list[ChatTurn]) -> None:
        """Show exactly these turns (a new or resumed conversation)."""
        self.remove_children()
        self.add_note(WELCOME)
        for turn in turns:
            self.add_turn(turn)

    def _add(self, widget: Static) -> None:
        self.mount(widget)
        self.call_after_refresh(self.scroll_end, animate=False)
