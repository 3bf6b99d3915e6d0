"""A strategy name's " on SYMBOLS" ending, and keeping it true when the symbols change."""

from __future__ import annotations


def where(universe: list[str]) -> str:
    """" on GOOG, NVDA" (at most three symbols, then "+N")."""
    symbols = universe[:3]
    more = f" +{len(universe) - 3}" if len(universe) > 3 else ""
    return f" on {', '.join(symbols)}{more}" if symbols else ""


def follow_universe(name: str, old: list[str], new: list[str]) -> str:
    """``name`` with its " on SYMBOLS" ending rewritten for ``new``, when the name ends with
    the one the compiler gives ``old`` (a name the user chose stays as it is)."""
    ending = where(old)
    if not ending or old == new or not name.endswith(ending):
        return name
    return (name[: -len(ending)] + where(new))[:80]
