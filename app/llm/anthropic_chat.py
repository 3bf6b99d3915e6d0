"""Anthropic's Messages API through the ``anthropic`` SDK (its own retries and timeout)."""

from __future__ import annotations

from typing import Any

import anthropic

from app.llm.base import LLMError, Message, Reply, TextCallback

PROVIDER = "anthropic"
_STOPS = {"max_tokens": "max_tokens", "refusal": "refusal"}


class AnthropicChat:
    """A :class:`~app.llm.base.ChatModel` on an ``anthropic.Anthropic`` client."""

    provider = PROVIDER

    def __init__(self, client: anthropic.Anthropic, model: str) -> None:
        self.client = client
        self.model = model

    @property
    def label(self) -> str:
        return f"{self.provider} {self.model}"

    def complete(self, system: str, messages: list[Message], *, max_tokens: int,
                 json_schema: dict[str, Any] | None = None,
                 on_text: TextCallback | None = None, cache_system: bool = False) -> Reply:
        block: dict[str, Any] = {"type": "text", "text": system}
        if cache_system:
            block["cache_control"] = {"type": "ephemeral"}
        params: dict[str, Any] = {"model": self.model, "max_tokens": max_tokens,
                                  "system": [block], "messages": messages}
        if json_schema is not None:
            params["output_config"] = {"format": {"type": "json_schema",
                                                  "schema": json_schema}}
        try:
            message = self._send(params, on_text)
        except anthropic.APIError as err:
            raise failure(err, self.client) from None
        text = "".join(getattr(b, "text", "") for b in message.content
                       if getattr(b, "type", "") == "text")
        u = message.usage
        return Reply(text, u.input_tokens or 0, u.output_tokens or 0, message.model or self.model,
                     PROVIDER, _STOPS.get(message.stop_reason or "", "end"),
                     getattr(u, "cache_read_input_tokens", None) or 0,
                     getattr(u, "cache_creation_input_tokens", None) or 0)

    def _send(self, params: dict[str, Any], on_text: TextCallback | None) -> Any:
        if on_text is None:
            return self.client.messages.create(**params)
        with self.client.messages.stream(**params) as stream:
            for chunk in stream.text_stream:
                on_text(chunk)
            return stream.get_final_message()


def failure(err: anthropic.APIError, client: Any) -> LLMError:
    """The SDK's error as a message a person can act on."""
    where = getattr(client, "base_url", "the Anthropic API")
    offline = "use the offline compiler and agents (--offline / --agents offline)"
    if isinstance(err, anthropic.APITimeoutError):
        return LLMError(f"the Anthropic API at {where} did not answer in time", "timeout",
                        offline)
    if isinstance(err, anthropic.APIConnectionError):
        return LLMError(f"could not reach the Anthropic API at {where}", "connection", offline)
    status = getattr(err, "status_code", None)
    if status in (401, 403):
        return LLMError(f"the Anthropic API refused the key (HTTP {status})", "auth",
                        "check ANTHROPIC_API_KEY")
    if status == 429:
        return LLMError("the Anthropic API is rate-limiting this key (HTTP 429) after "
                        "retries", "rate_limit", "wait a minute, or " + offline)
    if status is not None and status < 500:
        return LLMError(f"the Anthropic API rejected the request (HTTP {status}): "
                        f"{_reason(err)}", "bad_request")
    return LLMError(f"the Anthropic API failed (HTTP {status}): {_reason(err)}", "server",
                    offline)


def _reason(err: anthropic.APIError) -> str:
    body = getattr(err, "body", None)
    if isinstance(body, dict):
        inner = body.get("error")
        if isinstance(inner, dict) and inner.get("message"):
            return str(inner["message"])[:200]
    return str(err)[:200]
