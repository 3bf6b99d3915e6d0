"""Loading the Lark grammar once, and the human names of its terminals."""

from __future__ import annotations

from collections.abc import Iterator
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from lark import Token

_PACKAGED = Path(__file__).with_name("strategy.lark")
_REPO = Path(__file__).resolve().parents[2] / "grammar" / "strategy.lark"


def grammar_path() -> Path:
    """The grammar file: packaged in a wheel, or ``grammar/`` of the source tree."""
    return _PACKAGED if _PACKAGED.exists() else _REPO


def grammar_text() -> str:
    return grammar_path().read_text(encoding="utf-8")


@cache
def statement_parser(located: bool = False) -> Any:
    """An LALR parser whose start rule is a single statement (see :mod:`app.dsl.lark_runtime`).

    Tracking the position of every rule node more than doubles the parse time, so the
    fast parser leaves it out; a statement that turns out to have a problem is parsed
    again with ``located=True`` to point at the exact spot.
    """
    from app.dsl.lark_runtime import RUNTIME

    return RUNTIME.Lark_StandAlone(propagate_positions=located, postlex=WordBoundary())


class RunTogether(Exception):
    """Two words with nothing between them, such as ``aboveabc`` read as ``above abc``."""

    def __init__(self, first: Token, second: Token) -> None:
        super().__init__(f"{first}{second}")
        self.first, self.second = first, second


def _wordy(char: str) -> bool:
    return char.isalnum() or char == "_"


class WordBoundary:
    """A post-lexer that refuses a keyword, name or number glued to the next word.

    The contextual lexer only tries the terminals the parser can take next, so without this
    check ``crosses aboveabc`` would read as ``crosses above abc``.
    """

    always_accept: tuple[str, ...] = ()

    def process(self, stream: Iterator[Token]) -> Iterator[Token]:
        previous: Token | None = None
        for token in stream:
            if (
                previous is not None
                and previous.end_pos == token.start_pos
                and _wordy(str(previous)[-1:])
                and _wordy(str(token)[:1])
            ):
                raise RunTogether(previous, token)
            previous = token
            yield token


TERMINAL_NAMES: dict[str, str] = {
    "NUMBER": "a number",
    "INT": "a whole number",
    "NAME": "a name",
    "SYMBOL": "a ticker symbol",
    "STRING": 'a quoted name like "My strategy"',
    "DURATION": "a timeframe like 1d or 5m",
    "COMP_OP": "a comparison (<, <=, >, >=, ==, !=)",
    "ADD_OP": "+ or -",
    "MUL_OP": "* or /",
    "CROSS_DIR": "above or below",
    "SIDE": "long or short",
    "SIDE_OR_BOTH": "long, short or both",
    "ORDER": "ascending or descending",
    "TRANSITION": "raise, block or allow",
    "BARS": "bars",
    "ROUNDS": "rounds",
    "SHARES": "shares (or units)",
    "USD": "usd",
    "LPAR": '"("',
    "RPAR": '")"',
    "LSQB": '"["',
    "RSQB": '"]"',
    "COMMA": '","',
    "DOT": '"."',
    "PERCENT": '"%"',
    "DOLLAR": '"$"',
    "MINUS": '"-"',
    "$END": "the end of the statement",
    "<END-OF-FILE>": "the end of the statement",
}


def describe_terminal(name: str) -> str:
    """A readable name for a terminal: keywords become themselves in quotes."""
    if name in TERMINAL_NAMES:
        return TERMINAL_NAMES[name]
    try:
        pattern = statement_parser().lexer_conf.terminals_by_name[name].pattern
    except KeyError:  # a name lark makes up, not one of the grammar's terminals
        return name.lower()
    value = getattr(pattern, "value", name)
    return f'"{value}"' if pattern.type == "str" else name.lower()
