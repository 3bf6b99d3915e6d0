"""Operands of a condition ("the 50-day SMA", "yesterday's high", "the lower band") and how
they become strategy-language expressions once the other side of the comparison is known.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import Any

from app.compiler.offline import vocab
from app.compiler.offline.lexer import Tok
from app.indicators.catalog import CATALOG
from app.spec import expr as E

MOVING = ("sma", "ema", "wma")
CONVENTIONAL = {
    "rsi": (14,),
    "atr": (14,),
    "adx": (14,),
    "macd": (12, 26, 9),
    "bollinger": (20, 2.0),
    "stoch": (14, 3, 3),
}
"""Indicators whose usual parameters may go unsaid (stated as an assumption)."""


class Ask(Exception):
    """A clause that cannot be read whole: ``question`` says what is missing (None: the
    reader quotes the clause)."""

    def __init__(self, question: str | None) -> None:
        super().__init__(question or "")
        self.question = question


@dataclass
class Opnd:
    """An operand before resolution."""

    kind: str
    """ind, field, num, it, period, channel, out, times."""
    name: str = ""
    nums: list[float] = field(default_factory=list)
    output: str | None = None
    source: str | None = None
    lag: int = 0
    scale: float = 1.0
    inner: Opnd | None = None
    text: str = ""


def period_bars(tok: Tok, notes: list[str]) -> int:
    n, unit = tok.value
    if unit in ("hour", "minute"):  # the reader turns these into bars when it knows the bars
        raise Ask(
            f"'{tok.text}' is clock time, and rules count bars: how many bars is that "
            "(e.g. '8 bars' on 15-minute bars)?"
        )
    if "@" in unit:  # "the 20-day SMA" on weekly bars
        frame = {"1w": "weekly", "1mo": "monthly"}.get(unit.partition("@")[2], "these")
        raise Ask(f"'{tok.text}' on {frame} bars: how many {frame} bars is that?")
    days = vocab.UNIT_DAYS.get(unit, 1)
    if days != 1:
        notes.append(f"'{tok.text}' counted as {n * days} daily bars")
    return int(n * days)


def indicator(parts: list[Tok], notes: list[str]) -> Opnd:
    """``OUT? PERIOD? IND NUM? args? FIELD? OUT? PERIOD?`` -> an indicator operand."""
    op = Opnd("ind")
    for tok in parts:
        if tok.kind == "IND":
            op.name, op.text = str(tok.value), tok.text
        elif tok.kind == "OUT":
            op.output = str(tok.value)
        elif tok.kind == "PERIOD":
            op.nums.append(float(period_bars(tok, notes)))
        elif tok.kind == "NUM":
            op.nums.append(float(tok.value))
        elif tok.kind == "FIELD":
            op.source = str(tok.value)
        elif tok.kind == "ARGS":
            for arg in tok.value:
                _arg(op, arg, notes)
    return op


def _arg(op: Opnd, arg: Tok, notes: list[str]) -> None:
    if arg.kind == "FIELD":
        op.source = str(arg.value)
    elif arg.kind == "PERIOD":
        op.nums.append(float(period_bars(arg, notes)))
    elif arg.kind in ("NUM", "PCT"):
        op.nums.append(float(arg.value))


def resolve(op: Opnd, other: Opnd | None, notes: list[str]) -> Any:
    """The expression an operand stands for, given the operand on the other side."""
    if op.kind == "its":  # "its RSI": the instrument's own; averages of a subject: _pair
        assert op.inner is not None
        return resolve(op.inner, other, notes)
    if op.kind == "times":
        assert op.inner is not None
        return E.BinOp(op="*", left=resolve(op.inner, other, notes), right=E.Num(value=op.scale))
    node = _base(op, other, notes)
    return E.Lag(expr=node, bars=op.lag) if op.lag else node


def _base(op: Opnd, other: Opnd | None, notes: list[str]) -> Any:
    if op.kind in ("num", "pct"):
        return E.Num(value=op.nums[0])
    if op.kind in ("field", "it"):
        return E.FieldRef(name=op.source or "close")
    if op.kind == "channel":
        return _channel(op, notes)
    if op.kind == "expr":
        from app.compiler.offline.conds import template

        return template(f"{op.name} > 0").left
    if op.kind == "period":
        return _indicator(_borrow(op, other), other, notes)
    if op.kind == "out":
        return _indicator(_borrow_output(op, other, notes), other, notes)
    if (
        other is not None
        and other.kind == "out"
        and other.nums
        and op.name == _family(other.output)
    ):  # "MACD crosses its 5-day signal line"
        op = replace(_output_length(other, op, op.name, notes), output=op.output)
    return _indicator(op, other, notes)


def _borrow(op: Opnd, other: Opnd | None) -> Opnd:
    """ "the 30-day" -> the kind of average on the other side ("the 10-day SMA")."""
    if other is not None and other.kind == "ind" and other.name in (*MOVING, "ma"):
        return replace(other, nums=list(op.nums), lag=op.lag, text=op.text)
    if other is not None and other.kind == "period":
        return Opnd("ind", name="ma", nums=list(op.nums), lag=op.lag, text=op.text)
    raise Ask(f"'{op.text}' of what? Name the indicator, e.g. 'the {op.text} SMA'.")


def _family(output: str | None) -> str:
    """The indicator a line belongs to when only the line is named ("the signal line")."""
    return {"signal": "macd", "hist": "macd", "k": "stoch", "d": "stoch"}.get(
        output or "", "bollinger"
    )


def _borrow_output(op: Opnd, other: Opnd | None, notes: list[str]) -> Opnd:
    """ "the signal line" / "the lower band" -> that output of the indicator in play."""
    family = _family(op.output)
    if op.nums:  # "its 9-day signal line": the length of that line
        return _output_length(
            op,
            other if other is not None and other.kind == "ind" and other.name == family else None,
            family,
            notes,
        )
    if other is not None and other.kind == "ind" and other.name in (family, "donchian"):
        return replace(other, output=op.output, lag=op.lag)
    notes.append(f"'{op.text}' read as the {op.output} line of {family} with its usual settings")
    return Opnd("ind", name=family, output=op.output, text=op.text)


LINE_LENGTH = {
    ("macd", "signal"): 2,
    ("bollinger", "upper"): 0,
    ("bollinger", "lower"): 0,
    ("bollinger", "middle"): 0,
}
"""Which setting a line's own length is ("the 9-day signal line" is MACD's third)."""


def _output_length(op: Opnd, other: Opnd | None, family: str, notes: list[str]) -> Opnd:
    at = LINE_LENGTH.get((family, op.output or ""))
    if at is None:
        raise Ask(f"'{op.text}': which setting of {family.upper()} is that length?")
    nums = list(other.nums) if other is not None else []
    usual = list(CONVENTIONAL[family])
    if len(nums) > at and nums[at] != op.nums[0]:
        raise Ask(
            f"'{op.text}' and {family.upper()}({', '.join(f'{v:g}' for v in nums)}) "
            "give two lengths: which one?"
        )
    if len(nums) < at:
        unsaid = ", ".join(f"{v:g}" for v in usual[len(nums) : at])
        notes.append(f"{family.upper()} settings: {unsaid} (the usual ones; not stated)")
    nums = (nums + usual[len(nums) :])[: max(len(nums), at + 1)]
    nums[at] = op.nums[0]
    base = other if other is not None else Opnd("ind", family, text=op.text)
    return replace(base, nums=nums, output=op.output, lag=op.lag)


def _indicator(op: Opnd, other: Opnd | None, notes: list[str]) -> Any:
    name = op.name
    if name == "ma":
        name = "sma"
        notes.append(f"'{op.text}' read as a simple moving average (SMA)")
    if name == "donchian":
        return _donchian(op, notes)
    definition = CATALOG[name]
    params = _params(name, op, notes)
    source = op.source or (
        "volume"
        if other is not None
        and other.kind == "field"
        and other.source == "volume"
        and name in MOVING
        else "close"
    )
    if name in MOVING and source == "volume" and not op.source:
        notes.append(f"the {op.text} is of volume (compared with volume)")
    src = E.FieldRef(name=source) if definition.takes_source else None
    output = op.output if op.output in definition.outputs else definition.default_output
    if op.output and op.output not in definition.outputs:
        raise Ask(f"{name.upper()} has no '{op.output}' line: which line did you mean?")
    return E.Indicator(name=name, source=src, params=params, output=output)


def _params(name: str, op: Opnd, notes: list[str]) -> tuple[float, ...]:
    definition = CATALOG[name]
    given = list(op.nums)
    if name in CONVENTIONAL and len(given) < len(definition.params):
        usual = CONVENTIONAL[name]
        if not given:
            notes.append(
                f"{name.upper()} settings: {', '.join(f'{v:g}' for v in usual)} "
                "(the usual ones; not stated)"
            )
        given += list(usual[len(given) :])
    if not given and name in ("opening_high", "opening_low"):
        raise Ask(
            f"How many bars make the opening range in '{op.text}'? e.g. 'the opening "
            "range high of the first 3 bars'."
        )
    if not given:
        raise Ask(f"Which length for the {op.text or name}? e.g. 'the 50-day {op.text or name}'.")
    if len(given) > len(definition.params):
        raise Ask(
            f"{name.upper()} takes {len(definition.params)} setting(s), but "
            f"{', '.join(f'{v:g}' for v in given)} were given: which did you mean?"
        )
    given += [p.default for p in definition.params[len(given) :]]
    for value, param in zip(given, definition.params):
        if param.integer and value != int(value) or not param.low <= value <= param.high:
            raise Ask(f"{value:g} is not a valid {param.name} for {name.upper()}: which value?")
    return tuple(float(v) for v in given)


def _channel(op: Opnd, notes: list[str]) -> Any:
    """ "the 20-day high" -> highest(high, 20) over the 20 bars before this one."""
    if not op.nums:
        raise Ask(f"'{op.text}' over how many bars? e.g. 'the 20-day high'.")
    n = int(op.nums[0])
    func = op.name
    field_name = op.source or ("high" if func == "highest" else "low")
    notes.append(
        f"the {n}-bar {func} {field_name} is taken over the {n} bars before the current one"
    )
    return E.Lag(
        expr=E.Indicator(name=func, source=E.FieldRef(name=field_name), params=(float(n),)),
        bars=1 + op.lag,
    )


def _donchian(op: Opnd, notes: list[str]) -> Any:
    if op.output is None and op.source in ("high", "low"):  # "the 10-day Donchian low"
        op = replace(op, output="upper" if op.source == "high" else "lower")
    if not op.nums:
        raise Ask("Which length for the Donchian channel? e.g. '20-day'.")
    upper = _channel(Opnd("channel", "highest", list(op.nums), text=op.text), notes)
    lower = _channel(Opnd("channel", "lowest", list(op.nums), text=op.text), notes)
    if op.output == "upper":
        return upper
    if op.output == "lower":
        return lower
    if op.output == "middle":
        return E.BinOp(
            op="/", left=E.BinOp(op="+", left=upper, right=lower), right=E.Num(value=2.0)
        )
    raise Ask("Which line of the Donchian channel: the upper, the lower or the middle?")


def is_lower(op: Opnd) -> bool | None:
    """True for a level under price (lower band, N-day low), False over it, None unknown."""
    if op.output in ("lower",) or op.kind == "channel" and op.name == "lowest":
        return True
    if op.output in ("upper",) or op.kind == "channel" and op.name == "highest":
        return False
    if op.kind == "field" and op.lag and op.source in ("low", "high"):
        return op.source == "low"
    return None
