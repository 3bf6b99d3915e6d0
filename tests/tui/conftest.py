"""The TUI under test is the app people run: built by ``build_services`` from Settings that
point at a temporary strategies folder (``PARLEY_HOME`` is already a temporary folder, see
``tests/conftest.py``). Cursor blinking is off so every frame is reproducible.

Backtests and runs use a small fixed data set (the first 400 days of the bundled GOOG), so
they take a fraction of a second; the monitor's tests use a database seeded once per
session by real runs of the runner on that data, with fixed run ids.
"""

from __future__ import annotations

import os
import shutil
import threading
from collections.abc import Callable, Iterator
from datetime import datetime, timedelta, UTC
from pathlib import Path

import pytest

from app.compiler.result import CompileResult
from app.config import Settings
from app.dsl import format_spec, parse_spec
from app.market.bundled import bundled_dir
from app.spec.models import StrategySpec
from app.tui.app import ParleyApp
from app.tui.backtests import BacktestService
from app.tui.chat_session import ConversationChat
from app.tui.runs import RunService
from app.tui.screens.editor import EditorScreen
from app.tui.screens.monitor import MonitorScreen
from app.tui.services import ChatService, build_services
from tests.conftest import STRATEGIES

SIZE = (100, 32)
ENGLISH = "buy AAPL and MSFT when the 50-day crosses above the 200-day, stop 2 ATR, risk 1% a trade"
SCRIPTED_SPEC = """strategy "Golden cross"
universe AAPL, MSFT
timeframe 1d
long when sma(close, 50) crosses above sma(close, 200)
exit when sma(close, 50) crosses below sma(close, 200)
stop loss 2 atr(14)
size risk 1% of equity
"""


GOOG_ENGLISH = (
    "buy GOOG when the 10-day sma crosses above the 30-day sma, exit when it "
    "crosses below, stop 5%, with all agents, 10 shares"
)
AGENTS_SPEC = """strategy "SMA 10/30 with agents"
universe GOOG
timeframe 1d
long when sma(close, 10) crosses above sma(close, 30)
exit when sma(close, 10) crosses below sma(close, 30)
stop loss 5%
regime allow trending_up, mean_reverting
agents all
min conviction 55
"""
TINY_BARS = 400
"""Days of GOOG in the small data set (2004-08-19 to 2006-03-21)."""
RUN_BAR_DELAY = 0.05
"""Seconds a test's detached run waits per bar: slow enough to be seen running."""


class ScriptedOffline:
    """A fixed offline compiler, so snapshots do not move when the real one improves."""

    def __init__(self) -> None:
        self.calls: list[tuple[str, StrategySpec | None]] = []

    def __call__(self, text: str, previous: StrategySpec | None = None) -> CompileResult:
        self.calls.append((text, previous))
        if previous is not None and "NVDA" in text:
            spec = previous.model_copy(update={"universe": (*previous.universe, "NVDA")})
            return CompileResult(spec=spec, text=format_spec(spec))
        if "GOOG" in text:
            spec = parse_spec(AGENTS_SPEC)
            return CompileResult(spec=spec, text=format_spec(spec))
        if "AAPL" in text:
            spec = parse_spec(SCRIPTED_SPEC)
            return CompileResult(
                spec=spec,
                text=format_spec(spec),
                questions=("Which timeframe: daily bars, or intraday?",),
                assumptions=("timeframe: daily bars (you named none)",),
            )
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


@pytest.fixture(autouse=True, scope="session")
def _finer_idle_checks() -> Iterator[None]:
    """Pilot's ``pause()`` and ``press()`` wait until the process looks idle: less than
    1 ms of CPU during a 20 ms sleep, repeated until it holds (``textual._wait``). Half
    a minute of this suite went to those 20 ms sleeps; 5 ms sleeps with the same idle
    test keep every wait on a condition and take a fifth off the suite's wall time."""
    import textual._wait as wait

    saved = wait.SLEEP_GRANULARITY, wait.SLEEP_IDLE
    wait.SLEEP_GRANULARITY, wait.SLEEP_IDLE = 1 / 200, 0.001
    yield
    wait.SLEEP_GRANULARITY, wait.SLEEP_IDLE = saved


@pytest.fixture(autouse=True)
def _quick_polls(monkeypatch: pytest.MonkeyPatch) -> None:
    """The monitor reads the store more often (tests also ask it to read at once)."""
    monkeypatch.setattr(MonitorScreen, "POLL_SECONDS", 0.2)


@pytest.fixture
def settings(strategies: Path) -> Settings:
    return Settings(strategies_dir=strategies)


@pytest.fixture(scope="session")
def tiny_data(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A folder holding GOOG.csv: the bundled file's first :data:`TINY_BARS` days."""
    folder = tmp_path_factory.mktemp("goog-400-days", numbered=False)
    lines = (bundled_dir() / "GOOG.csv").read_text().splitlines()
    (folder / "GOOG.csv").write_text("\n".join(lines[: TINY_BARS + 1]) + "\n")
    return folder


MakeApp = Callable[..., ParleyApp]


@pytest.fixture
def make_app(settings: Settings, tiny_data: Path) -> MakeApp:
    """``make_app()``: the real services on the small data set; ``make_app(scripted=True)``:
    a fixed compiler. Runs started by the app replay slowly enough to be stopped."""

    def make(scripted: bool = False, chat: ChatService | None = None) -> ParleyApp:
        if scripted:
            chat = ConversationChat(settings, ScriptedOffline())
        return ParleyApp(
            build_services(
                settings,
                chat=chat,
                backtests=BacktestService(tiny_data),
                runs=RunService(settings, data=tiny_data, options={"bar_delay": RUN_BAR_DELAY}),
            ),
            cursor_blink=False,
        )

    return make


# -- a store seeded with real runs -------------------------------------------------------

SEEDED = (
    # run id, spec, stop after N bars (None: to the end)
    ("r00000000a1", AGENTS_SPEC, None),
    (
        "r00000000b2",
        SCRIPTED_SPEC.replace("Golden cross", "Crossover, drawdown stop")
        .replace("AAPL, MSFT", "GOOG")
        .replace("50", "10")
        .replace("200", "30")
        + "max drawdown 1%\n",
        None,
    ),
    ("r00000000c3", (STRATEGIES / "sma_crossover.strategy").read_text(), 300),
)
"""Three runs on the small data set: the agent team to the end; a drawdown limit that
trips; rules only, stopped after 300 bars with a position open."""


def seed_runs(url: str, data: Path) -> None:
    """Run each of :data:`SEEDED` through the runner, in process, with fixed ids."""
    from app.feeds.replay import ReplayFeed
    from app.market.data_source import load_for_spec
    from app.runner import Runner
    from app.store import Store
    from app.store.tables import RunRow

    store = Store(url)
    start = datetime(2026, 1, 2, 9, 30, tzinfo=UTC)
    for k, (run_id, text, stop_after) in enumerate(SEEDED):
        spec = parse_spec(text)
        feed = ReplayFeed(load_for_spec(spec, data))
        with store.session() as s:
            s.add(
                RunRow(
                    id=run_id,
                    name=spec.name,
                    spec_text=text,
                    data=str(data),
                    options={"feed_label": feed.label},
                    created_at=start + timedelta(minutes=k),
                )
            )
            s.commit()
        stop = threading.Event()
        Runner(store, run_id, feed).run(spec, _stopper(stop, stop_after), stop)
    with store.engine.connect() as conn:
        conn.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")
    store.engine.dispose()


def _stopper(stop: threading.Event, after: int | None) -> Callable[[object], None]:
    """An ``emit`` that sets ``stop`` once ``after`` bars are processed."""

    def emit(event: object) -> None:
        if after and getattr(event, "bars_done", 0) >= after:
            stop.set()

    return emit


@pytest.fixture(scope="session")
def seeded_db(tmp_path_factory: pytest.TempPathFactory, tiny_data: Path) -> Path:
    path = tmp_path_factory.mktemp("seeded", numbered=False) / "parley.db"
    seed_runs(f"sqlite:///{path}", tiny_data)
    return path


@pytest.fixture
def seeded_home(seeded_db: Path, settings: Settings) -> Path:
    """This test's PARLEY_HOME holds a copy of the seeded database."""
    settings.home.mkdir(parents=True, exist_ok=True)
    shutil.copy(seeded_db, settings.db_url.split("///", 1)[1])
    assert Path(os.environ["PARLEY_HOME"]) == settings.home
    return settings.home
