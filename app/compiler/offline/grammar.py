"""Parsing one clause's tokens with ``phrases.lark``, into parts (rules, stops, sizes...).

The parser is built once, on first use (LALR, grammar analysis cached on disk by Lark).
A clause that does not parse, or whose reading needs a number the text never gave, is
returned as a question quoting it: never as a partial rule.
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import Any

from lark import Lark, Token, Tree
from lark.exceptions import LarkError
from lark.lexer import Lexer

from app.compiler.offline.lexer import Tok
from app.compiler.offline.parts import Ask, Part, PartBuilder

GRAMMAR = Path(__file__).with_name("phrases.lark")


class _ListLexer(Lexer):
    """Hands the parser the tokens already made by the lexer."""

    def __init__(self, conf: Any) -> None:
        pass

    def lex(self, data: Any) -> Any:  # type: ignore[override]
        return iter(data)


@lru_cache(maxsize=1)
def parser() -> Lark:
    return Lark(
        GRAMMAR.read_text(encoding="utf-8"),
        parser="lalr",
        lexer=_ListLexer,
        maybe_placeholders=False,
        cache=True,
    )


def parse_clause(
    toks: list[Tok], speeds: dict[str, int] | None = None
) -> tuple[list[Part], list[str]]:
    """The parts of one clause and the notes of its non-literal readings; raises
    :class:`Ask` when it cannot be read whole."""
    stream = [Token(t.kind, str(i)) for i, t in enumerate(toks)]
    grammar = parser()  # a grammar that does not build is a bug, never a question
    try:
        tree = grammar.parse(stream)
    except LarkError:
        raise Ask(None) from None
    walk = _Walk(toks, speeds or {})
    return walk.parts(tree), walk.build.notes


class _Walk:
    """Tree -> parts, through :class:`PartBuilder` (one method per grammar alias)."""

    def __init__(self, toks: list[Tok], speeds: dict[str, int]) -> None:
        self.toks = toks
        self.build = PartBuilder(speeds)

    def parts(self, tree: Tree) -> list[Part]:
        return [self.visit(child) for child in tree.children]

    def visit(self, node: Any) -> Any:
        if isinstance(node, Token):
            return self.toks[int(node.value)]
        name = str(node.data)
        args = [self.visit(c) for c in node.children]
        method = getattr(self.build, name, None)
        if method is None:
            raise Ask(None)
        return method(*args)
