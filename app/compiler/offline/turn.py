"""Whether a turn that follows a strategy changes it or describes a new one.

Used by the conversation for both compilers, so the decision is one rule, made before either
compiler sees the turn: a new description is compiled on its own (no current spec, no
earlier turns); anything else revises the current spec (or answers the open draft).
"""

from __future__ import annotations

import re
import unicodedata

from app.compiler.offline import vocab
from app.compiler.offline.reader import read
from app.compiler.offline.settle import settle

ENTRY_SIDES = {"buy", "short", "enter", "sellsignal", "both", "reverse"}


def starts_new(text: str) -> bool:
    """True when ``text`` describes a whole strategy of its own: it says it is a new one
    ("a new strategy: ..."), or it gives an entry rule and at least two of the symbols, an
    exit (a rule, stop, target or holding limit) and a size, without a word that makes it a
    change ("instead", "also", "now"...)."""
    low = " " + re.sub(r"[^a-z0-9%$.]+", " ", unicodedata.normalize("NFKC", text).lower()) + " "
    if any(f" {cue} " in low for cue in vocab.NEW_CUES):
        return True
    if any(f" {cue} " in low for cue in vocab.REVISION_CUES):
        return False
    r = read(unicodedata.normalize("NFKC", text))
    d = settle(r, gaps=False)
    entry = (
        d.long_entry is not None
        or d.short_entry is not None
        or (r.rule_clauses > 0 and bool(r.sides & ENTRY_SIDES))
    )
    said = [bool(d.universe or r.named or r.examples), d.has_exit(), d.sizing is not None]
    return entry and sum(said) >= 2
