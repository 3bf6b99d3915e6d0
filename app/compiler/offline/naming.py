"""A strategy name's " on SYMBOLS" ending (the conversation keeps it true on revisions)."""

from __future__ import annotations


def where(universe: list[str]) -> str:
    """ " on GOOG, NVDA" (at most three symbols, then "+N")."""
    symbols = universe[:3]
    more = f" +{len(universe) - 3}" if len(universe) > 3 else ""
    return f" on {', '.join(symbols)}{more}" if symbols else ""
