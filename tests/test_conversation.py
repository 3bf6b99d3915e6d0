"""The conversation (turns, revisions, diffs, save/resume, compiler choice) and `parley compile`."""

from __future__ import annotations

import importlib
import io
import json
import sys
import types
from collections.abc import Iterator
from pathlib import Path

import anthropic
import pytest

from app.cli import main
from app.compiler.conversation import Conversation, spec_diff
from app.compiler.llm import AnthropicCompiler
from app.compiler.result import CompileResult
from app.config import Settings
from app.dsl import format_spec, load_spec, parse_spec
from app.errors import ParleyError
from app.spec.models import StrategySpec
from tests.conftest import STRATEGIES
from tests.fakes.anthropic_server import FakeAnthropic
from tests.test_compiler_llm import MODEL, SMA_SPEC, SMA_TEXT, fenced

SECRET = "sk-ant-test-SECRET-1234"


class OfflineStandIn:
    """A tiny stand-in for ``compile_offline``: knows one sentence, asks otherwise."""

    def __init__(self) -> None:
        self.calls: list[tuple[str, StrategySpec | None]] = []

    def __call__(self, text: str, previous: StrategySpec | None = None) -> CompileResult:
        self.calls.append((text, previous))
        if previous is not None and "NVDA" in text:
            spec = previous.model_copy(update={"universe": (*previous.universe, "NVDA")})
        elif "GOOG" in text:
            spec = parse_spec(SMA_SPEC)
        else:
            return CompileResult(
                spec=None,
                text=None,
                questions=("Which symbols?",),
                message="Name the symbols to trade.",
                not_understood=("whatever",),
            )
        return CompileResult(spec=spec, text=format_spec(spec))


@pytest.fixture
def stand_in(monkeypatch: pytest.MonkeyPatch) -> OfflineStandIn:
    """The offline compiler seen by the default lookup, replaced by the stand-in."""
    fake = OfflineStandIn()
    try:
        module = importlib.import_module("app.compiler.offline")
        monkeypatch.setattr(module, "compile_offline", fake, raising=False)
    except ModuleNotFoundError:
        module = types.ModuleType("app.compiler.offline")
        module.compile_offline = fake  # type: ignore[attr-defined]
        monkeypatch.setitem(sys.modules, "app.compiler.offline", module)
    return fake


@pytest.fixture
def fake() -> Iterator[FakeAnthropic]:
    with FakeAnthropic() as server:
        yield server


@pytest.fixture
def llm_env(fake: FakeAnthropic, monkeypatch: pytest.MonkeyPatch) -> FakeAnthropic:
    monkeypatch.setenv("ANTHROPIC_API_KEY", SECRET)
    monkeypatch.setenv("ANTHROPIC_BASE_URL", fake.base_url)
    return fake


def llm_for(fake: FakeAnthropic) -> AnthropicCompiler:
    client = anthropic.Anthropic(api_key=SECRET, base_url=fake.base_url, max_retries=0, timeout=5)
    return AnthropicCompiler(client, MODEL)


# ----- choosing the compiler --------------------------------------------------------------
def test_offline_when_no_key(stand_in: OfflineStandIn) -> None:
    convo = Conversation(Settings(), autosave=False)
    assert not convo.uses_llm and "no ANTHROPIC_API_KEY" in convo.engine
    reply = convo.send(SMA_TEXT)
    assert reply.compiler == "offline" and stand_in.calls == [(SMA_TEXT, None)]
    assert reply.spec == parse_spec(SMA_SPEC)
    assert reply.read_back.startswith('"SMA 10/30 crossover" trades GOOG')


def test_llm_when_a_key_is_set(llm_env: FakeAnthropic, stand_in: OfflineStandIn) -> None:
    llm_env.add(fenced(SMA_SPEC))
    convo = Conversation(Settings(), autosave=False)
    assert convo.uses_llm and MODEL in convo.engine
    reply = convo.send(SMA_TEXT)
    assert reply.compiler == f"llm:{MODEL}" and not stand_in.calls
    assert reply.spec == parse_spec(SMA_SPEC)


def test_offline_mode_wins_over_a_key(llm_env: FakeAnthropic, stand_in: OfflineStandIn) -> None:
    reply = Conversation(Settings(), mode="offline", autosave=False).send(SMA_TEXT)
    assert reply.compiler == "offline" and not llm_env.requests


def test_empty_text_compiles_nothing(llm_env: FakeAnthropic) -> None:
    reply = Conversation(Settings(), autosave=False).send("   ")
    assert reply.spec is None and "describe a strategy" in reply.result.message
    assert not llm_env.requests


# ----- turns and revisions ----------------------------------------------------------------
def test_llm_revision_sends_the_current_spec_and_shows_a_diff(fake: FakeAnthropic) -> None:
    revised = SMA_SPEC.replace("universe GOOG", "universe GOOG, NVDA")
    fake.add(fenced(SMA_SPEC), fenced(revised))
    convo = Conversation(Settings(), llm=llm_for(fake), autosave=False)
    first = convo.send(SMA_TEXT)
    second = convo.send("add NVDA")

    assert first.diff == "" and second.spec == parse_spec(revised)
    assert "-universe GOOG\n+universe GOOG, NVDA\n" in second.diff
    assert second.diff.startswith("--- before\n+++ after\n")
    sent = fake.requests[1].last_user_text
    assert f"<current_spec>\n{format_spec(first.spec).strip()}\n</current_spec>" in sent  # type: ignore[arg-type]
    assert "<request>\nadd NVDA\n</request>" in sent and SMA_TEXT in sent


def test_a_failed_revision_keeps_the_current_spec(fake: FakeAnthropic) -> None:
    fake.add(fenced(SMA_SPEC), "QUESTION: How much tighter should the stop be?")
    convo = Conversation(Settings(), llm=llm_for(fake), autosave=False)
    convo.send(SMA_TEXT)
    reply = convo.send("tighter stop")
    assert reply.result.spec is None and reply.spec == parse_spec(SMA_SPEC)
    assert reply.questions == ("How much tighter should the stop be?",)
    assert convo.questions == reply.questions and reply.diff == ""


def test_offline_answers_to_questions_are_compiled_with_the_first_request(
    stand_in: OfflineStandIn,
) -> None:
    convo = Conversation(Settings(), autosave=False)
    assert convo.send("buy the dips").questions == ("Which symbols?",)
    reply = convo.send("GOOG")
    assert stand_in.calls[-1] == ("buy the dips\nGOOG", None) and reply.spec is not None
    convo.send("add NVDA")
    assert stand_in.calls[-1] == ("add NVDA", reply.spec)
    assert convo.spec is not None and convo.spec.universe == ("GOOG", "NVDA")


RSI_TEXT = "Buy NVDA when RSI(14) drops below 30 and sell when it rises above 70, 5 shares"
RSI_SPEC = """strategy "RSI(14) < 30 on NVDA"
universe NVDA
timeframe 1d
long when rsi(close, 14) < 30
exit when rsi(close, 14) > 70
size 5 shares
"""


def test_a_whole_new_description_after_a_spec_is_compiled_on_its_own_offline() -> None:
    convo = Conversation(Settings(), mode="offline", autosave=False)
    convo.send(SMA_TEXT + ", stop 4%")
    reply = convo.send(RSI_TEXT)
    assert reply.new_strategy and reply.diff == "" and convo.turns[-1].new_strategy
    assert reply.spec is not None and reply.spec.stop_loss is None  # nothing carried over
    assert reply.spec.universe == ("NVDA",) and reply.spec.name == "RSI(14) < 30 on NVDA"
    changed = convo.send("use a 3% stop instead")  # a change of the new one
    assert not changed.new_strategy and changed.spec is not None
    assert changed.spec.stop_loss is not None and changed.spec.stop_loss.pct == 3  # type: ignore[union-attr]
    assert changed.spec.universe == ("NVDA",) and "+stop loss 3%" in changed.diff


def test_a_new_description_while_a_draft_is_open_drops_the_draft() -> None:
    convo = Conversation(Settings(), mode="offline", autosave=False)
    assert convo.send("buy the ETF when RSI(2) < 10").questions
    reply = convo.send(
        "Buy AAPL when the 50-day SMA crosses above the 200-day SMA, sell when "
        "it crosses below, 10 shares"
    )
    assert reply.new_strategy and reply.spec is not None
    assert "rsi" not in format_spec(reply.spec)  # the earlier draft is not part of it
    answer = Conversation(Settings(), mode="offline", autosave=False)
    answer.send("buy the ETF when RSI(2) < 10, sell when RSI(2) > 70, 10 shares")
    assert not answer.send("SPY").new_strategy  # an answer completes the draft
    assert answer.spec is not None and answer.spec.universe == ("SPY",)


def test_a_new_description_goes_to_the_llm_without_the_old_spec_or_turns(
    fake: FakeAnthropic,
) -> None:
    fake.add(fenced(SMA_SPEC), fenced(RSI_SPEC), fenced(RSI_SPEC.replace("size 5", "size 7")))
    convo = Conversation(Settings(), llm=llm_for(fake), autosave=False)
    convo.send(SMA_TEXT)
    reply = convo.send(RSI_TEXT)
    sent = fake.requests[1].last_user_text
    assert reply.new_strategy and reply.diff == "" and reply.spec == parse_spec(RSI_SPEC)
    assert "<current_spec>" not in sent and SMA_TEXT not in sent and RSI_TEXT in sent
    revised = convo.send("make it 7 shares instead")
    sent = fake.requests[2].last_user_text
    assert not revised.new_strategy and "<current_spec>" in sent and RSI_TEXT in sent
    assert SMA_TEXT not in sent  # the earlier strategy's turns are not its history


def test_a_new_strategy_is_resumed_as_the_current_one(tmp_path: Path) -> None:
    settings = Settings(home=tmp_path)
    convo = Conversation(settings, mode="offline")
    convo.send(SMA_TEXT)
    convo.send("buy the ETF when RSI(2) < 10, sell when RSI(2) > 70, 10 shares")
    assert convo.spec is None and convo.turns[-1].new_strategy and convo.questions
    resumed = Conversation.load(convo.id, settings, mode="offline")
    assert resumed.spec is None  # not the SMA spec of the first turn


def test_spec_diff() -> None:
    assert spec_diff("a\n", "a\n") == ""
    assert "+b" in spec_diff("a\n", "a\nb\n")


# ----- saving and resuming ----------------------------------------------------------------
def test_saved_and_resumed_without_keys(
    fake: FakeAnthropic, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("ANTHROPIC_API_KEY", SECRET)
    revised = SMA_SPEC.replace("universe GOOG", "universe GOOG, NVDA")
    fake.add(fenced(SMA_SPEC), fenced(revised))
    settings = Settings()
    convo = Conversation(settings, llm=llm_for(fake))
    convo.send(SMA_TEXT)
    path = convo.path
    assert path.parent == settings.home / "conversations" and path.exists()
    saved = path.read_text()
    assert SECRET not in saved and fake.base_url not in saved
    assert json.loads(saved)["turns"][0]["usage"]["cache_write_tokens"] > 0

    resumed = Conversation.load(convo.id, settings, llm=llm_for(fake))
    assert resumed.spec == convo.spec and len(resumed.turns) == 1
    assert resumed.turns[0].usage == convo.turns[0].usage
    reply = resumed.send("add NVDA")
    assert "+universe GOOG, NVDA" in reply.diff
    assert convo.id in Conversation.saved(settings)
    assert len(Conversation.load(convo.id, settings).turns) == 2


def test_loading_what_is_not_there(tmp_path: Path) -> None:
    settings = Settings(home=tmp_path)
    with pytest.raises(ParleyError, match="no saved conversation"):
        Conversation.load("20990101-000000-abcdef", settings)
    with pytest.raises(ParleyError, match="not a conversation id"):
        Conversation.load("../../etc/passwd", settings)
    (tmp_path / "conversations").mkdir()
    (tmp_path / "conversations" / "bad.json").write_text("{not json")
    with pytest.raises(ParleyError, match="cannot read"):
        Conversation.load("bad", settings)


# ----- parley compile ---------------------------------------------------------------------
def test_cli_compile_offline_prints_spec_readback_and_compiler(
    stand_in: OfflineStandIn, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["compile", "--offline", SMA_TEXT]) == 0
    out = capsys.readouterr().out
    assert out.startswith('strategy "SMA 10/30 crossover"\nuniverse GOOG\n')
    assert 'Read-back:\n  "SMA 10/30 crossover" trades GOOG' in out
    assert "compiled by the offline compiler" in out


def test_cli_compile_dash_reads_the_description_from_stdin(
    stand_in: OfflineStandIn, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    piped = "\ufeff" + SMA_TEXT.replace(", sell", ".\nSell") + "\n"  # a BOM, two lines
    monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(piped.encode("utf-8"))))
    assert main(["compile", "--offline", "--json", "-"]) == 0
    assert stand_in.calls[-1][0] == SMA_TEXT.replace(", sell", ".\nSell")
    assert json.loads(capsys.readouterr().out)["spec"]["universe"] == ["GOOG"]
    monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(b"\xff\xfe buy")))
    assert main(["compile", "--offline", "-"]) == 1
    err = capsys.readouterr().err
    assert "standard input is not UTF-8 text" in err and "Traceback" not in err


def test_cli_compile_json(stand_in: OfflineStandIn, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["compile", "--offline", "--json", SMA_TEXT]) == 0
    captured = capsys.readouterr()
    data = json.loads(captured.out)
    assert set(data) == {"spec", "draft", "questions", "assumptions", "not_understood", "compiler"}
    assert data["spec"] == load_spec(STRATEGIES / "sma_crossover.strategy").model_dump(mode="json")
    assert data["questions"] == [] and data["compiler"] == "offline"
    assert data["draft"].startswith('strategy "SMA 10/30 crossover"')
    assert "offline compiler" in captured.err


def test_cli_compile_with_the_llm(
    llm_env: FakeAnthropic, capsys: pytest.CaptureFixture[str]
) -> None:
    llm_env.add(fenced(SMA_SPEC.replace("size 10 shares", "size 20 shares")))
    assert main(["compile", SMA_TEXT]) == 1  # a question remains: not complete
    out = capsys.readouterr().out
    assert "size 20 shares" in out
    assert "Open questions:\n  - The spec uses numbers you did not give: 20 (size)" in out
    assert f"compiled by the LLM compiler ({MODEL}): 1 attempt(s)" in out and "$0.0" in out
    assert SECRET not in out


def test_cli_compile_that_fails_claims_no_compile_and_writes_nothing(
    llm_env: FakeAnthropic, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """A key the API rejects: the reason on stderr, no 'compiled by the LLM compiler: 1
    attempt(s)' line (nothing was compiled), and -o says the file was not written."""
    from tests.fakes.anthropic_server import Scripted

    llm_env.add(Scripted(status=401, text="invalid x-api-key"))
    target = tmp_path / "mine.strategy"
    assert main(["compile", SMA_TEXT, "-o", str(target)]) == 1
    out, err = capsys.readouterr()
    assert "rejected the API key" in err and "compiled by" not in out + err
    assert f"did not write {target}: the spec is not complete" in err
    assert not target.exists() and SECRET not in out + err


def test_cli_writes_the_file_and_refuses_to_overwrite(
    stand_in: OfflineStandIn, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    target = tmp_path / "mine.strategy"
    assert main(["compile", "--offline", SMA_TEXT, "-o", str(target)]) == 0
    assert target.read_text() == format_spec(parse_spec(SMA_SPEC))
    assert f"wrote {target}" in capsys.readouterr().out

    target.write_text("keep me")
    assert main(["compile", "--offline", SMA_TEXT, "-o", str(target)]) == 1
    err = capsys.readouterr().err
    assert "already exists" in err and "--force" in err and target.read_text() == "keep me"
    assert not stand_in.calls[1:]  # refused before compiling anything
    assert main(["compile", "--offline", SMA_TEXT, "-o", str(target), "--force"]) == 0
    assert target.read_text().startswith('strategy "SMA 10/30 crossover"')


def test_cli_no_spec_exits_1_saying_what_to_add(
    stand_in: OfflineStandIn, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["compile", "--offline", "buy the dips"]) == 1
    captured = capsys.readouterr()
    assert "Name the symbols to trade." in captured.out
    assert "Open questions:\n  - Which symbols?" in captured.out
    assert "Not understood:\n  - whatever" in captured.out
    assert "Not complete" in captured.err and "Traceback" not in captured.err

    assert main(["compile", "--offline", "--json", "buy the dips"]) == 1
    data = json.loads(capsys.readouterr().out)
    assert data["spec"] is None and data["questions"] == ["Which symbols?"]
    assert data["not_understood"] == ["whatever"]


def test_cli_llm_failure_shows_the_last_attempt(
    llm_env: FakeAnthropic, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    llm_env.add(*["no idea, sorry"] * 4)
    assert main(["compile", SMA_TEXT]) == 1
    err = capsys.readouterr().err  # a failure, not a result: on stderr
    assert "did not produce a valid spec in 4 attempts" in err
    assert "Last attempt (not a valid spec):\n  no idea, sorry" in err
    assert "answer the questions" not in err  # there are none


def test_cli_empty_text(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["compile", ""]) == 1
    assert "describe a strategy" in capsys.readouterr().err
