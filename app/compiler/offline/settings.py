"""The regime filter and the agent team: "only in trending markets", "conviction of 70".

These are read before the rules, so "trending markets" is never mistaken for a rule about
a trend the user did not define.
"""

from __future__ import annotations

import re

from app.compiler.offline.draft import Draft
from app.compiler.offline.scanner import Scanner
from app.spec.models import AGENTS, REGIMES

_RW = (r"(?P<r>trending[ _-]?up|up[- ]?trending|uptrend(?:ing|s)?|bull(?:ish)?|trending[ _-]?down|"
       r"down[- ]?trending|downtrend(?:ing|s)?|bear(?:ish)?|trending|trend(?:y)?|ranging|"
       r"sideways|choppy|range[- ]bound|mean[ _-]?revert(?:ing)?|high[ _-]?vol(?:atility)?|"
       r"volatile)")
_MARKETS = r"(?:markets?|regimes?|conditions|environments?|periods|phases)"


def _c(pattern: str) -> re.Pattern[str]:
    return re.compile(pattern)


REGIME_PATTERNS = [
    _c(rf"\bregime(?:\s+filter)?\s*(?::|=|is|allows?)?\s*(?:only\s+)?{_RW}(?:\s+only)?"),
    _c(rf"\b(?:only\s+)?(?:trade\s+|trading\s+|take\s+trades\s+)?(?:(?:in|during|for)\s+)?(?:a\s+|"
       rf"the\s+)?"
       rf"{_RW}\s+{_MARKETS}(?:\s+only)?"),
    _c(rf"\bonly\s+(?:trade\s+)?(?:in|during|when\s+(?:the\s+)?markets?\s+(?:is|are))\s+(?:a\s+|"
       rf"an\s+)?{_RW}\b"),
    _c(rf"\bwhen\s+(?:the\s+)?markets?\s+(?:is|are)\s+{_RW}\b"),
]
AVOID_VOLATILE = _c(rf"\b(?:avoid|skip|no\s+trades?\s+in|not\s+in|stay\s+out\s+of|except\s+in|"
                    rf"except\s+during|not\s+during)\s+(?:a\s+|the\s+)?(?:high[- ]?volatility|"
                    rf"volatile)"
                    rf"(?:\s+{_MARKETS})?")
ANY_REGIME = _c(r"\b(?:use|with|add|turn\s+on|enable)?\s*(?:the\s+|"
                r"a\s+)?regime\s+filter\b(?:\s+on)?")
NO_REGIME = _c(r"\b(?:no|without(?:\s+the|\s+a)?|remove\s+the|drop\s+the|turn\s+off\s+the)\s+regime"
               r"(?:\s+filter)?\b")
TRANSITION_BLOCK = _c(r"\b(?:block|no|skip|avoid|pause|don't\s+take|do\s+not\s+take|no\s+new)\s+"
                      r"(?:new\s+)?(?:trades|entries|positions)?\s*(?:during|in|on|while\s+in)\s+"
                      r"(?:a\s+|the\s+)?(?:regime\s+)?(?:transitions?|regime\s+changes?)")
TRANSITION_RAISE = _c(r"\braise\s+(?:the\s+)?(?:min(?:imum)?\s+)?conviction\s+(?:by\s+)?(?P<n>\d+)"
                      r"(?:\s+points?)?\s+(?:during|in|on)\s+(?:regime\s+)?transitions?")
BENCHMARKS = [
    _c(r"\b(?:use|using)\s+\$?(?P<s>[a-z][a-z.]{0,5})(?:'s)?\s+(?:regime\s+)?as\s+(?:the\s+)?"
       r"(?:regime\s+)?benchmark"),
    _c(r"\b(?:regime\s+)?benchmark\s*(?::|=|is)?\s*\$?(?P<s>[a-z][a-z.]{0,5})\b"),
    _c(r"\bbased\s+on\s+\$?(?P<s>[a-z][a-z.]{0,5})'s\s+regime"),
]

_AGENT = r"(?:technical|fundamentals?|news|macro)"
CONVICTION = [
    _c(r"\b(?:min(?:imum)?\s+)?conviction(?:\s+(?:score|level|threshold))?(?:\s+(?:of|is|=|:))?\s*"
       r"(?:at\s+least|above|over|of\s+at\s+least|>=|>)?\s*(?P<n>\d+)(?:\s*(?:/\s*100|%|"
       r"out of 100))?"),
    _c(r"\b(?P<n>\d+)\s*\+?\s*(?:/\s*100\s+)?conviction"),
]
TEAM = _c(rf"\b(?:use|with|using|add|enable|have|let)?\s*(?:the\s+|only\s+the\s+|just\s+the\s+)?"
          rf"(?P<t>{_AGENT}(?:\s*(?:,|and|&|plus)\s*(?:the\s+)?{_AGENT})*)\s+(?:agents?|analysts?)")
ALL_AGENTS = _c(r"\b(?:use|with|using|add|enable|turn\s+on|have|let)?\s*(?:the\s+|all\s+(?:the\s+)?"
                r"|an?\s+)?(?:full\s+|ai\s+)?(?:agents?|analysts?)(?:\s+team)?(?:\s+(?:on|vote|"
                r"enabled|"
                r"check|confirm|approve))?\b")
NO_AGENTS = _c(r"\b(?:no|without(?:\s+the)?|remove\s+the|drop\s+the|turn\s+off\s+the)\s+"
               r"(?:agents?|analysts?|agent\s+team)\b")
DEBATE = _c(r"\b(?P<n>\d+)\s+rounds?\s+of\s+debate|\bdebate\s*(?:of|for|:|"
            r"=)?\s*(?P<m>\d+)\s+rounds?"
            r"|\b(?P<k>\d+)[- ]round\s+debate")


def read_benchmark(s: Scanner, d: Draft) -> None:
    """A regime benchmark symbol; read before the universe so it is not traded."""
    for pattern in BENCHMARKS:
        for m in s.take(pattern):
            d.regime_benchmark = d.regime_benchmark or m.group("s").upper()


def read_regime(s: Scanner, d: Draft) -> None:
    """Which regimes may open positions, and what a regime transition does."""
    if s.take_first(NO_REGIME):
        d.cleared.add("regime")
    for pattern in REGIME_PATTERNS:
        for m in s.take(pattern):
            d.regime_allow = _merge(d.regime_allow, regimes_for(m.group("r")))
    if s.take_first(AVOID_VOLATILE):
        base = d.regime_allow or REGIMES
        d.regime_allow = tuple(r for r in base if r != "high_volatility")
    if s.take_first(TRANSITION_BLOCK):
        d.regime_transition = "block"
    m = s.take_first(TRANSITION_RAISE)
    if m:
        d.regime_transition = f"raise {m.group('n')}"
    if s.take_first(ANY_REGIME) and d.regime_allow is None:
        d.regime_allow = REGIMES


def regimes_for(word: str) -> tuple[str, ...]:
    """The regimes a market word names ('trending' is both trends)."""
    w = word.replace("_", " ").replace("-", " ")
    if re.search(r"down|bear", w):
        return ("trending_down",)
    if re.search(r"up|bull", w):
        return ("trending_up",)
    if re.search(r"trend", w):
        return ("trending_up", "trending_down")
    if re.search(r"vol", w):
        return ("high_volatility",)
    return ("mean_reverting",)


def _merge(old: tuple[str, ...] | None, new: tuple[str, ...]) -> tuple[str, ...]:
    merged = list(old or ())
    merged += [r for r in new if r not in merged]
    return tuple(r for r in REGIMES if r in merged)


def read_agents(s: Scanner, d: Draft) -> None:
    """The analyst team, its debate rounds and the minimum conviction."""
    if s.take_first(NO_AGENTS):
        d.cleared.add("agents")
    for pattern in CONVICTION:
        for m in s.take(pattern):
            d.min_conviction = d.min_conviction or int(m.group("n"))
    for m in s.take(DEBATE):
        d.debate_rounds = int(m.group("n") or m.group("m") or m.group("k"))
    m = s.take_first(TEAM)
    if m:
        names = re.findall(_AGENT, m.group("t"))
        d.agents_team = tuple(a for a in AGENTS if any(n.startswith(a[:4]) for n in names))
    if s.take_first(ALL_AGENTS) or d.min_conviction is not None or d.debate_rounds is not None:
        d.agents_team = d.agents_team or AGENTS
