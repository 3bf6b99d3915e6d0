"""How a comparison word shapes a condition: touching a level, bouncing off it, staying
within a percentage of it, rising, being oversold, holding for several bars in a row.

Each reader takes operands already read and says exactly which comparison it means; where a
convention fills a gap (oversold = RSI below 30) it leaves a note that becomes an assumption.
"""

from __future__ import annotations

import re

from app.compiler.offline.conds import CLOSE, Any, Atom, Cond, Operand, all_of, number
from app.compiler.offline.lexicon import VAGUE_WORDS
from app.compiler.offline.phrases import Failure, Role

_LEVELS = {"rsi": (30, 70), "stoch": (20, 80)}


def for_bars(cond: Cond, n: int) -> Cond:
    """'above the 20-day EMA for 3 days in a row': true now and on each of the last n-1 bars."""
    return all_of([cond] + [lagged(cond, k) for k in range(1, n)])


def lagged(cond: Cond, k: int) -> Cond:
    if isinstance(cond, Atom):
        return Atom(lag(cond.left, k), cond.op, lag(cond.right, k))
    items = [lagged(i, k) for i in cond.items]
    return all_of(items) if type(cond).__name__ == "All" else Any(tuple(items))


def lag(op: Operand, k: int) -> Operand:
    if op.kind == "num":
        return op
    text = f"({op.text})" if " * " in op.text else op.text
    return Operand(f"{text}[{k}]", op.kind, f"{op.label} {k} bar{'s' if k > 1 else ''} ago",
                   params=op.params)


def bounce(left: Operand, right: Operand, role: Role) -> Cond:
    """'bounces off the 50-day': reached it within the bar and closed back on the right side."""
    touched = touch(left, right, role)
    assert isinstance(touched, Atom)
    up = touched.op == "<="
    return all_of([touched, Atom(CLOSE if left == CLOSE else left, ">" if up else "<", right)])


def within(left: Operand, m: re.Match[str], right: Operand) -> Cond:
    """'within 2% of the 52-week high': no more than 2% below it (above it, for a low)."""
    pct = float(m.group("pct")) / 100
    below = Operand(f"{right.text} * {1 - pct:g}", right.kind, right.label, params=right.params,
                    notes=right.notes)
    above = Operand(f"{right.text} * {1 + pct:g}", right.kind, right.label, params=right.params)
    if right.kind == "highest":
        return Atom(left, ">=", below)
    if right.kind == "lowest":
        return Atom(left, "<=", above)
    return all_of([Atom(left, ">=", below), Atom(left, "<=", above)])


def deviation(left: Operand, m: re.Match[str], right: Operand) -> Cond | Failure:
    """'2 standard deviations below the 20-day average' is the lower Bollinger band."""
    if right.kind != "sma":
        return Failure(words=f"{m.group(0)} {right.label}")
    period, k = int(right.params[0]), float(m.group("k"))
    side = "lower" if m.group("dir") in ("below", "under") else "upper"
    band = Operand(f"bollinger(close, {period}, {k:g}).{side}", "bollinger",
                   f"{side} Bollinger band",
                   params=(period, k), notes=(f"{k:g} standard deviations from the {period}-day "
                                              f"average read as the {side} Bollinger band",))
    return Atom(left, "<" if side == "lower" else ">", band)


def touch(left: Operand, right: Operand, role: Role) -> Cond:
    low_side = "lower" in right.text or right.kind == "lowest"
    high_side = "upper" in right.text or right.kind == "highest"
    from_above = low_side or (not high_side and (role.side == "long") != role.exit)
    if left == CLOSE:
        return Atom(Operand("low" if from_above else "high", "field", "low"),
                    "<=" if from_above else ">=", right)
    return Atom(left, "<=" if from_above else ">=", right)


def slope(left: Operand, kind: str) -> Cond | Failure:
    """'the 20 SMA is rising': higher than one bar ago. Said of a price, it is too vague."""
    if left.kind in ("field", "num"):
        return Failure(question=VAGUE_WORDS["up" if kind == "rise" else "down"])
    before = Operand(f"{left.text}[1]", left.kind, f"{left.label} a bar ago", params=left.params)
    return Atom(left, ">" if kind == "rise" else "<", before)


def state(left: Operand, kind: str, role: Role) -> Cond | Failure:
    if kind in ("turn+", "turn-", "pos", "neg"):
        op = {"turn+": "crosses above", "turn-": "crosses below", "pos": ">", "neg": "<"}[kind]
        return Atom(left, op, number(0))
    if left.kind not in _LEVELS:
        entry = role.mirror(None)
        left = entry.left if entry is not None and entry.left.kind in _LEVELS else left
    if left.kind not in _LEVELS:
        return Failure(question=f"{kind.capitalize()} by which measure and level (e.g. RSI(14) "
                                f"{'below 30' if kind == 'oversold' else 'above 70'})?")
    low, high = _LEVELS[left.kind]
    level = low if kind == "oversold" else high
    note = f"{kind} read as {left.label} {'below' if kind == 'oversold' else 'above'} {level}"
    left = Operand(left.text, left.kind, left.label, params=left.params, notes=(*left.notes, note))
    return Atom(left, "<" if kind == "oversold" else ">", number(level))


def oscillator_level(op: Operand, piece: str, role: Role) -> Cond | None:
    """'short at RSI 80', 'cover at RSI 40': a level, not a period (said without brackets)."""
    if op.kind not in ("rsi", "stoch") or "(" in piece or not op.params or op.params[0] < 15:
        return None
    level = number(op.params[0])
    base = Operand("rsi(close, 14)", "rsi", "RSI(14)", params=(14,),
                   notes=(f"'{piece.strip()}' read as the level {level.text} of RSI(14)",))
    if op.kind == "stoch":
        base = Operand("stoch(14, 3, 3).k", "stoch", "%K", params=(14, 3, 3))
    return Atom(base, "<=" if role.rising else ">=", level)


def reach(op: Operand, role: Role) -> Cond | None:
    """A level said alone: 'exit on a 10-day low', 'sell at the middle band', 'cover at 50'."""
    if op.kind == "highest":
        return Atom(CLOSE, ">", op)
    if op.kind == "lowest":
        return Atom(CLOSE, "<", op)
    if op.kind in ("bollinger", "sma", "ema", "wma", "vwap"):
        return touch(CLOSE, op, role)
    entry = role.mirror(None)
    if op.kind == "num" and role.exit and entry is not None and entry.right.kind == "num":
        rising = entry.op in (">", ">=", "crosses above")
        return Atom(entry.left, "<=" if rising else ">=", op)
    return None
