"""Words the news agent scores, and the patterns that mark a headline as an instruction.

A small finance lexicon in the spirit of Loughran-McDonald: words that move a headline's
tone. Headlines that read like orders to a model ("ignore previous instructions", "buy
everything", "conviction 100") are quarantined: never scored, never shown to a model.
"""

from __future__ import annotations

import re
import unicodedata

POSITIVE = frozenset(
    """
beat beats beating surge surges surged soar soars soared jump jumps jumped rally rallies
rallied gain gains gained record upgrade upgrades upgraded outperform outperforms strong
stronger growth grows grew profit profits profitable raise raises raised boost boosts
boosted expand expands expanded approval approved approves win wins won breakthrough
bullish rebound rebounds rebounded exceed exceeds exceeded optimistic robust buyback
dividend partnership launch launches launched
""".split()
)

NEGATIVE = frozenset(
    """
miss misses missed plunge plunges plunged fall falls fell drop drops dropped slump slumps
slumped downgrade downgrades downgraded underperform lawsuit lawsuits sue sues sued probe
investigation fraud loss losses weak weaker decline declines declined cut cuts cutting
warn warns warned warning recall recalls bankruptcy bankrupt default layoffs layoff
fined penalty bearish crash crashes crashed halt halted delay delayed resign resigns
resigned scandal breach subpoena shortfall pessimistic
""".split()
)

NEGATORS = frozenset("not no never without fails fail".split())

INJECTION = re.compile(
    r"ignore\s+(all\s+|any\s+)?(previous|prior|above|earlier)?\s*instructions"
    r"|disregard\s+(all|any|previous|prior|the)"
    r"|system\s+prompt|you\s+are\s+now|as\s+an\s+ai|\bassistant\s*:"
    r"|buy\s+(everything|all|now\s+at\s+any)|sell\s+everything"
    r"|conviction\s*[:=]?\s*\d+|size[_\s]?factor|approve\s+(this|the)\s+trade"
    r"|override|jailbreak|\{\s*\"",
    re.IGNORECASE,
)

_WORD = re.compile(r"[a-z]+")
_SPACES = re.compile(r"\s+")
_SQUASHED = re.compile(
    r"ignore(all|any|the)?(previous|prior|above|earlier|your)?(instructions|rules|prompt)"
    r"|forget(everything|all|your|the)|disregard|newinstructions|systemmessage"
    r"|ignorez|ignora(le|las|tutte)?|ignoriere|игнорир|忽略|無視|무시"
)


def normalize(text: str) -> str:
    """``text`` as the agents read it: NFKC (full-width and styled letters to plain ones),
    no format or control characters (zero-width spaces, bidi overrides), one space between
    words. Every headline is normalised before it is scored or quoted to a model."""
    folded = unicodedata.normalize("NFKC", text)
    kept = "".join(
        " " if unicodedata.category(c) in ("Cc", "Zl", "Zp") else c
        for c in folded
        if unicodedata.category(c) != "Cf"
    )
    return _SPACES.sub(" ", kept).strip()


def tone(text: str) -> tuple[float, int]:
    """The headline's tone in [-1, 1] and how many lexicon words it has.

    A negator ("not", "no", ...) within the two words before a lexicon word flips it.
    """
    words = _WORD.findall(text.lower())
    pos = neg = 0
    for i, word in enumerate(words):
        sign = 1 if word in POSITIVE else -1 if word in NEGATIVE else 0
        if sign and NEGATORS.intersection(words[max(0, i - 2) : i]):
            sign = -sign
        pos += sign > 0
        neg += sign < 0
    hits = pos + neg
    return ((pos - neg) / hits if hits else 0.0), hits


def is_instruction(text: str) -> bool:
    """True when the headline looks like an attempt to instruct a model.

    A signal only, for the record: it is easy to evade, so nothing rests on it. What
    bounds a headline is structural (see :mod:`app.agents.news`).
    """
    plain = normalize(text)
    squashed = "".join(c for c in plain.lower() if c.isalnum())
    return bool(INJECTION.search(plain) or _SQUASHED.search(squashed))


WITHHELD = "[withheld: text that reads like instructions]"


def clean(text: str) -> str:
    """``text``, or a placeholder when it reads like instructions (for model-written text
    that later prompts and the decision record would otherwise carry along)."""
    return WITHHELD if is_instruction(text) else text
