"""App-wide messages. A widget's own events are nested in the widget (``PromptInput.Sent``).

Screens post these; they bubble to :class:`~app.tui.app.ParleyApp`, which routes them
(switch mode, open a file, hand a spec to the backtest engine or the runner once those land).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from textual.message import Message

from app.tui.services import ChatState


@dataclass
class SpecCompiled(Message):
    """A chat turn was compiled (posted from the compile worker)."""

    state: ChatState


@dataclass
class CompileStreamed(Message, bubble=False):
    """The LLM's answer so far while it streams; a newer one replaces an unprocessed one."""

    text: str

    def can_replace(self, message: Message) -> bool:
        return isinstance(message, CompileStreamed)


@dataclass
class OpenSpec(Message):
    """Open a spec in the editor: a file, or (``path`` None) new unsaved text."""

    path: Path | None
    text: str | None = None


@dataclass
class ReviseInChat(Message):
    """Carry a spec into the conversation as the previous spec, to revise it in English."""

    spec_text: str
    source: str


@dataclass
class SpecSaved(Message):
    """A spec or draft was written; the library refreshes."""

    path: Path


@dataclass
class BacktestRequested(Message):
    """Backtest this spec. Routed by the app; lands with the backtest engine."""

    spec_text: str


@dataclass
class RunRequested(Message):
    """Run this spec on the paper broker. Routed by the app; lands with the runner."""

    spec_text: str
