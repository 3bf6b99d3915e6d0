"""Conditions as the offline reader builds them: operands, comparisons, and/or.

They are kept structured (not only as text) so an exit can refer back to its entry ("sell
when it crosses back below"), contradictions can be spotted, and the strategy can be named.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Union

from app.dsl.printer import num

CROSS = ("crosses above", "crosses below")
_OPPOSITE = {">": "<", "<": ">", ">=": "<=", "<=": ">=",
             "crosses above": "crosses below", "crosses below": "crosses above"}


@dataclass(frozen=True)
class Operand:
    """One side of a comparison, as strategy-language text."""

    text: str
    kind: str
    """num, field, sma, ema, wma, rsi, macd, bollinger, stoch, adx, atr, roc, vwap,
    avg_volume, highest, lowest, opening_high, opening_low."""
    label: str
    value: float | None = None
    bare: bool = False
    """A number said with an article ("the 50"), which may mean the 50-day average."""
    params: tuple[float, ...] = ()
    notes: tuple[str, ...] = ()
    """Defaults chosen while reading it, said back as assumptions."""


def number(value: float, bare: bool = False) -> Operand:
    return Operand(num(value), "num", num(value), value=value, bare=bare)


CLOSE = Operand("close", "field", "close")


@dataclass(frozen=True)
class Atom:
    left: Operand
    op: str
    right: Operand

    def text(self) -> str:
        return f"{self.left.text} {self.op} {self.right.text}"

    def flipped(self) -> Atom:
        return Atom(self.left, _OPPOSITE[self.op], self.right)


@dataclass(frozen=True)
class All:
    items: tuple[Cond, ...]

    def text(self) -> str:
        return " and ".join(f"({i.text()})" if isinstance(i, Any) else i.text()
                            for i in self.items)


@dataclass(frozen=True)
class Any:
    items: tuple[Cond, ...]

    def text(self) -> str:
        return " or ".join(i.text() for i in self.items)


Cond = Union[Atom, All, Any]


def all_of(items: list[Cond]) -> Cond:
    flat: list[Cond] = []
    for item in items:
        flat.extend(item.items if isinstance(item, All) else [item])
    return flat[0] if len(flat) == 1 else All(tuple(flat))


def any_of(items: list[Cond]) -> Cond:
    return items[0] if len(items) == 1 else Any(tuple(items))


_NEGATED = {">": "<=", ">=": "<", "<": ">=", "<=": ">",
            "crosses above": "crosses below", "crosses below": "crosses above"}


def negate(cond: Cond) -> Cond:
    """The exit that undoes an entry ("exit when it's not"); a cross becomes the reverse cross."""
    if isinstance(cond, Atom):
        return Atom(cond.left, _NEGATED[cond.op], cond.right)
    if isinstance(cond, All):
        return any_of([negate(i) for i in cond.items])
    return all_of([negate(i) for i in cond.items])


def atoms(cond: Cond | None) -> list[Atom]:
    """Every comparison inside ``cond``, in order."""
    if cond is None:
        return []
    if isinstance(cond, Atom):
        return [cond]
    return [a for item in cond.items for a in atoms(item)]


def notes(cond: Cond) -> list[str]:
    return [n for a in atoms(cond) for n in (*a.left.notes, *a.right.notes)]


@dataclass
class Bounds:
    """The numeric interval a conjunction allows for one operand."""

    low: float = float("-inf")
    high: float = float("inf")
    says: list[str] = field(default_factory=list)


def contradiction(cond: Cond) -> str | None:
    """Why a conjunction can never be true, or None (only plain, provable cases)."""
    if not isinstance(cond, All):
        return None
    bounds: dict[str, Bounds] = {}
    seen: dict[tuple[str, str], str] = {}
    for a in (i for i in cond.items if isinstance(i, Atom)):
        if a.op in CROSS:
            continue
        if a.right.kind == "num" and a.right.value is not None:
            b = bounds.setdefault(a.left.text, Bounds())
            if a.op in (">", ">="):
                b.low = max(b.low, a.right.value)
            else:
                b.high = min(b.high, a.right.value)
            b.says.append(a.text())
            if b.low >= b.high:
                return f"'{' and '.join(b.says)}' can never both be true"
        pair = (a.left.text, a.right.text)
        if pair in seen and seen[pair] == _OPPOSITE[a.op]:
            first = f"{a.left.text} {seen[pair]} {a.right.text}"
            return f"'{first}' and '{a.text()}' can never both be true"
        seen[pair] = a.op
    return None
