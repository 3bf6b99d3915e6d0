"""Any OpenAI-compatible provider through the real openai SDK against a loopback fake of
Chat Completions: answers, garbage, 429, timeouts, streaming, servers without JSON mode or
stream usage; and the settings that choose a provider."""

from __future__ import annotations

import openai
import pytest

from app.config import Settings
from app.errors import ParleyError
from app.llm import LLMError
from app.llm.factory import chat_model
from app.llm.openai_chat import OpenAIChat
from tests.fakes.openai_server import FakeOpenAI, Reply

SCHEMA = {"type": "object", "properties": {"stance": {"type": "string"}}}


def _chat(fake: FakeOpenAI, timeout: float = 5.0, retries: int = 2) -> OpenAIChat:
    client = openai.OpenAI(
        api_key="not-needed", base_url=fake.base_url, timeout=timeout, max_retries=retries
    )
    return OpenAIChat(client, "fake-llama")


def test_an_answer_with_usage_and_the_provider_named() -> None:
    with FakeOpenAI(['{"stance": "bull"}']) as fake:
        reply = _chat(fake).complete(
            "system", [{"role": "user", "content": "hi"}], max_tokens=50, json_schema=SCHEMA
        )
    assert reply.text == '{"stance": "bull"}' and reply.provider == "openai-compatible"
    assert reply.input_tokens > 0 and reply.output_tokens > 0 and reply.model == "fake-llama"
    sent = fake.requests[0]
    assert sent["messages"][0] == {"role": "system", "content": "system"}
    assert sent["response_format"]["type"] == "json_schema"


def test_a_server_without_json_mode_still_answers_in_text() -> None:
    with FakeOpenAI(["stance: bull (no JSON mode here)", "again"], json_mode=False) as fake:
        chat = _chat(fake)
        first = chat.complete(
            "s", [{"role": "user", "content": "x"}], max_tokens=20, json_schema=SCHEMA
        )
        second = chat.complete(
            "s", [{"role": "user", "content": "y"}], max_tokens=20, json_schema=SCHEMA
        )
    assert first.text.startswith("stance: bull") and second.text == "again"
    assert [("response_format" in r) for r in fake.requests] == [True, False, False]


def test_garbage_comes_back_as_text_for_the_caller_to_refuse() -> None:
    with FakeOpenAI(["<<<not json at all>>>"]) as fake:
        reply = _chat(fake).complete("s", [{"role": "user", "content": "x"}], max_tokens=20)
    assert reply.text == "<<<not json at all>>>"


def test_429_is_retried_by_the_sdk_then_answers() -> None:
    script = [Reply("slow down", status=429, headers={"retry-after-ms": "1"}), "ok"]
    with FakeOpenAI(script) as fake:
        reply = _chat(fake).complete("s", [{"role": "user", "content": "x"}], max_tokens=5)
    assert reply.text == "ok" and len(fake.requests) == 2


def test_429_for_good_is_a_clear_error() -> None:
    script = [Reply("slow down", status=429, headers={"retry-after-ms": "1"})] * 3
    with FakeOpenAI(script) as fake, pytest.raises(LLMError) as err:
        _chat(fake).complete("s", [{"role": "user", "content": "x"}], max_tokens=5)
    assert err.value.kind == "rate_limit" and "429" in err.value.message


def test_a_hung_server_times_out_with_a_message() -> None:
    with FakeOpenAI([Reply(hang=True)]) as fake, pytest.raises(LLMError) as err:
        _chat(fake, timeout=0.3, retries=0).complete(
            "s", [{"role": "user", "content": "x"}], max_tokens=5
        )
    assert err.value.kind == "timeout" and fake.base_url in err.value.message


def test_streaming_calls_back_each_chunk() -> None:
    seen: list[str] = []
    with FakeOpenAI([Reply("a streamed answer", chunks=4)]) as fake:
        reply = _chat(fake).complete(
            "s", [{"role": "user", "content": "x"}], max_tokens=20, on_text=seen.append
        )
    assert "".join(seen) == reply.text == "a streamed answer" and len(seen) == 4
    assert reply.input_tokens > 0


def test_streaming_without_stream_usage_counts_from_the_text() -> None:
    with FakeOpenAI([Reply("streamed")], stream_options=False) as fake:
        reply = _chat(fake).complete(
            "s", [{"role": "user", "content": "x"}], max_tokens=20, on_text=lambda _: None
        )
    assert reply.text == "streamed" and reply.output_tokens >= 1


def test_an_unreachable_server_says_where() -> None:
    client = openai.OpenAI(api_key="x", base_url="http://127.0.0.1:9/v1", timeout=1, max_retries=0)
    with pytest.raises(LLMError) as err:
        OpenAIChat(client, "m").complete("s", [{"role": "user", "content": "x"}], max_tokens=5)
    assert err.value.kind == "connection" and "127.0.0.1:9" in err.value.message


def test_settings_choose_the_provider(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in (
        "ANTHROPIC_API_KEY",
        "PARLEY_LLM_PROVIDER",
        "PARLEY_LLM_BASE_URL",
        "OPENAI_BASE_URL",
        "PARLEY_MODEL",
        "OPENAI_API_KEY",
        "PARLEY_LLM_API_KEY",
    ):
        monkeypatch.delenv(name, raising=False)
    assert Settings().provider == "anthropic" and not Settings().llm_enabled
    with pytest.raises(ParleyError, match="ANTHROPIC_API_KEY"):
        chat_model(Settings())
    monkeypatch.setenv("PARLEY_LLM_BASE_URL", "http://localhost:11434/v1")
    assert Settings().provider == "openai" and Settings().llm_enabled
    with pytest.raises(ParleyError, match="PARLEY_MODEL"):
        chat_model(Settings())
    monkeypatch.setenv("PARLEY_MODEL", "llama3.1")
    model = chat_model(Settings())
    assert model.label.startswith("openai-compatible llama3.1 at http://localhost:11434/v1")


def test_the_compiler_runs_on_an_openai_compatible_server_with_its_repair_loop() -> None:
    from app.compiler.llm import LLMCompiler
    from tests.test_compiler_llm import SMA_SPEC, SMA_TEXT, fenced

    broken = fenced(SMA_SPEC.replace("crosses above", "crosses abov"))
    with FakeOpenAI([broken, fenced(SMA_SPEC)]) as fake:
        result = LLMCompiler(_chat(fake)).compile(SMA_TEXT)
    assert result.spec is not None and result.attempts == 2
    assert result.compiler == "llm:openai-compatible fake-llama"
    repair = fake.requests[1]["messages"][-1]["content"]
    assert "spec:" in repair  # the exact located error went back for repair
    assert result.usage.input_tokens > 0


def test_the_compiler_says_when_the_server_is_down() -> None:
    from app.compiler.llm import LLMCompiler
    from tests.test_compiler_llm import SMA_TEXT

    client = openai.OpenAI(api_key="x", base_url="http://127.0.0.1:9/v1", timeout=1, max_retries=0)
    result = LLMCompiler(OpenAIChat(client, "m")).compile(SMA_TEXT)
    assert result.spec is None and "Could not reach the model server" in result.message
    assert "--offline" in result.message


def test_the_agents_ask_an_openai_compatible_server_too() -> None:
    from app.agents.llm.answers import OpinionAnswer
    from app.agents.llm.client import AgentLLM, Meter

    answer = '{"stance": "bullish", "score": 35, "rationale": "trend up", "evidence": []}'
    with FakeOpenAI(["not json", answer], json_mode=False) as fake:
        llm = AgentLLM(_chat(fake), "fake-llama", cache=None)
        meter = Meter()
        got = llm.ask(
            "You are the technical analyst.", "GOOG closed above its 50-day.", OpinionAnswer, meter
        )
    assert got.stance == "bullish" and got.score == 35
    assert len(fake.requests) == 3  # refused JSON mode, then garbage, then the repair
    assert meter.usage().input_tokens > 0
    assert meter.usage().answered_by == ("openai-compatible fake-llama",)  # shown in the record


def test_calls_are_logged_without_the_prompt_or_the_key(
    caplog: pytest.LogCaptureFixture, monkeypatch: pytest.MonkeyPatch
) -> None:
    import logging

    # a CLI test before may have set up the app's logging, which stops propagation
    monkeypatch.setattr(logging.getLogger("app"), "propagate", True)
    key = "sk-local-secret-key-0123456789"
    script = ['{"stance": "bull"}', Reply("slow down", status=429, headers={"retry-after-ms": "1"})]
    with FakeOpenAI(script, json_mode=False) as fake, caplog.at_level("DEBUG", logger="app.llm"):
        client = openai.OpenAI(api_key=key, base_url=fake.base_url, max_retries=0)
        chat = OpenAIChat(client, "fake-llama")
        chat.complete(
            "SYSTEM-PROMPT-TEXT",
            [{"role": "user", "content": "USER-TEXT"}],
            max_tokens=20,
            json_schema=SCHEMA,
        )
        with pytest.raises(LLMError):
            chat.complete("s", [{"role": "user", "content": "x"}], max_tokens=5)
    lines = [(r.name, r.levelname, r.getMessage()) for r in caplog.records]
    assert [(n, lv) for n, lv, _ in lines] == [
        ("app.llm.openai_chat", "INFO"),
        ("app.llm.openai_chat", "DEBUG"),
        ("app.llm.openai_chat", "WARNING"),
    ]
    assert "refuses JSON mode" in lines[0][2]
    assert "answered as fake-llama" in lines[1][2] and "out tokens" in lines[1][2]
    assert "(rate_limit)" in lines[2][2] and fake.base_url in lines[2][2]
    text = caplog.text
    assert key not in text and "SYSTEM-PROMPT-TEXT" not in text and "USER-TEXT" not in text
