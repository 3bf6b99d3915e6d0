"""What the TUI needs from the core, built once by :func:`build_services`.

``run_tui`` and the tests both call :func:`build_services`, so the app under test is the
app people run. Screens reach the core only through :class:`Services`; no widget builds a
compiler, a broker or a file path of its own.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Literal, Protocol

from app.config import Settings
from app.spec.models import StrategySpec
from app.tui.library import SpecLibrary

if TYPE_CHECKING:
    from app.tui.backtests import BacktestService
    from app.tui.runs import RunService


@dataclass(frozen=True)
class ChatTurn:
    """One message of the conversation."""

    role: Literal["user", "parley"]
    text: str


@dataclass(frozen=True)
class ChatState:
    """The conversation's current spec and everything the chat screen shows beside it."""

    spec: StrategySpec | None = None
    spec_text: str | None = None
    """Canonical strategy-language text of ``spec``."""
    readback: str = ""
    """Plain English generated from ``spec`` by code (``app.spec.readback``)."""
    questions: tuple[str, ...] = ()
    assumptions: tuple[str, ...] = ()
    diff: str = ""
    """Unified diff of the spec text against the previous revision ('' for the first)."""
    compiler: str = ""
    """Which compiler answered the last turn: ``offline`` or ``llm:<model>``."""
    reply: str = ""
    """What Parley said for the last turn."""
    draft: str | None = None
    """While there is no spec yet: what was read so far, with the open questions as
    ``question "..."`` lines; the user's next turn answers them."""


class ChatService(Protocol):
    """The conversation the chat screen drives (a user turn -> the current spec).

    Calls block (the LLM may take seconds): the chat screen calls :meth:`send` from a thread
    worker. ``on_text`` receives the model's text so far while it streams (LLM only).
    """

    def turns(self) -> list[ChatTurn]: ...

    def state(self) -> ChatState: ...

    def send(self, text: str, on_text: Callable[[str], None] | None = None) -> ChatState: ...

    def start_over(self) -> ChatState: ...

    def start_from(self, spec_text: str, source: str = "the editor") -> ChatState:
        """Continue from a spec written elsewhere: it becomes the previous spec."""
        ...


@dataclass(frozen=True)
class Modes:
    """Which form each part runs in, for the status line (DESIGN.md section 2)."""

    compiler: str
    data: str
    broker: str

    def describe(self) -> str:
        return f"compiler {self.compiler} · data {self.data} · broker {self.broker}"

    def short(self) -> str:
        """The same in a few words, for narrow terminals."""
        compiler = "LLM" if self.compiler.startswith("LLM") else self.compiler
        return f"{compiler} compiler · {self.data} data · {self.broker.split(' ')[0]} broker"


def modes_of(settings: Settings) -> Modes:
    return Modes(
        compiler=f"LLM ({settings.model})" if settings.llm_enabled else "offline",
        data="Alpaca" if settings.alpaca_enabled else "bundled",
        broker="paper (Alpaca)" if settings.alpaca_enabled else "paper (simulated)",
    )


@dataclass
class Services:
    """Everything the screens use, injected into :class:`~app.tui.app.ParleyApp`."""

    settings: Settings
    chat: ChatService
    library: SpecLibrary
    modes: Modes
    backtests: BacktestService
    """Backtests for the backtest screen (the bundled data unless told otherwise)."""
    runs: RunService
    """Starts, controls and watches runs for the monitor (opens the store lazily)."""


def build_services(
    settings: Settings,
    chat: ChatService | None = None,
    *,
    backtests: BacktestService | None = None,
    runs: RunService | None = None,
) -> Services:
    """The one factory, for ``run_tui`` and the tests alike.

    Args:
        settings: Where specs, conversations and the database live, and which keys are
            set. Detached runs read the same settings from the environment, so pass the
            ones ``load_settings()`` gives.
        chat: A conversation to use instead of resuming the last one from
            ``settings.home/"conversations"`` (tests may pass a scripted one).
        backtests, runs: Services on other data or speeds (tests use a small data set).
    """
    from app.tui.backtests import BacktestService
    from app.tui.chat_session import open_conversation
    from app.tui.runs import RunService

    return Services(
        settings=settings,
        chat=chat if chat is not None else open_conversation(settings),
        library=SpecLibrary(settings.strategies_dir),
        modes=modes_of(settings),
        backtests=backtests if backtests is not None else BacktestService(),
        runs=runs if runs is not None else RunService(settings),
    )
