"""The offline compiler: plain English -> strategy spec, deterministic and without network.

A description is cut into clauses by role (``segment``), each clause into tokens by the
lexicon (``vocab``, ``lexer``), and each clause's tokens parsed by a phrase grammar
(``phrases.lark``, ``grammar``) into parts that are settled into a :class:`Draft`
(``settle``). The draft is printed by the one spec printer; once it has no open question
it is parsed and checked like every spec. A gap (no symbol, no exit) is a question on a
draft that keeps the rest; a clause it cannot read whole is a question quoting it.
"""

from __future__ import annotations

import unicodedata

from app.compiler.offline.draft import Draft
from app.compiler.offline.reader import read
from app.compiler.offline.settle import settle
from app.compiler.result import CompileResult
from app.spec.models import StrategySpec

__all__ = ["compile_offline", "read_draft"]


def read_draft(text: str) -> Draft:
    """Everything the text says, as a draft with its questions and assumptions."""
    return settle(read(unicodedata.normalize("NFKC", text or "")))


def compile_offline(text: str, previous: StrategySpec | None = None) -> CompileResult:
    """Compile one turn of English; with ``previous``, a follow-up revises that spec."""
    from app.compiler.offline.finish import finish, revise

    text = unicodedata.normalize("NFKC", text or "")  # fullwidth and styled letters read as ASCII
    if previous is not None:
        return revise(previous, text)
    return finish(read(text), text)
