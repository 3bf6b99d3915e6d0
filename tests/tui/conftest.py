"""The TUI under test is the app people run: built by ``build_services`` from Settings that
point at a temporary strategies folder (``PARLEY_HOME`` is already a temporary folder, see
``tests/conftest.py``). Cursor blinking is off so every frame is reproducible."""

from __future__ import annotations

import shutil
from collections.abc import Callable
from pathlib import Path

import pytest

from app.compiler.result import CompileResult
from app.config import Settings
from app.dsl import format_spec, parse_spec
from app.spec.models import StrategySpec
from app.tui.app import ParleyApp
from app.tui.chat_session import ConversationChat
from app.tui.screens.editor import EditorScreen
from app.tui.services import ChatService, build_services
from tests.conftest import STRATEGIES

SIZE = (100, 32)
ENGLISH = ("buy AAPL and MSFT when the 50-day crosses above the 200-day, stop 2 ATR, "
           "risk 1% a trade")
SCRIPTED_SPEC = """strategy "Golden cross"
universe AAPL, MSFT
timeframe 1d
long when sma(close, 50) crosses above sma(close, 200)
exit when sma(close, 50) crosses below sma(close, 200)
stop loss 2 atr(14)
size risk 1% of equity
"""


class ScriptedOffline:
    """A fixed offline compiler, so snapshots do not move when the real one improves."""

    def __init__(self) -> None:
        self.calls: list[tuple[str, StrategySpec | None]] = []

    def __call__(self, text: str, previous: StrategySpec | None = None) -> CompileResult:
        self.calls.append((text, previous))
        if previous is not None and "NVDA" in text:
            spec = previous.model_copy(update={"universe": (*previous.universe, "NVDA")})
            return CompileResult(spec=spec, text=format_spec(spec))
        if "AAPL" in text:
            spec = parse_spec(SCRIPTED_SPEC)
            return CompileResult(spec=spec, text=format_spec(spec),
                                 questions=("Which timeframe: daily bars, or intraday?",),
                                 assumptions=("timeframe: daily bars (you named none)",))
        return CompileResult(spec=None, text=None, message="Name the symbols to trade.")


@pytest.fixture(autouse=True)
def _quick_checks(monkeypatch: pytest.MonkeyPatch) -> None:
    """A shorter typing pause before the editor checks the spec (still debounced)."""
    monkeypatch.setattr(EditorScreen, "CHECK_DELAY", 0.05)


@pytest.fixture
def strategies(tmp_path: Path) -> Path:
    """A strategies folder holding copies of two of the repo's specs."""
    folder = tmp_path / "strategies"
    folder.mkdir()
    for name in ("golden_cross", "sma_crossover"):
        shutil.copy(STRATEGIES / f"{name}.strategy", folder)
    return folder


@pytest.fixture
def settings(strategies: Path) -> Settings:
    return Settings(strategies_dir=strategies)


MakeApp = Callable[..., ParleyApp]


@pytest.fixture
def make_app(settings: Settings) -> MakeApp:
    """``make_app()``: the real services; ``make_app(scripted=True)``: a fixed compiler."""

    def make(scripted: bool = False, chat: ChatService | None = None) -> ParleyApp:
        if scripted:
            chat = ConversationChat(settings, ScriptedOffline())
        return ParleyApp(build_services(settings, chat=chat), cursor_blink=False)

    return make
