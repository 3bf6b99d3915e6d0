"""Tokens of the strategy language for highlighting, shared by the spec view and the editor.

Pure Python (no Textual): :func:`tokens` cuts one line into ``(start, end, kind)`` spans and
:data:`TOKEN_STYLES` says which theme colour each kind takes, so the read-only spec view and
the editor colour the language the same way in the light and the dark theme.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

from app.indicators.catalog import CATALOG
from app.spec.models import AGENTS, REGIMES
from app.spec.universes import names as universe_names

KEYWORDS = frozenset(
    """
    strategy universe screen where rank by top timeframe direction long short both when exit
    stop loss take profit trailing max hold bars bar size risk of equity positions position
    regime allow transition benchmark agents debate rounds round min conviction daily
    exposure drawdown circuit breaker in question ascending descending raise block shares
    share usd dollars all any trending param step units unit
""".split()
)
"""Statement words of the grammar (``grammar/strategy.lark``)."""
LOGIC = frozenset({"and", "or", "not", "crosses", "above", "below"})
FIELDS = frozenset({"open", "high", "low", "close", "volume"})
NAMES = frozenset(REGIMES) | frozenset(AGENTS) | frozenset(universe_names())
"""Regimes, agents and named universes (``universe sp500``)."""

TOKEN_STYLES: dict[str, tuple[str, str]] = {
    "keyword": ("text-primary", "bold"),
    "logic": ("text-primary", "italic"),
    "indicator": ("text-success", ""),
    "field": ("text-secondary", "bold"),
    "symbol": ("text-accent", "bold"),
    "name": ("text-accent", ""),
    "number": ("text-warning", ""),
    "string": ("text-success", "italic"),
    "comment": ("foreground-muted", "italic"),
    "operator": ("text-primary", ""),
}
"""Token kind -> (theme variable, extra style)."""

_TOKEN = re.compile(
    r"""
    (?P<comment>\#.*$)
  | (?P<string>"(?:[^"\\]|\\.)*"?)
  | (?P<number>\$?\d+(?:\.\d+)?(?:[eE][+-]?\d+)?(?:[a-zA-Z]+\b|%)?|\.\d+%?)
  | (?P<symbol>\b[A-Z][A-Z0-9]*(?:[./][A-Z0-9]+)+\b)
  | (?P<word>\b[A-Za-z_][A-Za-z0-9_]*\b)
  | (?P<operator><=|>=|==|!=|\.\.|[<>=+\-*/%$])
""",
    re.VERBOSE,
)


def tokens(line: str) -> Iterator[tuple[int, int, str]]:
    """``(start, end, kind)`` character spans of one line; plain text is left out."""
    for match in _TOKEN.finditer(line):
        kind = match.lastgroup or ""
        if kind == "word":
            kind = _word_kind(match.group())
            if not kind:
                continue
        yield match.start(), match.end(), kind


def _word_kind(word: str) -> str:
    if word in KEYWORDS:
        return "keyword"
    if word in LOGIC:
        return "logic"
    if word in FIELDS:
        return "field"
    if word in CATALOG:
        return "indicator"
    if word in NAMES:
        return "name"
    if word.isupper():
        return "symbol"
    return ""


def content_style(kind: str) -> str:
    """A Textual style string for a token kind, e.g. ``"bold $text-primary"``."""
    variable, extra = TOKEN_STYLES[kind]
    return f"{extra} ${variable}".strip()
