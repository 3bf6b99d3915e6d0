"""The chat journey: English in, spec + read-back + questions + diff out, /save, history."""

from __future__ import annotations

from pathlib import Path

import pytest
from textual.message import Message
from textual.pilot import Pilot

from app.config import Settings
from app.dsl import parse_spec
from app.errors import ParleyError
from app.tui.app import ParleyApp
from app.tui.messages import (
    BacktestRequested,
    CompileStreamed,
    RunRequested,
    SpecCompiled,
)
from app.tui.screens.chat import ChatScreen
from app.tui.screens.confirm_modal import ConfirmModal
from app.tui.screens.error_modal import ErrorModal
from app.tui.services import ChatState, ChatTurn, build_services
from app.tui.widgets.chat_log import ChatLog
from app.tui.widgets.diff_view import DiffView
from app.tui.widgets.prompt_input import PromptInput
from app.tui.widgets.questions_view import QuestionsView
from app.tui.widgets.readback_view import ReadbackView
from app.tui.widgets.spec_view import SpecView
from tests.tui.conftest import ENGLISH, SIZE, MakeApp


async def say(pilot: Pilot, text: str, typed: bool = False) -> None:
    """Enter a turn (typed key by key, or pasted), send it, wait for the worker."""
    if typed:
        await pilot.press(*text)
    else:
        pilot.app.screen.query_one(PromptInput).insert_text_at_cursor(text)
    await pilot.press("enter")
    await pilot.app.workers.wait_for_complete()
    await pilot.pause()


def of_type(seen: list[Message], kind: type) -> list:
    """Messages of one kind, each once (a bubbling message is seen at every level)."""
    return list({id(m): m for m in seen if isinstance(m, kind)}.values())


def log_text(pilot: Pilot) -> str:
    return "\n".join(str(w.render()) for w in pilot.app.screen.query_one(ChatLog).children)


async def test_english_to_spec_then_save(make_app: MakeApp, strategies: Path) -> None:
    seen: list[Message] = []
    app = make_app()
    async with app.run_test(size=SIZE, message_hook=seen.append) as pilot:
        assert isinstance(app.screen, ChatScreen)
        await say(pilot, ENGLISH)
        [compiled] = of_type(seen, SpecCompiled)
        spec_text = app.screen.query_one(SpecView).spec_text
        assert spec_text is not None and compiled.state.spec_text == spec_text
        spec = parse_spec(spec_text)
        assert spec.universe == ("AAPL", "MSFT")
        assert "crosses above" in spec_text and "atr" in spec_text
        readback = str(app.screen.query_one(ReadbackView).render())
        assert "AAPL and MSFT" in readback
        assert "offline" in str(app.screen.query_one("#compiled-by").render())

        await say(pilot, "/save", typed=True)
        files = sorted(p.name for p in strategies.iterdir())
        written = [
            strategies / f
            for f in files
            if f not in ("golden_cross.strategy", "sma_crossover.strategy")
        ]
        assert len(written) == 1, files
        assert parse_spec(written[0].read_text()) == spec
        assert f"Saved {written[0]}" in log_text(pilot)


async def test_save_never_overwrites_silently(make_app: MakeApp, strategies: Path) -> None:
    target = strategies / "golden_cross.strategy"
    before = target.read_text()
    app = make_app(scripted=True)
    async with app.run_test(size=SIZE) as pilot:
        await say(pilot, ENGLISH)
        await say(pilot, "/save golden cross")
        assert isinstance(app.screen, ConfirmModal)
        await pilot.press("escape")
        await pilot.pause()
        assert target.read_text() == before
        assert "Not saved" in log_text(pilot)

        await say(pilot, "/save golden cross")
        await pilot.click("#confirm")
        await app.workers.wait_for_complete()
        await pilot.pause()
        assert parse_spec(target.read_text()).universe == ("AAPL", "MSFT")


async def test_revision_shows_diff_questions_and_history(make_app: MakeApp) -> None:
    app = make_app(scripted=True)
    async with app.run_test(size=SIZE) as pilot:
        await say(pilot, ENGLISH)
        questions = app.screen.query_one(QuestionsView)
        assert "Which timeframe" in str(questions.render())
        assert app.screen.query_one(DiffView).has_class("-empty")
        await say(pilot, "add NVDA")
        diff = str(app.screen.query_one(DiffView).render())
        assert "-universe AAPL, MSFT" in diff and "+universe AAPL, MSFT, NVDA" in diff
        assert "Revised the spec: 1 line added, 1 removed" in log_text(pilot)

    again = make_app(scripted=True)  # a new start resumes the last conversation
    async with again.run_test(size=SIZE) as pilot:
        await pilot.pause()
        assert "NVDA" in (again.screen.query_one(SpecView).spec_text or "")
        text = log_text(pilot)
        assert ENGLISH in text and "add NVDA" in text


async def test_new_starts_over(make_app: MakeApp) -> None:
    app = make_app(scripted=True)
    async with app.run_test(size=SIZE) as pilot:
        await say(pilot, ENGLISH)
        await pilot.press("ctrl+n")
        await pilot.pause()
        assert app.screen.query_one(SpecView).spec_text is None
        assert app.services.chat.turns() == []


async def test_backtest_and_run_need_a_spec_then_are_routed(make_app: MakeApp) -> None:
    from tests.tui.conftest import GOOG_ENGLISH
    from tests.tui.test_backtest import settle

    seen: list[Message] = []
    app = make_app(scripted=True)
    async with app.run_test(size=SIZE, message_hook=seen.append) as pilot:
        await say(pilot, "/backtest")
        await say(pilot, "/run")
        assert not of_type(seen, BacktestRequested) and not of_type(seen, RunRequested)
        assert "Nothing to backtest yet" in log_text(pilot)
        assert "Nothing to run yet" in log_text(pilot)
        await say(pilot, GOOG_ENGLISH)
        await pilot.press("ctrl+b")
        await settle(pilot)
        [backtest] = of_type(seen, BacktestRequested)
        assert backtest.spec_text == app.services.chat.state().spec_text
        assert backtest.source == "the chat"
        assert type(app.screen).__name__ == "BacktestScreen"
        await pilot.press("f2")
        await say(pilot, "/frobnicate")
        assert "Unknown command /frobnicate" in log_text(pilot)


class FailingChat:
    """A conversation whose compiler fails the way the core reports failures."""

    def turns(self) -> list[ChatTurn]:
        return []

    def state(self) -> ChatState:
        return ChatState()

    def send(self, text: str, on_text: object = None) -> ChatState:
        raise ParleyError(
            "the offline compiler is not available in this build",
            "set ANTHROPIC_API_KEY to use the LLM compiler",
        )

    def start_over(self) -> ChatState:
        return ChatState()

    def start_from(self, spec_text: str, source: str = "") -> ChatState:
        return ChatState()


async def test_a_failed_compile_shows_the_error_modal(make_app: MakeApp) -> None:
    app = make_app(chat=FailingChat())
    async with app.run_test(size=SIZE) as pilot:
        await say(pilot, ENGLISH)
        assert isinstance(app.screen, ErrorModal)
        assert "not available" in str(app.screen.query_one("#message").render())
        assert "ANTHROPIC_API_KEY" in str(app.screen.query_one("#hint").render())
        await pilot.press("escape")
        await pilot.pause()
        assert isinstance(app.screen, ChatScreen) and not app.screen.busy


@pytest.fixture
def llm_env(monkeypatch: pytest.MonkeyPatch):
    from tests.fakes.anthropic_server import FakeAnthropic, Scripted
    from tests.test_compiler_llm import SMA_SPEC, fenced

    with FakeAnthropic([Scripted(fenced(SMA_SPEC), chunks=5)]) as fake:
        monkeypatch.setenv("ANTHROPIC_API_KEY", "sk-ant-test-not-a-key")
        monkeypatch.setenv("ANTHROPIC_BASE_URL", fake.base_url)
        yield fake


async def test_llm_answer_streams_into_the_chat(llm_env: object, strategies: Path) -> None:
    seen: list[Message] = []
    settings = Settings(strategies_dir=strategies)  # read after the key is set
    app = ParleyApp(build_services(settings), cursor_blink=False)
    async with app.run_test(size=SIZE, message_hook=seen.append) as pilot:
        assert "compiler LLM" in str(app.screen.query_one("#modes").render())
        await say(
            pilot,
            "buy GOOG when the 10-day SMA crosses above the 30-day SMA, sell "
            "when it crosses below, 10 shares",
        )
        streamed = of_type(seen, CompileStreamed)
        assert streamed and "strategy" in streamed[-1].text
        assert "the LLM" in str(app.screen.query_one("#compiled-by").render())
        assert "GOOG" in (app.screen.query_one(SpecView).spec_text or "")
        assert not app.screen.query(".pending")
