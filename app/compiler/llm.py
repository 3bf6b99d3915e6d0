"""The LLM compiler: English -> strategy language through a chat model -- Anthropic's
Messages API by default, or any OpenAI-compatible server (:mod:`app.llm`). One turn goes:

1. send the fixed system prompt (cached) and the trader's request;
2. read the answer (a ```strategy block plus ``QUESTION:``/``ASSUMPTION:``/``MESSAGE:``
   lines), parse and validate the spec;
3. on any error send the exact rendered error back and ask again, at most ``max_repairs``
   times, then give up with a clear message and the last attempt's text;
4. check the valid spec against what the trader actually said (:func:`ground`): symbols,
   numbers and timeframe the trader never gave become questions, never silent changes.

Retries on 429/529/5xx are the SDK's own (``max_retries``); a timeout or any other API
failure becomes a :class:`CompileResult` with ``spec=None`` and a message saying what to do.
The same loop, grounding and JSON contract hold whichever provider answers; the result's
``compiler`` names the provider and model.
"""

from __future__ import annotations

import re
from dataclasses import replace
from typing import Any
from collections.abc import Callable

from app.compiler import prompts
from app.compiler.answer import evaluate, read_answer
from app.compiler.grounding import Evidence
from app.compiler.result import CompileResult, Usage
from app.config import Settings
from app.dsl import format_spec
from app.errors import ParleyError
from app.llm import ChatModel, LLMError, Reply
from app.spec.models import StrategySpec

TextCallback = Callable[[str], None]

"""Seconds to wait for one API call (the SDK's own default is 10 minutes)."""
MAX_TOKENS = 8192
"""Room for the answer and any adaptive thinking before it."""

PRICES_PER_MTOK: dict[str, tuple[float, float]] = {
    "claude-sonnet-5-5": (2.0, 10.0),
    "claude-sonnet-5": (2.0, 10.0),
    "claude-opus-5-5": (4.0, 20.0),
    "claude-opus-5": (5.0, 25.0),
    "claude-fable-5-1": (10.0, 50.0),
    "claude-haiku-4-5": (1.0, 5.0),
    "claude-sonnet-4-6": (3.0, 15.0),
    "claude-sonnet-4-5": (3.0, 15.0),
    "claude-opus-4-5": (5.0, 25.0),
}
"""US dollars per million (input, output) tokens: Anthropic's list prices when this was
written (platform.claude.com model pages). A 5-minute cache write costs 1.25 x input, a
cache read 0.1 x input. Models not listed are reported with cost 0 (see
:func:`price_known`); edit this table when prices change."""


def price_known(model: str) -> bool:
    return _prices(model) is not None


def _prices(model: str) -> tuple[float, float] | None:
    base = re.sub(r"-\d{8}$", "", model)
    return PRICES_PER_MTOK.get(base)


def usage_of(model: str, api_usage: Any) -> Usage:
    """Tokens and cost of one answer (a :class:`Reply`, or an SDK ``Message.usage``)."""
    if isinstance(api_usage, Reply):
        u = Usage(
            api_usage.input_tokens,
            api_usage.output_tokens,
            api_usage.cache_read_tokens,
            api_usage.cache_write_tokens,
        )
    else:
        u = Usage(
            input_tokens=api_usage.input_tokens or 0,
            output_tokens=api_usage.output_tokens or 0,
            cache_read_tokens=getattr(api_usage, "cache_read_input_tokens", None) or 0,
            cache_write_tokens=getattr(api_usage, "cache_creation_input_tokens", None) or 0,
        )
    prices = _prices(model)
    if prices is None:
        return u
    p_in, p_out = prices
    cost = (
        u.input_tokens * p_in
        + u.output_tokens * p_out
        + u.cache_write_tokens * p_in * 1.25
        + u.cache_read_tokens * p_in * 0.1
    ) / 1e6
    return replace(u, cost_usd=round(cost, 6))


def add_usage(a: Usage, b: Usage) -> Usage:
    return Usage(
        a.input_tokens + b.input_tokens,
        a.output_tokens + b.output_tokens,
        a.cache_read_tokens + b.cache_read_tokens,
        a.cache_write_tokens + b.cache_write_tokens,
        round(a.cost_usd + b.cost_usd, 6),
    )


def default_model() -> str:
    return str(Settings.model_fields["model"].default)


class LLMCompiler:
    """Compiles one turn of English with a chat model, repairing its answer a bounded
    number of times.

    Args:
        source: Settings (the provider, key, base URL and model they name), a ready
            :class:`~app.llm.ChatModel`, or an ``anthropic.Anthropic`` client (tests point
            one at a loopback fake).
        model: Model id; default ``settings.model``.
        max_repairs: Repair rounds after the first answer.
    """

    def __init__(
        self, source: Settings | ChatModel | Any, model: str | None = None, max_repairs: int = 3
    ) -> None:
        if isinstance(source, Settings):
            self.chat = model_from_settings(source, model)
        elif hasattr(source, "complete"):
            self.chat = source
        else:
            from app.llm.anthropic_chat import AnthropicChat

            self.chat = AnthropicChat(source, model or default_model())
        self.model = self.chat.model
        self.max_repairs = max_repairs

    @property
    def label(self) -> str:
        if self.chat.provider == "anthropic":
            return f"llm:{self.model}"
        return f"llm:{self.chat.provider} {self.model}"

    def compile(
        self,
        text: str,
        previous: StrategySpec | None = None,
        *,
        history: tuple[str, ...] = (),
        on_text: TextCallback | None = None,
    ) -> CompileResult:
        """Compile ``text`` (a revision of ``previous`` when given).

        Args:
            text: What the trader just typed.
            previous: The current spec, which the request revises.
            history: The trader's earlier requests in this conversation (context, and
                evidence for :func:`ground`).
            on_text: Called with each chunk of the answer as it streams (progress for a UI).

        Returns:
            The result; on failure ``spec`` is None, ``message`` says why and what to do,
            and ``text`` holds the last attempt (not a valid spec) when there was one.
        """
        current = format_spec(previous) if previous is not None else None
        evidence = Evidence.of([*history, text], previous)
        asked = reader_questions(text, history) if previous is None else ()
        messages: list[dict[str, str]] = [
            {"role": "user", "content": prompts.request_message(text, current, history, asked)}
        ]
        usage, reply, errors = Usage(), "", ""
        for attempt in range(1, self.max_repairs + 2):
            try:
                reply, turn_usage = self._ask(messages, on_text)
            except LLMError as err:
                return self._failed(err.message + OFFLINE_HINT, usage, attempt, None)
            usage = add_usage(usage, turn_usage)
            outcome = evaluate(read_answer(reply), evidence)
            if isinstance(outcome, CompileResult):
                return replace(outcome, compiler=self.label, usage=usage, attempts=attempt)
            errors = outcome
            messages += [
                {"role": "assistant", "content": reply or "(empty)"},
                {"role": "user", "content": prompts.repair_message(errors)},
            ]
        rounds = self.max_repairs + 1
        return self._failed(
            f"The model did not produce a valid spec in {rounds} attempts. The last attempt "
            f"still has these problems:\n{errors}\nRephrase the request (name the symbols, "
            "the entry and exit rules and their numbers), or try --offline.",
            usage,
            rounds,
            read_answer(reply).spec_text or reply,
        )

    def _failed(self, message: str, usage: Usage, attempts: int, last: str | None) -> CompileResult:
        return CompileResult(
            spec=None,
            text=last,
            message=message,
            compiler=self.label,
            usage=usage,
            attempts=attempts,
        )

    def _ask(
        self, messages: list[dict[str, str]], on_text: TextCallback | None
    ) -> tuple[str, Usage]:
        reply = self.chat.complete(
            prompts.system_prompt(),
            messages,
            max_tokens=MAX_TOKENS,
            on_text=on_text,
            cache_system=True,
        )
        text = reply.text
        if reply.stop == "max_tokens":
            text += "\n(answer cut off at the token limit)"
        elif reply.stop == "refusal" and "```" not in text:
            text += "\nMESSAGE: The model declined this request; describe a trading strategy."
        return text, usage_of(self.model, reply)


def reader_questions(text: str, history: tuple[str, ...]) -> tuple[str, ...]:
    """The questions the offline reader raises on this request (none if it cannot read it)."""
    try:
        from app.compiler.offline import read_draft

        return tuple(read_draft("\n".join([*history, text])).questions)
    except Exception:  # noqa: BLE001 - the reader is a hint; the LLM path never depends on it
        return ()


OFFLINE_HINT = " Try again later, or compile with --offline."

AnthropicCompiler = LLMCompiler
"""The name the first release used (the compiler is no longer Anthropic-only)."""


def model_from_settings(
    settings: Settings, model: str | None = None, timeout: float | None = None
) -> ChatModel:
    """The chat model the settings name (:func:`app.llm.factory.chat_model`).

    Raises:
        ParleyError: no key (Anthropic), or no base URL or model (OpenAI-compatible).
    """
    from app.llm.factory import chat_model

    if not settings.llm_enabled:
        raise ParleyError(
            "no Anthropic API key is set, so the LLM compiler is off",
            "set ANTHROPIC_API_KEY (or PARLEY_LLM_BASE_URL and PARLEY_MODEL for "
            "an OpenAI-compatible server), or compile with --offline",
        )
    chat = chat_model(settings, timeout=timeout)
    if model:
        chat.model = model
    return chat
