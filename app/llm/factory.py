"""The chat model the settings name: Anthropic by default, or an OpenAI-compatible server.

    PARLEY_LLM_PROVIDER=openai PARLEY_LLM_BASE_URL=http://localhost:11434/v1 \\
        PARLEY_MODEL=llama3.1 parley compile "..."

The key is read here and handed to the SDK; it is kept nowhere else.
"""

from __future__ import annotations

from app.config import Settings
from app.errors import ParleyError
from app.llm.base import ChatModel

DEFAULT_ANTHROPIC_MODEL = "claude-sonnet-5-5"
MAX_RETRIES = 2


def chat_model(settings: Settings, timeout: float | None = None) -> ChatModel:
    """The model to ask.

    Raises:
        ParleyError: no key for Anthropic, or an OpenAI-compatible provider without a
            base URL or model.
    """
    wait = settings.llm_timeout if timeout is None else timeout
    if settings.provider == "openai":
        return _openai(settings, wait)
    return _anthropic(settings, wait)


def _anthropic(settings: Settings, timeout: float) -> ChatModel:
    import anthropic

    from app.llm.anthropic_chat import AnthropicChat

    key = settings.anthropic_api_key
    if key is None or not key.get_secret_value():
        raise ParleyError(
            "the LLM needs ANTHROPIC_API_KEY (or an OpenAI-compatible server: "
            "PARLEY_LLM_BASE_URL and PARLEY_MODEL)",
            "or use the offline compiler and agents (--offline)",
        )
    client = anthropic.Anthropic(
        api_key=key.get_secret_value(),
        base_url=settings.anthropic_base_url,
        timeout=timeout,
        max_retries=MAX_RETRIES,
    )
    return AnthropicChat(client, settings.model or DEFAULT_ANTHROPIC_MODEL)


def _openai(settings: Settings, timeout: float) -> ChatModel:
    import openai

    from app.llm.openai_chat import OpenAIChat

    if "model" not in settings.model_fields_set:
        raise ParleyError(
            "an OpenAI-compatible provider needs PARLEY_MODEL (the model's "
            "name on that server, e.g. llama3.1 or gpt-4o-mini)"
        )
    key = settings.llm_api_key.get_secret_value() if settings.llm_api_key else "not-needed"
    client = openai.OpenAI(
        api_key=key, base_url=settings.llm_base_url, timeout=timeout, max_retries=MAX_RETRIES
    )
    return OpenAIChat(client, settings.model)
