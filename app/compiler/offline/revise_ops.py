"""The edits a follow-up can ask for besides restating a value: relative changes ("tighter
stop", "half the size"), removals ("drop the take profit"), renames, period changes ("use
20 instead of 10") and universe changes ("add NVDA", "remove MSFT", "trade TSLA instead").
"""

from __future__ import annotations

import re

from app.compiler.offline.draft import RULE_KEYS, Draft, level_text
from app.compiler.offline.scanner import Scanner
from app.compiler.offline.symbols import Universe
from app.dsl.printer import format_sizing, num
from app.spec.readback import DEFAULT_SIZING_PCT

_STOP_WORD = r"(?:trailing\s+)?stop(?:\s+loss)?"
TIGHTER = re.compile(rf"\b(?:tighter|tighten(?:\s+up)?(?:\s+the)?|closer|smaller|narrower|"
                     rf"reduce\s+the|"
                     rf"shrink\s+the)\s+{_STOP_WORD}\b|\b{_STOP_WORD}\s+(?:a\s+bit\s+|much\s+)?"
                     rf"(?:tighter|closer|smaller)\b")
WIDER = re.compile(rf"\b(?:wider|widen(?:\s+the)?|looser|loosen(?:\s+the)?|bigger|"
                   rf"larger)\s+{_STOP_WORD}\b"
                   rf"|\b{_STOP_WORD}\s+(?:a\s+bit\s+|much\s+)?(?:wider|looser|bigger)\b|\bgive\s+"
                   rf"(?:it|the\s+{_STOP_WORD})\s+more\s+room\b")
SMALLER = re.compile(r"\b(?:half|halve)\s+(?:the\s+)?(?:size|position\s+size|risk|positions?)\b|"
                     r"\bsmaller\s+(?:positions?|size)\b|\brisk\s+less\b")
BIGGER = re.compile(r"\bdouble\s+(?:the\s+)?(?:size|position\s+size|risk|positions?)\b|"
                    r"\bbigger\s+(?:positions?|size)\b|\brisk\s+more\b")
REMOVE = re.compile(
    r"\b(?:remove|drop|delete|no|without|get\s+rid\s+of|turn\s+off|disable|don't\s+use|"
    r"do\s+not\s+use|"
    r"no\s+more|kill)\s+(?:the\s+|a\s+|any\s+)?(?P<what>trailing\s+stop|stop(?:\s+loss)?|"
    r"take[- ]?profit|"
    r"profit\s+target|target|max(?:imum)?\s+hold(?:ing)?(?:\s+(?:time|period))?|holding\s+(?:limit|"
    r"time|"
    r"period)|time\s+stop|regime\s+filter|regime|agents?|agent\s+team|analysts?|exit\s+rule|exit|"
    r"daily\s+loss\s+limit|drawdown\s+limit|max\s+drawdown|circuit\s+breaker|position\s+limit|"
    r"max\s+positions|sizing|size)\b")
RENAME = re.compile(r"\b(?:rename(?:\s+it)?|call\s+it|"
                    r"name\s+it)\s+(?:to\s+)?[\"']?(?P<n>[^\"'.;\n]+)")
PARAM = [
    re.compile(r"\b(?:change|switch|replace|swap|make|move)\s+(?:the\s+)?(?P<a>\d+)(?:[- ]?(?:day|"
               r"bar|"
               r"period|week)s?)?(?:\s+[a-z]+)?\s+(?:to|with|for|into)\s+(?:the\s+|a\s+)?(?P<b>\d+)"
               r"(?:[- ]?(?:day|bar|period|week)s?)?"),
    re.compile(r"\buse\s+(?:the\s+|a\s+)?(?P<b>\d+)(?:[- ]?(?:day|bar|period)s?)?(?:\s+[a-z]+)?\s+"
               r"instead\s+of\s+(?:the\s+)?(?P<a>\d+)(?:[- ]?(?:day|bar|period)s?)?"),
]
_DROP_SYMBOL = re.compile(r"\b(?:remove|drop|delete|exclude|without|no\s+longer|stop\s+trading|"
                          r"take\s+out|"
                          r"get\s+rid\s+of|minus|except|not|no|replace|swap)\b[^,.;]*$")
_BY = re.compile(r"\b(?:with|for|by|to)\b[^,.;]*$")
_REPLACE = re.compile(r"\b(?:instead(?!\s+of)|only|just|switch(?:\s+it)?\s+to|"
                      r"change(?:\s+it)?\s+to)\b")
_PIECE = re.compile(r"[,.;]")
_CUES = re.compile(r"\b(?:add|remove|drop|delete|exclude|include|also\s+trade|plus|instead\s+of|"
                   r"instead|replace|swap|switch(?:\s+it)?\s+to|trade|only|just|with|too|"
                   r"as\s+well)\b")
_PARTS = {
    "trailing": "trailing_stop", "stop": "stop_loss", "take": "take_profit",
    "profit": "take_profit",
    "target": "take_profit", "max": "max_hold", "holding": "max_hold", "time": "max_hold",
    "regime": "regime", "agent": "agents", "analyst": "agents", "exit": "exit",
    "daily": "limits.daily_loss", "drawdown": "limits.max_drawdown",
    "circuit": "limits.circuit_breaker", "position": "max_positions", "sizing": "sizing",
    "size": "sizing",
}


def relative(s: Scanner, d: Draft, changes: list[str]) -> None:
    """Tighter or wider stops (halved or doubled) and smaller or bigger sizes, said exactly."""
    for pattern, factor, word in ((TIGHTER, 0.5, "tighter: halved"),
                                  (WIDER, 2.0, "wider: doubled")):
        for m in s.take(pattern):
            key = "trailing_stop" if "trailing" in m.group(0) else "stop_loss"
            _scale_level(d, key, factor, word, changes)
    for pattern, factor in ((SMALLER, 0.5), (BIGGER, 2.0)):
        if s.take_first(pattern):
            _scale_size(d, factor, changes)


def _scale_level(d: Draft, key: str, factor: float, word: str, changes: list[str]) -> None:
    level = getattr(d, key)
    name = key.replace("_", " ")
    if level is None:
        d.ask(f"There is no {name} yet: how far should it be (e.g. 2% or 2 ATR)?")
        return
    new = (level[0], round(level[1] * factor, 4), *level[2:])
    setattr(d, key, new)
    changes.append(f"{name} {level_text(level)} -> {level_text(new)} ({word})")


def _scale_size(d: Draft, factor: float, changes: list[str]) -> None:
    kind, value = d.sizing or ("pct_equity", DEFAULT_SIZING_PCT)
    value = value * factor
    if kind == "fixed_shares":
        value = max(1.0, float(round(value)))
    default = f"the default {num(DEFAULT_SIZING_PCT)}% of equity"
    old = format_sizing(*d.sizing) if d.sizing else default
    d.sizing = (kind, value)
    changes.append(f"size {old} -> {format_sizing(kind, value)}")


def clear_parts(s: Scanner, d: Draft, changes: list[str]) -> None:
    """'Remove the take profit', 'no regime filter', 'drop the max hold'."""
    for m in s.take(REMOVE):
        what = m.group("what")
        key = _PARTS[what.split()[0].rstrip("s").replace("-", "")]
        if _clear_key(d, key):
            changes.append(f"{what} removed")


def _clear_key(d: Draft, key: str) -> bool:
    if key.startswith("limits."):
        return d.limits.pop(key.split(".")[1], None) is not None
    if key == "exit":
        had = bool(d.long_exit or d.short_exit)
        d.long_exit = d.short_exit = None
        return had
    if key == "regime":
        had = d.regime_allow is not None
        d.regime_allow = d.regime_transition = d.regime_benchmark = None
        return had
    if key == "agents":
        had = d.agents_team is not None
        d.agents_team = d.debate_rounds = d.min_conviction = None
        return had
    had = getattr(d, key) is not None
    setattr(d, key, None)
    if key == "max_hold":
        d.hold_span = None
    return had


def rename(s: Scanner, d: Draft, cased: str, changes: list[str]) -> None:
    m = s.take_first(RENAME)
    if m:
        d.name = cased[m.start("n"):m.end("n")].strip()[:80]
        changes.append(f'renamed to "{d.name}"')


def param_change(s: Scanner, d: Draft, changes: list[str]) -> None:
    """'Use 20 instead of 10': every rule parameter or level equal to 10 becomes 20."""
    for pattern in PARAM:
        for m in s.take(pattern):
            a, b = m.group("a"), m.group("b")
            hit = re.compile(rf"(?<=[(,] ){a}(?=[,)])|(?<=\(){a}(?=[,)])|(?<=[<>=] ){a}\b")
            changed = False
            for key in RULE_KEYS:
                rule = getattr(d, key)
                if rule is not None and hit.search(rule):
                    setattr(d, key, hit.sub(b, rule))
                    changed = True
            if changed:
                changes.append(f"{a} -> {b} in the rules")
            else:
                d.ask(f"There is no {a} in the rules to change to {b}: which part did you mean?")


def apply_universe(s: Scanner, d: Draft, found: Universe, changes: list[str]) -> None:
    """Add, remove or replace symbols, by the words around each one."""
    text = s.original
    adds, drops, only = [], [], []
    for symbol, at in found.spans:
        piece = _piece_before(text, at)
        if (_DROP_SYMBOL.search(piece) and not _BY.search(piece)) or re.search(
                r"\binstead\s+of\s*$", piece):
            drops.append(symbol)
        elif _REPLACE.search(_piece_around(text, at)):
            only.append(symbol)
        else:
            adds.append(symbol)
    if only:
        changes.append(f"universe: {', '.join(d.universe)} -> {', '.join(only)}")
        d.universe = list(dict.fromkeys(only))
    for symbol in adds:
        if symbol not in d.universe:
            d.universe.append(symbol)
            changes.append(f"added {symbol}")
    for symbol in drops:
        if symbol in d.universe:
            d.universe.remove(symbol)
            changes.append(f"removed {symbol}")
    if found.spans:
        for _ in s.take(_CUES):
            pass


def _piece_before(text: str, at: int) -> str:
    start = max((m.end() for m in _PIECE.finditer(text, 0, at)), default=0)
    return text[start:at]


def _piece_around(text: str, at: int) -> str:
    end = _PIECE.search(text, at)
    return _piece_before(text, at) + text[at:end.start() if end else len(text)]
