"""One interface to a chat model, whoever serves it: Anthropic's Messages API (the
default) or any OpenAI-compatible Chat Completions endpoint (Ollama, LM Studio, llama.cpp's
server, vLLM, OpenRouter, OpenAI). The compiler and the agents ask a :class:`ChatModel`;
they never import an SDK. Only :mod:`app.llm.anthropic_chat` imports ``anthropic`` and only
:mod:`app.llm.openai_chat` imports ``openai``.
"""

from app.llm.base import ChatModel, LLMError, Reply

__all__ = ["ChatModel", "LLMError", "Reply"]
