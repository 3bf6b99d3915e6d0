"""The offline compiler: plain English -> strategy spec, deterministic and without network.

It reads the common ways traders phrase rules, stops, sizing and filters, asks when a
description is vague or incomplete instead of guessing, and says which words it did not
understand. Its output goes through ``parse_spec`` like the LLM compiler's, so both
compilers share one output contract (:class:`~app.compiler.result.CompileResult`).
"""

from __future__ import annotations

from app.compiler.offline.pipeline import finish, read
from app.compiler.result import CompileResult
from app.spec.models import StrategySpec

__all__ = ["compile_offline"]


def compile_offline(text: str, previous: StrategySpec | None = None) -> CompileResult:
    """Compile one turn of English; with ``previous``, a follow-up revises that spec.

    A follow-up that describes a whole new strategy (symbols and an entry rule) replaces
    the previous spec instead.
    """
    text = text or ""
    reading = read(text)
    if previous is not None and not _is_new_strategy(reading):
        from app.compiler.offline.revise import revise
        return revise(previous, text)
    return finish(reading, text)


def _is_new_strategy(reading) -> bool:  # type: ignore[no-untyped-def]
    rules = reading.rules
    has_entry = rules.long_entry is not None or rules.short_entry is not None
    return has_entry and bool(reading.draft.universe)
