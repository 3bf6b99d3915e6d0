"""The one place agents talk to Anthropic: cached, budgeted, concurrency-limited calls
that return checked answers.

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

CACHE_VERSION = "parley-agents-1"
"""Part of every cache key: bump it when prompts change meaning."""
REPAIR = ("Your answer could not be used: {error}. Reply again with only the corrected "
          "JSON object, matching the schema exactly.")


class LLMCallError(RuntimeError):
    """The API call itself failed (network, rate limit after retries, server error)."""


class Meter:
    """Counts one decision's LLM use (thread-safe)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._c = {"calls": 0, "cache_hits": 0, "input_tokens": 0, "output_tokens": 0}

    def add(self, input_tokens: int, output_tokens: int, cached: bool) -> None:
        with self._lock:
            self._c["calls"] += 1
            self._c["cache_hits"] += cached
            self._c["input_tokens"] += input_tokens
            self._c["output_tokens"] += output_tokens

    def usage(self) -> DecisionUsage:
        with self._lock:
            return DecisionUsage(**self._c)


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
            client: An ``anthropic.Anthropic`` client (tests point it at a loopback fake).
            model: The model name sent with every request.
            cache: Where answers are kept; ``None`` disables caching.
            budget_tokens: Tokens this run may use (input + output); ``None``: no limit.
            concurrency: Most requests in flight at once.
            max_tokens: Answer length cap per request.
            structured: Send the answer's JSON schema as ``output_config.format``.
        """
        self.client = client
        self.model = model
        self.cache = cache
        self.budget = TokenBudget(budget_tokens)
        self.concurrency = max(1, concurrency)
        self.max_tokens = max_tokens
        self.structured = structured
        self._gate = threading.BoundedSemaphore(self.concurrency)
        self._pool: ThreadPoolExecutor | None = None

    @classmethod
    def from_settings(cls, settings: Settings, **kwargs: Any) -> AgentLLM:
        """A client from ``ANTHROPIC_API_KEY`` (and base URL), caching under ``home``.

        Raises:
            ParleyError: no API key is set.
        """
        if not settings.llm_enabled:
            raise ParleyError("LLM agents need ANTHROPIC_API_KEY.",
                              "Set it, or run the team offline (--agents offline).")
        import anthropic

        client = anthropic.Anthropic(
            api_key=settings.anthropic_api_key.get_secret_value(),  # type: ignore[union-attr]
            base_url=settings.anthropic_base_url, max_retries=2, timeout=60.0)
        kwargs.setdefault("cache", AnswerCache.for_settings(settings))
        return cls(client, settings.model, **kwargs)

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
            messages += [{"role": "assistant", "content": text or "(empty)"},
                         {"role": "user", "content": REPAIR.format(error=first)}]
            text = self._complete(system, messages, kind, meter)
            try:
                return parse_answer(text, kind)
            except AnswerError as second:
                raise AnswerError(f"malformed twice ({first}; then {second})") from None

    def _complete(self, system: str, messages: list[dict[str, str]], kind: type[A],
                  meter: Meter) -> str:
        request: dict[str, Any] = {"model": self.model, "max_tokens": self.max_tokens,
                                   "system": system, "messages": messages}
        if self.structured:
            request["output_config"] = {"format": {"type": "json_schema",
                                                   "schema": SCHEMAS[kind]}}
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
        import anthropic

        with self._gate:
            try:
                message = self.client.messages.create(**request)
            except anthropic.APIError as exc:
                raise LLMCallError(f"{type(exc).__name__}: {exc}") from None
        text = "".join(getattr(b, "text", "") for b in message.content
                       if getattr(b, "type", "") == "text")
        return {"text": text, "input_tokens": message.usage.input_tokens,
                "output_tokens": message.usage.output_tokens, "model": message.model}

    def _count(self, answer: dict[str, Any], meter: Meter, cached: bool) -> None:
        tokens_in, tokens_out = int(answer["input_tokens"]), int(answer["output_tokens"])
        self.budget.charge(tokens_in, tokens_out, cached=cached)
        meter.add(tokens_in, tokens_out, cached)
