"""Any OpenAI-compatible Chat Completions endpoint through the ``openai`` SDK.

Local and hosted servers differ in what they accept, so each optional feature degrades on
the server's first refusal and stays off for that model: JSON-schema output
(``response_format``) falls back to plain text (callers parse JSON out of the text), and
``stream_options`` (usage in a stream) falls back to a stream without usage, counted
from the text. Retries on 429 and 5xx and the timeout are the SDK's own.
"""

from __future__ import annotations

import logging
from typing import Any

import openai

from app.llm.base import LLMError, Message, Reply, TextCallback, logged_call
from app.logs import without_password

log = logging.getLogger(__name__)

PROVIDER = "openai-compatible"
_STOPS = {"length": "max_tokens", "content_filter": "refusal"}


class OpenAIChat:
    """A :class:`~app.llm.base.ChatModel` on an ``openai.OpenAI`` client."""

    provider = PROVIDER

    def __init__(self, client: openai.OpenAI, model: str) -> None:
        self.client = client
        self.model = model
        self.json_schema_ok = True
        self.stream_usage_ok = True

    @property
    def label(self) -> str:
        return f"{self.provider} {self.model} at {without_password(self.client.base_url)}"

    def complete(
        self,
        system: str,
        messages: list[Message],
        *,
        max_tokens: int,
        json_schema: dict[str, Any] | None = None,
        on_text: TextCallback | None = None,
        cache_system: bool = False,
    ) -> Reply:
        params: dict[str, Any] = {
            "model": self.model,
            "max_tokens": max_tokens,
            "messages": [{"role": "system", "content": system}, *messages],
        }
        if json_schema is not None and self.json_schema_ok:
            params["response_format"] = {
                "type": "json_schema",
                "json_schema": {"name": "answer", "schema": json_schema},
            }
        with logged_call(log, self.label) as got:
            try:
                got.append(self._send(params, on_text))
            except openai.BadRequestError as err:
                if "response_format" not in params or not _mentions(err, "response_format", "json"):
                    raise failure(err, self.client) from None
                self.json_schema_ok = False
                log.info("%s refuses JSON mode: asking in plain text from now on", self.label)
                params.pop("response_format")
                got.append(self._send_text(params, on_text))
            except openai.APIError as err:
                raise failure(err, self.client) from None
        return got[-1]

    def _send_text(self, params: dict[str, Any], on_text: TextCallback | None) -> Reply:
        try:
            return self._send(params, on_text)
        except openai.APIError as err:
            raise failure(err, self.client) from None

    def _send(self, params: dict[str, Any], on_text: TextCallback | None) -> Reply:
        if on_text is None:
            done = self.client.chat.completions.create(**params)
            choice = done.choices[0] if done.choices else None
            text = (choice.message.content or "") if choice else ""
            usage = done.usage
            return Reply(
                text,
                getattr(usage, "prompt_tokens", 0) or 0,
                getattr(usage, "completion_tokens", 0) or 0,
                done.model or self.model,
                PROVIDER,
                _STOPS.get(getattr(choice, "finish_reason", "") or "", "end"),
            )
        return self._stream(params, on_text)

    def _stream(self, params: dict[str, Any], on_text: TextCallback) -> Reply:
        extra: dict[str, Any] = (
            {"stream_options": {"include_usage": True}} if self.stream_usage_ok else {}
        )
        try:
            stream = self.client.chat.completions.create(stream=True, **params, **extra)
        except openai.BadRequestError as err:
            if not extra or not _mentions(err, "stream_options"):
                raise
            self.stream_usage_ok = False
            log.info("%s refuses stream usage: counting tokens from the text", self.label)
            stream = self.client.chat.completions.create(stream=True, **params)
        parts: list[str] = []
        finish, usage, model = "", None, self.model
        for chunk in stream:
            model = chunk.model or model
            if chunk.usage is not None:
                usage = chunk.usage
            for choice in chunk.choices or ():
                piece = choice.delta.content if choice.delta else None
                if piece:
                    parts.append(piece)
                    on_text(piece)
                finish = choice.finish_reason or finish
        text = "".join(parts)
        tokens_in = getattr(usage, "prompt_tokens", None)
        tokens_out = getattr(usage, "completion_tokens", None)
        if tokens_in is None:  # the server sends no usage in streams: estimate it
            tokens_in = sum(len(m["content"]) for m in params["messages"]) // 4
            tokens_out = len(text) // 4
        return Reply(
            text, tokens_in or 0, tokens_out or 0, model, PROVIDER, _STOPS.get(finish, "end")
        )


def _mentions(err: openai.APIError, *words: str) -> bool:
    text = str(err).lower()
    return any(w in text for w in words)


def failure(err: openai.APIError, client: Any) -> LLMError:
    """The SDK's error as a message a person can act on."""
    where = without_password(getattr(client, "base_url", "the endpoint"))
    offline = "use the offline compiler and agents (--offline / --agents offline)"
    if isinstance(err, openai.APITimeoutError):
        return LLMError(f"The model server at {where} did not answer in time.", "timeout", offline)
    if isinstance(err, openai.APIConnectionError):
        return LLMError(
            f"Could not reach the model server at {where}.",
            "connection",
            "is it running? (e.g. `ollama serve`), or " + offline,
        )
    status = getattr(err, "status_code", None)
    if status in (401, 403):
        return LLMError(
            f"The model server at {where} refused the key (HTTP {status}).",
            "auth",
            "check PARLEY_LLM_API_KEY (or OPENAI_API_KEY)",
        )
    if status == 404:
        return LLMError(
            f"The model server at {where} has no such model or path (HTTP 404).",
            "bad_request",
            "check PARLEY_MODEL and PARLEY_LLM_BASE_URL (it usually ends in /v1)",
        )
    if status == 429:
        return LLMError(
            f"The model server at {where} is rate-limiting (HTTP 429) even after retries.",
            "rate_limit",
            "wait a minute, or " + offline,
        )
    if status is not None and status < 500:
        return LLMError(
            f"The model server rejected the request (HTTP {status}): {str(err)[:200]}.",
            "bad_request",
        )
    return LLMError(f"The model server at {where} failed (HTTP {status}).", "server", offline)
