"""A short, deterministic strategy name from what the entry rule does and what it trades.

The same description always gets the same name, e.g. "SMA 10/30 crossover on GOOG".
"""

from __future__ import annotations

from app.compiler.offline.conds import Atom, Cond, atoms
from app.dsl.printer import num

_MAS = ("sma", "ema", "wma")
_WORDS = {">": "above", ">=": "at or above", "<": "below", "<=": "at or below",
          "crosses above": "crosses above", "crosses below": "crosses below"}


def strategy_name(entry: Cond | None, universe: list[str], short: bool) -> str:
    """Name the strategy after its first entry comparison and its symbols."""
    first = _main_atom(entry)
    what = _what(first, entry) if first is not None else "Strategy"
    what = what[0].upper() + what[1:]
    if short and "short" not in what.lower():
        what += " short"
    symbols = universe[:3]
    more = f" +{len(universe) - 3}" if len(universe) > 3 else ""
    where = f" on {', '.join(symbols)}{more}" if symbols else ""
    return (what + where)[:80]


def _main_atom(entry: Cond | None) -> Atom | None:
    """The comparison that says most: a cross, else the first not about a bare price."""
    found = atoms(entry)
    for test in (lambda a: a.op.startswith("crosses"), lambda a: a.left.kind != "field"):
        for a in found:
            if test(a):
                return a
    return found[0] if found else None


def _what(a: Atom, entry: Cond | None) -> str:
    left, right = a.left, a.right
    if any("golden cross" in n for n in left.notes):
        return "Golden cross"
    if any("death cross" in n for n in left.notes):
        return "Death cross"
    if left.kind in _MAS and right.kind == left.kind and a.op.startswith("crosses"):
        p, q = sorted((int(left.params[0]), int(right.params[0])))
        return f"{left.kind.upper()} {p}/{q} crossover"
    if right.kind == "highest":
        return f"{int(right.params[0])}-bar breakout"
    if right.kind == "lowest":
        return f"{int(right.params[0])}-bar breakdown"
    if left.kind == "macd" and right.kind == "macd":
        return "MACD signal cross"
    if "bollinger" in (left.kind, right.kind):
        band = left if left.kind == "bollinger" else right
        return f"Bollinger {band.label.split()[0]} band"
    if left.kind == "roc" and right.kind == "num" and right.value is not None:
        bars = int(left.params[0])
        word = "Drop" if right.value < 0 else "Rise"
        return f"{word} of {num(abs(right.value))}% in {bars} bar{'s' if bars != 1 else ''}" \
            if "change" in left.label else f"{left.label} {_WORDS[a.op]} {num(right.value)}"
    if all(x.left.kind == x.right.kind == "field" for x in atoms(entry)) and "[" in right.text:
        return f"{len(atoms(entry))} {'down' if a.op == '<' else 'up'} closes in a row"
    if right.kind == "num" and right.value is not None:
        return f"{left.label} {_WORDS[a.op]} {num(right.value)}"
    return f"{left.label} {_WORDS[a.op]} {right.label}"
