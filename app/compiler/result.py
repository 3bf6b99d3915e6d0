"""What any compiler (offline or LLM) returns for one user turn: the same contract."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from app.spec.models import StrategySpec


@dataclass(frozen=True)
class Usage:
    """Tokens and cost of one LLM turn (zero for the offline compiler)."""

    input_tokens: int = 0
    output_tokens: int = 0
    cache_read_tokens: int = 0
    cache_write_tokens: int = 0
    cost_usd: float = 0.0


@dataclass(frozen=True)
class CompileResult:
    """The outcome of compiling one turn of English.

    ``spec`` is None until the strategy is complete (no open question); ``draft`` then
    holds the strategy-language text of everything read so far, and ``questions`` or
    ``message`` say what the user should add.
    """

    spec: StrategySpec | None
    text: str | None
    """The spec in canonical strategy-language text (None when there is no spec)."""
    questions: tuple[str, ...] = ()
    """Clarifying questions still open."""
    assumptions: tuple[str, ...] = ()
    """Defaults the compiler chose and states plainly (e.g. "timeframe: daily (default)")."""
    not_understood: tuple[str, ...] = ()
    """Words or phrases the compiler could not place."""
    message: str = ""
    """A plain reply when there is no spec: an explanation, a refusal, a failure."""
    compiler: str = "offline"
    """"offline" or "llm:<model>"."""
    usage: Usage = field(default_factory=Usage)
    attempts: int = 1
    """LLM rounds used, including repairs."""
    draft: str | None = None
    """Strategy-language text of what was read so far (the spec's text when complete)."""


def open_questions(result: CompileResult) -> tuple[str, ...]:
    """Every question still open, from the result and from its spec."""
    return tuple(
        dict.fromkeys([*result.questions, *(result.spec.questions if result.spec else ())])
    )


def result_json(result: CompileResult) -> dict[str, Any]:
    """The one JSON object ``parley compile --json`` prints (README, "compile")."""
    questions = open_questions(result)
    complete = result.spec is not None and not questions
    return {
        "spec": result.spec.model_dump(mode="json") if complete else None,  # type: ignore[union-attr]
        "draft": result.draft if result.draft is not None else result.text,
        "questions": list(questions),
        "assumptions": list(result.assumptions),
        "not_understood": list(result.not_understood),
        "compiler": result.compiler,
    }


def failure(result: CompileResult) -> str | None:
    """Why nothing was compiled (a model that could not be reached, an empty text); None
    when there is a spec, a draft or a question to answer."""
    if result.spec is not None or result.draft or open_questions(result):
        return None
    return result.message or "nothing was compiled"
