"""Stops, targets, trailing stops and position sizing: "2% stop", "risk 1% per trade".

Order matters: a trailing stop is read before a plain stop (its words contain "stop"), and
sizing in percent before anything else reads a bare percentage.
"""

from __future__ import annotations

import re

from app.compiler.offline.draft import Draft
from app.compiler.offline.scanner import Scanner

NUM = r"(?P<v>\d+(?:\.\d+)?)"
LEVEL = (NUM + r"\s*(?:(?P<pct>%)|(?:x|times)?\s*(?:the\s+)?(?:(?P<p1>\d+)[- ]?(?:day|period|bar)s?"
         r"\s+)?atrs?(?:\s*\(\s*(?P<p2>\d+)\s*\)|\s+of\s+(?P<p3>\d+))?)")
PCT = r"(?P<v>\d+(?:\.\d+)?)%"
_OF_ENTRY = (r"(?:\s+(?:below|under|above|over|from|away from|off)\s+(?:the\s+|my\s+)?(?:entry|"
             r"purchase|buy|fill|cost)(?:\s+price)?)?")
_LINK = (r"(?:\s*[:=@]|\s+(?:of|at|is|to|around|set at|set to|placed at|by))?\s*(?:of\s+|at\s+)?"
         r"(?:an?\s+)?")
_STOP = r"(?:stop(?:\s+loss)?|sl|stop out|cut (?:the )?loss(?:es)?|max loss)"
_TAKE = (r"(?:take[- ]?profits?|tp|profit[- ]?target|price target|target(?:\s+profit)?|"
         r"take gains|profit[- ]?taking)")
_ACCOUNT = (r"(?:my\s+|the\s+|total\s+|our\s+)?(?:equity|account|portfolio|capital|balance|cash|"
            r"buying power|bankroll|funds|money)")
_EACH = (r"(?:\s+(?:per|a|an|each|on each|every|in each|for each|into each|of each)\s+(?:trade|"
         r"position|name|symbol|stock|ticker|entry|one|pick|time))?")


def _c(pattern: str) -> re.Pattern[str]:
    return re.compile(pattern)


TRAILING = [
    _c(rf"\btrail(?:ing)?(?:\s+(?:the\s+)?stop(?:\s+loss)?)?{_LINK}{LEVEL}"),
    _c(rf"(?:an?\s+)?{LEVEL}\s+trail(?:ing)?(?:\s+stop(?:\s+loss)?)?"),
]
STOPS = [
    _c(rf"\b{_STOP}{_LINK}-?{LEVEL}{_OF_ENTRY}"),
    _c(rf"(?:an?\s+)?{LEVEL}\s+(?:hard\s+|fixed\s+|initial\s+|protective\s+)?{_STOP}\b{_OF_ENTRY}"),
    _c(rf"(?:an?\s+)?{LEVEL}\s+(?:loss|stop-?out)\b(?!\s+(?:limit|per|a trade|each))"),
    _c(rf"\bor\s+(?:if|when|once)\s+(?:it\s+|price\s+)?(?:is\s+)?(?:down|drops|falls|loses|has\s+"
       rf"dropped|has\s+fallen|has\s+lost)\s+(?:by\s+)?{LEVEL}(?!\s+(?:in|over|within|on|today))"),
    _c(rf"\b(?:sell|exit|get out|out|close)\s+(?:if|when|once)\s+(?:it\s+|price\s+|the stock\s+)?"
       rf"(?:is\s+)?(?:drops|falls|goes down|down|loses|moves against me)\s+{LEVEL}"
       r"\s+(?:below|under|from)\s+(?:the\s+|my\s+)?(?:entry|purchase|buy|fill)(?:\s+price)?"),
]
TAKES = [
    _c(rf"\b{_TAKE}{_LINK}\+?{LEVEL}{_OF_ENTRY}"),
    _c(rf"(?:an?\s+)?\+?{LEVEL}\s+(?:profit[- ]?target|take[- ]?profit|target|tp|gain|profit)\b"
       rf"{_OF_ENTRY}"),
    _c(rf"\b(?:sell|exit|close(?: it)?|get out|out)\s+(?:at|on|with|after)\s+(?:an?\s+)?\+{LEVEL}"),
    _c(rf"\bor\s+(?:if|when|once)\s+(?:it\s+|price\s+)?(?:is\s+)?(?:up|gains|rises|has\s+gained|"
       rf"has\s+risen)\s+(?:by\s+)?{LEVEL}(?!\s+(?:in|over|within|on|today))"),
    _c(rf"\b(?:sell|exit|get out)\s+(?:if|when|once)\s+(?:it\s+)?(?:is\s+)?(?:up|gains|rises)\s+"
       rf"{LEVEL}(?:\s+(?:above|from)\s+(?:the\s+|my\s+)?(?:entry|purchase|buy)(?:\s+price)?)?"),
]
NO_STOP = _c(r"\b(?:no|without(?: an?)?|remove the|drop the|skip the)\s+(?:stop(?:\s+loss)?|"
             r"stops)\b")
VAGUE_STOP = _c(r"\b(?:(?P<adj>tight|tighter|wide|wider|loose|small|reasonable|proper|sensible|"
                r"protective|hard|some|good|normal|mental)\s+)?stop(?:\s+loss)?(?:es|s)?\b")
VAGUE_TAKE = _c(r"\btake (?:some|partial) profits?\b")

RISK = [
    _c(rf"\brisk(?:ing)?\s+(?:of\s+|only\s+|just\s+|"
       rf"about\s+)?{PCT}(?:\s+(?:of\s+)?{_ACCOUNT})?{_EACH}"),
    _c(rf"\b{PCT}\s+(?:of\s+{_ACCOUNT}\s+)?risk(?:ed)?{_EACH}"),
    _c(rf"\brisk\s+per\s+(?:trade|position)\s*(?:of|:|=|is)?\s*{PCT}"),
    _c(rf"\b(?:max(?:imum)?\s+)?(?:loss|lose)\s+(?:of\s+)?{PCT}\s+(?:per|a|each)\s+(?:trade|"
       rf"position)"),
    _c(rf"\b{PCT}\s+(?:max(?:imum)?\s+)?loss\s+(?:per|a|each)\s+(?:trade|position)"),
]
PCT_EQUITY = [
    _c(rf"(?:\b(?:allocate|allocating|put|putting|use|using|invest|investing|size|sizing|"
       rf"position size|with|bet|sized\s+at|sized)\s*(?:of|:|=|"
       rf"is)?\s*)?{PCT}\s+(?:of\s+)?{_ACCOUNT}{_EACH}"),
    _c(rf"\b(?:position\s+siz(?:e|ing)|size|sizing|allocation|allocate|bet size)\s*(?:of|:|=|is)?"
       rf"\s*{PCT}{_EACH}"),
    _c(rf"\b(?:equal(?:ly)?[- ]weight(?:ed)?\s*,?\s*(?:at\s+)?)?{PCT}\s+(?:each|per\s+(?:position|"
       rf"name|stock|symbol|ticker))\b"),
]
ALL_IN = _c(r"\b(?:go\s+)?all[- ]in\b|\b(?:my\s+|the\s+)?(?:whole|entire|full)\s+(?:account|"
            r"portfolio)\b")
HALF = _c(r"\bhalf\s+(?:of\s+)?(?:my|the)\s+(?:account|portfolio|equity|capital)\b")
SHARES = _c(r"\b(?:size\s*:?\s*)?(?P<v>\d+)\s+shares?\b(?:\s+(?:each|per trade|per position|"
            r"a trade|"
            r"at a time|of each))?")
USD_PREFIXED = _c(r"\b(?:put|invest|allocate|spend|use|size|sizing|trade|with|position size|"
                  r"bet)\s*(?:of|:|=|is)?\s*\$\s?(?P<v>\d+(?:\.\d+)?)" + _EACH)
USD_EACH = _c(r"\$\s?(?P<v>\d+(?:\.\d+)?)\s+(?:per|a|an|each|in each|on each|for each|into each|"
              r"every)\s+(?:trade|position|name|symbol|stock|ticker|entry|one)\b")
USD_EACH_AFTER = _c(r"\$\s?(?P<v>\d+(?:\.\d+)?)\s+(?:in|on|into)\s+each\b")
USD_WORDS = _c(r"\b(?P<v>\d+(?:\.\d+)?)\s+(?:dollars|usd|bucks)\b" + _EACH)


def read_levels(s: Scanner, d: Draft) -> None:
    """Trailing stop, take profit and stop loss, then any vague stop words left."""
    d.trailing_stop = _first_level(s, TRAILING, d)
    d.stop_loss = _first_level(s, STOPS, d)
    d.take_profit = _first_level(s, TAKES, d)
    if s.take_first(NO_STOP):
        d.cleared.add("stop_loss")
        d.assume("no stop loss, as asked")
    for m in s.take(VAGUE_STOP):
        if d.stop_loss is None and "stop_loss" not in d.cleared:
            adj = m.group("adj")
            what = f"'{adj}' isn't a distance: h" if adj and adj not in ("some", "hard") else "H"
            d.ask(f"{what}ow far should the stop loss be (e.g. 2% or 2 ATR)?")
    if s.take_first(VAGUE_TAKE):
        d.ask("Where should profits be taken (e.g. 10% or 3 ATR above the entry)?")


def _first_level(s: Scanner, patterns: list[re.Pattern[str]], d: Draft) -> tuple | None:
    found = None
    for pattern in patterns:
        for m in s.take(pattern):
            found = found or level_of(m, d)
    return found


def level_of(m: re.Match[str], d: Draft | None = None) -> tuple:
    """("pct", x) or ("atr", k, period) from a match of ``LEVEL``."""
    value = float(m.group("v"))
    if m.group("pct"):
        return ("pct", value)
    period = m.group("p1") or m.group("p2") or m.group("p3")
    if period is None and d is not None:
        d.assume("ATR period: 14 (the standard; not stated)")
    return ("atr", value, int(period or 14))


def read_sizing(s: Scanner, d: Draft) -> None:
    """Position size: risk per trade, percent of equity, fixed dollars or fixed shares."""
    for kind, patterns in (("risk_pct", RISK), ("pct_equity", PCT_EQUITY),
                           ("fixed_usd", [USD_PREFIXED, USD_EACH, USD_EACH_AFTER, USD_WORDS]),
                           ("fixed_shares", [SHARES])):
        for pattern in patterns:
            for m in s.take(pattern):
                d.sizing = d.sizing or (kind, float(m.group("v")))
    if s.take_first(ALL_IN):
        d.sizing = d.sizing or ("pct_equity", 100.0)
    if s.take_first(HALF):
        d.sizing = d.sizing or ("pct_equity", 50.0)
