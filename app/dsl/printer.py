"""Spec -> canonical text. ``parse_spec(format_spec(spec)) == spec`` for every valid spec."""

from __future__ import annotations

from typing import Any

from app.indicators.catalog import CATALOG
from app.spec import expr as E
from app.spec.models import AGENTS, REGIMES, Level, Param, PctLevel, StrategySpec

_OR, _AND, _NOT, _CMP, _SUM, _PROD, _UNARY, _POSTFIX, _ATOM = range(1, 10)
_PRECEDENCE: dict[type, int] = {
    E.Or: _OR,
    E.And: _AND,
    E.Not: _NOT,
    E.Compare: _CMP,
    E.Cross: _CMP,
    E.Neg: _UNARY,
    E.Lag: _POSTFIX,
    E.Indicator: _ATOM,
    E.FieldRef: _ATOM,
    E.ParamRef: _ATOM,
}
"""How tightly each kind of node binds; numbers and arithmetic depend on their value."""


def num(value: float) -> str:
    """The shortest text that reads back as exactly ``value``."""
    if value == int(value) and abs(value) < 1e15:
        return str(int(value))
    return repr(float(value))


def quote(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


def format_spec(spec: StrategySpec) -> str:
    """The canonical text of a spec, one statement per line."""
    return "\n".join(_lines(spec)) + "\n"


def statement_key(line: str) -> str:
    """The spec part a canonical line sets (the parser's statement keys)."""
    if line.startswith("param "):
        return "params." + line[6:].split("=", 1)[0].strip().lower()
    for prefix, key in _LINE_KEYS:
        if line.startswith(prefix):
            return key
    return line.split(" ", 1)[0]


_LINE_KEYS = (
    ("strategy ", "name"),
    ("universe ", "universe"),
    ("screen", "screen"),
    ("timeframe ", "timeframe"),
    ("long when", "long_entry"),
    ("short when", "short_entry"),
    ("exit long", "long_exit"),
    ("exit short", "short_exit"),
    ("exit when", "exit"),
    ("stop loss", "stop_loss"),
    ("take profit", "take_profit"),
    ("trailing stop", "trailing_stop"),
    ("max hold", "max_hold_bars"),
    ("size ", "sizing"),
    ("max positions", "max_positions"),
    ("regime allow", "regime.allow"),
    ("regime transition", "regime.transition"),
    ("regime benchmark", "regime.benchmark"),
    ("agents ", "agents.team"),
    ("debate ", "agents.debate_rounds"),
    ("min conviction", "agents.min_conviction"),
    ("max daily loss", "limits.daily_loss_pct"),
    ("max drawdown", "limits.max_drawdown_pct"),
    ("max exposure", "limits.max_exposure_pct"),
    ("max position ", "limits.max_position_pct"),
    ("circuit breaker", "limits.circuit_breaker"),
    ("question ", "questions"),
)


def _lines(spec: StrategySpec) -> list[str]:
    universe = spec.universe_name or ", ".join(spec.universe)
    out = [f"strategy {quote(spec.name)}", "universe " + universe]
    if spec.screen is not None:
        out.append(_screen(spec))
    out.append(f"timeframe {spec.timeframe}")
    out += [format_param(p) for p in spec.params]
    out += _rules(spec)
    for word, level in (
        ("stop loss", spec.stop_loss),
        ("take profit", spec.take_profit),
        ("trailing stop", spec.trailing_stop),
    ):
        if level is not None:
            out.append(f"{word} {format_level(level)}")
    if spec.max_hold_bars is not None:
        out.append(
            f"max hold {arg(spec.max_hold_bars)} {'bar' if spec.max_hold_bars == 1 else 'bars'}"
        )
    if spec.sizing is not None:
        out.append("size " + format_sizing(spec.sizing.kind, spec.sizing.value))
    if spec.max_positions is not None:
        out.append(f"max positions {arg(spec.max_positions)}")
    out += _regime(spec) + _agents(spec) + _limits(spec)
    out += [f"question {quote(q)}" for q in spec.questions]
    return out


def _screen(spec: StrategySpec) -> str:
    screen = spec.screen
    assert screen is not None
    where = f" where {format_expr(screen.filter)}" if screen.filter is not None else ""
    order = "" if screen.descending else " ascending"
    return f"screen{where} rank by {format_expr(screen.rank_by)}{order} top {arg(screen.top)}"


def _rules(spec: StrategySpec) -> list[str]:
    out = []
    both = spec.direction == "both"
    shared_exit = both and spec.long_exit is not None and spec.long_exit == spec.short_exit
    for side in ("long", "short"):
        entry, exit_ = getattr(spec, f"{side}_entry"), getattr(spec, f"{side}_exit")
        if entry is not None:
            out.append(f"{side} when {format_expr(entry)}")
        if exit_ is not None and not (shared_exit and side == "short"):
            word = f"exit {side} when" if both and not shared_exit else "exit when"
            out.append(f"{word} {format_expr(exit_)}")
    return out


def arg(value: Any, unit: str = "") -> str:
    """A number with its unit, or the name of the parameter standing for it."""
    return value.name if isinstance(value, E.ParamRef) else f"{num(value)}{unit}"


def format_param(param: Param) -> str:
    unit = "%" if param.pct else ""
    values = [f"{num(v)}{unit}" for v in (param.default, param.low, param.high, param.step)]
    return f"param {param.name} = {values[0]} in {values[1]}..{values[2]} step {values[3]}"


def format_level(level: Level) -> str:
    if isinstance(level, PctLevel):
        return arg(level.pct, "%")
    return f"{arg(level.atr)} atr({arg(level.period)})"


def format_sizing(kind: str, value: Any) -> str:
    return {
        "pct_equity": f"{arg(value, '%')} of equity",
        "risk_pct": f"risk {arg(value, '%')} of equity",
        "fixed_usd": f"${arg(value)}",
        "fixed_shares": f"{arg(value)} shares",
    }[kind]


def _regime(spec: StrategySpec) -> list[str]:
    regime = spec.regime
    if regime is None:
        return []
    allow = "any" if tuple(regime.allow) == REGIMES else ", ".join(regime.allow)
    out = [f"regime allow {allow}"]
    if regime.transition != "raise" or regime.transition_raise != 10:
        extra = f" {regime.transition_raise}" if regime.transition == "raise" else ""
        out.append(f"regime transition {regime.transition}{extra}")
    if regime.benchmark:
        out.append(f"regime benchmark {regime.benchmark}")
    return out


def _agents(spec: StrategySpec) -> list[str]:
    agents = spec.agents
    if agents is None:
        return []
    team = "all" if tuple(agents.team) == AGENTS else ", ".join(agents.team)
    out = [f"agents {team}"]
    if agents.debate_rounds != 1:
        out.append(f"debate {agents.debate_rounds} rounds")
    if agents.min_conviction != 50:
        out.append(f"min conviction {agents.min_conviction}")
    return out


def _limits(spec: StrategySpec) -> list[str]:
    lim = spec.limits
    out = []
    for word, value in (
        ("max daily loss", lim.daily_loss_pct),
        ("max drawdown", lim.max_drawdown_pct),
        ("max exposure", lim.max_exposure_pct),
        ("max position", lim.max_position_pct),
    ):
        if value is not None:
            out.append(f"{word} {num(value)}%")
    if lim.circuit_breaker is not None:
        cb = lim.circuit_breaker
        out.append(
            f"circuit breaker {num(cb.move_pct)}% in {cb.bars} {'bar' if cb.bars == 1 else 'bars'}"
        )
    return out


# ----- expressions ---------------------------------------------------------------------------
def format_expr(node: Any) -> str:
    """Canonical text of an expression or condition."""
    return _fmt(node, 0)


def _prec(node: Any) -> int:
    """How tightly ``node`` binds (numbers by sign, arithmetic by operator)."""
    if isinstance(node, E.Num):
        return _UNARY if node.value < 0 else _ATOM
    return _PRECEDENCE.get(type(node), _SUM if getattr(node, "op", "") in "+-" else _PROD)


def _fmt(node: Any, min_prec: int) -> str:
    text = _fmt_bare(node)
    return f"({text})" if _prec(node) < min_prec else text


def _fmt_bare(node: Any) -> str:
    if isinstance(node, E.Num):
        return num(node.value)
    if isinstance(node, (E.FieldRef, E.ParamRef)):
        return node.name
    if isinstance(node, E.Indicator):
        return _fmt_indicator(node)
    if isinstance(node, E.Lag):
        return f"{_fmt(node.expr, _POSTFIX)}[{node.bars}]"
    if isinstance(node, E.Neg):
        return f"-{_fmt(node.expr, _UNARY)}"
    if isinstance(node, E.BinOp):
        prec = _prec(node)
        return f"{_fmt(node.left, prec)} {node.op} {_fmt(node.right, prec + 1)}"
    if isinstance(node, E.Compare):
        return f"{_fmt(node.left, _SUM)} {node.op} {_fmt(node.right, _SUM)}"
    if isinstance(node, E.Cross):
        return f"{_fmt(node.left, _SUM)} crosses {node.direction} {_fmt(node.right, _SUM)}"
    if isinstance(node, E.And):
        return " and ".join(_fmt(item, _NOT) for item in node.items)
    if isinstance(node, E.Or):
        return " or ".join(_fmt(item, _AND) for item in node.items)
    if isinstance(node, E.Not):
        return f"not {_fmt(node.item, _NOT)}"
    raise TypeError(f"cannot format {type(node).__name__}")


def _fmt_indicator(node: E.Indicator) -> str:
    args = [format_expr(node.source)] if node.source is not None else []
    args += [arg(p) for p in node.params]
    definition = CATALOG.get(node.name)
    suffix = f".{node.output}" if definition and definition.outputs and node.output else ""
    return f"{node.name}({', '.join(args)}){suffix}"
