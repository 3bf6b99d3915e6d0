"""The comparison words of a condition and what each one means.

"drops below" / "crosses above" are events (a cross); "is below" / "closes above" /
"under" are states (a comparison); "touches", "is rising", "is oversold", "within 2% of"
and "2 standard deviations below" each have their own reading in :mod:`atoms`.
"""

from __future__ import annotations

import re

_CROSS_VERB = (r"\b(?:cross(?:es|ed|ing)?|moves?|moved|goes|go|gone|gets?|rises?|rose|climbs?|"
               r"jumps?|pops?|spikes?|turns?|breaks?|broke|dips?|drops?|falls?|fell|sinks?|slips?|"
               r"slides?|declines?|pierces?|punches?)(?:\s+(?:back|right|out))?")
_STATE = (r"(?:\b(?:is|are|stays?|remains?|trades?|trading|closes|closed|closing|finishes|ends|"
          r"holds?|sits?|was|still)\s+)*")
_NOT_PCT = r"(?!\s+\d+(?:\.\d+)?%\s+(?:above|below|over|under))"
_UP = rf"(?:above|over|past|higher\s+than|greater\s+than|more\s+than{_NOT_PCT}|exceeds?|>)"
_TURN = r"\b(?:turns?|goes|go|flips?|crosses|moves?|becomes?)"
_DOWN = rf"(?:below|under|beneath|lower\s+than|less\s+than{_NOT_PCT}|<)"


def _c(pattern: str) -> re.Pattern[str]:
    return re.compile(pattern)


COMPARATORS: list[tuple[re.Pattern[str], str]] = [
    (_c(r"\b(?:is\s+)?between\b"), "between"),
    (_c(r"(?P<k>\d+(?:\.\d+)?)\s+(?:standard\s+deviations?|std(?:\s+devs?)?|stdevs?|sd|sigmas?)\s+"
        r"(?P<dir>below|under|above|over)\b"), "sd"),
    (_c(r"\bbreak\s?outs?\s+(?:above|over|of|through)\b"), ">"),
    (_c(r"\bbreak\s?downs?\s+(?:below|under|of|through)\b"), "<"),
    (_c(r"\b(?:bounces?|bouncing|bounced|rebounds?|rebounding)\s+(?:off|from)\b"), "bounce"),
    (_c(r"\b(?:drops?|dropped|falls?|fell|declines?|declined|is\s+down|down|trades?|is|"
        r"sits?)\s+(?:by\s+)?"
        r"(?:more\s+than\s+|at\s+least\s+|over\s+)?(?P<pct>\d+(?:\.\d+)?)%\s+(?:from|off)\b"),
     "from-"),
    (_c(r"\b(?:rises?|rose|gains?|gained|is\s+up|up|rall(?:ies|ied|y)|jumps?|jumped|climbs?|"
        r"climbed)\s+"
        r"(?:by\s+)?(?:more\s+than\s+|at\s+least\s+|over\s+)?(?P<pct>\d+(?:\.\d+)?)%\s+(?:from|"
        r"off)\b"),
     "from+"),
    (_c(r"\b(?:a\s+)?pull\s?backs?\s+(?:to|into|toward|towards)\b"), "touch"),
    (_c(r"\b(?:pulls?|pulling|pulled|dips?|dipping|retraces?|retracing|comes?|coming|gets?|getting|"
        r"returns?|returning|falls?|drops?|rises?|climbs?|goes|moves?|reverts?)\s+(?:back\s+)?"
        r"(?:down\s+|up\s+)?(?:to|into|toward|towards)\b"), "touch"),
    (_c(r"(?:\b(?:is\s+)?(?:more\s+than|at\s+least|over)\s+)?(?P<pct>\d+(?:\.\d+)?)%\s+"
        r"(?P<dir>above|over|below|under)\b"), "offset"),
    (_c(r"\b(?:is\s+|trades?\s+|closes\s+)?within\s+(?P<pct>\d+(?:\.\d+)?)%\s+of\b"), "within"),
    (_c(r"\b(?:is\s+)?(?:at\s+least\s+|more\s+than\s+|over\s+|"
        r"above\s+)?(?P<k>\d+(?:\.\d+)?)\s*(?:x|times)\s+(?=\D)"), "scale"),
    (_c(r">=|\bat\s+or\s+above\b|\b(?:is\s+)?at\s+least\b"), ">="),
    (_c(r"<=|\bat\s+or\s+below\b|\b(?:is\s+)?at\s+most\b"), "<="),
    (_c(_CROSS_VERB + rf"\s+(?:up\s+)?(?:{_UP}|through|thru)"), "crosses above"),
    (_c(_CROSS_VERB + rf"\s+(?:down\s+)?(?:{_DOWN}|through|thru)"), "crosses below"),
    (_c(rf"{_STATE}\bback\s+{_UP}"), "crosses above"),
    (_c(rf"{_STATE}\bback\s+{_DOWN}"), "crosses below"),
    (_c(_TURN + r"\s+(?:positive|above\s+zero|bullish)"), "turn+"),
    (_c(_TURN + r"\s+(?:negative|below\s+zero|bearish)"), "turn-"),
    (_c(r"\b(?:is|stays|remains)\s+positive\b"), "pos"),
    (_c(r"\b(?:is|stays|remains)\s+negative\b"), "neg"),
    (_c(r"\b(?:is\s+|are\s+)?(?:rising|sloping\s+up(?:wards?)?|slopes?\s+up(?:wards?)?|"
        r"pointing\s+up|"
        r"turn(?:s|ing)?\s+up|increasing|trending\s+(?:up|higher)|heading\s+up)\b"), "rise"),
    (_c(r"\b(?:is\s+|are\s+)?(?:falling|sloping\s+down(?:wards?)?|slopes?\s+down(?:wards?)?|"
        r"pointing\s+down|turn(?:s|ing)?\s+down|decreasing|trending\s+(?:down|lower)|"
        r"heading\s+down)\b"),
     "fall"),
    (_c(r"\b(?:is\s+|gets\s+|becomes\s+)?oversold\b"), "oversold"),
    (_c(r"\b(?:is\s+|gets\s+|becomes\s+)?overbought\b"), "overbought"),
    (_c(r"\b(?:touch(?:es|ed)?|hits?|tags?|reach(?:es)?|tests?|pokes?\s+(?:below|above))\b"),
     "touch"),
    (_c(r"\b(?:is\s+|gets\s+)?(?:broken|taken\s+out|breaks|broke)\b(?!\s+(?:above|below|over|under|"
        r"out|through))"), "breaks"),
    (_c(r"\bcross(?:es|ed|ing)?(?:\s+back)?(?:\s+(?P<ud>up|down))?\b|\bcrossover\b"), "cross"),
    (_c(rf"{_STATE}{_UP}"), ">"),
    (_c(rf"{_STATE}{_DOWN}"), "<"),
]
_SIDEWAYS = _c(r"\s*\b(?:to\s+the\s+(?P<a>upside|downside)|(?P<b>upward|downward)s?|from\s+"
               r"(?P<c>below|above))\s*$")
_BARE_CROSS = _c(r"\bcross(?:es|ed|ing)?\b(?!\s+(?:above|below|over|under|up|down|back))")


def directed(piece: str) -> str:
    """'crosses the 13 EMA to the upside' -> 'crosses above the 13 EMA'."""
    m = _SIDEWAYS.search(piece)
    if not m:
        return piece
    word = m.group("a") or m.group("b") or m.group("c")
    way = "above" if word in ("upside", "upward", "below") else "below"
    piece = piece[:m.start()]
    return _BARE_CROSS.sub(f"crosses {way}", piece, count=1)


def find_comparator(piece: str) -> tuple[re.Match[str], str] | None:
    best: tuple[re.Match[str], str] | None = None
    for pattern, kind in COMPARATORS:
        m = pattern.search(piece)
        if m and (best is None or m.start() < best[0].start() or
                  (m.start() == best[0].start() and m.end() > best[0].end())):
            best = (m, kind)
    return best
