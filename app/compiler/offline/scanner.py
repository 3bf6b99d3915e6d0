"""The text being read, with the parts already understood blanked out.

Each reader takes the phrases it understands; whatever is left at the end is what the
compiler did not understand, and it says so instead of silently dropping it.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

from app.compiler.offline.lexicon import FILLERS

_WORD = re.compile(r"[a-z0-9$][a-z0-9$%'./&-]*")
_PUNCT_ONLY = re.compile(r"^[\W_]+$")


class Scanner:
    """A lower-case working copy of the text; understood spans are replaced by spaces.

    Blanking keeps positions stable, so a phrase found later still points into the same
    text, and a blank can never be part of a later match's words.
    """

    def __init__(self, text: str) -> None:
        self.work = text
        self.original = text
        """The text as it came in (lower case), for reading words around a phrase."""
        self.unknown: list[str] = []

    def take(self, pattern: re.Pattern[str]) -> Iterator[re.Match[str]]:
        """Yield each match of ``pattern`` in the remaining text, blanking it."""
        for match in list(pattern.finditer(self.work)):
            if match.group(0).strip():
                self.blank(match.start(), match.end())
                yield match

    def take_first(self, pattern: re.Pattern[str]) -> re.Match[str] | None:
        """The first match of ``pattern`` (blanked), or None."""
        match = pattern.search(self.work)
        if match is None or not match.group(0).strip():
            return None
        self.blank(match.start(), match.end())
        return match

    def blank(self, start: int, end: int) -> None:
        self.work = self.work[:start] + " " * (end - start) + self.work[end:]

    def not_understood(self, text: str) -> None:
        """Record a phrase the compiler could not place (if it has real words)."""
        phrase = " ".join(w for w in _words(text))
        real = phrase and any(w not in FILLERS for w in phrase.split())
        if real and phrase not in self.unknown:
            self.unknown.append(phrase)

    def leftovers(self) -> list[str]:
        """Phrases still in the text, each a run of words that are not all fillers."""
        for run in re.split(r"[,.;:!?()\"]|\s{3,}", self.work):
            self.not_understood(run)
        return self.unknown


def _words(text: str) -> Iterator[str]:
    for word in _WORD.findall(text.lower()):
        word = word.strip(".'-")
        if word and not _PUNCT_ONLY.match(word):
            yield word


def has_words(text: str) -> bool:
    """True when ``text`` has any word that is not a filler."""
    return any(w not in FILLERS for w in _words(text))
