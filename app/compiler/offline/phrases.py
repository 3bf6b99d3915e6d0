"""Whole-phrase rules traders use as names: "golden cross", "20-day breakout", "3 down days
in a row", "drops 5% in a day", and the vague words that must become questions.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from app.compiler.offline.conds import (
    CLOSE,
    Atom,
    Cond,
    Operand,
    all_of,
    atoms,
    negate,
    number,
)
from app.compiler.offline.lexicon import SCHEDULE_QUESTION, UNIT_DAYS, VAGUE_WORDS
from app.dsl.printer import num


@dataclass(frozen=True)
class Role:
    """Which rule a phrase belongs to, and the entry rule an exit can refer back to."""

    side: str = "long"
    exit: bool = False
    entry: Cond | None = None

    @property
    def rising(self) -> bool:
        """True when this rule fires on strength (long entry, short exit)."""
        return (self.side == "long") != self.exit

    def mirror(self, left: Operand | None) -> Atom | None:
        """The entry comparison an exit mirrors (the one on the same operand, if any)."""
        found = atoms(self.entry)
        same = [a for a in found if left is not None and a.left == left]
        return same[0] if same else (found[0] if found else None)


@dataclass(frozen=True)
class Failure:
    """A phrase that did not read: a question to ask, or words not understood."""

    question: str | None = None
    words: str = ""


def _c(pattern: str) -> re.Pattern[str]:
    return re.compile(pattern)


_ART = r"^(?:an?\s+|the\s+|new\s+|fresh\s+)*"
_NU = r"(?P<n>\d+)[- ]?(?P<u>day|week|bar|month|session|period)?s?"
GOLDEN = _c(_ART + r"golden\s+cross(?:over|es|ing)?$")
DEATH = _c(_ART + r"death\s+cross(?:over|es|ing)?$")
PAIR = _c(_ART + r"(?:(?P<adj>bullish|bearish)\s+)?(?:(?P<k1>sma|ema|wma|ma|"
                 r"dma)\s+)?(?P<a>\d+)\s*/\s*(?P<b>\d+)(?:[- ]?day)?\s*"
          r"(?:(?P<k2>sma|ema|wma|ma|dma|moving average|simple moving average|exponential moving "
          r"average)s?\s+)?cross(?:over|es|ing)?(?:\s+(?P<ud>up|down|above|below))?$")
MACD_CROSS = _c(_ART + r"(?:(?P<adj>bullish|bearish|positive|negative|upward|downward)\s+)?macd"
                r"(?:\s+(?:signal|signal line|line))?\s+cross(?:over|es|ing)?(?:\s+(?P<ud>up|down|"
                r"above|"
                r"below))?$")
NOT_ANY_MORE = _c(r"^(?:it|that|this|they)?\s*(?:is\s+|are\s+)?(?:not|isn't|aren't|"
                  r"no\s+longer(?:\s+(?:true|"
                  r"the\s+case|so|above|below))?|stops?(?:\s+being\s+(?:true|the\s+case))?|"
                  r"not\s+(?:true|the\s+case)(?:\s+any\s*more)?|reverses?)$")
FLIP = _c(_ART + r"(?:reverse|opposite|bearish|bullish|other)?\s*(?:cross(?:over)?|one)(?:\s+back)?"
          r"(?:\s+(?:down|up))?$")
BREAK = _c(_ART + rf"(?:{_NU}\s+)(?P<hl>high|low)?\s*(?P<kind>break\s?out|break\s?down)$|"
           + _ART + r"(?P<kind2>break\s?out|break\s?down)\s+(?:of|above|below)\s+(?:the\s+)?"
           r"(?P<n2>\d+)[- ]?(?P<u2>day|week|bar|month)?s?\s+(?:high|low)$")
IN_A_ROW = _c(r"(?:^|\s)(?:(?:closes?|closed|is|finishes|goes|has been)\s+)?(?P<dir>down|lower|up|"
              r"higher)"
              r"\s+(?P<n>\d+)\s+(?:days|bars|sessions|times|closes)\s+in\s+a\s+row|(?P<n2>\d+)\s+"
              r"(?:consecutive\s+)?(?P<dir2>down|red|up|green|lower|higher)\s+(?:days|closes|bars|"
              r"candles|sessions)(?:\s+in\s+a\s+row)?")
MOVE = _c(r"(?P<verb>drop(?:s|ped)?|falls?|fell|declin(?:es?|ed)|loses|lost|is down|was down|down|"
          r"sinks?|sank|dip(?:s|ped)?|rises?|rose|gain(?:s|ed)?|jump(?:s|ed)?|rall(?:ies|y|ied)|"
          r"is up|"
          r"was up|up|climb(?:s|ed)?|pop(?:s|ped)?|moves? up|moves? down)\s+(?:by\s+)?"
          r"(?:more than\s+|at least\s+|over\s+)?(?P<pct>\d+(?:\.\d+)?)%(?:\s+(?:in|over|within|on)"
          r"\s+(?:a\s+single\s+|a\s+|one\s+|the\s+)?(?:(?P<n>\d+)\s+)?(?P<u>days?|bars?|sessions?"
          r"|weeks?)|\s+(?P<today>today|on the day|intraday))?")
GAP = _c(r"gaps?\s+(?P<dir>up|down)(?:\s+(?:by\s+)?(?:more than\s+|"
         r"at least\s+)?(?P<pct>\d+(?:\.\d+)?)%)?")
SCHEDULE = _c(r"\bevery\s+(?:day|week|month|morning|monday|tuesday|wednesday|thursday|friday|"
              r"\d+\s+days)\b|\bdca\b|\b(?:weekly|monthly|daily)\s+(?:buy|purchase)|\bon\s+"
              r"(?:mondays|fridays)\b")
_VAGUE = [
    (r"\b(?:cheap|cheaper|on sale|bargain)\b", "cheap"),
    (r"\b(?:expensive|pricey|rich)\b", "expensive"),
    (r"\bundervalued\b", "undervalued"), (r"\bovervalued\b", "overvalued"),
    (r"\b(?:dips?|dipping|pull ?backs?|pulls back|pulling back|sell-?off)\b", "dip"),
    (r"\b(?:goes up|going up|moves up|rises|rising|rall(?:y|ies)|pumps?|pumping|rips|mooning|"
     r"is up)\b", "up"),
    (r"\b(?:goes down|going down|moves down|falls|falling|drops|dropping|tanks?|dumps?|crashes|"
     r"is down)\b", "down"),
    (r"\b(?:strong|strength|strongly|bullish)\b", "strong"),
    (r"\b(?:weak|weakness|bearish)\b", "weak"),
    (r"\bmomentum\b", "momentum"),
    (r"\b(?:low|lows)\b", "low"), (r"\b(?:high|highs)\b", "high"),
    (r"\bbreak\s?(?:out|s out)\b", "breakout"),
    (r"\b(?:support|resistance)\b", "support"),
    (r"\b(?:trend|trending|uptrend|downtrend)\b", "trend"),
    (r"\b(?:spikes?|surges?|explodes?)\b", "spike"),
    (r"\b(?:looks? good|looks? strong|looks? weak|feels? right)\b", "strong"),
]
VAGUE = [(_c(p), key) for p, key in _VAGUE]


def special(piece: str, role: Role) -> Cond | str | None:
    """The condition a named phrase means; a question (str) when it lacks a number; else None."""
    p = piece.strip()
    if GOLDEN.search(p) or DEATH.search(p):
        return _golden(bool(GOLDEN.search(p)))
    for pattern, reader in ((PAIR, _pair), (BREAK, _break), (IN_A_ROW, _in_a_row),
                            (MOVE, _move), (GAP, _gap)):
        m = pattern.search(p)
        if m and (pattern is not MOVE or _whole(m, p)):
            return reader(m, role)
    m = MACD_CROSS.search(p)
    if m:
        return _macd_cross(m, role)
    if FLIP.search(p):
        return _flip(role)
    if NOT_ANY_MORE.search(p) and role.exit and role.entry is not None:
        return negate(role.entry)
    if SCHEDULE.search(p):
        return SCHEDULE_QUESTION
    return None


def _whole(m: re.Match[str], piece: str) -> bool:
    """A % move must be the whole phrase (bar its subject), not part of a comparison."""
    rest = (piece[:m.start()] + piece[m.end():]).split()
    return all(w in ("it", "the", "stock", "price", "when", "if", "has", "a", "than") for w in rest)


def _sma(period: int, note: str = "") -> Operand:
    return Operand(f"sma(close, {period})", "sma", f"SMA({period})", params=(period,),
                   notes=(note,) if note else ())


def _golden(golden: bool) -> Cond:
    word = "golden cross: the 50-day SMA crossing above" if golden else \
        "death cross: the 50-day SMA crossing below"
    return Atom(_sma(50, f"{word} the 200-day SMA"),
                "crosses above" if golden else "crosses below", _sma(200))


def _pair(m: re.Match[str], role: Role) -> Cond:
    kind_word = m.group("k1") or m.group("k2") or "sma"
    kind = "ema" if "exp" in kind_word or kind_word == "ema" else (
        "wma" if kind_word == "wma" else "sma")
    a, b = sorted((int(m.group("a")), int(m.group("b"))))
    said = m.group("ud") or {"bullish": "up", "bearish": "down"}.get(m.group("adj") or "", "")
    up = {"up": True, "above": True, "down": False, "below": False}.get(said, role.rising)
    fast = Operand(f"{kind}(close, {a})", kind, f"{kind.upper()}({a})", params=(a,))
    slow = Operand(f"{kind}(close, {b})", kind, f"{kind.upper()}({b})", params=(b,))
    return Atom(fast, "crosses above" if up else "crosses below", slow)


def _macd_cross(m: re.Match[str], role: Role) -> Cond:
    said = m.group("ud") or m.group("adj") or ""
    up = role.rising if not said else said in ("up", "above", "bullish", "positive", "upward")
    args = "close, 12, 26, 9"
    note = ("MACD: 12/26/9 (the standard; not stated)",)
    line = Operand(f"macd({args}).line", "macd", "MACD", params=(12, 26, 9), notes=note)
    signal = Operand(f"macd({args}).signal", "macd", "MACD signal", params=(12, 26, 9))
    return Atom(line, "crosses above" if up else "crosses below", signal)


def _bars(n: str, unit: str | None) -> int:
    value = int(n)
    if unit in ("week",) and value == 52:
        return 252
    return value * UNIT_DAYS.get(unit or "day", 1)


def _break(m: re.Match[str], role: Role) -> Cond:
    kind = (m.group("kind") or m.group("kind2")).replace(" ", "")
    period = _bars(m.group("n") or m.group("n2"), m.group("u") or m.group("u2"))
    if kind == "breakout" and m.group("hl") != "low":
        return Atom(CLOSE, ">", Operand(f"highest(high, {period})[1]", "highest",
                                        f"{period}-bar high", params=(period,)))
    return Atom(CLOSE, "<", Operand(f"lowest(low, {period})[1]", "lowest", f"{period}-bar low",
                                    params=(period,)))


def _in_a_row(m: re.Match[str], role: Role) -> Cond:
    n = int(m.group("n") or m.group("n2"))
    down = (m.group("dir") or m.group("dir2")) in ("down", "lower", "red")
    op = "<" if down else ">"
    items: list[Cond] = []
    for i in range(n):
        left = Operand("close" if i == 0 else f"close[{i}]", "field", "close")
        items.append(Atom(left, op, Operand(f"close[{i + 1}]", "field", "close")))
    return all_of(items)


def _move(m: re.Match[str], role: Role) -> Cond | str:
    pct = float(m.group("pct"))
    down = bool(re.match(r"drop|fall|fell|declin|los|is down|was down|down|sink|sank|dip|"
                         r"moves? down",
                         m.group("verb")))
    if m.group("today"):
        bars = 1
    elif m.group("u"):
        unit = m.group("u").rstrip("s")
        bars = _bars(m.group("n") or "1", unit)
    else:
        return (f"{'Down' if down else 'Up'} {num(pct)}% from what: the previous close, or over "
                "how many bars (e.g. 'in 3 days')?")
    roc = Operand(f"roc(close, {bars})", "roc", f"{bars}-bar change", params=(bars,))
    return Atom(roc, "<=" if down else ">=", number(-pct if down else pct))


def _gap(m: re.Match[str], role: Role) -> Cond:
    up = m.group("dir") == "up"
    open_ = Operand("open", "field", "open")
    if m.group("pct") is None:
        ref = "high[1]" if up else "low[1]"
        return Atom(open_, ">" if up else "<", Operand(ref, "field", ref))
    factor = 1 + float(m.group("pct")) / 100 * (1 if up else -1)
    return Atom(open_, ">=" if up else "<=",
                Operand(f"close[1] * {num(round(factor, 6))}", "field", "previous close"))


def _flip(role: Role) -> Cond | str | None:
    crosses = [a for a in atoms(role.entry) if a.op.startswith("crosses")]
    if not role.exit or not crosses:
        return None
    return crosses[0].flipped()


def vague_question(piece: str) -> str | None:
    """The question for the first vague word in ``piece``, or None."""
    for pattern, key in VAGUE:
        if pattern.search(piece):
            return VAGUE_WORDS[key]
    return None
