"""Words -> tokens: numbers, percents, periods, symbols and the lexicon's phrases.

The lexer knows no rules. It turns a clause into a list of :class:`Tok` whose ``kind`` is
a terminal of ``phrases.lark``; symbols (``SYM``) and timeframes (``TF``) stay in the stream
where they stood; the reader takes them out before the grammar sees a clause.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any

from app.compiler.offline import vocab

MAX_PHRASE = 7
TIMEFRAMES = ("1m", "5m", "15m", "30m", "1h", "4h")


@dataclass(frozen=True)
class Tok:
    """One token: a grammar terminal, its value and the words it came from."""

    kind: str
    value: Any = None
    text: str = ""


@dataclass
class Lexed:
    """A clause's tokens, plus what was taken out of the stream."""

    toks: list[Tok] = field(default_factory=list)
    unknown: list[str] = field(default_factory=list)
    examples: list[str] = field(default_factory=list)
    """Symbols named as an example ("e.g. SPY")."""
    notes: list[str] = field(default_factory=list)
    """Readings the segmenter made that are not literal (an example value taken)."""


_RAW = re.compile(
    r"""
  (?P<money>\$\s?\d[\d,]*(?:\.\d+)?\s?[kKmM]?\b)
 |(?P<frac>(?<![\d/.])[1-3]/[2-4](?![\d/]))
 |(?P<ratio>\b\d+(?:\.\d+)?\s?:\s?\d+(?:\.\d+)?\b)
 |(?P<range>(?<![A-Za-z])\d+(?:\.\d+)?\s?%?\s?(?:-|–|to)\s?\d+(?:\.\d+)?\s?%)
 |(?P<num>(?<![A-Za-z])(?:\d{1,3}(?:,\d{3})+|\d+)(?:\.\d+)?(?:\s?%)?(?:[kK]\b)?|\.\d+\s?%?)
 |(?P<pair>\b[A-Z]{3,5}[/-](?:USD|USDT|EUR|JPY|GBP|CHF|AUD|CAD|NZD|BTC)\b)
 |(?P<cash>\$[A-Za-z]{1,5}\b)
 |(?P<word>%[a-zA-Z]\b|[+-]di\b|[A-Za-z][A-Za-z0-9]*(?:_[A-Za-z0-9]+)*(?:[.'’][A-Za-z]+(?:_[A-Za-z0-9]+)*)*(?:'s)?)
 |(?P<op>>=|<=|=>|=<|[<>=&()/,*])
""",
    re.X,
)

_SPLIT_ALNUM = re.compile(r"^([a-z]+?)(\d+(?:\.\d+)?)$|^(\d+(?:\.\d+)?)([a-z]+)$")


def _load(table: str) -> dict[tuple[str, ...], list[Tok]]:
    out: dict[tuple[str, ...], list[Tok]] = {}
    for line in table.replace("\\\n", " ").splitlines():
        if ":" not in line or not line.strip():
            continue
        head, _, phrases = line.partition(": ")
        toks = [_head_tok(part.split()) for part in head.split(" + ")]
        for phrase in phrases.split("|"):
            words = tuple(w for w, _ in raw_words(phrase.strip().lower()))
            if words:
                out[words] = toks
    return out


def _head_tok(parts: list[str]) -> Tok:
    value: object = parts[1] if len(parts) > 1 else None
    if parts[0] in ("NUM", "PCT"):
        value = float(parts[1])
    if parts[0] == "DAYN":
        value = int(parts[1])
    if parts[0] == "PERIOD":  # "PERIOD 1:day"
        n, _, unit = parts[1].partition(":")
        value = (int(n), unit)
    return Tok(parts[0], value)


@lru_cache(maxsize=1)
def phrase_table() -> dict[tuple[str, ...], list[Tok]]:
    """Every phrase of the lexicon (and each multi-bar pattern), by its words."""
    table = _load(vocab.PHRASES)
    forms = {
        head.strip(): [f.strip() for f in rest.split("|")]
        for head, _, rest in (
            line.partition(": ") for line in vocab.VERB_FORMS.strip().splitlines()
        )
    }
    for words, toks in list(table.items()):
        for form in forms.get(words[0], []) if len(words) > 1 else []:
            table.setdefault((form, *words[1:]), toks)
    for line in vocab.PATTERNS.replace("\\\n", " ").splitlines():
        if ": " in line:
            cond, _, phrases = line.partition(": ")
            for phrase in phrases.split("|"):
                table[tuple(w for w, _ in raw_words(phrase.strip().lower()))] = [
                    Tok("PATTERN", cond.strip())
                ]
    for line in vocab.EXPRESSIONS.replace("\\\n", " ").splitlines():
        if ": " in line:
            expr, _, phrases = line.partition(": ")
            for phrase in phrases.split("|"):
                table[tuple(w for w, _ in raw_words(phrase.strip().lower()))] = [
                    Tok("EXPR", expr.strip())
                ]
    for line in vocab.TIMEFRAME_WORDS.replace("\\\n", " ").splitlines():
        if ": " in line:
            tf, _, phrases = line.partition(": ")
            for phrase in phrases.split("|"):
                table[tuple(w for w, _ in raw_words(phrase.strip().lower()))] = [Tok("TF", tf)]
    return table


def raw_words(text: str) -> list[tuple[str, str]]:
    """(kind, text) pieces of a text: numbers, money, ratios, words, operators."""
    return [(m.group(), m.lastgroup or "op") for m in _RAW.finditer(text)]


def lex(text: str) -> Lexed:
    """The tokens of one clause."""
    out = Lexed()
    pieces = _pieces(text)
    table = phrase_table()
    i = 0
    while i < len(pieces):
        i = _step(pieces, i, table, out)
    _numbers_with_units(out)
    return out


def _pieces(text: str) -> list[tuple[str, str, str]]:
    """(lower, original, kind) of each raw piece, with typos fixed and alnum words split."""
    out: list[tuple[str, str, str]] = []
    for raw, kind in raw_words(text):
        low = raw.lower().replace("’", "'")
        low = vocab.TYPOS.get(low, low)
        if "." in low and low.startswith(vocab.CODE_PREFIXES):  # "ta.sma": sma
            prefix = next(p for p in vocab.CODE_PREFIXES if low.startswith(p))
            if len(low) > len(prefix):
                low, raw = low[len(prefix) :], raw[len(prefix) :]
        m = _SPLIT_ALNUM.match(low) if kind == "word" and (low,) not in phrase_table() else None
        if m and (not _is_symbol_word(raw) or (m.group(1) or "",) in phrase_table()):
            out += _split_alnum(m, raw)
            continue
        out.append((low, raw, kind))
    return out


def _split_alnum(m: re.Match[str], raw: str) -> list[tuple[str, str, str]]:
    if m.group(1):
        word, number = m.group(1), m.group(2)
        return [(word, word, "word"), (number, number, "num")]
    number, word = m.group(3), m.group(4)
    if word == "x":
        return [(number, number, "num"), ("x", "x", "word")]
    return [(number, number, "num"), (word, word, "word")]


def _is_symbol_word(raw: str) -> bool:
    return (
        raw.isupper()
        and raw.lower() not in ("h1", "h4", "m5", "m15", "m30", "d1", "w1")
        and not re.match(r"^(MA|SMA|EMA|WMA|RSI|ROC|ATR|ADX|NR|BB|DMA|M|H|D|W)\d", raw)
    )


def _step(
    pieces: list[tuple[str, str, str]], i: int, table: dict[tuple[str, ...], list[Tok]], out: Lexed
) -> int:
    low, raw, kind = pieces[i]
    if kind == "num":  # a phrase that starts with a number ("0 line")
        words = _phrase(pieces, i, table, out, shortest=2)
        if words:
            return i + len(words)
    if kind == "range":
        out.toks.append(Tok("RANGE", raw, raw))
        return i + 1
    if kind == "money":
        out.toks.append(Tok("MONEY", _number(low.lstrip("$ ")), raw))
        return i + 1
    if kind == "ratio":
        a, b = (float(x) for x in low.replace(" ", "").split(":"))
        out.toks.append(Tok("RATIO", (a, b), raw))
        return i + 1
    if kind == "frac":
        a, b = (float(x) for x in low.split("/"))
        out.toks.append(Tok("NUM", round(a / b, 4), raw))
        return i + 1
    if kind == "num":
        pct = low.endswith("%")
        value = _number(low.rstrip("% "))
        out.toks.append(Tok("PCT" if pct else "NUM", value, raw))
        return i + 1
    if kind in ("pair", "cash"):
        symbol = raw.lstrip("$").upper().replace("-", "/")
        if "-" in raw:  # "BTC-USD" (as some data sites write it): the pair BTC/USD
            out.notes.append(f"'{raw}' read as the pair {symbol}")
        _symbol(out, symbol, raw)
        return i + 1
    if (
        _is_unit(low)
        and out.toks
        and (
            out.toks[-1].kind == "NUM"
            or len(out.toks) > 1
            and out.toks[-1].kind == "CMP"
            and out.toks[-2].kind == "NUM"
        )
    ):
        out.toks.append(Tok("UNIT", low, raw))
        return i + 1
    if low in vocab.NAMED_IN_WORDS:
        out.toks.append(Tok("NAMED", vocab.NAMED_IN_WORDS[low], raw))
        return i + 1
    symbol = _symbol_of(raw, low) if kind == "word" else None
    if (
        symbol
        and symbol not in vocab.KNOWN_TICKERS
        and low not in vocab.COMPANIES
        and not _ticker_place(pieces, i, out)
    ):
        symbol = None
    if symbol and not _longer_phrase(pieces, i, table):
        _symbol(out, symbol, raw)
        return i + 1
    words = _phrase(pieces, i, table, out)
    if words:
        return i + len(words)
    if low in vocab.NUMBER_WORDS:
        out.toks.append(Tok("NUM", float(vocab.NUMBER_WORDS[low]), raw))
    elif low == "%" and out.toks and out.toks[-1].kind == "NUM":
        last = out.toks.pop()
        out.toks.append(Tok("PCT", last.value, last.text + "%"))
    elif (
        low in ("in", "within")
        and i + 1 < len(pieces)
        and (pieces[i + 1][2] == "num" or pieces[i + 1][0] in vocab.NUMBER_WORDS)
    ):
        out.toks.append(Tok("IN", None, raw))
    elif low in vocab.FILLERS or kind == "op":
        pass
    else:
        out.unknown.append(raw)
        out.toks.append(Tok("UNK", raw, raw))
    return i + 1


def _phrase(
    pieces: list[tuple[str, str, str]],
    i: int,
    table: dict[tuple[str, ...], list[Tok]],
    out: Lexed | None,
    shortest: int = 1,
) -> tuple[str, ...]:
    """The longest lexicon phrase starting at piece ``i`` (its tokens emitted into ``out``),
    or () when none of at least ``shortest`` words starts there."""
    for n in range(min(MAX_PHRASE, len(pieces) - i), shortest - 1, -1):
        words = tuple(p[0] for p in pieces[i : i + n])
        toks = table.get(words)
        if toks is not None:
            if out is not None:
                _emit(out, toks, " ".join(p[1] for p in pieces[i : i + n]))
            return words
    return ()


TICKER_CUES = {
    "buy",
    "sell",
    "short",
    "trade",
    "trading",
    "on",
    "ticker",
    "symbol",
    "symbols",
    "stock",
    "etf",
    "of",
    "like",
    "eg",
    "such",
    "as",
    "shares",
    "long",
    "tested",
    "trades",
    "buying",
    "selling",
    "shorting",
    "cover",
}


def _ticker_place(pieces: list[tuple[str, str, str]], i: int, out: Lexed) -> bool:
    """An unknown capitalised word is a symbol only where a symbol goes ("buy XYZ", "on
    XYZ", "AAPL, XYZ") and the sentence is not written in capitals."""
    words = [p[1] for p in pieces if p[2] == "word" and p[1].isalpha()]
    caps = sum(w.isupper() and len(w) > 1 for w in words)
    if caps >= 3 and caps * 2 > len(words):
        return False
    prev = pieces[i - 1][0] if i else ""
    return (
        prev in TICKER_CUES
        or prev == ","
        and bool(out.toks)
        and out.toks[-1].kind == "SYM"
        or (i == 0 and len(pieces) > 1 and pieces[1][0] in (":", ","))
    )


def _is_unit(low: str) -> bool:
    return low in vocab.PERIOD_UNITS or low in vocab.TIMEFRAME_UNITS


def _longer_phrase(
    pieces: list[tuple[str, str, str]], i: int, table: dict[tuple[str, ...], list[Tok]]
) -> bool:
    """True when a symbol-looking word starts a phrase of two or more words."""
    for n in range(min(MAX_PHRASE, len(pieces) - i), 1, -1):
        if tuple(p[0] for p in pieces[i : i + n]) in table:
            return True
    return False


def _emit(out: Lexed, toks: list[Tok], text: str) -> None:
    for tok in toks:
        if tok.kind != "DROP":
            out.toks.append(Tok(tok.kind, tok.value, text))


def _symbol(out: Lexed, symbol: str, raw: str) -> None:
    prev = out.toks[-1] if out.toks else None
    if (
        prev is not None
        and prev.kind == "COMMA"
        and len(out.toks) > 1
        and out.toks[-2].kind == "UNK"
        and out.toks[-2].value.lower() in ("eg", "ie")
    ):
        out.toks.pop()
        prev = out.toks[-1]
    if prev is not None and prev.kind == "UNK" and prev.value.lower() in ("eg", "such", "ie"):
        out.toks.pop()
        out.unknown.remove(prev.value)
        out.examples.append(symbol)
        return
    out.toks.append(Tok("SYM", symbol, raw))


def _symbol_of(raw: str, low: str) -> str | None:
    """The symbol a word names, or None."""
    if low in vocab.COMPANIES:
        return vocab.COMPANIES[low]
    upper = raw.upper()
    if upper in vocab.KNOWN_TICKERS and (raw.isupper() or low not in vocab.LOWERCASE_UNSAFE):
        return upper
    if (low,) in phrase_table() or low in vocab.FILLERS:
        return None
    if raw.isupper() and 2 <= len(raw) <= 6 and raw.isalpha() and upper not in vocab.NON_TICKERS:
        return upper
    if re.fullmatch(r"[A-Z]{1,5}\.[A-Z]", raw):
        return raw
    return None


def _number(text: str) -> float:
    text = text.replace(",", "").strip()
    scale = {"k": 1e3, "K": 1e3, "m": 1e6, "M": 1e6}.get(text[-1:], 1.0)
    return float(text.rstrip("kKmM ")) * scale


def _numbers_with_units(out: Lexed) -> None:
    """NUM + a period word -> PERIOD; NUM + a minute/hour word -> a timeframe."""
    toks, merged = out.toks, []
    i = 0
    while i < len(toks):
        tok = toks[i]
        nxt = toks[i + 1] if i + 1 < len(toks) else None
        unit = _unit_of(nxt)
        if tok.kind == "NUM" and unit in ("m", "h"):
            frame = f"{tok.value:g}{unit}"
            if frame in TIMEFRAMES or frame == "60m":
                merged.append(
                    Tok("TF", "1h" if frame == "60m" else frame, f"{tok.text} {nxt.text}")
                )
            else:  # "a 100-hour moving average", "after 2 hours": clock time, not a bar size
                merged.append(
                    Tok(
                        "PERIOD",
                        (int(tok.value), "hour" if unit == "h" else "minute"),
                        f"{tok.text} {nxt.text}",
                    )
                )
            i += 2
            continue
        if (
            tok.kind == "NUM"
            and nxt is not None
            and nxt.kind == "CMP"
            and nxt.value in ("ge", "le")
            and _unit_of(toks[i + 2] if i + 2 < len(toks) else None) not in (None, "m", "h")
        ):
            unit_tok = toks[i + 2]
            merged.append(
                Tok(
                    "PERIOD",
                    (int(tok.value), str(_unit_of(unit_tok))),
                    f"{tok.text} {nxt.text} {unit_tok.text}",
                )
            )
            i += 3
            continue
        if tok.kind == "NUM" and unit and unit not in ("m", "h"):
            merged.append(Tok("PERIOD", (int(tok.value), unit), f"{tok.text} {nxt.text}"))
            i += 2
            continue
        if (
            tok.kind == "UNIVERSE"
            and tok.text.lower() in vocab.UNIVERSE_MOVES
            and (nxt is None or nxt.kind not in ("SYM", "NAMED"))
        ):
            merged.append(Tok("MOVE", vocab.UNIVERSE_MOVES[tok.text.lower()], tok.text))
            i += 1
            continue
        pair = (
            nxt is not None
            and nxt.kind == "AND"
            and i + 3 < len(toks)
            and toks[i + 2].text.lower() in ("short", "long")
            and toks[i + 3].kind == "IND"
        )
        if (
            tok.kind == "SIDE"
            and tok.text.lower() in ("short", "long")
            and nxt is not None
            and (nxt.kind == "IND" or pair)
        ):  # "the short MA", "a short and long MA"
            merged.append(Tok("SPEED", "fast" if tok.text.lower() == "short" else "slow", tok.text))
            i += 1
            continue
        if tok.kind == "SETTING":  # "RSI length: 2", "EMA period = 50": the number is its length
            if not (
                merged
                and merged[-1].kind in ("IND", "OUT")
                and nxt is not None
                and nxt.kind in ("NUM", "LPAR")
            ):
                if tok.text.lower() not in vocab.FILLERS:
                    out.unknown.append(tok.text)
                    merged.append(Tok("UNK", tok.text, tok.text))
            i += 1
            continue
        if tok.kind == "TFWORD":  # "the weekly RSI": a bar size; "a weekly contract": not read
            if nxt is not None and nxt.kind in ("IND", "FIELD", "OUT", "EXTREME", "EXPR"):
                merged.append(Tok("TF", tok.value, tok.text))
            else:
                out.unknown.append(tok.text)
                merged.append(Tok("UNK", tok.text, tok.text))
            i += 1
            continue
        if (
            tok.kind == "NUM"
            and nxt is not None
            and nxt.kind == "IND"
            and tok.value >= 2
            and tok.value == int(tok.value)
        ):
            merged.append(Tok("PERIOD", (int(tok.value), "bar"), tok.text))
            i += 1
            continue
        merged.append(tok)
        i += 1
    merged = [
        Tok("WHEN", None, t.text)
        if t.kind == "AFTER"
        and k + 1 < len(merged)
        and merged[k + 1].kind != "PERIOD"
        and not (k and merged[k - 1].kind == "PERIOD")
        else t
        for k, t in enumerate(merged)
    ]
    out.toks = [
        t
        for k, t in enumerate(merged)
        if not (t.kind == "LAG" and k + 1 < len(merged) and merged[k + 1].kind in ("PERIOD", "NUM"))
    ]


def _unit_of(tok: Tok | None) -> str | None:
    if tok is None or tok.kind not in ("UNK", "UNIT"):
        return None
    word = str(tok.value).lower()
    if word in vocab.TIMEFRAME_UNITS:
        return vocab.TIMEFRAME_UNITS[word]
    return vocab.PERIOD_UNITS.get(word)
