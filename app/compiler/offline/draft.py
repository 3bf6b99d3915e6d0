"""What the reader has understood so far, as spec values, and its text through the one printer.

A draft may lack a universe or an exit; it is still printed (``app.dsl.printer``, the
renderer every spec uses) with its open questions as ``question`` lines, so a user sees
everything that was read. Once nothing is open it is parsed and checked like any spec.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from app.compiler.offline.naming import where
from app.dsl.printer import format_spec, num
from app.spec import expr as E
from app.spec.models import AtrLevel, PctLevel, Sizing, StrategySpec

MOVING = ("sma", "ema", "wma")
KEPT = ("screen", "regime", "agents", "limits", "max_positions", "params", "universe_name")


@dataclass
class Draft:
    """Fields of a spec in the making; ``None`` means "not said"."""

    name: str | None = None
    universe: list[str] = field(default_factory=list)
    timeframe: str | None = None
    long_entry: Any = None
    long_exit: Any = None
    short_entry: Any = None
    short_exit: Any = None
    stop_loss: tuple | None = None
    take_profit: tuple | None = None
    trailing_stop: tuple | None = None
    max_hold: int | None = None
    sizing: tuple[str, float] | None = None
    changes: list[tuple[str, str, tuple | None]] = field(default_factory=list)
    """Changes a follow-up asks of a level the spec has ("a tighter stop": ("stop_loss",
    "tighter", None)); the level is set only when the text gives it."""
    entry_asked: bool = False
    """An entry rule of the text became a question, so the entry is not asked again."""
    cleared: list[str] = field(default_factory=list)
    """Levels the text takes away ("remove the stop"): a follow-up unsets them."""
    sides_said: set[str] = field(default_factory=set)
    """Sides the text names, even in rules that could not be read."""
    kept: dict[str, Any] = field(default_factory=dict)
    """Spec fields the offline reader does not write but a revised spec had (regime...)."""
    questions: list[str] = field(default_factory=list)
    assumptions: list[str] = field(default_factory=list)
    not_understood: list[str] = field(default_factory=list)

    def ask(self, question: str) -> None:
        if question not in self.questions:
            self.questions.append(question)

    def assume(self, line: str) -> None:
        if line not in self.assumptions:
            self.assumptions.append(line)

    @property
    def direction(self) -> str:
        if self.long_entry is not None and self.short_entry is not None:
            return "both"
        return "short" if self.short_entry is not None else "long"

    def direction_said(self) -> str | None:
        """The direction the text states, read from its rules and the sides it names (a
        short entry named in a clause that could not be read is still a short side)."""
        said = self.sides_said
        only = {s.removeprefix("only_") for s in said if s.startswith("only_")}
        if len(only) == 1:  # "long entries only" outweighs a side named in passing
            return only.pop()
        if self.has_rules():
            long_ = self.long_entry is not None or "buy" in said
            short = self.short_entry is not None or "short" in said
            return "both" if long_ and short else self.direction
        said = {"short" if s == "sellsignal" else s for s in said}
        if "enter" in said:  # "enter when ...": long unless a short side is named
            said = said - {"enter"} | (set() if "short" in said else {"buy"})
        if said & {"both", "reverse"}:
            return "both"
        long_ = said & {"buy"} or not said & {"short", "cover"} and said & {"exit", "exitlong"}
        short = said & {"short", "cover"}  # closing a sell order names a short side
        return "both" if long_ and short else "long" if long_ else "short" if short else None

    def has_rules(self) -> bool:
        return any(
            getattr(self, k) is not None
            for k in ("long_entry", "long_exit", "short_entry", "short_exit")
        )

    def has_exit(self) -> bool:
        return any(
            getattr(self, k) is not None
            for k in (
                "long_exit",
                "short_exit",
                "stop_loss",
                "take_profit",
                "trailing_stop",
                "max_hold",
            )
        )

    def fields(self, with_questions: bool = True) -> dict[str, Any]:
        """The spec fields this draft sets (for ``StrategySpec``)."""
        data: dict[str, Any] = {
            "name": self.name or strategy_name(self),
            "universe": tuple(self.universe),
            "timeframe": self.timeframe or "1d",
            "direction": self.direction,
            "long_entry": self.long_entry,
            "long_exit": self.long_exit,
            "short_entry": self.short_entry,
            "short_exit": self.short_exit,
            "stop_loss": _level(self.stop_loss),
            "take_profit": _level(self.take_profit),
            "trailing_stop": _level(self.trailing_stop),
            "max_hold_bars": self.max_hold,
            "sizing": Sizing(kind=self.sizing[0], value=self.sizing[1])  # type: ignore[arg-type]
            if self.sizing
            else None,
        }
        data.update(self.kept)
        if with_questions:
            data["questions"] = tuple(self.questions)
        return data


def _level(level: tuple | None) -> Any:
    if level is None:
        return None
    if level[0] == "pct":
        return PctLevel(pct=level[1])
    return AtrLevel(atr=level[1], period=int(level[2]))


def render(d: Draft) -> str:
    """The draft as strategy-language text, printed by ``format_spec``.

    An incomplete draft is not a valid spec, so it is built without validation; a
    universe not yet named prints no ``universe`` line.
    """
    data = {
        name: info.get_default(call_default_factory=True)
        for name, info in StrategySpec.model_fields.items()
        if not info.is_required()
    }
    data.update(d.fields())
    spec = StrategySpec.model_construct(**data)
    lines = [line for line in format_spec(spec).splitlines() if line != "universe "]
    return "\n".join(lines) + "\n"


def strategy_name(d: Draft) -> str:
    """A short, deterministic name: what the entry does, and on what."""
    entry = d.long_entry if d.long_entry is not None else d.short_entry
    what = _what(entry) if entry is not None else "Strategy"
    if d.long_entry is None and d.short_entry is not None and "short" not in what.lower():
        what += " short"
    return (what + where(d.universe))[:80]


def _what(node: Any) -> str:
    first = _first_atom(node)
    if isinstance(first, E.Cross):
        a, b = first.left, first.right
        if (
            isinstance(a, E.Indicator)
            and isinstance(b, E.Indicator)
            and a.name == b.name
            and a.name in MOVING
        ):
            p, q = sorted((int(a.params[0]), int(b.params[0])))
            return f"{a.name.upper()} {p}/{q} crossover"
        return f"{_label(a)} crosses {first.direction} {_label(b)}"
    if isinstance(first, E.Compare):
        return f"{_label(first.left)} {first.op} {_label(first.right)}"
    return "Strategy"


def _first_atom(node: Any) -> Any:
    if isinstance(node, (E.And, E.Or)):
        atoms = [_first_atom(i) for i in node.items]
        return next((a for a in atoms if isinstance(a, E.Cross)), atoms[0])
    if isinstance(node, E.Not):
        return _first_atom(node.item)
    return node


def _label(node: Any) -> str:
    if isinstance(node, E.Num):
        return num(node.value)
    if isinstance(node, E.FieldRef):
        return node.name.capitalize()
    if isinstance(node, E.Lag):
        return _label(node.expr) + " earlier"
    if isinstance(node, E.Indicator):
        args = ", ".join(num(p) for p in node.params[:1])
        return f"{node.name.upper()}({args})" if args else node.name.upper()
    return "Price"
