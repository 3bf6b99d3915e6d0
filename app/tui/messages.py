"""App-wide messages. A widget's own events are nested in the widget (``PromptInput.Sent``).

Screens post these; they bubble to :class:`~app.tui.app.ParleyApp`, which routes them
(switch mode, open a file, hand a spec to the backtest screen or start a run). Messages
posted by workers many times a second (progress, monitor polls) do not bubble and replace
an older one still waiting, so a busy worker never floods the UI.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from textual.message import Message

from app.tui.services import ChatState

if TYPE_CHECKING:
    from app.tui.backtests import BacktestOutcome
    from app.tui.evaluations import EvaluationOutcome
    from app.tui.sweeps import SweepOutcome
    from app.tui.runs import MonitorSnapshot


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
    """Backtest this spec: the app opens the backtest screen and starts it there."""

    spec_text: str
    source: str = "the chat"
    """Where the spec comes from, in words (the chat, a file name)."""


@dataclass
class RunRequested(Message):
    """Run this spec on the replay feed and the simulated paper broker, detached; the app
    opens the monitor, which starts it."""

    spec_text: str
    source: str = "the chat"
    speed: str | None = None
    """Replayed bars a second, or ``max``; None: the services' default."""


@dataclass
class BacktestProgress(Message, bubble=False):
    """How far the backtest worker is; a newer one replaces an unprocessed one."""

    fraction: float
    phase: str

    def can_replace(self, message: Message) -> bool:
        return isinstance(message, BacktestProgress)


@dataclass
class BacktestDone(Message, bubble=False):
    """The backtest worker finished."""

    outcome: BacktestOutcome


@dataclass
class AnalysisDone(Message, bubble=False):
    """An analysis of the backtested spec finished: ``kind`` evaluate or sweep."""

    kind: str
    outcome: EvaluationOutcome | SweepOutcome


@dataclass
class MonitorPolled(Message, bubble=False):
    """A poll of the store; it carries all the monitor lacks, so a newer one may replace
    an unprocessed one."""

    snapshot: MonitorSnapshot

    def can_replace(self, message: Message) -> bool:
        return isinstance(message, MonitorPolled)


@dataclass
class RunStarted(Message, bubble=False):
    """A run was created and its process spawned."""

    run_id: str
    speed: str = ""
    """Replayed bars a second, or ``max``."""
    broker: str = "sim"
    feed_label: str = ""


@dataclass
class RunControlled(Message, bubble=False):
    """A control command (or the kill switch) was sent; ``text`` says what happened."""

    text: str
