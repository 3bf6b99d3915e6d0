"""Which symbols the user named: tickers, cashtags, crypto pairs and a few company names.

A word is taken as a symbol only on good evidence (written in capitals, a ``$`` cashtag, a
known ticker or name), never because it might be one: a missing universe becomes a
question, not a guess.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from app.compiler.offline.lexicon import (
    COMPANIES,
    CRYPTO,
    KNOWN_TICKERS,
    LOWERCASE_UNSAFE,
    NON_TICKERS,
)
from app.compiler.offline.scanner import Scanner

_LABEL = re.compile(r"\b(?:universe|symbols?|tickers?|watch ?list|instruments?)\s*[:=]")
_PAIR = re.compile(r"\$?\b([a-z]{2,5})\s*/\s*(usdt|usdc|usd|btc|eur)\b")
_CASHTAG = re.compile(r"\$([a-z][a-z.]{0,5}[a-z]|[a-z])\b(?:'s\b)?")
_CRYPTO = re.compile(r"\b(" + "|".join(sorted(map(re.escape, CRYPTO), key=len, reverse=True))
                     + r")\b(?!\s*/)")
_COMPANY = re.compile(r"\b(" + "|".join(sorted(map(re.escape, COMPANIES), key=len,
                                               reverse=True)) + r")(?:'s)?\b")
_INDEX = re.compile(r"\b(?:the\s+)?(s&p(?:\s*500)?|spx|nasdaq(?:[- ]100)?|dow(?: jones)?)\b")
_WORD = re.compile(r"(?<![\w$/.])([a-z][a-z0-9]{0,5}(?:\.[ab])?)(?![\w/])(?:'s\b)?")
_INDEX_FUNDS = {"s&p": "SPY", "spx": "SPY", "nasdaq": "QQQ", "dow": "DIA"}


@dataclass
class Universe:
    """Symbols in the order the user named them, and how some were read."""

    symbols: list[str] = field(default_factory=list)
    assumptions: list[str] = field(default_factory=list)
    spans: list[tuple[str, int]] = field(default_factory=list)
    """Each mention and where it starts (a symbol named inside a condition is not traded)."""

    def add(self, symbol: str, at: int = -1) -> None:
        if symbol not in self.symbols:
            self.symbols.append(symbol)
        self.spans.append((symbol, at))


def read_symbols(scanner: Scanner, cased: str) -> Universe:
    """Take every symbol the text names out of ``scanner``."""
    found = Universe()
    scanner.take_first(_LABEL)
    for m in scanner.take(_PAIR):
        found.add(f"{m.group(1).upper()}/{m.group(2).upper()}", m.start())
    for m in scanner.take(_CASHTAG):
        word = m.group(1)
        found.add(CRYPTO.get(word, word.upper()), m.start())
    for m in scanner.take(_CRYPTO):
        found.add(CRYPTO[m.group(1)], m.start())
    for m in scanner.take(_COMPANY):
        found.add(COMPANIES[m.group(1)], m.start())
    _read_indexes(scanner, found)
    _read_tickers(scanner, cased, found)
    first = {sym: min(at for s, at in found.spans if s == sym) for sym in found.symbols}
    found.symbols.sort(key=lambda sym: first[sym])
    return found


def _read_indexes(scanner: Scanner, found: Universe) -> None:
    for m in scanner.take(_INDEX):
        name = m.group(1).split()[0].split("-")[0]
        fund = _INDEX_FUNDS.get(name, "SPY")
        found.add(fund, m.start())
        found.assumptions.append(f"'{m.group(0).strip()}' traded through the {fund} ETF")


def _read_tickers(scanner: Scanner, cased: str, found: Universe) -> None:
    shouting = _mostly_upper(cased)
    for m in list(_WORD.finditer(scanner.work)):
        word, original = m.group(1), cased[m.start(1):m.end(1)]
        if _is_ticker(word, original, shouting, scanner.work, m.start(1)):
            scanner.blank(m.start(1), m.end())
            found.add(word.upper(), m.start(1))


def _is_ticker(word: str, original: str, shouting: bool, work: str, start: int) -> bool:
    upper = word.upper()
    if upper in KNOWN_TICKERS and word not in LOWERCASE_UNSAFE:
        return True
    if shouting or not original.isupper() or upper in NON_TICKERS:
        return False
    if len(upper) == 1 and upper not in KNOWN_TICKERS:
        return False
    return not _indicator_context(work, start, word)


def _indicator_context(work: str, start: int, word: str) -> bool:
    """True for 'MA' in '50 MA' or 'MA cross': an abbreviation, not Mastercard."""
    if word not in ("ma", "dma", "ema"):
        return False
    before = work[:start].rstrip()
    return bool(re.search(r"(?:\d|\bthe|\bits|\bmoving)$", before)) or bool(
        re.match(r"\s*(?:cross|crosses|crossover|\()", work[start + len(word):]))


def _mostly_upper(text: str) -> bool:
    letters = [c for c in text if c.isalpha()]
    return len(letters) >= 8 and sum(c.isupper() for c in letters) / len(letters) > 0.7
