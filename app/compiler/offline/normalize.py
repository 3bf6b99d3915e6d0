"""Text clean-up before reading: one spelling for each thing a trader may type many ways.

The result keeps the user's letter case (symbols are recognised by it); every later step
reads the lower-case copy, which has the same length so positions agree.
"""

from __future__ import annotations

import difflib
import re

from app.compiler.offline.lexicon import FILLERS, FUZZY_TARGETS, NUMBER_WORDS, TYPOS

_CHARS = str.maketrans({
    "\u2019": "'", "\u2018": "'", "\u201c": '"', "\u201d": '"', "\u2013": "-", "\u2014": " - ",
    "\u00d7": "x", "\u2265": ">=", "\u2264": "<=", "\u2192": "->", "\u00a0": " ", "\t": " ",
    "\u2026": "...",
})
_WORD = re.compile(r"[A-Za-z][A-Za-z'/-]*[A-Za-z]|[A-Za-z]")
_UNIT_AFTER = (r"(?=\s*(?:%|percent|days?|bars?|weeks?|months?|hours?|minutes?|shares?|"
               r"positions?|rounds?|atrs?|times|x\b|candles?|sessions?|down|up|red|green))")
_NUMBER_WORD = re.compile(r"\b(" + "|".join(NUMBER_WORDS) + r")\b" + _UNIT_AFTER, re.I)
_GLUED = re.compile(r"\b(\d+(?:\.\d+)?)(sma|ema|wma|dma|ma|rsi|atrs?|bars?|period|x|days?)\b",
                    re.I)
_GLUED_D = re.compile(r"\b(\d+)d(?=\s+(?:high|low|sma|ema|ma|moving|average|rsi|breakout))",
                      re.I)
_NAME_NUM = re.compile(r"\b(sma|ema|wma|rsi|adx|atr|roc)(\d+)\b", re.I)
_THOUSANDS = re.compile(r"(?<=\d),(?=\d{3}\b)")
_KILO = re.compile(r"\b(\d+(?:\.\d+)?)\s?k\b", re.I)
_PAREN_COMMA = re.compile(r"\(\s*([\d.]+)\s*,\s*([\d.]+)\s*(?:,\s*([\d.]+)\s*)?\)")
_OPERATORS = re.compile(r"\s*(>=|<=|==|!=|->|=>|>|<)\s*")
_SPACES = re.compile(r"[ ]{2,}")


def normalize(text: str) -> str:
    """The cleaned text, in the user's letter case."""
    text = text.translate(_CHARS)
    text = "".join(c if c.isascii() or c.isalpha() else " " for c in text)
    text = _fix_words(text)
    text = _NUMBER_WORD.sub(lambda m: NUMBER_WORDS[m.group(1).lower()], text)
    text = _THOUSANDS.sub("", text)
    text = _KILO.sub(lambda m: _kilo(m.group(1)), text)
    text = _GLUED_D.sub(r"\1 day", text)
    text = _GLUED.sub(r"\1 \2", text)
    text = _NAME_NUM.sub(r"\1 \2", text)
    text = _PAREN_COMMA.sub(_join_paren, text)
    text = _OPERATORS.sub(_spaced_operator, text)
    text = re.sub(r"(\d)\s+%", r"\1%", text)
    text = re.sub(r"\b(it|that|price|stock)'s\b", r"\1 is", text, flags=re.I)
    return _SPACES.sub(" ", text).strip()


def lower(text: str) -> str:
    """Lower case without changing the length (so positions stay valid)."""
    return "".join(c.lower() if len(c.lower()) == 1 else c for c in text)


def _fix_words(text: str) -> str:
    def fix(match: re.Match[str]) -> str:
        word = match.group(0)
        low = word.lower()
        if low in TYPOS:
            return TYPOS[low]
        if len(low) >= 6 and low not in FILLERS and low not in FUZZY_TARGETS:
            close = difflib.get_close_matches(low, FUZZY_TARGETS, n=1, cutoff=0.86)
            if close:
                return close[0]
        return word
    return _WORD.sub(fix, text)


def _kilo(number: str) -> str:
    value = float(number) * 1000
    return str(int(value)) if value == int(value) else str(value)


def _join_paren(match: re.Match[str]) -> str:
    return "(" + ",".join(g for g in match.groups() if g) + ")"


def _spaced_operator(match: re.Match[str]) -> str:
    op = match.group(1)
    return " then " if op in ("->", "=>") else f" {op} "
