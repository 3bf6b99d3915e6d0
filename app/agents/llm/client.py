"""The one place agents talk to a model (Anthropic, or any OpenAI-compatible server, through
:mod:`app.llm`): cached, budgeted, concurrency-limited calls that return checked answers.

:meth:`AgentLLM.ask` sends a prompt, reads a JSON answer, and on a malformed one sends
the exact problem back once for repair; if that fails too it raises
:class:`~app.agents.llm.answers.AnswerError` and the caller falls back to the
deterministic form. Transport failures raise :class:`LLMCallError`.
"""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from app.agents.llm.answers import SCHEMAS, A, AnswerError, parse_answer
from app.agents.llm.budget import RunUsage, TokenBudget
from app.agents.llm.cache import AnswerCache, request_key
from app.agents.models import DecisionUsage
from app.config import Settings
from app.errors import ParleyError
from app.llm import LLMError

CACHE_VERSION = "parley-agents-1"
"""Part of every cache key: bump it when prompts change meaning."""
REPAIR = (
    "Your answer could not be used: {error}. Reply again with only the corrected "
    "JSON object, matching the schema exactly."
)


DOWN_KINDS = ("connection", "auth", "timeout")
"""LLM failures after which the API is not asked again in this run: each later call would
fail the same way after its retries, and the team decides offline meanwhile."""


class LLMCallError(RuntimeError):
    """The API call itself failed (network, rate limit after retries, server error)."""


class Meter:
    """Counts one decision's LLM use (thread-safe)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._c = {"calls": 0, "cache_hits": 0, "input_tokens": 0, "output_tokens": 0}
        self._by: dict[str, None] = {}

    def add(self, input_tokens: int, output_tokens: int, cached: bool, by: str = "") -> None:
        with self._lock:
            self._c["calls"] += 1
            self._c["cache_hits"] += cached
            self._c["input_tokens"] += input_tokens
            self._c["output_tokens"] += output_tokens
            if by:
                self._by[by] = None

    def usage(self) -> DecisionUsage:
        with self._lock:
            return DecisionUsage(**self._c, answered_by=tuple(self._by))


class AgentLLM:
    """A run's connection to the model: one per run (the budget is per run)."""

    def __init__(
        self,
        client: Any,
        model: str,
        *,
        cache: AnswerCache | None = None,
        budget_tokens: int | None = None,
        concurrency: int = 4,
        max_tokens: int = 800,
        structured: bool = True,
    ) -> None:
        """
        Args:
            client: A :class:`~app.llm.ChatModel`, or an ``anthropic.Anthropic`` client
                (tests point one at a loopback fake).
            model: The model name sent with every request.
            cache: Where answers are kept; ``None`` disables caching.
            budget_tokens: Tokens this run may use (input + output); ``None``: no limit.
            concurrency: Most requests in flight at once.
            max_tokens: Answer length cap per request.
            structured: Send the answer's JSON schema as ``output_config.format``.
        """
        if not hasattr(client, "complete"):
            from app.llm.anthropic_chat import AnthropicChat

            client = AnthropicChat(client, model)
        self.chat = client
        self.model = model
        self.cache = cache
        self.budget = TokenBudget(budget_tokens)
        self.concurrency = max(1, concurrency)
        self.max_tokens = max_tokens
        self.structured = structured
        self._gate = threading.BoundedSemaphore(self.concurrency)
        self._down: str | None = None
        """Why the API cannot be used (unreachable, keys refused): later calls fail at once."""
        self._pool: ThreadPoolExecutor | None = None

    @classmethod
    def from_settings(cls, settings: Settings, **kwargs: Any) -> AgentLLM:
        """The model the settings name (``ANTHROPIC_API_KEY``, or an OpenAI-compatible
        server), caching under ``home``.

        Raises:
            ParleyError: no API key is set.
        """
        if not settings.llm_enabled:
            raise ParleyError(
                "LLM agents need ANTHROPIC_API_KEY.",
                "Set it, or run the team offline (--agents offline).",
            )
        from app.llm.factory import chat_model

        chat = chat_model(settings)  # PARLEY_LLM_TIMEOUT, as the compiler's
        kwargs.setdefault("cache", AnswerCache.for_settings(settings))
        return cls(chat, chat.model, **kwargs)

    def usage(self) -> RunUsage:
        return self.budget.usage()

    @property
    def pool(self) -> ThreadPoolExecutor:
        if self._pool is None:
            self._pool = ThreadPoolExecutor(self.concurrency, thread_name_prefix="agents-llm")
        return self._pool

    def close(self) -> None:
        if self._pool is not None:
            self._pool.shutdown(wait=True)
            self._pool = None

    def ask(self, system: str, user: str, kind: type[A], meter: Meter) -> A:
        """A checked answer of type ``kind``, with one repair try.

        Raises:
            AnswerError: the answer was malformed twice (message says how).
            LLMCallError: the API call failed.
        """
        messages: list[dict[str, str]] = [{"role": "user", "content": user}]
        text = self._complete(system, messages, kind, meter)
        try:
            return parse_answer(text, kind)
        except AnswerError as first:
            messages += [
                {"role": "assistant", "content": text or "(empty)"},
                {"role": "user", "content": REPAIR.format(error=first)},
            ]
            text = self._complete(system, messages, kind, meter)
            try:
                return parse_answer(text, kind)
            except AnswerError as second:
                raise AnswerError(f"malformed twice ({first}; then {second})") from None

    def _complete(
        self, system: str, messages: list[dict[str, str]], kind: type[A], meter: Meter
    ) -> str:
        request: dict[str, Any] = {
            "model": self.model,
            "max_tokens": self.max_tokens,
            "system": system,
            "messages": messages,
        }
        if self.structured:
            request["output_config"] = {"format": {"type": "json_schema", "schema": SCHEMAS[kind]}}
        if self.chat.provider != "anthropic":  # Anthropic's keys stay as they were
            request["provider"] = self.chat.provider
        key = request_key({"v": CACHE_VERSION, **request})
        hit = self.cache.get(key) if self.cache else None
        if hit is not None:
            self._count(hit, meter, cached=True)
            return str(hit["text"])
        answer = self._call(request)
        if self.cache:
            self.cache.put(key, answer)
        self._count(answer, meter, cached=False)
        return str(answer["text"])

    def _call(self, request: dict[str, Any]) -> dict[str, Any]:
        if self._down is not None:
            raise LLMCallError(self._down)
        schema = request.get("output_config", {}).get("format", {}).get("schema")
        with self._gate:
            try:
                reply = self.chat.complete(
                    request["system"],
                    request["messages"],
                    max_tokens=request["max_tokens"],
                    json_schema=schema,
                )
            except LLMError as exc:
                if exc.kind in DOWN_KINDS:
                    self._down = f"{exc.message}; the API is not asked again"
                raise LLMCallError(exc.message) from None
        return {
            "text": reply.text,
            "input_tokens": reply.input_tokens,
            "output_tokens": reply.output_tokens,
            "model": reply.model,
            "provider": reply.provider,
        }

    def _count(self, answer: dict[str, Any], meter: Meter, cached: bool) -> None:
        tokens_in, tokens_out = int(answer["input_tokens"]), int(answer["output_tokens"])
        self.budget.charge(tokens_in, tokens_out, cached=cached)
        by = " ".join(str(answer[k]) for k in ("provider", "model") if answer.get(k))
        meter.add(tokens_in, tokens_out, cached, by + (" (cached)" if cached and by else ""))
