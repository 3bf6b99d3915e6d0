"""Anthropic's Messages API through the ``anthropic`` SDK (its own retries and timeout)."""

from __future__ import annotations

import logging
from typing import Any

import anthropic

from app.llm.base import LLMError, Message, Reply, TextCallback, logged_call
from app.logs import without_password

log = logging.getLogger(__name__)

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
        block: dict[str, Any] = {"type": "text", "text": system}
        if cache_system:
            block["cache_control"] = {"type": "ephemeral"}
        params: dict[str, Any] = {
            "model": self.model,
            "max_tokens": max_tokens,
            "system": [block],
            "messages": messages,
        }
        if json_schema is not None:
            params["output_config"] = {"format": {"type": "json_schema", "schema": json_schema}}
        with logged_call(log, self.label) as got:
            try:
                message = self._send(params, on_text)
            except anthropic.APIError as err:
                raise failure(err, self.client) from None
            text = "".join(
                getattr(b, "text", "") for b in message.content if getattr(b, "type", "") == "text"
            )
            u = message.usage
            got.append(
                Reply(
                    text,
                    u.input_tokens or 0,
                    u.output_tokens or 0,
                    message.model or self.model,
                    PROVIDER,
                    _STOPS.get(message.stop_reason or "", "end"),
                    getattr(u, "cache_read_input_tokens", None) or 0,
                    getattr(u, "cache_creation_input_tokens", None) or 0,
                )
            )
        return got[-1]

    def _send(self, params: dict[str, Any], on_text: TextCallback | None) -> Any:
        if on_text is None:
            return self.client.messages.create(**params)
        with self.client.messages.stream(**params) as stream:
            for chunk in stream.text_stream:
                on_text(chunk)
            return stream.get_final_message()


def failure(err: anthropic.APIError, client: Any) -> LLMError:
    """The SDK's error (after its own retries) as a sentence a person can act on."""
    if isinstance(err, anthropic.APITimeoutError):
        return LLMError(
            f"The Anthropic API did not answer in time ({_timeout_of(client)}).", "timeout"
        )
    if isinstance(err, anthropic.APIConnectionError):
        return LLMError(
            f"Could not reach the Anthropic API at {without_password(client.base_url)}.",
            "connection",
        )
    if isinstance(err, anthropic.APIStatusError):
        status = err.status_code
        why = {
            401: "rejected the API key: check ANTHROPIC_API_KEY",
            403: "refused this key permission for the request",
            404: "does not know this model (set PARLEY_MODEL to a current one)",
            429: "is rate-limiting this key, even after retries",
            529: "is overloaded, even after retries",
        }.get(status)
        if why is None:
            why = (
                "failed on its side, even after retries"
                if status >= 500
                else f"refused the request: {_api_message(err)}"
            )
        kind = {401: "auth", 403: "auth", 429: "rate_limit"}.get(
            status, "server" if status >= 500 else "bad_request"
        )
        return LLMError(f"The Anthropic API {why} (HTTP {status}).", kind)
    return LLMError(f"The Anthropic API call failed: {err.__class__.__name__}.", "server")


def _timeout_of(client: Any) -> str:
    timeout = getattr(client, "timeout", None)
    seconds = getattr(timeout, "read", None) or timeout
    return f"timeout {seconds:g} s" if isinstance(seconds, (int, float)) else "timeout"


def _api_message(err: anthropic.APIStatusError) -> str:
    body = err.body if isinstance(err.body, dict) else {}
    detail = body.get("error", {}) if isinstance(body.get("error"), dict) else {}
    return str(detail.get("message") or err.message)[:300]
