"""English -> strategy spec: the offline and LLM compilers and the conversation around them.

Names are exported lazily, so importing the result types never imports the anthropic SDK.
"""

from __future__ import annotations

from typing import Any

_EXPORTS = {
    "CompileResult": "app.compiler.result",
    "Usage": "app.compiler.result",
    "AnthropicCompiler": "app.compiler.llm",
    "LLMCompiler": "app.compiler.llm",
    "Conversation": "app.compiler.conversation",
    "Reply": "app.compiler.conversation",
}

__all__ = list(_EXPORTS)


def __getattr__(name: str) -> Any:
    if name not in _EXPORTS:
        raise AttributeError(f"module 'app.compiler' has no attribute {name!r}")
    import importlib

    return getattr(importlib.import_module(_EXPORTS[name]), name)
